// What an attacker would try against the SIP bridge's media and call handling (issue #11): RTP
// from strangers at a call's ports, INVITEs that point media at a victim or are never ACKed,
// floods of calls, PIN guessing over SIP and WebRTC together, dial-out to foreign contacts,
// replayed digest answers. The real janus with our .so files, in the test network namespace.
//
// The SIP peers here are raw UDP sockets (node:dgram) speaking just enough SIP, so a test can
// do what no well-behaved phone does (never ACK, lie in the SDP, send from another address).
// Each test uses its own 127.0.0.x addresses, so per-source limits do not leak between tests.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { JanusClient } = require('./lib/janus-client');
const { DUMMY_OFFER } = require('./lib/sdp');
const { launchBrowser } = require('./lib/browser');
const { waitJoined, login } = require('./lib/pages');
const { bridgeStatus, waitForStatus, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5090;
const DOMAIN = 'vmr.test';
let nextPort = 21000;

async function udpSocket(ip, port = nextPort++) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r, j) => { sock.once('error', j); sock.bind(port, ip, r); });
  return sock;
}

/** Parses one SIP message (latin1 text) into { first, status, method, headers (lower-case name -> [values]), body }. */
function parseSip(text) {
  const i = text.indexOf('\r\n\r\n');
  const head = i >= 0 ? text.slice(0, i) : text;
  const body = i >= 0 ? text.slice(i + 4) : '';
  const lines = head.split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c < 0) continue;
    const k = l.slice(0, c).trim().toLowerCase();
    (headers[k] = headers[k] || []).push(l.slice(c + 1).trim());
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(lines[0]);
  return { first: lines[0], status: m ? Number(m[1]) : 0, method: m ? null : lines[0].split(' ')[0], headers, body };
}

/** The audio port and address of an SDP body. */
function sdpAudio(body) {
  const port = /^m=audio (\d+)/m.exec(body);
  const ip = /^c=IN IP4 (\S+)/m.exec(body);
  return { port: port ? Number(port[1]) : 0, ip: ip ? ip[1] : null };
}

/**
 * A minimal SIP UAC on one UDP socket at `ip`: invite() sends an INVITE with an audio offer whose
 * c=/m= say (sdpIp, sdpPort) and resolves with the final response; ack() and bye() complete the
 * dialog. Requests from the bridge (BYE) are answered 200 and remembered in `requests`.
 */
