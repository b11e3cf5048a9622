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
const { execFileSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');

const SIP_PORT = 5094;
const DOMAIN = 'vmr.test';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** VP8 frames of a solid colour (every 10th a key frame), from an IVF ffmpeg makes. */
function vp8Frames(name, colour) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `content-${name}.ivf`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=640x360:r=10:d=10`,
      '-c:v', 'libvpx', '-g', '10', '-auto-alt-ref', '0', '-lag-in-frames', '0', '-b:v', '300k', '-threads', '1',
      '-bitexact', file]);
  }
  const b = fs.readFileSync(file);
  const frames = [];
  for (let off = b.readUInt16LE(6); off + 12 <= b.length;) {
    const n = b.readUInt32LE(off);
    frames.push(b.subarray(off + 12, off + 12 + n));
    off += 12 + n;
  }
  return frames;
}

/** UDP sockets on 127.0.0.1 for one m-line each; received RTP is kept per socket. */
async function mediaSockets(names) {
  const out = {};
  for (const n of names) {
    const s = dgram.createSocket('udp4');
    await new Promise((r, j) => { s.once('error', j); s.bind(0, '127.0.0.1', r); });
    const rtp = [];
    // RTP only: RTCP's packet types 200-206 read as payload types 72-78 (RFC 5761 §4)
    s.on('message', (b) => { if (b.length >= 12 && ((b[1] & 0x7f) < 72 || (b[1] & 0x7f) > 78)) rtp.push(b); });
    out[n] = { sock: s, port: s.address().port, rtp };
  }
  out.close = () => names.forEach((n) => out[n].sock.close());
  return out;
}

/** An offer as a room system makes it: PCMU, VP8 main, optionally VP8 slides and a BFCP line. */
function offer(m, { bfcp = null, bfcpPort = 9 } = {}) {
  const l = ['v=0', 'o=room 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${m.audio.port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv',
    `m=video ${m.video.port} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', 'a=content:main', 'a=sendrecv'];
  if (m.slides) {
    l.push(`m=video ${m.slides.port} RTP/AVP 97`, 'a=rtpmap:97 VP8/90000', 'a=rtcp-fb:97 nack pli', 'a=content:slides',
      'a=label:12', 'a=sendrecv');
  }
  if (bfcp === 'tcp') {
    l.push(`m=application ${bfcpPort} TCP/BFCP *`, 'a=floorctrl:c-only', 'a=setup:active', 'a=connection:new',
      'a=floorid:1 mstrm:12');
  } else if (bfcp === 'udp') {
    l.push(`m=application ${bfcpPort} UDP/BFCP *`, 'a=floorctrl:c-only', 'a=floorid:1 m-stream:12');
  } else if (bfcp === 'tls') {
    l.push(`m=application ${bfcpPort} TCP/TLS/BFCP *`, 'a=floorctrl:c-only', 'a=setup:active', 'a=floorid:1 mstrm:12');
  }
  return l.join('\r\n') + '\r\n';
}

/** What our answer says: per m= line { media, port, proto, attrs }. */
function answerLines(sdp) {
  const lines = [];
  for (const l of sdp.split(/\r\n/)) {
    const m = /^m=(\S+) (\d+) (\S+)/.exec(l);
    if (m) lines.push({ media: m[1], port: Number(m[2]), proto: m[3], attrs: [] });
    else if (l.startsWith('a=') && lines.length) lines[lines.length - 1].attrs.push(l.slice(2));
  }
  return lines;
}
const attr = (line, name) => {
  const a = line.attrs.find((x) => x.startsWith(name + ':'));
  return a === undefined ? undefined : a.slice(name.length + 1);
};

