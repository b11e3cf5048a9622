// Notifications follow the live login, not a handle's cached account: a page whose login
// session was logged out elsewhere hears no more of the owner's guests.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');

describe('security: notifications need a live login', () => {
  let svc, alice;

  before(async () => {
    svc = await startService({ name: 'security-sessions', demoRoom: '' });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    alice = a.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('a page whose login was logged out elsewhere gets no guest_joined', async () => {
    const pageA = await vmrClient(svc), pageB = await vmrClient(svc), other = await vmrClient(svc);
    let guest;
    try {
      const a = await pageA.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
      assert.equal(a.vmr, 'login', JSON.stringify(a));
      const b = await pageB.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
      assert.equal(b.vmr, 'login', JSON.stringify(b));
      // A's token is logged out from another connection.
      const r = await other.req({ request: 'resume', token: a.token });
      assert.equal(r.vmr, 'login', JSON.stringify(r));
      const out = await other.req({ request: 'logout' });
      assert.ok(!out.error_code, JSON.stringify(out));
      guest = await launchBrowser();
      await guest.page.goto(`${svc.httpUrl}/?room=${alice.address}&name=Visitor&autojoin=1`);
      await waitJoined(guest.page);
      const told = await pageB.event((d) => d.guest_joined, 10000, 'guest_joined on the live page');
      assert.equal(told.guest_joined.display, 'Visitor');
      await assert.rejects(pageA.event((d) => d.guest_joined, 2000, 'guest_joined'), /timeout/,
        'the logged-out page heard of the guest');
    } finally {
      if (guest) await guest.close();
      pageA.close();
      pageB.close();
      other.close();
    }
  });
});