async function sipUac(ip) {
  const sock = await udpSocket(ip);
  const port = sock.address().port;
  const uac = { ip, port, responses: [], requests: [], waiters: [] };
  sock.on('message', (buf) => {
    const msg = parseSip(buf.toString('latin1'));
    if (msg.status) uac.responses.push(msg);
    else {
      uac.requests.push(msg);
      const h = msg.headers;
      if (msg.method === 'ACK') return;
      // a device that declines every call (the dial-out tests count INVITEs)
      const status = msg.method === 'INVITE' ? 'SIP/2.0 486 Busy Here' : 'SIP/2.0 200 OK';
      const reply = [status, ...h.via.map((v) => `Via: ${v}`), `From: ${h.from[0]}`, `To: ${msg.method === 'INVITE' && !/;tag=/.test(h.to[0]) ? `${h.to[0]};tag=dev${port}` : h.to[0]}`,
        `Call-ID: ${h['call-id'][0]}`, `CSeq: ${h.cseq[0]}`, 'Content-Length: 0', '', ''].join('\r\n');
      sock.send(Buffer.from(reply, 'latin1'), SIP_PORT, '127.0.0.1');
    }
    uac.waiters = uac.waiters.filter((w) => !w());
  });
  const send = (text) => new Promise((r) => sock.send(Buffer.from(text, 'latin1'), SIP_PORT, '127.0.0.1', r));
  const waitFor = (pred, timeoutMs, what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), timeoutMs);
    const w = () => { const v = pred(); if (v) { clearTimeout(t); resolve(v); return true; } return false; };
    if (!w()) uac.waiters.push(w);
  });
  uac.invite = async (user, { sdpIp = ip, sdpPort, callId = crypto.randomBytes(8).toString('hex') } = {}) => {
    const sdp = ['v=0', `o=raw 1 1 IN IP4 ${sdpIp}`, 's=-', `c=IN IP4 ${sdpIp}`, 't=0 0', `m=audio ${sdpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv', ''].join('\r\n');
    const call = { callId, tag: crypto.randomBytes(4).toString('hex'), ruri: `sip:${user}@${DOMAIN}` };
    call.from = `<sip:raw@${ip}:${port}>;tag=${call.tag}`;
    await send([`INVITE ${call.ruri} SIP/2.0`, `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')};rport`,
      `From: ${call.from}`, `To: <${call.ruri}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@${ip}:${port}>`,
      'Max-Forwards: 70', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp, 'latin1')}`, '', sdp].join('\r\n'));
    const r = await waitFor(() => uac.responses.find((x) => x.status >= 200 && x.headers['call-id'][0] === callId), 10000, `the answer to INVITE ${callId}`);
    call.final = r;
    call.to = r.headers.to[0];
    const contact = r.headers.contact ? /<([^>]+)>/.exec(r.headers.contact[0]) : null;
    call.target = contact ? contact[1] : call.ruri;
    call.media = sdpAudio(r.body);
    return call;
  };
  const inDialog = (call, method, cseq) => [`${method} ${call.target} SIP/2.0`,
    `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')};rport`,
    `From: ${call.from}`, `To: ${call.to}`, `Call-ID: ${call.callId}`, `CSeq: ${cseq} ${method}`, 'Max-Forwards: 70',
    'Content-Length: 0', '', ''].join('\r\n');
  uac.ack = (call) => send(inDialog(call, 'ACK', 1));
  /**
   * REGISTER user with digest (the 401 round first). Resolves with { final, again(opts) }:
   * again({ contact, cseq }) sends another REGISTER on the same Call-ID reusing the same
   * Authorization (a replay of the captured answer) and resolves with its response.
   */
  uac.register = async (user, pass, { contact = `<sip:${user}@${ip}:${port}>`, expires = 600 } = {}) => {
    const callId = crypto.randomBytes(8).toString('hex');
    const tag = crypto.randomBytes(4).toString('hex');
    const build = (cseq, auth, ct) => [`REGISTER sip:${DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')};rport`,
      `From: <sip:${user}@${DOMAIN}>;tag=${tag}`, `To: <sip:${user}@${DOMAIN}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`,
      `Contact: ${ct}`, `Expires: ${expires}`, 'Max-Forwards: 70', ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0', '', ''].join('\r\n');
    const exchange = async (cseq, auth, ct) => {
      await send(build(cseq, auth, ct));
      return waitFor(() => uac.responses.find((x) => x.headers['call-id'][0] === callId && x.headers.cseq[0] === `${cseq} REGISTER` && x.status >= 200),
        5000, `the answer to REGISTER ${cseq}`);
    };
    const first = await exchange(1, null, contact);
    if (first.status !== 401) return { final: first };
    const auth = digestAnswer(first.headers['www-authenticate'][0], user, pass, 'REGISTER', `sip:${DOMAIN}`);
    const final = await exchange(2, auth, contact);
    let cseq = 2;
    return { final, first, again: ({ contact: ct = contact } = {}) => exchange(++cseq, auth, ct) };
  };
  uac.bye = (call) => send(inDialog(call, 'BYE', 2));
  uac.close = () => sock.close();
  return uac;
}

