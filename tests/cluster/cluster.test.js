// Several nodes behind Kamailio on one PostgreSQL (issue #15), on the real cluster of
// scripts/cluster.sh (3 nodes in their own network namespaces, Kamailio, PostgreSQL):
// rooms joined by plain-API clients (locate, then join on the node named) and by SIP callers
// through Kamailio end up spread over the nodes, each running on exactly one (the store's
// room_placement and each node's own /metrics agree); a caller by room address or meeting
// number reaches the room's node; a phone that dials the bare address (baresip, Kamailio as its
// outbound proxy) lands in one node's lobby, a wrong meeting number keeps it there, the right
// one (and a PIN room's PIN) gets it REFERred through Kamailio to the room on another node; a
// device registers through Kamailio (digest checked by a node against the shared store), and a
// guest's join on a node that did not store the registration makes that node call the device
// into the room through Kamailio; SQL in a Request-URI is not run; kill -9 of a node: its rooms
// take new joins and calls on another node within 10 s, and no acknowledged write is lost;
// `locate` never tells a stranger whether a PIN room is in a meeting.
// CLUSTER_ROOMS (default 6; `make test-cluster`: 30) sets how many rooms.
// Run by tests/run-cluster.sh (it starts the cluster and runs this inside its network).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  cluster, sql, placements, nodeById, admin, runningRooms, apiClient, apiJoin, locate, sipCall, sipRegister, nodeOfContact, until,
  killNode, startNode, dispatcher, sleep, sipCalls, sipDevice, sipRegisterContact, CLUSTER_DIR, OUT,
} = require('./lib/cluster');
const { startBaresip } = require('../integration/lib/baresip');
const { OPUS_OFFER } = require('../integration/lib/sdp');

const ROOMS = Number(process.env.CLUSTER_ROOMS || 6);
const PASSWORD = 'cluster-secret-1';
let c;
const rooms = []; // { address, kind: 'app'|'sip', owner?, number }
const clients = []; // plain-API participants kept in their rooms
const calls = []; // sipp callers kept in their rooms
const joinedOn = {}; // room -> node id the participant ended up on

/** Node id's log so far (scripts/cluster.sh writes logs/node<I>.log). */
function nodeLog(id) {
  return fs.readFileSync(path.join(CLUSTER_DIR, 'logs', `node${id.slice(1)}.log`), 'utf8');
}

function liveNodes() {
  return sql(c, 'SELECT node_id FROM cluster_nodes WHERE lease_until > now() ORDER BY node_id').map((r) => r[0]);
}

before(async () => {
  c = cluster();
  await until(() => liveNodes().length === c.nodes.length, 20000, 'every node has a lease');
  const n1 = c.nodes[0];
  for (let i = 0; i < ROOMS; i++) {
    // Half personal rooms (<user>.join, joined by apps), half enterprise rooms (called over SIP).
    if (i % 2 === 0) {
      const owner = `owner${i}`;
      const acc = await admin(c, c.nodes[i % c.nodes.length], { request: 'create_account', username: owner, password: PASSWORD });
      rooms.push({ address: `${owner}.join`, kind: 'app', owner, sipPassword: acc.sip_password });
    } else {
      await admin(c, n1, { request: 'create_room', name: `team${i}` });
      rooms.push({ address: `team${i}`, kind: 'sip' });
    }
  }
  const numbers = Object.fromEntries(sql(c, 'SELECT address, meeting_number FROM rooms'));
  for (const r of rooms) r.number = numbers[r.address];
});

after(async () => {
  for (const cl of clients) cl.close();
  for (const call of calls) call.kill();
});

