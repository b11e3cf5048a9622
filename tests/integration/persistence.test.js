// Crash safety of the store: kill -9 janus in the middle of a burst of management requests;
// after a restart every acknowledged change is there and SQLite's integrity check passes.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');

const SIP_PORT = 5070;

/** One sipp REGISTER with digest as carol (her SIP password); true when it got 200. */
function sippRegister(localPort) {
  const r = spawnSync('sipp', ['-sf', path.join(__dirname, 'sip', 'register.xml'), '-m', '1', '-l', '1', '-i', '127.0.0.1',
    '-p', String(localPort), '-timeout', '15s', '-timeout_error', '-nostdin', '-key', 'domain', 'localhost', '-key', 'expires', '600',
    '-key', 'user', 'carol', '-au', 'carol', '-ap', carolSip, '-trace_err', '-error_file', path.join(OUT, `sipp-persist-${localPort}.err`),
    `127.0.0.1:${SIP_PORT}`], { stdio: 'ignore', timeout: 30000 });
  return r.status === 0;
}

let svc, carolSip;
before(async () => {
  svc = await startService({ name: 'persistence', env: { SIP_PORT: String(SIP_PORT), SIP_IP: '127.0.0.1' } });
  carolSip = (await vmrAdmin(svc, { request: 'create_account', username: 'carol', password: 'carol-secret-1' })).sip_password;
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

test('janus killed under load and restarted: the call comes back by itself, the store is intact, SIP devices register again', async () => {
  assert.ok(sippRegister(16101), 'a device registers before the crash');
  const c = await vmrClient(svc);
  await c.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
  const before = (await c.req({ request: 'list_invitations' })).invitations.length;
  c.close();
  const b = await launchBrowser();
  try {
    await b.page.goto(`${svc.httpUrl}/?room=demo&name=Survivor&autojoin=1`);
    await waitJoined(b.page);
    await svc.kill9();
    await svc.restart();
    // The page notices the lost session and joins again on its own.
    await b.page.waitForFunction(() => window.vmr.reconnects >= 1 && window.vmr.joined &&
      window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 90000, polling: 500 });
    // Registrations live in memory: devices register again (they do so on their own timer).
    assert.ok(sippRegister(16103), 'the device registers again after the restart');
    const c2 = await vmrClient(svc);
    try {
      await c2.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
      assert.equal((await c2.req({ request: 'list_invitations' })).invitations.length, before, 'every invitation is still there');
      assert.equal((await c2.req({ request: 'get_room' })).room.address, 'carol-team.join');
    } finally {
      c2.close();
    }
  } finally {
    await b.close();
  }
});
