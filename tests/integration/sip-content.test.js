// Content sharing from SIP room systems (issue #13), with the real janus inside the test network
// namespace: a SIP endpoint (lib/sip-raw.js) offers a main and a slides video line
// (a=content:main / a=content:slides) and a BFCP line (RFC 8856), and runs BFCP (lib/bfcp.js)
// over TCP or UDP as a room system does. It takes the floor, sends a red VP8 slide (made here
// with ffmpeg) on its slides line, and a SIP phone without a slides line sees the slide in its
// composed picture (decoded with ffmpeg); a second room system over UDP receives the content
// on its own slides line, takes the floor (the first is told: FloorStatus naming it, its request
// revoked), and hanging up releases the floor (FloorStatus without a holder).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');
const { vp8Frames, mediaSockets, offer, answerLines, attr, sendUntil, hasKey, vp8FromRtp, colourShare } = require('./lib/slides');

const SIP_PORT = 5094;
const DOMAIN = 'vmr.test';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('SIP room systems present and receive content over BFCP', () => {
  let svc, room, raw;
  const redFrames = () => vp8Frames('red', 'red');

  before(async () => {
    redFrames();
    svc = await startService({ name: 'sip-content', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1',
      SIP_PORT: String(SIP_PORT) } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'slides' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    room = r.room;
    raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
  });
  after(async () => {
    if (raw) raw.close();
    if (svc) await svc.stop();
  });

  const countLog = (re) => (svc.log().match(re) || []).length;
  /** Waits (Janus logs from a thread of its own) until re matches more often than before. */
  const logGrows = async (re, before, what) => {
    for (let i = 0; i < 50 && countLog(re) <= before; i++) await sleep(100);
    assert.ok(countLog(re) > before, what);
  };
  const invite = (m, opts, fromUser) => raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser,
    body: offer(m, opts), keep: true, timeoutMs: 8000 });

  test('TCP/TLS/BFCP is refused (port 0) with a log line; the call goes on without it', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    try {
      const r = await invite(m, { bfcp: 'tls' }, 'tls-room');
      assert.equal(r && r.status, 200);
      const lines = answerLines(r.body);
      assert.equal(lines.length, 4, r.body);
      assert.equal(lines[3].port, 0);
      assert.equal(lines[3].proto, 'TCP/TLS/BFCP');
      assert.ok(lines[2].port > 0, 'the slides line is still taken');
      await svc.expectLog(/BFCP line refused: .*TLS/i);
      await r.bye();
    } finally {
      m.close();
    }
  });

  test('over TCP and UDP: the floor is granted, the slide reaches a phone without content and the other room system, takeover and hang-up release', async () => {
    const a = await mediaSockets(['audio', 'video', 'slides']);
    const b = await mediaSockets(['audio', 'video', 'slides']);
    const phone = await mediaSockets(['audio', 'video']);
    const bUdp = dgram.createSocket('udp4');
    await new Promise((r) => bUdp.bind(0, '127.0.0.1', r));
    const bBfcpPort = bUdp.address().port;
    bUdp.close();
    let ca, cb, ra, rb, rp;
    try {
      // A: a room system with BFCP over TCP (setup:active: it connects to us)
      ra = await invite(a, { bfcp: 'tcp' }, 'room-a');
      assert.equal(ra && ra.status, 200);
      const la = answerLines(ra.body);
      assert.equal(la.length, 4, ra.body);
      const [, mainA, slidesA, bfcpA] = la;
      assert.equal(attr(mainA, 'content'), 'main');
      assert.equal(attr(slidesA, 'content'), 'slides');
      assert.ok(slidesA.port > 0 && slidesA.port !== mainA.port);
      assert.equal(bfcpA.proto, 'TCP/BFCP');
      assert.ok(bfcpA.port > 0);
      assert.equal(attr(bfcpA, 'floorctrl'), 's-only');
      assert.equal(attr(bfcpA, 'setup'), 'passive');
      assert.equal(attr(bfcpA, 'floorid'), `1 mstrm:${attr(slidesA, 'label')}`);
      const confid = Number(attr(bfcpA, 'confid'));
      const userA = Number(attr(bfcpA, 'userid'));
      await svc.expectLog(/BFCP over TCP, we listen, user \d+, slides yes/);

      // the phone: audio and one video line, no content of its own
      rp = await raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser: 'phone',
        body: offer(phone), keep: true, timeoutMs: 8000 });
      assert.equal(rp && rp.status, 200);
      assert.equal(answerLines(rp.body).length, 2);

      ca = await bfcpClient({ port: bfcpA.port, confid, userid: userA });
      ca.send(PRIM.Hello);
      assert.ok(await ca.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck over TCP');
      ca.send(PRIM.FloorRequest, { floor: 1 });
      const granted = await ca.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted);
      assert.ok(granted, 'FloorRequest granted');
      await svc.expectLog(new RegExp(`BFCP user ${userA}\\) is presenting`));

      // A's slide: red VP8 on its slides line; the phone's composed picture turns red
      const frames = redFrames();
      await sendUntil(a.slides.sock, slidesA.port, frames, () => hasKey(phone.video.rtp, 96));
      const share = colourShare('phone', vp8FromRtp(phone.video.rtp, 96));
      assert.ok(share > 0.3, `the phone sees the slide in the main pane (red share ${share.toFixed(2)})`);

      // B: a room system with BFCP over UDP; it receives A's content on its slides line
      rb = await invite(b, { bfcp: 'udp', bfcpPort: bBfcpPort }, 'room-b');
      assert.equal(rb && rb.status, 200);
      const lb = answerLines(rb.body);
      const [, , slidesB, bfcpB] = lb;
      assert.equal(bfcpB.proto, 'UDP/BFCP');
      assert.equal(attr(bfcpB, 'setup'), undefined);
      assert.equal(Number(attr(bfcpB, 'confid')), confid, 'one conference per room');
      const userB = Number(attr(bfcpB, 'userid'));
      assert.notEqual(userB, userA);
      cb = await bfcpClient({ udp: true, port: bfcpB.port, confid, userid: userB });
      cb.send(PRIM.Hello);
      assert.ok(await cb.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck over UDP');
      await sendUntil(a.slides.sock, slidesA.port, frames, () => hasKey(b.slides.rtp, 97));
      const bShare = colourShare('room-b-slides', vp8FromRtp(b.slides.rtp, 97));
      assert.ok(bShare > 0.8, `B receives the slide on its slides line (red share ${bShare.toFixed(2)})`);

      // B takes the floor: A hears FloorStatus naming B, its own request revoked
      cb.send(PRIM.FloorRequest, { floor: 1 });
      assert.ok(await cb.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted), 'B granted');
      const named = await ca.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === userB);
      assert.ok(named, 'A hears that B holds the floor');
      assert.ok(await ca.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Revoked),
        'A hears its request was revoked');
      await svc.expectLog(new RegExp(`BFCP user ${userB}\\) is presenting`));

      // B hangs up: the floor is released, A hears FloorStatus without a holder
      await rb.bye();
      rb = null;
      const released = await ca.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === undefined, 8000);
      assert.ok(released, 'A hears the floor is free');
    } finally {
      if (ca) ca.close();
      if (cb) cb.close();
      for (const r of [ra, rb, rp]) if (r) await r.bye();
      a.close();
      b.close();
      phone.close();
    }
  });

  test('a re-INVITE adds the slides line and BFCP over UDP to a call that had neither', async () => {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    let r, c;
    try {
      r = await invite({ audio: m.audio, video: m.video }, {}, 'late-room');
      assert.equal(r && r.status, 200);
      assert.equal(answerLines(r.body).length, 2);
      const re = await r.reinvite(offer(m, { bfcp: 'udp', bfcpPort: 9 }));
      assert.equal(re && re.status, 200);
      const l = answerLines(re.body);
      assert.equal(l.length, 4, re.body);
      assert.equal(attr(l[2], 'content'), 'slides');
      assert.ok(l[2].port > 0);
      assert.equal(l[3].proto, 'UDP/BFCP');
      assert.ok(l[3].port > 0);
      c = await bfcpClient({ udp: true, port: l[3].port, confid: Number(attr(l[3], 'confid')),
        userid: Number(attr(l[3], 'userid')) });
      c.send(PRIM.Hello);
      assert.ok(await c.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck after the re-INVITE');
      const presentsBefore = countLog(/\(BFCP user \d+\) is presenting/g);
      c.send(PRIM.FloorRequest, { floor: 1 });
      const g = await c.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted);
      assert.ok(g);
      await logGrows(/\(BFCP user \d+\) is presenting/g, presentsBefore, 'the call presents');
      // FloorRelease: the call stops presenting
      const stopsBefore = countLog(/\(BFCP user \d+\) stopped presenting/g);
      c.send(PRIM.FloorRelease, { request: g.requestId });
      assert.ok(await c.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Released));
      await logGrows(/\(BFCP user \d+\) stopped presenting/g, stopsBefore, 'the call stopped presenting');
    } finally {
      if (c) c.close();
      if (r) await r.bye();
      m.close();
    }
  });
});