test(`${ROOMS} rooms joined by apps and SIP callers through Kamailio spread over the nodes, each on exactly one`, async () => {
  for (const [i, r] of rooms.entries()) {
    const placedBefore = Object.keys(placements(c)).length;
    if (r.kind === 'app') {
      // Ask a different node each time: any node answers where the room lives (or will).
      const j = await apiJoin(c, c.nodes[i % c.nodes.length], r.address, `app ${i}`);
      clients.push(j.client);
      joinedOn[r.address] = j.node;
    } else {
      const call = sipCall(c, `sip:${r.address}@${c.domain}`, 300000);
      calls.push(call);
      const contact = await call.answered;
      assert.ok(contact, `the call to ${r.address} through Kamailio was answered`);
      joinedOn[r.address] = nodeOfContact(c, contact);
    }
    await until(() => placements(c)[r.address], 10000, `${r.address} placed`);
    // Placement goes by the load the nodes report: wait for the heartbeat that counts it.
    await until(() => Number(sql(c, 'SELECT sum(rooms) FROM cluster_nodes')[0][0]) >= placedBefore + 1, 10000,
      'the nodes report the new room');
  }
  const placed = placements(c);
  const perNode = {};
  for (const r of rooms) {
    assert.ok(placed[r.address], `${r.address} is in room_placement`);
    assert.equal(placed[r.address], joinedOn[r.address], `${r.address}: its participant is on the node it is placed on`);
    perNode[placed[r.address]] = (perNode[placed[r.address]] || 0) + 1;
  }
  console.log('rooms per node:', JSON.stringify(perNode));
  for (const n of c.nodes) assert.ok(perNode[n.id] > 0, `node ${n.id} carries rooms (${JSON.stringify(perNode)})`);

  // Each node's own state: the rooms running there are exactly the rooms placed there.
  const seen = {};
  for (const n of c.nodes) {
    const running = await runningRooms(n);
    for (const r of rooms) {
      if (running[r.address]) seen[r.address] = (seen[r.address] || []).concat(n.id);
    }
  }
  for (const r of rooms) assert.deepEqual(seen[r.address], [placed[r.address]], `${r.address} runs on exactly one node`);
});

test('a caller by room address and by meeting number reaches the room\'s node through Kamailio', async () => {
  const placed = placements(c);
  const apps = rooms.filter((r) => r.kind === 'app');
  for (const [i, r] of apps.entries()) {
    const user = i % 2 === 0 ? r.address : r.number;
    const call = sipCall(c, `sip:${user}@${c.domain}`, 1000);
    const contact = await call.answered;
    assert.equal(nodeOfContact(c, contact), placed[r.address], `sip:${user} (room ${r.address}) answered on its node`);
    assert.equal(await call.done, 0, `the call to ${user} ended with BYE through Kamailio`);
  }
});

test('locate tells a stranger nothing of a PIN room (the answer is the one for a name that does not exist); the join with the PIN reaches the room\'s node', async () => {
  await admin(c, c.nodes[0], { request: 'create_room', name: 'boardroom', pin: '4321' });
  // The meeting starts on a node that is not the one a new room would go to (a join on a node
  // places an unplaced room there), so an answer that named the room's node would differ.
  const best = (await locate(c.nodes[0], 'no-such-room-here')).node;
  const home = c.nodes.find((n) => n.id !== best);
  const first = await apiClient(home.ws);
  clients.push(first);
  const j = (await first.req({ request: 'join', room: 'boardroom', display: 'member', pin: '4321' }, OPUS_OFFER, 15000)).data;
  assert.equal(j.vmr, 'joined', JSON.stringify(j));
  const placed = placements(c).boardroom;
  assert.equal(placed, home.id, 'the room is placed on the node its first member joined');
  for (const n of c.nodes) {
    let pinRoom, unknown;
    for (let i = 0; i < 5; i++) { // the best node may change between two questions
      pinRoom = await locate(n, 'boardroom');
      unknown = await locate(n, 'no-such-room-here');
      if (pinRoom.node === unknown.node) break;
    }
    assert.equal(pinRoom.vmr, 'located', JSON.stringify(pinRoom));
    assert.equal(pinRoom.node, unknown.node, `node ${n.id}: a running PIN room and an unknown name located alike`);
    console.log(`# asked ${n.id}: boardroom runs on ${placed}, located at ${pinRoom.node} as an unknown name is`);
  }
  const second = await apiJoin(c, c.nodes[c.nodes.length - 1], 'boardroom', 'guest', '4321');
  clients.push(second.client);
  assert.equal(second.node, placed, 'the guest with the PIN ends up on the room\'s node');
});

