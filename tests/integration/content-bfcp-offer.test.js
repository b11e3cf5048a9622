// Content sharing when WE make the SDP offer (RFC 8856, RFC 4796), with the real janus in the
// test network namespace: (a) the room dials out to the owner's registered device (a guest
// called in) and the device, a small raw UAS here, answers our slides and BFCP lines as a room
// system does (a=setup:active, a=floorctrl:c-only); its BFCP client connects to the port of our
// offer, Hello / FloorRequest are granted, the call presents (the room shows its content) and its
// red VP8 slide on our slides line reaches the guest's composed picture. (b) The device refuses the BFCP
// line (port 0): the call goes on with audio, without content. (c) A delayed offer (an INVITE
// without SDP): our 200 carries the same lines, the ACK the answer, the floor is granted.
// (d) On a dial-out, a BFCP connection from another host, made while the device rings or after
// it answered, is never answered and never gets the floor; the device's own is. (e) A re-INVITE
// without SDP (as Cisco CUCM sends) while the room system presents: our offer keeps the slides
// and BFCP lines in their places with the same port and ids and a=connection:existing, and the
// presentation goes on over the same connection.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { rawSipPeer, parseSip } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');
const { vp8Frames, mediaSockets, offer, answerLines, attr, sendUntil, hasKey, vp8FromRtp, colourShare } = require('./lib/slides');
const { waitForStatus, inRoom } = require('./lib/sip');

const SIP_PORT = 5096;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Polls pred every 50 ms until it holds or timeoutMs passed. */
async function until(pred, timeoutMs) {
  for (const end = Date.now() + timeoutMs; !pred() && Date.now() < end;) await sleep(50);
  return pred();
}
const DOMAIN = 'vmr.test';

/** The room system's answer to our offer (audio 0, video 1, slides 2, BFCP 3: RFC 3264 order). */
function answerSdp(m, { bfcpPort = 9 } = {}) {
  return ['v=0', 'o=room 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${m.audio.port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv',
    `m=video ${m.video.port} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=content:main', 'a=sendrecv',
    `m=video ${m.slides.port} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=content:slides', 'a=label:3', 'a=sendrecv',
    `m=application ${bfcpPort} TCP/BFCP *`, 'a=floorctrl:c-only', 'a=setup:active', 'a=connection:new',
    'a=floorid:1 mstrm:3', ''].join('\r\n');
}

/** A device on its own UDP socket that answers an INVITE with 200 + sdp(offer) and a BYE with 200
 * (after `await beforeAnswer(invite)` when given: while it rings). */
async function answeringDevice(sdpFor, { beforeAnswer = null } = {}) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  const dev = { port, invite: null, acked: false };
  sock.on('message', async (b, rinfo) => {
    const msg = parseSip(b.toString('latin1'));
    if (msg.status) return;
    if (msg.method === 'ACK') {
      dev.acked = true;
      return;
    }
    const h = msg.headers;
    const isInvite = msg.method === 'INVITE' && !dev.invite;
    if (msg.method === 'INVITE' && dev.ringing) return; // a resend while it rings: the 200 comes
    if (isInvite) dev.invite = msg;
    if (isInvite && beforeAnswer) {
      dev.ringing = true;
      await beforeAnswer(msg);
      dev.ringing = false;
    }
    const body = isInvite ? sdpFor(msg.body) : '';
    const reply = ['SIP/2.0 200 OK', ...(h.via || []).map((v) => `Via: ${v}`), `From: ${h.from}`,
      `To: ${h.to}${/;tag=/.test(h.to[0]) ? '' : ';tag=dev1'}`, `Call-ID: ${h['call-id']}`, `CSeq: ${h.cseq}`,
      `Contact: <sip:dev@127.0.0.1:${port}>`, ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body].join('\r\n');
    sock.send(Buffer.from(reply, 'latin1'), rinfo.port, rinfo.address);
  });
  dev.close = () => sock.close();
  return dev;
}

