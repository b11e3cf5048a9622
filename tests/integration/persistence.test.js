// Crash safety of the store: kill -9 janus in the middle of a burst of management requests;
// after a restart every acknowledged change is there and SQLite's integrity check passes.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');

let svc;
before(async () => {
  svc = await startService({ name: 'persistence' });
  await vmrAdmin(svc, { request: 'create_account', username: 'carol', password: 'carol-secret-1' });
});
after(async () => { if (svc) await svc.stop(); });

async function burst(client, acked, stopAfterMs) {
  const t0 = Date.now();
  let i = 0;
  try {
    while (Date.now() - t0 < stopAfterMs + 5000) {
      const email = `guest${acked.round}-${i++}@example.org`;
      const r = await client.req({ request: 'invite', email });
      if (r && r.vmr === 'invited') acked.ids.push(r.invitation.id);
    }
  } catch (e) {
    // the connection died with janus: expected
  }
}

for (let round = 1; round <= 3; round++) {
  test(`kill -9 during a burst of invitations loses no acknowledged write (round ${round})`, async () => {
    const client = await vmrClient(svc);
    const login = await client.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
    assert.equal(login.vmr, 'login');
    const acked = { round, ids: [] };
    const running = burst(client, acked, 0);
    // Kill at a random moment 200-900 ms into the burst.
    await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 700)));
    await svc.kill9();
    await running;
    client.close();
    assert.ok(acked.ids.length > 0, 'some writes were acknowledged before the kill');
    const check = execFileSync('sqlite3', [svc.database, 'PRAGMA integrity_check;']).toString().trim();
    assert.equal(check, 'ok');
    await svc.restart();
    const c2 = await vmrClient(svc);
    try {
      assert.equal((await c2.req({ request: 'login', username: 'carol', password: 'carol-secret-1' })).vmr, 'login');
      const list = await c2.req({ request: 'list_invitations' });
      const stored = new Set(list.invitations.map((i) => i.id));
      const lost = acked.ids.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${acked.ids.length} acknowledged, ${lost.length} lost`);
    } finally {
      c2.close();
    }
  });
}

test('rooms and accounts survive a clean restart', async () => {
  const c = await vmrClient(svc);
  await c.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
  const r = await c.req({ request: 'update_room', name: 'carol-team', pin: '2468', layout: '3x3' });
  assert.equal(r.vmr, 'room');
  c.close();
  await svc.restart();
  const c2 = await vmrClient(svc);
  try {
    await c2.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
    const g = await c2.req({ request: 'get_room' });
    assert.deepEqual([g.room.address, g.room.pin, g.room.layout], ['carol-team.join', '2468', '3x3']);
    assert.equal(g.room.meeting_number, r.room.meeting_number);
  } finally {
    c2.close();
  }
});