test('a device registers through Kamailio: a node checks its digest against the shared store and stores the binding', async () => {
  const r = rooms.find((x) => x.kind === 'app');
  assert.equal(await sipRegister(c, r.owner, r.sipPassword), 0, 'REGISTER with digest answered 200 through Kamailio');
  const rows = sql(c, `SELECT node_id, contact FROM sip_registrations WHERE username = '${r.owner}'`);
  assert.equal(rows.length, 1, `one binding of ${r.owner} in the shared store: ${JSON.stringify(rows)}`);
  assert.ok(c.nodes.some((n) => n.id === rows[0][0]), 'stored by a node of the cluster');
  assert.notEqual(await sipRegister(c, r.owner, 'wrong-password'), 0, 'a wrong password is refused');
});

/** The calls of the bridge of every node whose caller (From) matches re: [{ node, call }]. */
async function callsOf(re) {
  const out = [];
  for (const n of c.nodes) for (const call of await sipCalls(c, n)) if (re.test(call.caller)) out.push({ node: n.id, call });
  return out;
}

/**
 * A phone (baresip: it follows a REFER by itself, with a new INVITE to the Refer-To) whose
 * outbound proxy is Kamailio dials the bare address: INVITE sip:10.77.0.2, no room in the
 * Request-URI (baresip 1.0 adds the account's domain to a "sip:" URI without a user, not to a
 * plain IP). Resolves { ua, mine (its calls' From), lobby (the node whose lobby answered) }.
 */
async function lobbyCaller(user) {
  const ua = await startBaresip(`cluster-${user}`, {
    audio: 'pcmu', video: 'none', toneHz: 500, ip: c.client_ip,
    account: () => `<sip:${user}@${c.domain}>;regint=0;outbound="sip:${c.kamailio}:5060";audio_codecs=PCMU/8000/1`,
  });
  const mine = new RegExp(`^sip:${user}@`);
  try {
    ua.cmd('dial', c.kamailio);
    const inLobby = await until(async () => (await callsOf(mine)).find((x) => x.call.state === 'lobby'), 10000,
      'the bare-address call in a node\'s lobby');
    return { ua, mine, lobby: inLobby.node, lobbyLeg: { node: inLobby.node, id: inLobby.call.id } };
  } catch (e) {
    await ua.stop();
    throw e;
  }
}

/**
 * Waits for the referred call of `mine` in `state` (on whichever node) and for the lobby leg to be
 * gone. The lobby leg is told apart by its node and id, not by its state: right after the REFER it
 * may still be there in the same state ('pin') as the new call will be.
 */
async function referredCall(mine, state, what, lobbyLeg) {
  return until(async () => {
    const all = await callsOf(mine);
    const isLobbyLeg = (x) => x.node === lobbyLeg.node && x.call.id === lobbyLeg.id;
    return all.length === 1 && !isLobbyLeg(all[0]) && all[0].call.state === state ? all[0] : null;
  }, 10000, what);
}