const md5 = (x) => crypto.createHash('md5').update(x).digest('hex');
/** An Authorization value answering a Digest challenge (RFC 2617, qop=auth, nc=00000001). */
function digestAnswer(www, user, pass, method, uri) {
  const p = {};
  for (const m of www.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1]] = m[2] !== undefined ? m[2] : m[3];
  const cnonce = crypto.randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = md5(`${user}:${p.realm}:${pass}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", `
    + `algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

/** A UDP socket that counts what it receives. */
async function listener(ip, port) {
  const sock = await udpSocket(ip, port);
  const l = { sock, port: sock.address().port, got: [] };
  sock.on('message', (m, rinfo) => l.got.push({ len: m.length, from: `${rinfo.address}:${rinfo.port}` }));
  l.send = (buf, toPort, toIp = '127.0.0.1') => new Promise((r) => sock.send(buf, toPort, toIp, r));
  l.close = () => sock.close();
  return l;
}

/** An RTP packet: PCMU silence (pt 0) or an RFC 4733 event (pt 101). */
function rtp(pt, seq, ts, ssrc, payload, marker = false) {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}
const silence = Buffer.alloc(160, 0xff);

/** Sends `ms` of PCMU silence from sock to port, 20 ms apart. */
async function sendAudio(sock, port, ms, ssrc, state = { seq: 1, ts: 0 }) {
  for (let t = 0; t < ms; t += 20) {
    await sock.send(rtp(0, state.seq++, state.ts, ssrc, silence), port);
    state.ts += 160;
    await sleep(20);
  }
}

/** Sends digits as RFC 4733 events (three end packets each, as RFC 4733 §2.5.1.4 asks). */
async function sendDtmf(sock, port, digits, ssrc, state = { seq: 1000, ts: 100000 }) {
  for (const d of digits) {
    const ev = d === '#' ? 11 : d === '*' ? 10 : Number(d);
    state.ts += 1600;
    for (let i = 0; i < 3; i++) {
      await sock.send(rtp(101, state.seq++, state.ts, ssrc, Buffer.from([ev, 10, 0, 80 * (i + 1)]), i === 0), port);
      await sleep(20);
    }
    for (let i = 0; i < 3; i++) {
      await sock.send(rtp(101, state.seq++, state.ts, ssrc, Buffer.from([ev, 0x80 | 10, 0x03, 0x20])), port);
      await sleep(5);
    }
    await sleep(100);
  }
}

/** An RTCP receiver report (RFC 3550 §6.4.2) with no report blocks. */
function rtcpRr(ssrc) {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

/** A browser-like Janus client whose WebSocket comes from `source`; join(body) tries a join on a new handle. */
async function webFrom(svc, source) {
  const c = await JanusClient.connect(svc.wsUrl, 'janus-protocol', { localAddress: source });
  await c.createSession();
  c.join = async (body) => {
    const h = await c.attach('janus.plugin.vmr');
    return (await c.message(h, { request: 'join', display: 'Mallory', ...body }, DUMMY_OFFER)).data;
  };
  return c;
}

/** One SIP call from `ip` to a PIN room that enters each of `pins` by RFC 4733, then hangs up. */
async function sipPinTries(svc, ip, room, pins, mediaPort) {
  const uac = await sipUac(ip);
  const media = await listener(ip, mediaPort);
  let call;
  try {
    call = await uac.invite(room, { sdpPort: media.port });
    assert.equal(call.final.status, 200, call.final.first);
    await uac.ack(call);
    const st = { seq: 1, ts: 0 };
    await sendAudio(media.sock, call.media.port, 200, 0x5151, st);
    const dt = { seq: 1000, ts: 100000 };
    for (const pin of pins) {
      await sendDtmf(media.sock, call.media.port, `${pin}#`, 0x5152, dt);
      await sleep(300);
    }
  } finally {
    if (call) await uac.bye(call);
    await sleep(200);
    uac.close(); media.close();
  }
}

async function callState(svc, pred) {
  const s = await bridgeStatus(svc);
  return s.sip.calls.filter(pred);
}