/** Sends frames as VP8 RTP (one packet per 1000 bytes) from sock to port, at 10 fps. */
let vp8Seq = 1; // one sender per test run: its sequence numbers go on across calls
async function sendVp8(sock, port, frames, { pt = 97, seconds = 4, ssrc = 0x5111de5, first = 0 } = {}) {
  const n = seconds * 10;
  for (let i = first; i < first + n; i++) {
    const f = frames[i % frames.length];
    for (let off = 0; off < f.length; off += 1000) {
      const last = off + 1000 >= f.length;
      const h = Buffer.alloc(13);
      h[0] = 0x80;
      h[1] = (last ? 0x80 : 0) | pt;
      h.writeUInt16BE(vp8Seq++ & 0xffff, 2);
      h.writeUInt32BE((i * 9000) >>> 0, 4);
      h.writeUInt32BE(ssrc, 8);
      h[12] = off === 0 ? 0x10 : 0x00; // VP8 payload descriptor: S on the first packet
      sock.send(Buffer.concat([h, f.subarray(off, off + 1000)]), port, '127.0.0.1');
    }
    await sleep(100);
  }
}

/** Sends the slide (2 s at a time, at most 20 s: a loaded machine encodes late) until done(). */
async function sendUntil(sock, port, frames, done) {
  for (let i = 0; i < 10; i++) {
    await sendVp8(sock, port, frames, { seconds: 2, first: i * 20 });
    if (done()) {
      await sendVp8(sock, port, frames, { seconds: 2, first: (i + 1) * 20 }); // a few pictures after the key frame
      return;
    }
  }
}

const hasKey = (pkts, pt) => vp8FromRtp(pkts, pt).some((f) => (f[0] & 1) === 0);

/** VP8 frames out of received RTP of payload type pt (RFC 7741 descriptor), in order. */
function vp8FromRtp(pkts, pt) {
  const frames = [];
  let cur = [];
  let ts = null;
  for (const b of pkts) {
    if ((b[1] & 0x7f) !== pt) continue;
    const cc = b[0] & 0x0f;
    let off = 12 + cc * 4;
    if (b[0] & 0x10) off += 4 + b.readUInt16BE(off + 2) * 4;
    const t = b.readUInt32BE(4);
    if (ts !== null && t !== ts) cur = [];
    ts = t;
    const d0 = b[off++];
    if (d0 & 0x80) {
      const x = b[off++];
      if (x & 0x80) off += (b[off] & 0x80) ? 2 : 1;
      if (x & 0x40) off++;
      if (x & 0x30) off++;
    }
    if ((d0 & 0x10) && cur.length) cur = [];
    cur.push(b.subarray(off));
    if (b[1] & 0x80) {
      frames.push(Buffer.concat(cur));
      cur = [];
    }
  }
  return frames;
}

/** Decodes VP8 frames (from the first key frame) and returns the share of red pixels of the last picture. */
function redShare(name, frames) {
  const k = frames.findIndex((f) => (f[0] & 1) === 0);
  assert.ok(k >= 0, `${name}: a key frame arrived (${frames.length} frames)`);
  const use = frames.slice(k);
  const hdr = Buffer.alloc(32);
  hdr.write('DKIF', 0);
  hdr.writeUInt16LE(32, 6);
  hdr.write('VP80', 8);
  hdr.writeUInt16LE(640, 12);
  hdr.writeUInt16LE(360, 14);
  hdr.writeUInt32LE(10, 16);
  hdr.writeUInt32LE(1, 20);
  hdr.writeUInt32LE(use.length, 24);
  const parts = [hdr];
  use.forEach((f, i) => {
    const fh = Buffer.alloc(12);
    fh.writeUInt32LE(f.length, 0);
    fh.writeUInt32LE(i, 4);
    parts.push(fh, f);
  });
  const file = path.join(OUT, `content-recv-${name}.ivf`);
  fs.writeFileSync(file, Buffer.concat(parts));
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', 'scale=64:36', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 1 << 28 });
  const sz = 64 * 36 * 3;
  assert.ok(raw.length >= sz, `${name}: pictures decoded`);
  const last = raw.subarray(raw.length - sz);
  let red = 0;
  for (let i = 0; i < sz; i += 3) if (last[i] > 150 && last[i + 1] < 90 && last[i + 2] < 90) red++;
  return red / (64 * 36);
}

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
      const share = redShare('phone', vp8FromRtp(phone.video.rtp, 96));
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
      const bShare = redShare('room-b-slides', vp8FromRtp(b.slides.rtp, 97));
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