test('a caller of the bare address: the lobby of one node refuses a wrong meeting number, and REFERs the right one through Kamailio to the room on another node', async () => {
  const { ua, mine, lobby, lobbyLeg } = await lobbyCaller('lobbycaller');
  try {
    const placed = placements(c);
    const room = rooms.find((r) => placed[r.address] && placed[r.address] !== lobby);
    assert.ok(room, `a room placed on another node than the lobby's ${lobby}: ${JSON.stringify(placed)}`);
    const home = nodeById(c, placed[room.address]);
    console.log(`# lobby on ${lobby}; ${room.address} (${room.number}) runs on ${home.id}`);

    const numbers = new Set(sql(c, 'SELECT meeting_number FROM rooms').map((x) => Number(x[0])));
    let wrong = 999999;
    while (numbers.has(wrong)) wrong--;
    let from = ua.events.length;
    ua.cmd('sndcode', `${wrong}#`);
    await until(() => /wrong meeting number/.test(nodeLog(lobby)), 8000, 'the lobby heard the wrong number');
    await sleep(1000); // (a REFER would follow at once)
    const after = await callsOf(mine);
    assert.deepEqual(after.map((x) => [x.node, x.call.state, x.call.room]), [[lobby, 'lobby', undefined]],
      'a wrong meeting number: the caller stays in the lobby, nowhere else');
    assert.ok(!ua.events.slice(from).some((e) => e.type === 'TRANSFER'), 'and is not REFERred');

    from = ua.events.length;
    const participants = (await runningRooms(home))[room.address];
    ua.cmd('sndcode', `${room.number}#`);
    await ua.event('TRANSFER', 10000, from); // the REFER reached the caller
    // The lobby leg ends once the REFER is answered: one call of the caller left, in the room.
    const joined = await referredCall(mine, 'in-room', `the referred caller in ${room.address}`, lobbyLeg);
    assert.equal(joined.node, home.id, 'the new INVITE through Kamailio reached the room\'s node');
    assert.notEqual(joined.node, lobby);
    assert.equal(joined.call.room, room.address);
    assert.equal((await runningRooms(home))[room.address], participants + 1, `${home.id} counts the caller in ${room.address}`);
  } finally {
    await ua.stop();
    fs.rmSync(ua.dir, { recursive: true, force: true });
  }
});

test('a caller of the bare address into a PIN room running on another node: PIN in the lobby, REFER, the PIN again on the room\'s node, in the room there', async () => {
  const { ua, mine, lobby, lobbyLeg } = await lobbyCaller('pincaller');
  const clientsBefore = clients.length;
  try {
    // A PIN room started now on a node that is not the lobby's (a join places an unplaced room
    // on the node it is made on).
    await admin(c, c.nodes[0], { request: 'create_room', name: 'pinroom', pin: '2468' });
    const number = sql(c, "SELECT meeting_number FROM rooms WHERE address = 'pinroom'")[0][0];
    const home = c.nodes.find((n) => n.id !== lobby);
    const member = await apiClient(home.ws);
    clients.push(member);
    const j = (await member.req({ request: 'join', room: 'pinroom', display: 'member', pin: '2468' }, OPUS_OFFER, 15000)).data;
    assert.equal(j.vmr, 'joined', JSON.stringify(j));
    assert.equal(placements(c).pinroom, home.id);
    console.log(`# lobby on ${lobby}; pinroom (${number}) runs on ${home.id}`);

    ua.cmd('sndcode', `${number}#`);
    await until(async () => (await callsOf(mine)).find((x) => x.node === lobby && x.call.state === 'pin'), 8000,
      'the lobby asks for pinroom\'s PIN');
    const from = ua.events.length;
    ua.cmd('sndcode', '2468#');
    await ua.event('TRANSFER', 10000, from);
    const asked = await referredCall(mine, 'pin', 'the room\'s node asks for the PIN again', lobbyLeg);
    assert.equal(asked.node, home.id, 'the referred call reached the room\'s node');
    assert.equal(asked.call.room, 'pinroom');
    ua.cmd('sndcode', '2468#');
    const joined = await referredCall(mine, 'in-room', 'the caller in pinroom', lobbyLeg);
    assert.equal(joined.node, home.id);
    assert.equal((await runningRooms(home)).pinroom, 2, `${home.id} has the member and the caller in pinroom`);
  } finally {
    await ua.stop();
    fs.rmSync(ua.dir, { recursive: true, force: true });
    for (const cl of clients.splice(clientsBefore)) cl.close();
  }
});

