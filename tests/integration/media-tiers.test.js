// Bandwidth tiers toward SIP video endpoints, in the test network namespace. sipp does the
// signalling; the media goes to this test's own UDP sockets, where the test reads the size of
// every VP8 key frame the room sends (RFC 6386 §9.1: the key frame header carries the picture's
// width and height, so this is the size the endpoint's decoder shows):
//  - two callers in one 640x360 room: the one whose SDP says b=AS:256 receives the low tier's
//    320x180 while the other receives the room's 640x360;
//  - the second caller then sends a TMMBR of 200 kbit/s (RFC 5104): it gets a TMMBN back
//    and its picture drops to 320x180; the first caller's is unchanged.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { sippRunner, bridgeStatus, sleep } = require('./lib/sip');

const SIP_PORT = 5086;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 15560 });
let svc, room;
let nextMediaPort = 48000 + 2 * Math.floor(Math.random() * 500);
let nextSippPort = 15600;

before(async () => {
  svc = await startService({ name: 'media-tiers', demoRoom: '', video: { width: 640, height: 360, fps: 15 },
    env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
  room = (await vmrAdmin(svc, { request: 'create_room', name: 'tiers' })).room;
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

/** The picture size of a VP8 RTP packet that starts a key frame, else null. */
function vp8KeyframeSize(pkt) {
  if (pkt.length < 13 || (pkt[1] & 0x7f) !== 96) return null;
  const cc = pkt[0] & 0x0f;
  let i = 12 + 4 * cc;
  if (pkt[0] & 0x10) i += 4 + 4 * pkt.readUInt16BE(12 + 4 * cc + 2);
  const d = pkt[i];
  if (!(d & 0x10) || (d & 0x07) !== 0) return null; // S bit, partition 0
  let j = i + 1;
  if (d & 0x80) {
    const x = pkt[j++];
    if (x & 0x80) j += (pkt[j] & 0x80) ? 2 : 1;
    if (x & 0x40) j++;
    if (x & 0x30) j++;
  }
  // frame tag (3 bytes, P bit 0 for a key frame), start code 9d 01 2a, then 14-bit sizes
  if (j + 10 > pkt.length || (pkt[j] & 0x01) !== 0) return null;
  if (pkt[j + 3] !== 0x9d || pkt[j + 4] !== 0x01 || pkt[j + 5] !== 0x2a) return null;
  return { w: pkt.readUInt16LE(j + 6) & 0x3fff, h: pkt.readUInt16LE(j + 8) & 0x3fff };
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
    this.sizes = []; // key frame sizes, "WxH", in arrival order
    this.tmmbn = 0;
    this.bridgeVideoPort = 0;
    socks[2].on('message', (m, rinfo) => {
      this.bridgeVideoPort = rinfo.port; // symmetric RTP: the bridge sends from its own port
      const s = vp8KeyframeSize(m);
      if (s) this.sizes.push(`${s.w}x${s.h}`);
    });
    socks[3].on('message', (m) => {
      for (let off = 0; off + 4 <= m.length;) {
        if (m[off + 1] === 205 && (m[off] & 0x1f) === 4) this.tmmbn++;
        off += (m.readUInt16BE(off + 2) + 1) * 4;
      }
    });
  }
  /** A TMMBR (RFC 5104 §4.2.1) for kbps from our video RTCP port: mantissa << exp. */
  sendTmmbr(kbps) {
    let mantissa = kbps * 1000, exp = 0;
    while (mantissa >= 1 << 17) { mantissa >>= 1; exp++; }
    const b = Buffer.alloc(20);
    b[0] = 0x83; b[1] = 205; b.writeUInt16BE(4, 2);
    b.writeUInt32BE(0x5eed, 4); b.writeUInt32BE(0, 8);
    b.writeUInt32BE(0x5eed, 12);
    b.writeUInt32BE(((exp << 26) | (mantissa << 9) | 40) >>> 0, 16);
    this.socks[3].send(b, this.bridgeVideoPort + 1, '127.0.0.1');
  }
  close() {
    for (const s of this.socks) s.close();
  }
}

async function waitFor(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** A sipp call from peer's sockets; the promise of sipp's exit code. */
function call(peer, as, fb, duration) {
  const port = nextSippPort++;
  fs.rmSync(path.join(OUT, `sipp-tiers_call-${port}.log`), { force: true });
  return sipp('tiers_call.xml', { ruri: `sip:${room.address}@${DOMAIN}`, audio_port: peer.audioPort,
    video_port: peer.videoPort, as, fb }, { port, duration, timeoutS: 40 });
}

test('a SIP caller with b=AS:256 receives the low tier while the other keeps the room size; a TMMBR moves the other down', async () => {
  const phone = await Peer.open();
  const roomSystem = await Peer.open();
  try {
    const phoneCall = call(phone, 256, 'nack pli', 8000);
    const systemCall = call(roomSystem, 20000, 'ccm tmmbr', 8000);
    await waitFor(() => phone.sizes.length >= 1 && roomSystem.sizes.length >= 1, 15000, 'key frames for both');
    assert.equal(phone.sizes[0], '320x180', `the b=AS:256 phone's pictures: ${phone.sizes}`);
    assert.equal(roomSystem.sizes[0], '640x360', `the room system's pictures: ${roomSystem.sizes}`);
    // Its link gets poor: TMMBR 200 kbit/s.
    const before = roomSystem.sizes.length;
    roomSystem.sendTmmbr(200);
    await waitFor(() => roomSystem.sizes.length > before, 5000, 'a key frame of the new tier')
      .catch(async (e) => {
        throw new Error(`${e.message}: sizes ${roomSystem.sizes}, TMMBN ${roomSystem.tmmbn}, ` +
          `status ${JSON.stringify(await bridgeStatus(svc))}`);
      });
    await waitFor(() => roomSystem.tmmbn >= 1, 5000, 'the TMMBN');
    assert.equal(roomSystem.sizes[roomSystem.sizes.length - 1], '320x180', `after the TMMBR: ${roomSystem.sizes}`);
    assert.ok(phone.sizes.every((s) => s === '320x180'), `the phone's pictures: ${phone.sizes}`);
    assert.equal(await phoneCall, 0, 'the phone\'s sipp call went through');
    assert.equal(await systemCall, 0, 'the room system\'s sipp call went through');
  } finally {
    phone.close();
    roomSystem.close();
  }
});
