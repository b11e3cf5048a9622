// PostgreSQL restarting under load (issue #15), on the real cluster of scripts/cluster.sh: rooms
// run on every node with plain-API participants and a SIP caller through Kamailio, `locate`
// requests keep coming, and PostgreSQL restarts (fast shutdown: every node's connections are
// cut). Afterwards every node has renewed its lease on the new server by itself, the running
// rooms still run on the same node with their participants (the caller's call is still up), the
// placements are the same, a new participant of a running room and a caller through Kamailio
// reach the room's node, and a new room is placed.
// Run by tests/run-cluster.sh (it starts the cluster and runs this inside its network).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  cluster, sql, placements, admin, runningRooms, apiClient, apiJoin, sipCall, nodeOfContact, until, restartDb, sleep,
} = require('./lib/cluster');

let c;
const ROOMS = ['pgr0', 'pgr1', 'pgr2'];
const SIP_ROOM = 'pgrsip';
const clients = [];
let call;

before(async () => {
  c = cluster();
  await until(() => Number(sql(c, 'SELECT count(*) FROM cluster_nodes WHERE lease_until > now()')[0][0]) === c.nodes.length,
    30000, 'every node has a lease');
  for (const r of [...ROOMS, SIP_ROOM, 'pgrnew']) await admin(c, c.nodes[0], { request: 'create_room', name: r });
});

after(() => {
  for (const cl of clients) cl.close();
  if (call) call.kill();
});

test('PostgreSQL restarts under load: nodes renew their leases, running rooms keep running on their nodes with their participants, new joins and calls find them', async () => {
  for (const [i, r] of ROOMS.entries()) {
    const j = await apiJoin(c, c.nodes[i % c.nodes.length], r, `app ${i}`);
    clients.push(j.client);
    await until(() => placements(c)[r], 10000, `${r} placed`);
  }
  call = sipCall(c, `sip:${SIP_ROOM}@${c.domain}`, 120000);
  const callNode = nodeOfContact(c, await call.answered);
  assert.ok(callNode, `the call to ${SIP_ROOM} through Kamailio was answered`);
  await until(() => placements(c)[SIP_ROOM], 10000, `${SIP_ROOM} placed`);
  const mine = [...ROOMS, SIP_ROOM];
  const placedBefore = placements(c);
  const runningBefore = {};
  for (const n of c.nodes) runningBefore[n.id] = await runningRooms(n);

  // Load during the restart: locate requests on every node (answers or errors, never a hang).
  let stop = false;
  let locates = 0;
  const load = Promise.all(c.nodes.map(async (n) => {
    const api = await apiClient(n.ws);
    while (!stop) {
      await api.req({ request: 'locate', room: ROOMS[locates % ROOMS.length] }).catch(() => null);
      locates++;
      await sleep(20);
    }
    api.close();
  }));
  const t0 = Date.now();
  restartDb();
  const restartedAt = sql(c, 'SELECT now()')[0][0];
  console.log(`# PostgreSQL restarted in ${Date.now() - t0} ms`);
  // Renewed on the new server: a heartbeat after the restart sets lease_until past restart + lease.
  const renewed = await until(() => {
    const n = Number(sql(c, `SELECT count(*) FROM cluster_nodes WHERE lease_until > '${restartedAt}'::timestamptz `
      + `+ make_interval(secs => ${c.lease_seconds})`)[0][0]);
    return n === c.nodes.length && Date.now() - t0;
  }, 30000, 'every node renewed its lease after the restart');
  stop = true;
  await load;
  console.log(`# every node renewed its lease ${renewed} ms after the restart began; ${locates} locates meanwhile`);

  // The rooms kept running where they ran, with the same participants; the call is up.
  for (const n of c.nodes) {
    const running = await runningRooms(n);
    for (const r of mine) {
      if (placedBefore[r] !== n.id) continue;
      assert.equal(running[r], runningBefore[n.id][r], `${r} still runs on ${n.id} with its participants`);
    }
  }
  for (const cl of clients) assert.equal(cl.closed, false, 'the participants\' connections stay open');
  assert.equal(await Promise.race([call.done, sleep(10).then(() => 'up')]), 'up', 'the SIP call is still up');
  const placedAfter = placements(c);
  for (const r of mine) assert.equal(placedAfter[r], placedBefore[r], `${r} is still placed on its node`);

  // New participants find the rooms' nodes through the restarted store, and so does Kamailio.
  for (const [i, r] of ROOMS.entries()) {
    const j = await apiJoin(c, c.nodes[(i + 1) % c.nodes.length], r, `after ${i}`);
    clients.push(j.client);
    assert.equal(j.node, placedBefore[r], `a new participant of ${r} reaches its node`);
  }
  const again = sipCall(c, `sip:${ROOMS[0]}@${c.domain}`, 1000);
  assert.equal(nodeOfContact(c, await again.answered), placedBefore[ROOMS[0]], 'a caller through Kamailio reaches the room\'s node');
  await again.done;
  const fresh = await apiJoin(c, c.nodes[0], 'pgrnew', 'new');
  clients.push(fresh.client);
  await until(() => placements(c).pgrnew === fresh.node, 10000, 'a new room is placed on the node it started on');
});
