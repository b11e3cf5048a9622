// Key frames and feedback with SIP video endpoints, in the test network namespace. sipp does
// the signalling; the media goes to this test's own UDP sockets (a small RTP endpoint below), so
// the test sees every key frame the room sends and every PLI it asks for:
//  - a room system that only does SIP INFO picture_fast_update (RFC 5168) gets a key frame for
//    each INFO;
//  - a burst of PLIs from an endpoint makes one key frame, soon;
//  - an endpoint without RTCP feedback whose video breaks is sent an INFO picture_fast_update;
//  - a sender whose input loses a packet is asked for a key frame (PLI) and its tile decodes
//    again once it sends one (it sends none unless asked).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { readIvf } = require('./lib/media');
const { sippRunner, bridgeStatus, sleep } = require('./lib/sip');

const SIP_PORT = 5084;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 15360 });
let svc, room;
let nextMediaPort = 47000 + 2 * Math.floor(Math.random() * 500);

before(async () => {
  svc = await startService({ name: 'media-feedback', demoRoom: '', video: { width: 320, height: 180, fps: 15 },
    env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
  room = (await vmrAdmin(svc, { request: 'create_room', name: 'studio' })).room;
});
after(async () => {
  if (svc) await svc.stop();
});

function bind(port) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** VP8 RTP (RFC 7741): is this packet the start of a key frame? */
function vp8KeyframeStart(pkt) {
  if (pkt.length < 13 || (pkt[1] & 0x7f) !== 96) return false;
  const cc = pkt[0] & 0x0f;
  let i = 12 + 4 * cc;
  if (pkt[0] & 0x10) i += 4 + 4 * pkt.readUInt16BE(12 + 4 * cc + 2); // header extension
  const d = pkt[i];
  if (!(d & 0x10) || (d & 0x07) !== 0) return false; // S bit, partition 0
  let j = i + 1;
  if (d & 0x80) {
    const x = pkt[j++];
    if (x & 0x80) j += (pkt[j] & 0x80) ? 2 : 1;
    if (x & 0x40) j++;
    if (x & 0x30) j++;
  }
  return j < pkt.length && (pkt[j] & 0x01) === 0; // RFC 6386 §9.1: P bit 0 = key frame
}

/** An RTP endpoint: audio and video socket pairs on 127.0.0.1. */
class Peer {
  static async open() {
    for (let tries = 0; tries < 50; tries++) {
      const base = nextMediaPort;
      nextMediaPort += 4;
      try {
        const socks = [];
        for (let k = 0; k < 4; k++) socks.push(await bind(base + k));
        return new Peer(base, socks);
      } catch (e) { /* taken: next */ }
    }
    throw new Error('no free media ports');
  }
  constructor(base, socks) {
    this.audioPort = base;
    this.videoPort = base + 2;
    this.socks = socks;
    this.keyframes = []; // arrival times (ms)
    this.videoPackets = 0;
    this.plis = 0;
    this.firs = 0;
    this.bridgeVideoPort = 0;
    this.heard = []; // [arrival ms, RMS of a PCMU packet]
    socks[0].on('message', (m) => {
      if (m.length <= 12 || (m[1] & 0x7f) !== 0) return;
      let e = 0;
      for (let i = 12; i < m.length; i++) e += ulawToLin(m[i]) ** 2;
      this.heard.push([Date.now(), Math.sqrt(e / (m.length - 12))]);
    });
    socks[2].on('message', (m) => {
      this.videoPackets++;
      if (vp8KeyframeStart(m)) this.keyframes.push(Date.now());
    });
    socks[3].on('message', (m) => {
      for (let off = 0; off + 4 <= m.length;) {
        const len = (m.readUInt16BE(off + 2) + 1) * 4;
        if (m[off + 1] === 206 && (m[off] & 0x1f) === 1) this.plis++;
        if (m[off + 1] === 206 && (m[off] & 0x1f) === 4) this.firs++;
        if (this.onKeyframeRequest && m[off + 1] === 206) this.onKeyframeRequest();
        off += len;
      }
    });
  }
  sendAudio(pkt) {
    this.socks[0].send(pkt, this.bridgeAudioPort, '127.0.0.1');
  }
  sendVideo(pkt) {
    this.socks[2].send(pkt, this.bridgeVideoPort, '127.0.0.1');
  }
  /** A PLI (RFC 4585 §6.3.1) from our video RTCP port. */
  sendPli() {
    const b = Buffer.alloc(12);
    b[0] = 0x81; b[1] = 206; b.writeUInt16BE(2, 2);
    b.writeUInt32BE(0x5eed, 4); b.writeUInt32BE(0, 8);
    this.socks[3].send(b, this.bridgeVideoPort + 1, '127.0.0.1');
  }
  close() {
    for (const s of this.socks) s.close();
  }
}

/** G.711 µ-law (ITU-T G.711), for the test's own audio. */
function linToUlaw(x) {
  let s = Math.max(-32635, Math.min(32635, Math.round(x)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exp = 7;
  for (let m = 0x4000; (s & m) === 0 && exp > 0; m >>= 1) exp--;
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}
function ulawToLin(u) {
  u = ~u & 0xff;
  const s = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
  return u & 0x80 ? -s : s;
}

/** Waits for the bridge's video port in a sipp run's log ("video_port=N"). */
async function bridgeVideoPort(sippPort, what) {
  const log = path.join(OUT, `sipp-${what}-${sippPort}.log`);
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const m = fs.existsSync(log) && /video_port=(\d+)/.exec(fs.readFileSync(log, 'utf8'));
    if (m) return Number(m[1]);
    await sleep(50);
  }
  throw new Error(`no video port in ${log}`);
}

async function waitFor(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

let nextSippPort = 15400;
/** A sipp port for one call, its log of an earlier run removed (the test reads that log). */
function sippPort(scenario) {
  const port = nextSippPort++;
  fs.rmSync(path.join(OUT, `sipp-${scenario}-${port}.log`), { force: true });
  return port;
}

test('a room system that only does INFO picture_fast_update gets a key frame for each, and a burst of PLIs makes one', async () => {
  const peer = await Peer.open();
  const port = sippPort('feedback_info');
  try {
    const call = sipp('feedback_info.xml', { ruri: `sip:${room.address}@${DOMAIN}`, audio_port: peer.audioPort,
      video_port: peer.videoPort }, { port, duration: 3000, timeoutS: 40 });
    peer.bridgeVideoPort = await bridgeVideoPort(port, 'feedback_info');
    const log = path.join(OUT, `sipp-feedback_info-${port}.log`);
    await waitFor(() => /info 5 sent/.test(fs.readFileSync(log, 'utf8')), 20000, 'the fifth INFO');
    await sleep(800);
    const afterInfos = peer.keyframes.length;
    // Ten PLIs at once: one key frame answers them all.
    const before = peer.keyframes.length;
    const t = Date.now();
    for (let i = 0; i < 10; i++) peer.sendPli();
    await waitFor(() => peer.keyframes.length > before, 3000, 'a key frame after the PLIs');
    const first = peer.keyframes[before] - t;
    await sleep(1200);
    const inWindow = peer.keyframes.filter((k) => k >= t && k < t + 1200).length;
    assert.equal(await call, 0, 'the sipp call went through');
    // Over the ~8 s call the encoder makes a key frame at the start and every 3 s by itself (at
    // most 3); each INFO (700 ms apart) made one more.
    assert.ok(afterInfos >= 6, `key frames by the end of the INFOs: ${afterInfos} (${peer.videoPackets} packets)`);
    assert.ok(first < 1000, `the first key frame after the PLIs came ${first} ms later`);
    assert.equal(inWindow, 1, `one key frame for ten PLIs: ${inWindow}`);
    await svc.expectLog(new RegExp(`joined room ${room.address.replace(/\./g, "\\.")}`));
  } finally {
    peer.close();
  }
});

test('an endpoint without RTCP feedback whose video input breaks is sent INFO picture_fast_update', async () => {
  const peer = await Peer.open();
  const port = sippPort('feedback_expect_info');
  try {
    const call = sipp('feedback_expect_info.xml', { ruri: `sip:${room.address}@${DOMAIN}`, audio_port: peer.audioPort,
      video_port: peer.videoPort }, { port, duration: 500, timeoutS: 40 });
    peer.bridgeVideoPort = await bridgeVideoPort(port, 'feedback_expect_info');
    // Inter frames only (a key frame was lost): the room cannot decode them.
    let done = false;
    call.then(() => { done = true; });
    for (let i = 0; !done && i < 200; i++) {
      const pkt = Buffer.alloc(52);
      pkt[0] = 0x80; pkt[1] = 0x80 | 96;
      pkt.writeUInt16BE(i, 2); pkt.writeUInt32BE(i * 6000, 4); pkt.writeUInt32BE(0xabc, 8);
      pkt[12] = 0x10; pkt[13] = 0x01; // S bit; P bit: an inter frame
      peer.sendVideo(pkt);
      await sleep(66);
    }
    const figures = await callFigures(port);
    assert.equal(await call, 0, `sipp got the INFO picture_fast_update (its scenario checks type and body): ${JSON.stringify(figures)}`);
    assert.ok(peer.plis >= 1, 'and a PLI, for endpoints that read RTCP anyway');
  } finally {
    peer.close();
  }
});

/** IVF frames (VP8), made at run time: testsrc2, `gop` frames between key frames. */
function ivfFrames(name, gop) {
  const file = path.join(OUT, `feedback-${name}.ivf`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15:d=10',
      '-c:v', 'libvpx', '-g', String(gop), '-keyint_min', String(gop), '-auto-alt-ref', '0', '-lag-in-frames', '0',
      '-b:v', '400k', '-threads', '1', '-bitexact', file]);
  }
  return readIvf(file);
}

test('a sender whose input loses a packet is asked for a key frame and its tile decodes again', async () => {
  const stream = ivfFrames('gop1000', 1000); // one key frame, at the start
  const keys = ivfFrames('gop1', 1); // every frame a key frame: what the sender sends when asked
  assert.ok(stream.length >= 140 && keys.length === stream.length);
  assert.equal(stream.filter((f) => (f[0] & 1) === 0).length, 1, 'the stream has one key frame');
  const peer = await Peer.open();
  const port = sippPort('feedback_call');
  try {
    const call = sipp('feedback_call.xml', { ruri: `sip:${room.address}@${DOMAIN}`, audio_port: peer.audioPort,
      video_port: peer.videoPort, fb: 'nack pli' }, { port, duration: 12000, timeoutS: 40 });
    peer.bridgeVideoPort = await bridgeVideoPort(port, 'feedback_call');
    let asked = false;
    peer.onKeyframeRequest = () => { asked = true; };
    let seq = 1000;
    const DROP_AT = 45;
    let lostAt = null;
    for (let i = 0; i < stream.length; i++) {
      const frame = asked ? keys[i] : stream[i];
      asked = false;
      const parts = Math.ceil(frame.length / 1000);
      for (let k = 0; k < parts; k++) {
        const payload = frame.subarray(k * 1000, (k + 1) * 1000);
        const pkt = Buffer.alloc(13 + payload.length);
        pkt[0] = 0x80; pkt[1] = (k === parts - 1 ? 0x80 : 0) | 96;
        pkt.writeUInt16BE(seq++ & 0xffff, 2); pkt.writeUInt32BE(i * 6000, 4); pkt.writeUInt32BE(0x51de, 8);
        pkt[12] = k === 0 ? 0x10 : 0x00;
        payload.copy(pkt, 13);
        if (i === DROP_AT && k === 0) continue; // lost on the way
        peer.sendVideo(pkt);
      }
      if (i === DROP_AT + 10) lostAt = await callFigures(port);
      await sleep(66);
    }
    const end = await callFigures(port);
    assert.equal(await call, 0, 'the sipp call went through');
    assert.ok(peer.plis >= 1, `the room asked the sender for a key frame: ${peer.plis} PLIs; ${JSON.stringify(end)}`);
    assert.ok(end.keyframes_requested >= 1 && end.video_frames_lost >= 1, JSON.stringify(end));
    assert.ok(lostAt && end.video_frames_decoded >= lostAt.video_frames_decoded + 50,
      `the tile decodes again: ${lostAt && lostAt.video_frames_decoded} -> ${end.video_frames_decoded} of ${stream.length} frames`);
  } finally {
    peer.close();
  }
});

/** The bridge's figures for the call sipp made from sippPort. */
async function callFigures(sippPort) {
  const s = await bridgeStatus(svc);
  const c = ((s.sip && s.sip.calls) || []).find((x) => x.source.endsWith(`:${sippPort}`) && x.state === 'in-room');
  return c || {};
}

test('a 3x3 room with 12 senders decodes the 9 on screen, a listener who talks comes on screen with a key frame, and everyone hears them', async () => {
  const big = (await vmrAdmin(svc, { request: 'create_room', name: 'bigroom', layout: '3x3' })).room;
  const stream = ivfFrames('gop1000', 1000);
  const keys = ivfFrames('gop1', 1);
  const N = 12;
  const peers = [];
  const calls = [];
  const ports = [];
  try {
    for (let i = 0; i < N; i++) {
      const peer = await Peer.open();
      const port = sippPort('feedback_call');
      peers.push(peer);
      ports.push(port);
      calls.push(sipp('feedback_call.xml', { ruri: `sip:${big.address}@${DOMAIN}`, audio_port: peer.audioPort,
        video_port: peer.videoPort, fb: 'nack pli' },
        // (the bridge takes 10 calls per source address: the last ones call from another)
        { port, duration: 26000, timeoutS: 60, source: i < 8 ? '127.0.0.1' : '127.0.0.2' }));
      peer.bridgeVideoPort = await bridgeVideoPort(port, 'feedback_call');
      peer.bridgeAudioPort = Number(/audio_port=(\d+)/.exec(fs.readFileSync(path.join(OUT, `sipp-feedback_call-${port}.log`), 'utf8'))[1]);
      peer.asked = false;
      peer.onKeyframeRequest = () => { peer.asked = true; };
      await sleep(150); // join order: the order of the calls
    }
    let talker = -1;
    let stop = false;
    const aseq = new Array(N).fill(0), vseq = new Array(N).fill(0);
    let tick = 0;
    const media = (async () => {
      for (; !stop; tick++) {
        for (let i = 0; i < N; i++) {
          const a = Buffer.alloc(172);
          a[0] = 0x80; a[1] = 0;
          a.writeUInt16BE(aseq[i]++ & 0xffff, 2); a.writeUInt32BE(tick * 160, 4); a.writeUInt32BE(0xa000 + i, 8);
          for (let k = 0; k < 160; k++) {
            a[12 + k] = linToUlaw(i === talker ? 9000 * Math.sin(2 * Math.PI * 440 * (tick * 160 + k) / 8000) : 0);
          }
          peers[i].sendAudio(a);
          if (tick % 3 === 0) {
            const f = (tick / 3) % stream.length;
            const frame = peers[i].asked ? keys[f] : stream[f];
            peers[i].asked = false;
            const parts = Math.ceil(frame.length / 1000);
            for (let k = 0; k < parts; k++) {
              const payload = frame.subarray(k * 1000, (k + 1) * 1000);
              const pkt = Buffer.alloc(13 + payload.length);
              pkt[0] = 0x80; pkt[1] = (k === parts - 1 ? 0x80 : 0) | 96;
              pkt.writeUInt16BE(vseq[i]++ & 0xffff, 2); pkt.writeUInt32BE((tick / 3) * 6000, 4); pkt.writeUInt32BE(0xb000 + i, 8);
              pkt[12] = k === 0 ? 0x10 : 0x00;
              payload.copy(pkt, 13);
              peers[i].sendVideo(pkt);
            }
          }
        }
        await sleep(20);
      }
    })();
    const decodedNow = async () => Promise.all(ports.map(async (p) => (await callFigures(p)).video_frames_decoded || 0));
    await sleep(5000); // everyone in; the three last to join are off screen for longer than the hide delay
    const d0 = await decodedNow();
    await sleep(3000);
    const d1 = await decodedNow();
    const growing = d1.map((x, i) => x - d0[i]);
    assert.deepEqual(growing.map((g) => g > 5), [...new Array(9).fill(true), false, false, false],
      `the 9 first decode, the 3 listeners off screen do not: ${growing}`);
    // The last one talks: it comes on screen, is asked for a key frame and decodes; everyone hears it.
    const plis = peers[N - 1].plis;
    talker = N - 1;
    const talkFrom = Date.now();
    await sleep(4000);
    const d2 = await decodedNow();
    assert.ok(peers[N - 1].plis > plis, `the new talker was asked for a key frame: ${plis} -> ${peers[N - 1].plis} PLIs`);
    assert.ok(d2[N - 1] - d1[N - 1] > 10, `the new talker's tile decodes: ${d1[N - 1]} -> ${d2[N - 1]}`);
    const heard = peers[0].heard.filter(([t]) => t > talkFrom + 1000).map(([, r]) => r);
    const loud = heard.filter((r) => r > 1000).length;
    assert.ok(loud > heard.length / 2, `the first participant hears the talker: ${loud} of ${heard.length} packets loud`);
    stop = true;
    await media;
    for (const c of calls) assert.equal(await c, 0, 'every sipp call went through');
  } finally {
    for (const peer of peers) peer.close();
  }
});
