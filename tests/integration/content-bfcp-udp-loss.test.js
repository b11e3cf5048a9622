// BFCP over UDP on a lossy network (RFC 8855 §6.2, §8.3; issue #13): two SIP room systems
// (lib/sip-raw.js, BFCP from lib/bfcp.js over UDP) in one room. The network loses the first
// FloorStatus the watching room system should get when the other takes the floor: the floor
// control server sends it again (same transaction id, same news) until it is acked, so the
// watcher still learns who holds the floor, and it stops once acked. The presenter's
// FloorRequest sent again with the same transaction id (its answer lost) gets the same
// FloorRequestStatus again and is not granted twice (the watcher hears no second FloorStatus).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');
const { mediaSockets, offer, answerLines, attr } = require('./lib/slides');

const SIP_PORT = 5098;
const DOMAIN = 'vmr.test';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('BFCP over UDP when datagrams are lost', () => {
  let svc, room, raw;
  const systems = [];

  before(async () => {
    svc = await startService({ name: 'content-bfcp-udp-loss', demoRoom: '', env: { SIP_DOMAIN: DOMAIN,
      SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'lossy' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    room = r.room;
    raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
  });
  after(async () => {
    for (const s of systems) {
      s.bfcp.close();
      await s.call.bye();
      s.m.close();
    }
    if (raw) raw.close();
    if (svc) await svc.stop();
  });

  /** A room system with a slides line and BFCP over UDP that has said Hello. */
  async function roomSystem(fromUser, drop) {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    const call = await raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser,
      body: offer(m, { bfcp: 'udp', bfcpPort: 9 }), keep: true, timeoutMs: 8000 });
    assert.equal(call && call.status, 200);
    const line = answerLines(call.body)[3];
    assert.equal(line.proto, 'UDP/BFCP');
    assert.ok(line.port > 0, call.body);
    const userid = Number(attr(line, 'userid'));
    const bfcp = await bfcpClient({ udp: true, port: line.port, confid: Number(attr(line, 'confid')), userid, drop });
    bfcp.send(PRIM.Hello);
    assert.ok(await bfcp.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck');
    const s = { m, call, bfcp, userid };
    systems.push(s);
    return s;
  }

  test('the watcher loses the first FloorStatus and still learns the holder; a retransmitted FloorRequest is granted once', async () => {
    let lost = null;
    const watcher = await roomSystem('watcher', (m) => {
      if (lost || m.primitive !== PRIM.FloorStatus || m.responder) return false;
      lost = m;
      return true;
    });
    const presenter = await roomSystem('presenter', null);

    const t = presenter.bfcp.send(PRIM.FloorRequest, { floor: 1 });
    const granted = await presenter.bfcp.next((x) => x.primitive === PRIM.FloorRequestStatus && x.responder);
    assert.ok(granted && granted.status === STATUS.Granted, 'granted');
    assert.equal(granted.tid, t);
    const own = await presenter.bfcp.next((x) => x.primitive === PRIM.FloorStatus);
    assert.ok(own, 'the presenter hears FloorStatus too');
    presenter.bfcp.ack(own);

    // the first FloorStatus to the watcher was lost; the server sends it again, same transaction id
    const fs = await watcher.bfcp.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary !== undefined, 4000);
    assert.ok(lost, 'the network lost a FloorStatus');
    assert.ok(fs, 'the watcher gets the FloorStatus all the same');
    assert.equal(fs.beneficiary, presenter.userid, 'naming the holder');
    assert.equal(fs.tid, lost.tid, 'a retransmission: the same transaction id');
    const first = watcher.bfcp.received.find((x) => x.tid === lost.tid);
    const again = watcher.bfcp.received.filter((x) => x.tid === lost.tid)[1];
    // (not before T1; a slow or sanitized run may send it late: the schedule is bfcp_retrans_test's)
    assert.ok(again.at - first.at >= 350, `sent again after T1: ${again.at - first.at} ms`);

    // acked: no more copies (the next would come 1 s after the last)
    watcher.bfcp.ack(fs);
    await sleep(300);
    const copies = watcher.bfcp.received.filter((x) => x.tid === lost.tid).length;
    await sleep(2500);
    assert.equal(watcher.bfcp.received.filter((x) => x.tid === lost.tid).length, copies, 'nothing after the ack');

    // the presenter's FloorRequest again with the same transaction id: the same answer, no new grant
    watcher.bfcp.inbox.length = 0;
    presenter.bfcp.send(PRIM.FloorRequest, { floor: 1, t });
    const repeated = await presenter.bfcp.next((x) => x.primitive === PRIM.FloorRequestStatus && x.responder);
    assert.ok(repeated, 'answered again');
    assert.equal(repeated.tid, t);
    assert.equal(repeated.requestId, granted.requestId, 'the same floor request, not a new one');
    assert.equal(await watcher.bfcp.next((x) => x.primitive === PRIM.FloorStatus, 1500), null,
      'the watcher hears nothing new');
    await svc.expectLog(new RegExp(`BFCP user ${presenter.userid}\\) is presenting`));
  });
});