test('a guest joins on a node that does not hold the owner\'s registration: the room\'s node calls the owner\'s device into the room', async () => {
  const owner = 'devowner';
  const acc = await admin(c, c.nodes[0], { request: 'create_account', username: owner, password: PASSWORD });
  const address = acc.room.address;
  const o = await apiClient(c.nodes[0].ws);
  try {
    assert.equal((await o.req({ request: 'login', username: owner, password: PASSWORD })).data.vmr, 'login');
    assert.equal((await o.req({ request: 'update_room', receive_call: true })).data.room.receive_call, true);
  } finally {
    o.close();
  }
  const device = sipDevice(c, 'device_answer.xml', 5000); // (in the room for 5 s, then BYE)
  try {
    assert.equal(await sipRegisterContact(c, owner, acc.sip_password, device.port), 0, 'the device registered through Kamailio');
    const rows = sql(c, `SELECT node_id, contact FROM sip_registrations WHERE username = '${owner}'`);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const registrar = rows[0][0];
    // The guest's join places the (not running) room on the node it is made on: not the registrar.
    const roomNode = c.nodes.find((n) => n.id !== registrar);
    const guest = await apiClient(roomNode.ws);
    clients.push(guest);
    const j = (await guest.req({ request: 'join', room: address, display: 'guest' }, OPUS_OFFER, 15000)).data;
    assert.equal(j.vmr, 'joined', JSON.stringify(j));
    assert.equal(placements(c)[address], roomNode.id, 'the room runs on the guest\'s node');
    console.log(`# registration stored by ${registrar}; ${address} runs on ${roomNode.id}`);
    const dialled = await until(async () => (await sipCalls(c, roomNode)).find((x) => x.direction === 'out'
      && x.via === 'dial-out' && x.room === address && x.state === 'in-room'), 10000, 'the owner\'s device in the room');
    assert.equal(dialled.caller, rows[0][1], 'the room\'s node called the registered contact');
    assert.equal((await runningRooms(roomNode))[address], 2, `${roomNode.id} has the guest and the owner's device in ${address}`);
    for (const n of c.nodes.filter((x) => x !== roomNode)) {
      assert.ok(!(await sipCalls(c, n)).some((x) => x.room === address), `no call of ${address} on ${n.id}`);
    }
    assert.equal(await device.done, 0, 'the device was called, answered and hung up');
    await until(async () => !(await sipCalls(c, roomNode)).some((x) => x.room === address && x.via === 'dial-out'), 5000,
      `the device's BYE through Kamailio ended the call on ${roomNode.id}`);
    // Through Kamailio (the node's preloaded Route to cluster_proxy, docs/scale-out.md rule 2): the
    // INVITE the device got has Kamailio's Via on top of the room's node's.
    const msg = fs.readFileSync(path.join(OUT, `cluster-sipp-${device.port}.msg`), 'utf8');
    const invite = (msg.match(/^INVITE [^]*?\r?\n\r?\n/m) || [''])[0];
    const vias = [...invite.matchAll(/^Via: SIP\/2\.0\/\w+ ([0-9.]+)/gm)].map((m) => m[1]);
    assert.deepEqual(vias, [c.kamailio, roomNode.ip], `the device's INVITE came from ${roomNode.id} through Kamailio:\n${invite}`);
    const ack = (msg.match(/^ACK [^]*?\r?\n\r?\n/m) || [''])[0];
    assert.match(ack, new RegExp(`^Via: SIP/2\\.0/\\w+ ${c.kamailio.replace(/\./g, '\\.')}[;:]`, 'm'), `the ACK came through Kamailio too:\n${ack}`);
  } finally {
    device.kill();
  }
});

test('SQL in a Request-URI is never run: the caller gets 404, the placement table is intact', async () => {
  const before = placements(c);
  for (const user of ["x';DELETE/**/FROM/**/room_placement;--", "x'OR'1'='1"]) {
    const call = sipCall(c, `sip:${user}@${c.domain}`, 0, 'call_404.xml');
    assert.equal(await call.done, 0, `sip:${user} answered 404 (unknown room)`);
  }
  assert.deepEqual(placements(c), before);
});

