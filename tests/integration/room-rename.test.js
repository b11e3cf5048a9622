// Renaming a running room (update_room with a new name) keeps one room: the people in it stay,
// a join by the new address lands in the same room, and the old address no longer leads anywhere.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');

describe('renaming a running room', () => {
  let svc, alice;

  before(async () => {
    svc = await startService({ name: 'room-rename', demoRoom: '' });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    alice = a.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('one in before the rename and one joining by the new name after are in one room and see each other', async () => {
    const owner = await vmrClient(svc), guest = await vmrClient(svc), late = await vmrClient(svc);
    try {
      assert.equal((await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' })).vmr, 'login');
      const j = await owner.message(owner.handle, { request: 'join', room: alice.address, display: 'Alice' }, OPUS_OFFER);
      assert.equal(j.data && j.data.vmr, 'joined', JSON.stringify(j.data));
      const ownerId = j.data.id;
      const r = await owner.req({ request: 'update_room', name: 'anna' });
      assert.equal(r.vmr, 'room', JSON.stringify(r));
      const renamed = r.room.address;
      assert.notEqual(renamed, alice.address);
      const g = await guest.message(guest.handle, { request: 'join', room: renamed, display: 'Guest' }, OPUS_OFFER);
      assert.equal(g.data && g.data.vmr, 'joined', JSON.stringify(g.data));
      assert.equal(g.data.room, renamed);
      assert.ok(g.data.participants.some((p) => p.id === ownerId), `the guest sees the owner: ${JSON.stringify(g.data.participants)}`);
      const lp = await owner.req({ request: 'listparticipants' });
      assert.equal(lp.room, renamed, JSON.stringify(lp));
      assert.deepEqual(lp.participants.map((p) => p.display).sort(), ['Alice', 'Guest'], JSON.stringify(lp));
      const lg = await guest.req({ request: 'listparticipants' });
      assert.deepEqual(lg.participants.map((p) => p.id).sort(), lp.participants.map((p) => p.id).sort());
      // The old address leads nowhere now.
      const old = await late.message(late.handle, { request: 'join', room: alice.address, display: 'Late' }, OPUS_OFFER);
      assert.ok(old.data && old.data.error_code, `a join by the old address is refused: ${JSON.stringify(old.data)}`);
    } finally {
      owner.close();
      guest.close();
      late.close();
    }
  });
});
