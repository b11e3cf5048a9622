// `make crash-rounds`: kill -9 janus at a random moment during management writes, ROUNDS times
// (default 100), on one SQLite store. After every kill: `PRAGMA integrity_check` must say ok, and
// after the restart every acknowledged write must be there (invitations created, the room's
// PIN/layout as last acknowledged or as a later write that was sent but not yet answered).
// Prints: BENCH crash rounds=<n> lost=<n> corrupt=<n> acked_writes=<n> seconds=<f>
//   node tests/bench/crash_rounds.js [rounds]
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'tests', 'integration', 'lib');
const { startService } = require(path.join(LIB, 'service'));
const { vmrAdmin, vmrClient } = require(path.join(LIB, 'admin'));

const ROUNDS = Number(process.argv[2] || process.env.ROUNDS || 100);
const LAYOUTS = ['speaker', '1+7', '2x2', '3x3'];

async function writes(client, log, round) {
  let i = 0;
  try {
    for (;;) {
      i++;
      if (i % 3 === 0) {
        const pin = String(1000 + ((round * 97 + i) % 9000));
        const layout = LAYOUTS[i % 4];
        log.sentRoom.push({ pin, layout });
        const r = await client.req({ request: 'update_room', pin, layout });
        if (r && r.vmr === 'room') log.ackedRoom = { pin, layout, index: log.sentRoom.length - 1 };
      } else {
        const r = await client.req({ request: 'invite', email: `r${round}-${i}@example.org` });
        if (r && r.vmr === 'invited') log.invitations.push(r.invitation.id);
      }
    }
  } catch (e) {
    // the connection died with janus: expected
  }
}

(async () => {
  const t0 = Date.now();
  const svc = await startService({ name: 'crash-rounds', demoRoom: '', env: { ICE_IFACE: '', SIP_IP: '127.0.0.1', SIP_PORT: '15092', DEBUG_LEVEL: '3' } });
  let lost = 0, corrupt = 0, acked = 0, code = 0;
  try {
    await vmrAdmin(svc, { request: 'create_account', username: 'crash', password: 'crash-secret-1' });
    const allInvitations = [];
    let lastRoom = null;   // { acked: {pin, layout} | null, sent: [...] } of the previous round
    for (let round = 1; round <= ROUNDS; round++) {
      const client = await vmrClient(svc);
      const login = await client.req({ request: 'login', username: 'crash', password: 'crash-secret-1' });
      if (login.vmr !== 'login') throw new Error('login: ' + JSON.stringify(login));
      // Everything acknowledged so far must still be there (checked after every restart).
      const list = await client.req({ request: 'list_invitations' });
      const stored = new Set(list.invitations.map((x) => x.id));
      const missing = allInvitations.filter((id) => !stored.has(id));
      const room = (await client.req({ request: 'get_room' })).room;
      let roomLost = 0;
      if (lastRoom && lastRoom.acked) {
        const ok = lastRoom.sent.slice(lastRoom.acked.index).some((w) => w.pin === room.pin && w.layout === room.layout);
        if (!ok) roomLost = 1;
      }
      if (missing.length || roomLost) {
        lost += missing.length + roomLost;
        console.log(`# round ${round}: lost ${missing.length} invitation(s) ${missing.join(',')}${roomLost ? ' and the room update' : ''}`);
      }
      const log = { invitations: [], sentRoom: [], ackedRoom: null };
      const running = writes(client, log, round);
      await new Promise((r) => setTimeout(r, 30 + Math.floor(Math.random() * 600)));
      await svc.kill9();
      await running;
      client.close();
      allInvitations.push(...log.invitations);
      acked += log.invitations.length + (log.ackedRoom ? 1 : 0);
      lastRoom = log.ackedRoom ? { acked: log.ackedRoom, sent: log.sentRoom } : lastRoom;
      const check = execFileSync('sqlite3', [svc.database, 'PRAGMA integrity_check;']).toString().trim();
      if (check !== 'ok') {
        corrupt++;
        console.log(`# round ${round}: integrity_check: ${check.slice(0, 200)}`);
      }
      await svc.restart();
      if (round % 10 === 0) console.log(`# ${round} rounds, ${acked} acknowledged writes, lost ${lost}, corrupt ${corrupt}`);
    }
    // the last round's writes
    const client = await vmrClient(svc);
    await client.req({ request: 'login', username: 'crash', password: 'crash-secret-1' });
    const stored = new Set((await client.req({ request: 'list_invitations' })).invitations.map((x) => x.id));
    lost += allInvitations.filter((id) => !stored.has(id)).length;
    client.close();
  } catch (e) {
    console.error('crash-rounds failed:', e.stack || e.message);
    code = 1;
  } finally {
    await svc.stop();
  }
  console.log(`BENCH crash rounds=${ROUNDS} lost=${lost} corrupt=${corrupt} acked_writes=${acked} seconds=${((Date.now() - t0) / 1000).toFixed(1)}`);
  process.exit(code || (lost || corrupt ? 1 : 0));
})();