test('kill -9 of a node: its rooms take new joins and calls on another node within 10 s, no acknowledged write lost', async () => {
  const placed = placements(c);
  // The victim: the node with an app room (its owner writes through it just before the kill).
  const victimRoom = rooms.find((r) => r.kind === 'app' && placed[r.address]);
  const victim = nodeById(c, placed[victimRoom.address]);
  const victimRooms = rooms.filter((r) => placed[r.address] === victim.id);
  const owner = await apiClient(victim.ws);
  assert.equal((await owner.req({ request: 'login', username: victimRoom.owner, password: PASSWORD })).data.vmr, 'login');
  const inv = (await owner.req({ request: 'invite', email: 'guest@example.org', name: 'Guest' })).data;
  assert.equal(inv.vmr, 'invited', 'the invitation is acknowledged');
  const upd = (await owner.req({ request: 'update_room', pin: '4242' })).data;
  assert.equal(upd.vmr, 'room', 'the PIN change is acknowledged');
  owner.close();

  const victimIndex = c.nodes.indexOf(victim) + 1;
  killNode(victimIndex);
  const t0 = Date.now();
  const others = c.nodes.filter((n) => n !== victim);
  const dsDown = until(() => (dispatcher(c)[victim.sip] || '').startsWith('I'), 10000, 'dispatcher marks the node down')
    .then(() => Date.now() - t0);

  // New joins into every room of the dead node: apps through locate, on a live node.
  const moved = {};
  for (const [k, r] of victimRooms.entries()) {
    const via = others[k % others.length];
    const pin = r.address === victimRoom.address ? '4242' : undefined;
    const j = await until(async () => {
      try {
        const client = await apiClient(via.ws);
        const where = (await client.req({ request: 'locate', room: r.address })).data;
        client.close();
        const target = c.nodes.find((n) => n.id === where.node);
        if (!target || target === victim) return null;
        const p = await apiClient(target.ws);
        const a = (await p.req({ request: 'join', room: r.address, display: 'after', ...(pin ? { pin } : {}) },
          OPUS_OFFER, 15000)).data;
        if (a.vmr !== 'joined') { p.close(); return null; }
        return { client: p, node: target.id };
      } catch (e) {
        return null;
      }
    }, 10000 - (Date.now() - t0), `a new join into ${r.address} on a live node`);
    clients.push(j.client);
    moved[r.address] = j.node;
  }
  const joinMs = Date.now() - t0;
  console.log(`kill -9 of ${victim.id}: ${victimRooms.length} rooms joined again on live nodes ${joinMs} ms after the kill`);
  console.log(`dispatcher marked ${victim.id} down ${await dsDown} ms after the kill`);
  const after = placements(c);
  for (const r of victimRooms) {
    assert.notEqual(moved[r.address], victim.id);
    assert.equal(after[r.address], moved[r.address], `${r.address} is placed where it was joined again`);
  }

  // A SIP caller of a moved room is routed to its new node.
  const r0 = victimRooms[0];
  const call = sipCall(c, `sip:${r0.address}@${c.domain}`, 1000);
  const contact = await call.answered;
  assert.equal(nodeOfContact(c, contact), after[r0.address], `a call to ${r0.address} reaches its new node`);
  await call.done;

  // Nothing acknowledged by the dead node is lost: read it through a live node.
  const check = await apiClient(others[0].ws);
  try {
    assert.equal((await check.req({ request: 'login', username: victimRoom.owner, password: PASSWORD })).data.vmr, 'login');
    const list = (await check.req({ request: 'list_invitations' })).data;
    assert.ok(list.invitations.some((x) => x.id === inv.invitation.id), 'the invitation made on the dead node is there');
    const room = (await check.req({ request: 'get_room' })).data;
    assert.equal(room.room.pin, '4242', 'the PIN set on the dead node is there');
  } finally {
    check.close();
  }

  // The node comes back: dispatcher and the store see it alive again.
  startNode(victimIndex);
  await until(() => (dispatcher(c)[victim.sip] || '').startsWith('A'), 20000, 'dispatcher marks the node up');
  await until(() => liveNodes().includes(victim.id), 20000, 'the node has a lease again');
  await sleep(10);
});