describe('content sharing over BFCP when we make the offer (dial-out, delayed offer)', () => {
  let svc, raw, room;
  const accounts = {};

  before(async () => {
    svc = await startService({ name: 'content-bfcp-offer', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1',
      SIP_PORT: String(SIP_PORT) } });
    for (const u of ['alice', 'bob', 'carol']) {
      const a = await vmrAdmin(svc, { request: 'create_account', username: u, password: `${u}-secret-1`, display_name: u });
      assert.equal(a.vmr, 'account', JSON.stringify(a));
      accounts[u] = a;
      const owner = await vmrClient(svc);
      try {
        await owner.req({ request: 'login', username: u, password: `${u}-secret-1` });
        const r = await owner.req({ request: 'update_room', receive_call: true });
        assert.equal(r.room && r.room.receive_call, true, JSON.stringify(r));
      } finally {
        owner.close();
      }
    }
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'board' });
    room = r.room;
    raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
  });
  after(async () => {
    if (raw) raw.close();
    if (svc) await svc.stop();
  });

  /** The owner's device registers at dev's socket; a guest calls the owner's room: we dial out. */
  async function dialOut(user, dev, guestMedia) {
    // registered from a socket of its own: a call from the registering address is the owner's
    const regPeer = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
    const reg = await regPeer.register(user, accounts[user].sip_password, { contact: `<sip:${user}@127.0.0.1:${dev.port}>` });
    regPeer.close();
    assert.equal(reg && reg.status, 200, 'the device registered');
    const guest = await raw.request({ method: 'INVITE', ruri: `sip:${accounts[user].room.address}@${DOMAIN}`,
      fromUser: `guest-${user}`, keep: true, timeoutMs: 8000, body: offer(guestMedia) });
    assert.equal(guest && guest.status, 200, 'the guest is answered');
    await until(() => dev.invite && dev.acked, 15000);
    assert.ok(dev.invite, 'the device got our INVITE');
    return guest;
  }

  /** Our offer's content lines, checked, and the BFCP ids it gives. */
  function checkOffer(sdp, { connection = 'new' } = {}) {
    const l = answerLines(sdp);
    assert.equal(l.length, 4, sdp);
    const [, main, slides, bfcp] = l;
    assert.equal(main.media, 'video');
    assert.equal(slides.media, 'video');
    assert.equal(attr(slides, 'content'), 'slides');
    assert.equal(attr(main, 'content'), 'main');
    assert.ok(slides.port > 0 && slides.port !== main.port);
    assert.deepEqual(slides.attrs.filter((a) => a.startsWith('rtpmap')), main.attrs.filter((a) => a.startsWith('rtpmap')),
      'the slides line has the main line\'s codecs');
    assert.equal(bfcp.media, 'application');
    assert.equal(bfcp.proto, 'TCP/BFCP');
    assert.ok(bfcp.port > 0);
    assert.equal(attr(bfcp, 'setup'), 'passive');
    assert.equal(attr(bfcp, 'connection'), connection);
    assert.equal(attr(bfcp, 'floorctrl'), 's-only');
    assert.equal(attr(bfcp, 'floorid'), `1 mstrm:${attr(slides, 'label')}`);
    return { port: bfcp.port, confid: Number(attr(bfcp, 'confid')), userid: Number(attr(bfcp, 'userid')),
      slidesPort: slides.port };
  }

  /** The room system takes the floor: granted, named in FloorStatus; the call presents and the
   * room (the VMR plugin, which tells the pages) shows its content. */
  async function takeFloor(ids, address, whilePresenting = async () => {}) {
    const c = await bfcpClient(ids);
    try {
      c.send(PRIM.Hello);
      assert.ok(await c.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck');
      c.send(PRIM.FloorRequest, { floor: 1 });
      assert.ok(await c.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted), 'granted');
      assert.ok(await c.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === ids.userid),
        'FloorStatus names the room system as the holder');
      const re = new RegExp(`call (\\d+) \\(BFCP user ${ids.userid}\\) is presenting`);
      await svc.expectLog(re);
      const callId = [...svc.log().matchAll(new RegExp(re, 'g'))].pop()[1];
      await svc.expectLog(new RegExp(`room ${address.replace('.', '\\.')}: content from ${callId}\\b`));
      await whilePresenting();
    } finally {
      c.close();
    }
  }

  test('dial-out: our offer has slides + BFCP (we listen), the device answers them, its FloorRequest is granted and it presents', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    const g = await mediaSockets(['audio', 'video']);
    const dev = await answeringDevice(() => answerSdp(m));
    let guest;
    try {
      guest = await dialOut('alice', dev, g);
      const ids = checkOffer(dev.invite.body);
      assert.equal(ids.confid > 0 && ids.userid > 0, true);
      await waitForStatus(svc, inRoom(accounts.alice.room.address, 'dial-out'), 8000, 'the dial-out in the room');
      await svc.expectLog(new RegExp(`BFCP over TCP as offered, we listen on ${ids.port}, user ${ids.userid}, slides yes`));
      // its red VP8 slide on the slides line of our offer (PT 96 as answered): the guest's
      // composed picture shows it
      await takeFloor(ids, accounts.alice.room.address, async () => {
        await sendUntil(m.slides.sock, ids.slidesPort, vp8Frames('red', 'red'), () => hasKey(g.video.rtp, 96), { pt: 96 });
        const share = colourShare('guest', vp8FromRtp(g.video.rtp, 96));
        assert.ok(share > 0.3, `the guest sees the slide (red share ${share.toFixed(2)})`);
      });
    } finally {
      if (guest) await guest.bye();
      dev.close();
      m.close();
      g.close();
    }
  });

  test('dial-out: the device refuses the BFCP line (port 0): the call goes on with audio, without content', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    const g = await mediaSockets(['audio', 'video']);
    const dev = await answeringDevice(() => answerSdp(m).replace(/m=application \d+ /, 'm=application 0 '));
    let guest;
    try {
      guest = await dialOut('bob', dev, g);
      checkOffer(dev.invite.body);
      await waitForStatus(svc, inRoom(accounts.bob.room.address, 'dial-out'), 8000, 'the dial-out in the room');
      await svc.expectLog(/our BFCP offer was not taken: refused \(port 0\)/);
      await until(() => m.audio.rtp.length > 5, 5000);
      assert.ok(m.audio.rtp.length > 5, 'the device gets audio');
    } finally {
      if (guest) await guest.bye();
      dev.close();
      m.close();
      g.close();
    }
  });

  test('dial-out: a BFCP connection from another host, while the device rings or after it answered, is never answered nor granted; the device\'s is', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    const g = await mediaSockets(['audio', 'video']);
    let early = null, late = null, ids = null, guest;
    const dev = await answeringDevice(() => answerSdp(m), {
      beforeAnswer: async (invite) => {
        // the port and ids of our offer, tried from 127.0.0.2 before the device answers
        ids = checkOffer(invite.body);
        early = await bfcpClient({ ...ids, localAddress: '127.0.0.2' });
        early.send(PRIM.Hello);
        early.send(PRIM.FloorRequest, { floor: 1 });
        await sleep(500);
      },
    });
    try {
      guest = await dialOut('carol', dev, g);
      await waitForStatus(svc, inRoom(accounts.carol.room.address, 'dial-out'), 8000, 'the dial-out in the room');
      await svc.expectLog(new RegExp(`BFCP over TCP as offered, we listen on ${ids.port}, user ${ids.userid}`));
      assert.ok(await until(() => early.closed, 5000), 'the connection made while the device rang is closed at its answer');
      assert.deepEqual(early.received.map((x) => x.primitive), [], 'it got no answer, no HelloAck, no grant');
      await svc.expectLog(/connection closed \(not the answering device's host\)/);
      const shows = new RegExp(`room ${accounts.carol.room.address.replace('.', '\\.')}: content from`);
      assert.doesNotMatch(svc.log(), shows, 'nobody presents in the room');
      late = await bfcpClient({ ...ids, localAddress: '127.0.0.2' });
      late.send(PRIM.Hello);
      assert.equal(await late.next((x) => x.primitive === PRIM.HelloAck, 1500), null, 'after the answer: no HelloAck for another host');
      assert.ok(await until(() => late.closed, 3000), 'and its connection is refused');
      await takeFloor(ids, accounts.carol.room.address); // the device's own, from 127.0.0.1
    } finally {
      if (early) early.close();
      if (late) late.close();
      if (guest) await guest.bye();
      dev.close();
      m.close();
      g.close();
    }
  });

  /** An INVITE without SDP from a room system with media sockets m: our 200's offer, checked,
   * answered in the ACK (answerSdp) and taken. */
  async function delayedOffer(fromUser, m) {
    const r = await raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser,
      body: '', keep: true, timeoutMs: 8000, ackBody: answerSdp(m) });
    assert.equal(r && r.status, 200);
    const ids = checkOffer(r.body);
    await svc.expectLog(new RegExp(`BFCP over TCP as offered, we listen on ${ids.port}, user ${ids.userid}, slides yes`));
    return { r, ids };
  }

  test('delayed offer: our 200 carries slides + BFCP, the ACK the answer, the floor is granted', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    let r;
    try {
      let ids;
      ({ r, ids } = await delayedOffer('cucm-room', m));
      await takeFloor(ids, room.address);
    } finally {
      if (r) await r.bye();
      m.close();
    }
  });

  test('a re-INVITE without SDP while the room system presents: our offer keeps its BFCP stream and the presentation goes on', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    let r, c;
    try {
      let ids;
      ({ r, ids } = await delayedOffer('cucm-room-2', m));
      c = await bfcpClient(ids);
      c.send(PRIM.FloorRequest, { floor: 1 });
      assert.ok(await c.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted), 'granted');
      const re = new RegExp(`call (\\d+) \\(BFCP user ${ids.userid}\\) is presenting`);
      await svc.expectLog(re);
      const callId = [...svc.log().matchAll(new RegExp(re, 'g'))].pop()[1];
      const before = svc.log().length;

      const rr = await r.reinvite('', { ackBody: answerSdp(m) });
      assert.equal(rr && rr.status, 200, rr && rr.first);
      // the same four lines in the same places, the connection kept
      const again = checkOffer(rr.body, { connection: 'existing' });
      assert.deepEqual(again, ids, 'the same BFCP port, conference, user and slides port');
      await sleep(1000);
      const after = svc.log().slice(before);
      assert.doesNotMatch(after, new RegExp(`call ${callId} \\(BFCP user ${ids.userid}\\) stopped presenting`), after);
      assert.doesNotMatch(after, /our BFCP offer was not taken|connection closed/, after);
      c.send(PRIM.Hello);
      assert.ok(await c.next((x) => x.primitive === PRIM.HelloAck), 'the same connection still answers');
      assert.equal(c.closed, false);
    } finally {
      if (c) c.close();
      if (r) await r.bye();
      m.close();
    }
  });
});
