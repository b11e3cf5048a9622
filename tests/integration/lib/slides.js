// A SIP room system's content (issue #13) for tests: its SDP offer (a main and a slides video
// line, a BFCP line, RFC 8856), UDP sockets for its m-lines, solid-colour slides made with
// ffmpeg and sent as VP8 (RFC 7741) or H.264 (RFC 6184) RTP, and received VP8 put back into an
// IVF file and decoded with ffmpeg to check a picture's colour.
'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { OUT } = require('./service');
const { readIvf } = require('./media');

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
  return readIvf(file);
}

/**
 * H.264 access units of a solid colour (constrained baseline, one slice a picture, an IDR with
 * SPS and PPS every 10th), from an Annex B stream libx264 makes: each is a list of NAL units.
 */
function h264Frames(name, colour) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `content-${name}.h264`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=640x360:r=10:d=10`,
      '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.1', '-pix_fmt', 'yuv420p', '-tune', 'zerolatency',
      '-g', '10', '-bf', '0', '-b:v', '300k', '-threads', '1', '-x264-params', 'slices=1:repeat-headers=1',
      '-bitexact', '-f', 'h264', file]);
  }
  const b = fs.readFileSync(file);
  const starts = [];
  for (let i = 0; i + 3 <= b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) { starts.push(i + 3); i += 2; }
  }
  const frames = [];
  let cur = [];
  starts.forEach((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1] - 3 : b.length;
    while (end > s && b[end - 1] === 0) end--; // the 4-byte start code's leading zero
    const nal = b.subarray(s, end);
    cur.push(nal);
    const type = nal[0] & 0x1f;
    if (type === 1 || type === 5) { frames.push(cur); cur = []; } // one slice a picture: it ends the access unit
  });
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

/**
 * An offer as a room system makes it: PCMU, VP8 main, optionally a slides line (VP8, or H.264
 * packetization mode 1 with slidesCodec 'H264') and a BFCP line ('tcp', 'udp' or 'tls').
 */
function offer(m, { bfcp = null, bfcpPort = 9, slidesCodec = 'VP8' } = {}) {
  const l = ['v=0', 'o=room 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${m.audio.port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv',
    `m=video ${m.video.port} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', 'a=content:main', 'a=sendrecv'];
  if (m.slides) {
    l.push(`m=video ${m.slides.port} RTP/AVP 97`);
    if (slidesCodec === 'H264') l.push('a=rtpmap:97 H264/90000', 'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1');
    else l.push('a=rtpmap:97 VP8/90000');
    l.push('a=rtcp-fb:97 nack pli', 'a=content:slides', 'a=label:12', 'a=sendrecv');
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

let rtpSeq = 1; // one sender per test run: its sequence numbers go on across calls
function rtpHeader(pt, marker, ts, ssrc) {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(rtpSeq++ & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return h;
}

/** The RTP payloads of one VP8 frame: 1000 bytes each, the S bit on the first (RFC 7741 §4.2). */
function vp8Payloads(f) {
  const out = [];
  for (let off = 0; off < f.length; off += 1000) {
    out.push(Buffer.concat([Buffer.from([off === 0 ? 0x10 : 0x00]), f.subarray(off, off + 1000)]));
  }
  return out;
}

/**
 * The RTP payloads of one H.264 access unit, packetization mode 1 (RFC 6184): NAL units that
 * are not slices (SPS, PPS) together in a STAP-A (§5.7.1), units above mtu bytes cut into FU-A
 * fragments (§5.8), the others one a packet (§5.6). Slides are small: a low mtu makes a key
 * frame arrive in fragments, as larger pictures do.
 */
function h264Payloads(nals, mtu = 400) {
  const out = [];
  let stap = [];
  const flush = () => {
    if (stap.length === 1) out.push(stap[0]);
    if (stap.length > 1) {
      const parts = [Buffer.from([(stap[0][0] & 0x60) | 24])];
      for (const n of stap) parts.push(Buffer.from([n.length >> 8, n.length & 0xff]), n);
      out.push(Buffer.concat(parts));
    }
    stap = [];
  };
  for (const nal of nals) {
    const type = nal[0] & 0x1f;
    const size = stap.reduce((a, n) => a + 2 + n.length, 1);
    if ((type === 7 || type === 8) && size + 2 + nal.length <= mtu) { stap.push(nal); continue; }
    flush();
    if (nal.length <= mtu) { out.push(nal); continue; }
    const fuIndicator = (nal[0] & 0xe0) | 28;
    for (let off = 1; off < nal.length; off += mtu - 2) {
      const end = Math.min(off + mtu - 2, nal.length);
      const fuHeader = (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
      out.push(Buffer.concat([Buffer.from([fuIndicator, fuHeader]), nal.subarray(off, end)]));
    }
  }
  flush();
  return out;
}

/** Sends frames (from vp8Frames or h264Frames) as RTP from sock to port, at 10 fps. */
async function sendSlides(sock, port, frames, { codec = 'VP8', pt = 97, seconds = 4, ssrc = 0x5111de5, first = 0 } = {}) {
  const n = seconds * 10;
  for (let i = first; i < first + n; i++) {
    const f = frames[i % frames.length];
    const payloads = codec === 'H264' ? h264Payloads(f) : vp8Payloads(f);
    payloads.forEach((p, k) => sock.send(Buffer.concat([rtpHeader(pt, k === payloads.length - 1, i * 9000, ssrc), p]),
      port, '127.0.0.1'));
    await sleep(100);
  }
}

/** Sends the slide (2 s at a time, at most 20 s: a loaded machine encodes late) until done(). */
async function sendUntil(sock, port, frames, done, opts = {}) {
  for (let i = 0; i < 10; i++) {
    await sendSlides(sock, port, frames, { ...opts, seconds: 2, first: i * 20 });
    if (await done()) {
      await sendSlides(sock, port, frames, { ...opts, seconds: 2, first: (i + 1) * 20 }); // a few pictures after the key frame
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

const isRed = (r, g, b) => r > 150 && g < 90 && b < 90;
const isBlue = (r, g, b) => b > 150 && r < 90 && g < 90;

/**
 * Decodes VP8 frames (from the first key frame) and returns the share of the last picture's
 * pixels that isColour(r, g, b) accepts (isRed by default).
 */
function colourShare(name, frames, isColour = isRed) {
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
  let n = 0;
  for (let i = 0; i < sz; i += 3) if (isColour(last[i], last[i + 1], last[i + 2])) n++;
  return n / (64 * 36);
}

module.exports = { vp8Frames, h264Frames, mediaSockets, offer, answerLines, attr, sendSlides, sendUntil, hasKey,
  vp8FromRtp, colourShare, isRed, isBlue };
