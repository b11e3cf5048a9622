// One node in cluster mode on PostgreSQL (docs/scale-out.md; the 3-node tests are tests/cluster/):
// the node holds a lease in cluster_nodes, `locate` answers its URL for a room and the same for a
// name that does not exist, a join places the room on it and leaving releases it, a room placed
// on another live node is refused with 435 and that node's url, a page of another live node may
// open a WebSocket here, locate is rate-limited per address, and a clean stop leaves no lease
// behind.
// Needs TPAAS_TEST_PG_URI (tests/unit/pg-test-server.sh -- bash tests/run-integration.sh ...).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const WebSocket = require('ws');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');
const { rawSipPeer } = require('./lib/sip-raw');

const PG = process.env.TPAAS_TEST_PG_URI;
const SIP_PORT = 5094;
const PROXY = '10.1.2.9:5060'; // Kamailio, in a real cluster

/** An SDP offer with PCMU at 127.0.0.1:port. */
const pcmuOffer = (port) => ['v=0', 'o=raw 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

function psql(sql) {
  return execFileSync('psql', [PG, '-qAt', '-c', sql], { encoding: 'utf8' }).trim();
}

async function waitUntil(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('timeout waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves true when a WebSocket with this Origin is accepted, false when refused. */
function originAccepted(svc, origin) {
  return new Promise((resolve) => {
    const ws = new WebSocket(svc.wsUrl, 'janus-protocol', { origin });
    ws.once('open', () => { ws.close(); resolve(true); });
    ws.once('error', () => resolve(false));
    ws.once('unexpected-response', () => resolve(false));
  });
}

describe('a node in cluster mode on PostgreSQL', { skip: !PG && 'TPAAS_TEST_PG_URI not set' }, () => {
  let svc, client;
  const other = 'http://10.1.2.3:8088';

  before(async () => {
    psql('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    svc = await startService({ name: 'cluster-node', env: { DATABASE: PG, CLUSTER: 'true', NODE_ID: 'n1', SIP_DOMAIN: 'vmr.test',
      SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT), CLUSTER_PROXY: PROXY } });
    await svc.expectLog(/\[cluster\] node n1 in the cluster/);
    client = await vmrClient(svc);
  });
  after(async () => {
    if (client) client.close();
    if (svc) await svc.stop();
  });

  test('the node holds a lease with its public URL', () => {
    assert.equal(psql("SELECT public_url FROM cluster_nodes WHERE node_id = 'n1' AND lease_until > now()"), svc.httpUrl);
  });

  test('locate answers this node for a room, a meeting number and a name that does not exist', async () => {
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'sales' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    for (const room of ['sales', String(r.room.meeting_number), 'no-such-room']) {
      const l = await client.req({ request: 'locate', room });
      assert.equal(l.vmr, 'located', JSON.stringify(l));
      assert.equal(l.url, svc.httpUrl);
      assert.equal(l.node, 'n1');
      assert.deepEqual(l.nodes, [svc.httpUrl]);
    }
  });

  test('a join places the room on this node and leaving releases it', async () => {
    const j = await client.req({ request: 'join', room: 'sales', display: 'Ann' }, OPUS_OFFER);
    assert.equal(j.vmr, 'joined', JSON.stringify(j));
    assert.equal(psql("SELECT node_id FROM room_placement WHERE room_address = 'sales'"), 'n1');
    const l = await client.req({ request: 'leave' });
    assert.ok(!l.error_code, JSON.stringify(l));
    await waitUntil(() => psql("SELECT count(*) FROM room_placement WHERE room_address = 'sales'") === '0', 10000, 'the placement released');
  });

  test('a room placed on another live node is refused with 435 and its url', async () => {
    await vmrAdmin(svc, { request: 'create_room', name: 'support' });
    psql(`INSERT INTO cluster_nodes (node_id, sip_uri, public_url, lease_until) VALUES ('n2', 'sip:10.1.2.3:5060', '${other}', now() + interval '1 hour');` +
      "INSERT INTO room_placement (room_address, node_id) VALUES ('support', 'n2');");
    const l = await client.req({ request: 'locate', room: 'support' });
    assert.equal(l.url, other, JSON.stringify(l));
    assert.equal(l.node, 'n2');
    const c2 = await vmrClient(svc);
    try {
      const j = await c2.req({ request: 'join', room: 'support', display: 'Bob' }, OPUS_OFFER);
      assert.equal(j.error_code, 435, JSON.stringify(j));
      assert.equal(j.url, other);
      assert.equal(j.node, 'n2');
      assert.equal(psql("SELECT node_id FROM room_placement WHERE room_address = 'support'"), 'n2');
    } finally {
      c2.close();
    }
  });

  test('a page served by a live node may connect; an unknown origin may not', async () => {
    // (the node refreshes its list of live nodes with every lease renewal)
    await waitUntil(() => originAccepted(svc, other), 10000, 'the origin of n2 accepted');
    assert.equal(await originAccepted(svc, 'http://evil.example:8088'), false);
  });

  test('a SIP caller (allowing REFER) whose room runs on another node is REFERred to it through the proxy', async () => {
    const raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: 'vmr.test' });
    try {
      const r = await raw.request({ method: 'INVITE', ruri: 'sip:support@vmr.test', body: pcmuOffer(40000), keep: true,
        headers: ['Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, NOTIFY'], timeoutMs: 10000 });
      assert.ok(r && r.status === 200, `the bridge answers (${r && r.status})`);
      const refer = await raw.waitFor(() => raw.requests.find((m) => m.method === 'REFER'), 10000);
      assert.ok(refer, 'a REFER reached the caller');
      assert.match(refer.headers['refer-to'][0], /sip:support@10\.1\.2\.9:5060/);
      const bye = await raw.waitFor(() => raw.requests.find((m) => m.method === 'BYE'), 10000);
      assert.ok(bye, 'the bridge ends its leg once the REFER is accepted');
      assert.equal(psql("SELECT node_id FROM room_placement WHERE room_address = 'support'"), 'n2');
    } finally {
      raw.close();
    }
  });

  test('when n2 dies its room is taken by the next join here', async () => {
    psql("UPDATE cluster_nodes SET lease_until = now() - interval '1 second' WHERE node_id = 'n2'");
    const c3 = await vmrClient(svc);
    try {
      const j = await c3.req({ request: 'join', room: 'support', display: 'Cy' }, OPUS_OFFER);
      assert.equal(j.vmr, 'joined', JSON.stringify(j));
      assert.equal(psql("SELECT node_id FROM room_placement WHERE room_address = 'support'"), 'n1');
    } finally {
      c3.close();
    }
  });

  test('locate answers a burst from one address, then 429 with retry_after; joins from it still work', async () => {
    // locate_burst 300 at once, then 5 a second (the defaults): about 300 answers, then refused.
    // Over several connections (the transport also limits each connection's messages).
    let located = 0, refused = null;
    const t0 = Date.now();
    for (let conn = 0; conn < 20 && !refused; conn++) {
      const cl = await vmrClient(svc);
      try {
        for (let i = 0; i < 100 && !refused; i++) {
          const l = await cl.req({ request: 'locate', room: `nosuch${conn}-${i}` });
          if (l.vmr === 'located') located++;
          else refused = l;
        }
      } finally {
        cl.close();
      }
    }
    assert.ok(refused, `${located} locates, none refused`);
    assert.equal(refused.error_code, 429, JSON.stringify(refused));
    assert.match(refused.error, /too many locate requests/);
    assert.ok(refused.retry_after >= 1, JSON.stringify(refused));
    // (earlier tests here located a few times; the bucket refills 5 a second meanwhile)
    const most = 300 + 5 * Math.ceil((Date.now() - t0) / 1000) + 1;
    assert.ok(located >= 290 && located <= most, `${located} locates answered before the first refusal (at most ${most})`);
    const c4 = await vmrClient(svc);
    try {
      const j = await c4.req({ request: 'join', room: 'support', display: 'Di' }, OPUS_OFFER);
      assert.equal(j.vmr, 'joined', JSON.stringify(j));
    } finally {
      c4.close();
    }
  });

  test('a clean stop deletes the lease and the placements', async () => {
    await svc.stop({ keep: true });
    assert.equal(psql("SELECT count(*) FROM cluster_nodes WHERE node_id = 'n1'"), '0');
    assert.equal(psql("SELECT count(*) FROM room_placement WHERE node_id = 'n1'"), '0');
  });
});