describe('security of the SIP bridge: media, calls, PINs, dial-out, digest', () => {
  let svc, rtpvault, victimroom;

  before(async () => {
    svc = await startService({ name: 'security-sip', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT),
      SIP_MAX_CALLS: '6', SIP_MAX_CALLS_PER_SOURCE: '3' } });
    rtpvault = (await vmrAdmin(svc, { request: 'create_room', name: 'rtpvault', pin: '2468' })).room;
    victimroom = (await vmrAdmin(svc, { request: 'create_room', name: 'reflect', pin: '1357' })).room;
    assert.ok(rtpvault && victimroom);
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('RTP and RTCP from a stranger at a call\'s ports are dropped: its DTMF enters no PIN and it receives nothing', async () => {
    const uac = await sipUac('127.0.0.40');
    const media = await listener('127.0.0.40', 23000);
    const stranger = await listener('127.0.0.41', 23100);
    let call;
    try {
      call = await uac.invite(rtpvault.address, { sdpPort: media.port });
      assert.equal(call.final.status, 200, call.final.first);
      await uac.ack(call);
      // The caller talks for a second from the address its SDP named: it hears the PIN prompt.
      await sendAudio(media.sock, call.media.port, 1000, 0x1111);
      await sleep(500);
      assert.ok(media.got.length > 10, `the caller receives the prompt (${media.got.length} packets)`);
      // Then it goes quiet; 2.5 s later a stranger streams to the same port, enters the PIN by
      // RFC 4733 and sends RTCP, for 4 s.
      await sleep(2500);
      const before = stranger.got.length;
      const audio = sendAudio(stranger.sock, call.media.port, 4000, 0x2222);
      const rtcp = (async () => {
        for (let i = 0; i < 8; i++) { await stranger.send(rtcpRr(0x2222), call.media.port + 1); await sleep(500); }
      })();
      await sendDtmf(stranger.sock, call.media.port, '2468#', 0x2223);
      await Promise.all([audio, rtcp]);
      await sleep(4000);   // RTCP reports go out every 2.5-7.5 s
      const calls = await callState(svc, (c) => c.room === rtpvault.address);
      assert.equal(calls.length, 1, JSON.stringify(calls));
      assert.equal(stranger.got.length - before, 0, `the stranger received ${stranger.got.length} packets: ${JSON.stringify(stranger.got.slice(0, 3))}`);
      assert.equal(calls[0].state, 'pin', 'the stranger\'s DTMF did not enter the PIN');
    } finally {
      if (call) await uac.bye(call);
      await sleep(200);
      uac.close(); media.close(); stranger.close();
    }
  });

  test('a peer that sends from another port than its SDP says (NAT) is latched in the first seconds and hears the room', async () => {
    const uac = await sipUac('127.0.0.42');
    const media = await listener('127.0.0.42', 23200);
    let call;
    try {
      call = await uac.invite(rtpvault.address, { sdpPort: 23998 });   // nobody listens there
      assert.equal(call.final.status, 200, call.final.first);
      await uac.ack(call);
      await sendAudio(media.sock, call.media.port, 1500, 0x3333);
      assert.ok(media.got.length > 10, `the NATed caller receives the prompt (${media.got.length} packets)`);
      await sendDtmf(media.sock, call.media.port, '2468#', 0x3334);
      const deadline = Date.now() + 5000;
      let c = [];
      while (Date.now() < deadline && !(c = await callState(svc, (x) => x.source.startsWith('127.0.0.42:') && x.state === 'in-room')).length) await sleep(150);
      assert.equal(c.length, 1, 'the NATed caller\'s RFC 4733 PIN let it in');
    } finally {
      if (call) await uac.bye(call);
      await sleep(200);
      uac.close(); media.close();
    }
  });

  test('an INVITE whose SDP names a victim sends the victim nothing, before or after the ACK', async () => {
    await waitForStatus(svc, noCalls, 10000, 'no calls left from earlier tests');
    const uac = await sipUac('127.0.0.43');
    const victim = await listener('127.0.0.44', 23300);
    let call;
    try {
      call = await uac.invite(victimroom.address, { sdpIp: '127.0.0.44', sdpPort: victim.port });
      assert.equal(call.final.status, 200, call.final.first);
      await sleep(2000);
      assert.equal(victim.got.length, 0, `before the ACK the victim got ${victim.got.length} packets`);
      await uac.ack(call);
      await sleep(3000);
      assert.equal(victim.got.length, 0, `after the ACK the victim got ${victim.got.length} packets`);
    } finally {
      if (call) await uac.bye(call);
      await sleep(200);
      uac.close(); victim.close();
    }
  });

  test('no media leaves before the ACK; after it the caller hears the prompt', async () => {
    const uac = await sipUac('127.0.0.45');
    const media = await listener('127.0.0.45', 23400);
    let call;
    try {
      call = await uac.invite(victimroom.address, { sdpPort: media.port });
      assert.equal(call.final.status, 200, call.final.first);
      await sleep(2000);
      assert.equal(media.got.length, 0, `before the ACK the caller got ${media.got.length} packets`);
      await uac.ack(call);
      const deadline = Date.now() + 3000;
      while (media.got.length < 10 && Date.now() < deadline) await sleep(100);
      assert.ok(media.got.length >= 10, `after the ACK the caller hears the prompt (${media.got.length} packets)`);
    } finally {
      if (call) await uac.bye(call);
      await sleep(200);
      uac.close(); media.close();
    }
  });

  test('calls are capped: past 3 from one address 486, past 6 in all 503, logged; freed slots are usable again', async () => {
    await waitForStatus(svc, noCalls, 10000, 'no calls left from earlier tests');
    const uacs = [];
    const open = [];
    try {
      const dial = async (ip) => {
        const u = await sipUac(ip);
        uacs.push(u);
        const c = await u.invite(victimroom.address, { sdpPort: 24000 + 2 * uacs.length });
        if (c.final.status === 200) { await u.ack(c); open.push([u, c]); }
        return c.final.status;
      };
      for (let i = 0; i < 3; i++) assert.equal(await dial('127.0.0.46'), 200);
      assert.equal(await dial('127.0.0.46'), 486, 'the 4th call from one address is busy');
      for (let i = 0; i < 3; i++) assert.equal(await dial('127.0.0.47'), 200);
      const full = await dial('127.0.0.48');
      assert.equal(full, 503, 'the 7th call in all is refused');
      assert.ok(uacs[uacs.length - 1].responses.some((r) => r.status === 503 && r.headers['retry-after']), '503 carries Retry-After');
      const s = await bridgeStatus(svc);
      assert.equal(s.sip.calls.length, 6, JSON.stringify(s.sip.calls.map((c) => c.source)));
      await svc.expectLog(/INVITE from 127\.0\.0\.46 refused: 3 calls from that address, the limit \(486\)/);
      await svc.expectLog(/INVITE from 127\.0\.0\.48 refused: 6 calls, the limit \(503\)/);
      for (const [u, c] of open.splice(0)) await u.bye(c);
      await waitForStatus(svc, noCalls, 10000, 'the capped calls to end');
      assert.equal(await dial('127.0.0.46'), 200, 'a freed slot takes a call again');
    } finally {
      for (const [u, c] of open) await u.bye(c);
      await sleep(300);
      uacs.forEach((u) => u.close());
    }
  });

  test('wrong PINs from one address count together over WebRTC and SIP: 3 by browser + 2 by phone lock it', async () => {
    await waitForStatus(svc, noCalls, 10000, 'no calls left from earlier tests');
    const pinroom = (await vmrAdmin(svc, { request: 'create_room', name: 'mixvault', pin: '8642' })).room;
    const web = await webFrom(svc, '127.0.0.50');
    try {
      for (const pin of ['0001', '0002', '0003'])
        assert.equal((await web.join({ room: pinroom.address, pin })).error_code, 416);
      await sipPinTries(svc, '127.0.0.50', pinroom.address, ['0004', '0005'], 23500);
      const n = (svc.log().match(/from 127\.0\.0\.50:\d+: wrong PIN for mixvault/g) || []).length;
      assert.equal(n, 2, `${n} wrong SIP PINs logged`);
      // five wrong PINs from this address in all: even the right one is refused now
      const locked = await web.join({ room: pinroom.address, pin: '8642' });
      assert.equal(locked.error_code, 426, JSON.stringify(locked));
      assert.ok(locked.retry_after >= 1 && locked.retry_after <= 60, JSON.stringify(locked));
    } finally {
      web.close();
    }
  });

  test('20 wrong PINs in 10 minutes from many addresses, browsers and phones, lock the room; the owner is told and still gets in', async () => {
    await waitForStatus(svc, noCalls, 10000, 'no calls left from earlier tests');
    const acc = await vmrAdmin(svc, { request: 'create_account', username: 'erin', password: 'erin-secret-1', display_name: 'Erin', pin: '9173' });
    const room = acc.room;
    assert.ok(room && room.address === 'erin.join', JSON.stringify(acc));
    const owner = await vmrClient(svc);
    const page = await launchBrowser();   // the owner's management page, open meanwhile
    try {
      assert.equal((await owner.req({ request: 'login', username: 'erin', password: 'erin-secret-1' })).vmr, 'login');
      const told = owner.event((d) => d.pin_locked, 30000, 'pin_locked');
      told.catch(() => {});
      await page.page.goto(`${svc.httpUrl}/manage`);
      await login(page.page, 'erin', 'erin-secret-1');
      await page.page.waitForSelector('#manage-app:not([hidden])', { timeout: 15000 });
      // 16 browsers from 16 addresses, one wrong PIN each ...
      for (let i = 1; i <= 16; i++) {
        const w = await webFrom(svc, `127.0.1.${i}`);
        try { assert.equal((await w.join({ room: room.address, pin: String(1000 + i) })).error_code, 416); } finally { w.close(); }
      }
      // ... still open for the right PIN ...
      const early = await webFrom(svc, '127.0.1.99');
      try { assert.equal((await early.join({ room: room.address, pin: '9173' })).error_code, 421, 'the PIN check passed (421: the dummy offer)'); } finally { early.close(); }
      // ... and 4 wrong PINs by phone from two more addresses: 20 in all
      await sipPinTries(svc, '127.0.1.30', room.address, ['2001', '2002'], 23600);
      await sipPinTries(svc, '127.0.1.31', room.address, ['2003', '2004'], 23700);
      const ev = await told;
      assert.equal(ev.pin_locked.room, 'erin.join', JSON.stringify(ev));
      assert.ok(ev.pin_locked.retry_after >= 500 && ev.pin_locked.retry_after <= 600, JSON.stringify(ev));
      assert.equal(ev.pin_locked.failures, 20, JSON.stringify(ev));
      // a new address with the right PIN is refused ...
      const late = await webFrom(svc, '127.0.1.98');
      try {
        const r = await late.join({ room: room.address, pin: '9173' });
        assert.equal(r.error_code, 426, JSON.stringify(r));
        assert.ok(r.retry_after > 60, JSON.stringify(r));
      } finally { late.close(); }
      // ... while the owner, logged in, is not (421: past the PIN check, our dummy offer)
      const mine = await owner.req({ request: 'join', display: 'Erin', room: room.address }, DUMMY_OFFER);
      assert.equal(mine.error_code, 421, JSON.stringify(mine));
      await svc.expectLog(/PIN entry to erin\.join locked for 600 s after 20 wrong PINs/);
      // the page says so
      await page.page.waitForSelector('.toast.error', { timeout: 10000 });
      const toasts = await page.page.locator('.toast.error').allTextContents();
      assert.ok(toasts.some((x) => /20 wrong PINs: PIN entry to your room erin\.join is locked for 10 min/.test(x)), JSON.stringify(toasts));
    } finally {
      owner.close();
      await page.close();
    }
  });

  test('a REGISTER whose Contact names another host (a PSTN gateway, an internal host) is refused 403 and binds nothing', async () => {
    const frankAcc = await vmrAdmin(svc, { request: 'create_account', username: 'frank', password: 'frank-secret-1', display_name: 'Frank' });
    const uac = await sipUac('127.0.0.60');
    try {
      const r = await uac.register('frank', frankAcc.sip_password, { contact: '<sip:+4930123456@10.99.0.77:5060>' });
      assert.equal(r.final.status, 403, r.final.first);
      const s = await bridgeStatus(svc);
      assert.ok(!s.sip.registrations.some((x) => x.username === 'frank'), JSON.stringify(s.sip.registrations));
      await svc.expectLog(/REGISTER of frank from 127\.0\.0\.60 refused \(contact on another host\)/);
      // its own address is fine
      const ok = await uac.register('frank', frankAcc.sip_password);
      assert.equal(ok.final.status, 200, ok.final.first);
    } finally {
      uac.close();
    }
  });

  test('"receive a call": three guests in a row ring the owner\'s device once, not three times', async () => {
    const ginaAcc = await vmrAdmin(svc, { request: 'create_account', username: 'gina', password: 'gina-secret-1', display_name: 'Gina' });
    const owner = await vmrClient(svc);
    const device = await sipUac('127.0.0.61');
    const guest = await launchBrowser();
    try {
      assert.equal((await owner.req({ request: 'login', username: 'gina', password: 'gina-secret-1' })).vmr, 'login');
      assert.equal((await owner.req({ request: 'update_room', receive_call: true })).room.receive_call, true);
      owner.close();
      const reg = await device.register('gina', ginaAcc.sip_password);
      assert.equal(reg.final.status, 200, reg.final.first);
      for (let i = 1; i <= 3; i++) {
        await guest.page.goto(`${svc.httpUrl}/?room=gina.join&name=Guest${i}&autojoin=1`);
        await waitJoined(guest.page);
        const re = new RegExp(`guest Guest${i} joined gina\\.join`);
        const deadline = Date.now() + 10000;
        while (!re.test(svc.log()) && Date.now() < deadline) await sleep(100);
        await sleep(1500);
      }
      await sleep(2000);
      const calls = new Set(device.requests.filter((m) => m.method === 'INVITE').map((m) => m.headers['call-id'][0]));
      assert.equal(calls.size, 1, `the device was called ${calls.size} times`);
      await svc.expectLog(/cannot call gina's device into gina\.join: rang it less than a minute ago/);
    } finally {
      await guest.close();
      device.close();
    }
  });

  test('a captured REGISTER answer cannot be replayed: 401 stale=true, the replayed Contact is not bound', async () => {
    const hankAcc = await vmrAdmin(svc, { request: 'create_account', username: 'hank', password: 'hank-secret-1', display_name: 'Hank' });
    const uac = await sipUac('127.0.0.62');
    try {
      const r = await uac.register('hank', hankAcc.sip_password);
      assert.equal(r.final.status, 200, r.final.first);
      // the same Authorization again (new CSeq and branch, as an eavesdropper would send it) ...
      const replay = await r.again();
      assert.equal(replay.status, 401, replay.first);
      assert.match(replay.headers['www-authenticate'][0], /stale=true/);
      // ... and with a Contact of the attacker's choosing
      const moved = await r.again({ contact: '<sip:hank@127.0.0.62:5999>' });
      assert.equal(moved.status, 401, moved.first);
      const s = await bridgeStatus(svc);
      const mine = s.sip.registrations.filter((x) => x.username === 'hank');
      assert.deepEqual(mine.map((x) => x.contact), [`sip:hank@127.0.0.62:${uac.port}`], JSON.stringify(mine));
      await svc.expectLog(/REGISTER of hank from 127\.0\.0\.62: a replayed answer \(nonce already used\), challenged again/);
      // the real client answers the fresh challenge and is registered again
      const again = await uac.register('hank', hankAcc.sip_password);
      assert.equal(again.final.status, 200, again.final.first);
    } finally {
      uac.close();
    }
  });
});
