// The SIP bridge's media with the real janus and Debian's sipp (sip-tester), inside the test
// network namespace: a caller enters a room's PIN with RFC 4733 telephone-events (PT 96, the
// one sipp's play_dtmf hard-codes) and then sends PCMU from a file (a 440 Hz tone made here
// with ffmpeg) that a headless chromium participant hears; three wrong RFC 4733 PINs make the
// bridge hang up; the lobby takes the meeting number and the PIN by RFC 4733 (with or without
// #: both are taken at their last digit); and the room's
// audio comes back to a SIP caller (our own UDP socket is the caller's media port; we decode
// the µ-law and look at its energy and pitch while a browser with a tone microphone talks).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin } = require('./lib/admin');
const { launchBrowser, pageStats } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { toneWav, silenceWav } = require('./lib/media');
const { sippRunner, waitForStatus, waitForLog, inRoom, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 16060 });
const PIN = '4321';







/** G.711 µ-law byte -> 16-bit linear sample. */
function ulawToLinear(u) {
  u = ~u & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

/** RMS and the pitch (from zero crossings) of 8 kHz samples. */
function analyse(samples) {
  let sum = 0, crossings = 0;
  for (let i = 0; i < samples.length; i++) {
    sum += samples[i] * samples[i];
    if (i > 0 && (samples[i - 1] < 0) !== (samples[i] < 0)) crossings++;
  }
  return { rms: Math.sqrt(sum / Math.max(1, samples.length)), hz: (crossings / 2) / (samples.length / 8000) };
}

/** The browser's inbound audio: totalAudioEnergy and audioLevel now. */
async function inboundAudio(page) {
  const s = await page.evaluate(pageStats);
  return s.inbound.audio || {};
}

/** 20 s of a 440 Hz sine as headerless G.711 µ-law at 8 kHz (sipp's rtp_stream plays it, PT 0). */
function toneUlaw() {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'tone.ulaw');
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=20',
      '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

describe('SIP media (sipp RFC 4733 DTMF and PCMU, a browser in the room)', () => {
  let svc, board, lounge;

  before(async () => {
    toneUlaw();
    svc = await startService({ name: 'sip-media', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const b = await vmrAdmin(svc, { request: 'create_room', name: 'board', pin: PIN });
    assert.equal(b.vmr, 'room', JSON.stringify(b));
    board = b.room;
    const l = await vmrAdmin(svc, { request: 'create_room', name: 'lounge' });
    assert.equal(l.vmr, 'room', JSON.stringify(l));
    lounge = l.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('a sipp caller sends PCMU audio from a file and enters the PIN with RFC 4733 DTMF; a browser in the room hears it', async () => {
    const web = await launchBrowser({ fakeAudio: silenceWav('silence-sip-media', { seconds: 30 }) });
    try {
      // A PIN room: the join page takes the PIN in its form (autojoin would join without one).
      await web.page.goto(`${svc.httpUrl}/?room=${board.address}&name=Web`);
      await web.page.waitForFunction(() => window.vmr && window.vmr.handle, null, { timeout: 20000 });
      await web.page.fill('#pin', PIN);
      await web.page.click('#join');
      await waitJoined(web.page);
      // Before the caller: a silent room (the browser's own microphone is silent too).
      const q0 = await inboundAudio(web.page);
      await sleep(1500);
      const q1 = await inboundAudio(web.page);
      const quiet = (q1.totalAudioEnergy || 0) - (q0.totalAudioEnergy || 0);

      // PIN by RFC 4733 at +0.8 s, the tone from +~3.5 s for 8 s, then BYE.
      const call = sipp('rtp_dtmf_media.xml', { ruri: `sip:${board.address}@${DOMAIN}`, dtmf: `${PIN}#` }, { duration: 8000 });
      const s = await waitForStatus(svc, inRoom(board.address, 'address'), 10000, 'the caller in board after the RFC 4733 PIN');
      const c = s.sip.calls.find((x) => x.room === board.address);
      assert.equal(c.audio, 'PCMU');
      assert.equal(c.video, undefined, 'an audio-only offer gets no video');
      // The tone starts 2.5 s after the DTMF; give it and the browser's jitter buffer time.
      await sleep(3500);
      const a0 = await inboundAudio(web.page);
      await sleep(3000);
      const a1 = await inboundAudio(web.page);
      const loud = a1.totalAudioEnergy - a0.totalAudioEnergy;
      console.log(`# browser inbound audio: energy ${quiet.toExponential(2)} before the caller, ${loud.toExponential(2)} over 3 s of the caller's tone, level ${a1.audioLevel}`);
      assert.ok(a1.packetsReceived > a0.packetsReceived, 'the browser receives audio');
      assert.ok(loud > 0.01, `the browser hears the caller (energy ${loud} over 3 s)`);
      assert.ok(loud > 20 * quiet + 0.01, `the caller is much louder than the silent room (${loud} vs ${quiet})`);
      assert.ok(a1.audioLevel > 0.05, `audioLevel while the caller streams: ${a1.audioLevel}`);
      assert.equal(await call, 0, 'sipp: INVITE, DTMF, PCMU, BYE all went as scripted');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      await waitForLog(svc, /joined room board \(address\)/);
    } finally {
      await web.close();
    }
  });

  test('three wrong RFC 4733 PINs → the bridge sends BYE', async () => {
    const t0 = Date.now();
    assert.equal(await sipp('rtp_dtmf_kicked.xml', { ruri: `sip:${board.address}@${DOMAIN}`, dtmf: '1111#2222#3333#' }), 0);
    assert.ok(Date.now() - t0 < 20000, `hung up after ${Date.now() - t0} ms`);
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
    await waitForLog(svc, /ended: wrong pin/);
  });

  test('the lobby with RFC 4733: meeting number + # → PIN → in the room', async () => {
    const call = sipp('rtp_dtmf_lobby.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${board.meeting_number}#`, dtmf2: `${PIN}#` },
      { duration: 3000 });
    await waitForStatus(svc, (s) => s.sip.calls.some((c) => c.state === 'pin' && c.room === board.address && c.via === 'lobby'),
      8000, 'the lobby caller asked for board\'s PIN');
    await waitForStatus(svc, inRoom(board.address, 'lobby'), 10000, 'the lobby caller in board');
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
    await waitForLog(svc, /joined room board \(lobby\)/);
  });

  test('the lobby with RFC 4733 and no #: the 6-digit meeting number, then the 4-digit PIN → in the room', async () => {
    const call = sipp('rtp_dtmf_lobby.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${board.meeting_number}`, dtmf2: PIN },
      { duration: 3000 });
    await waitForStatus(svc, (s) => s.sip.calls.some((c) => c.state === 'pin' && c.room === board.address && c.via === 'lobby'),
      8000, 'the lobby caller asked for board\'s PIN');
    await waitForStatus(svc, inRoom(board.address, 'lobby'), 10000, 'the lobby caller in board');
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
  });

  test('the caller hears the room: RTP comes back to the SIP caller', async () => {
    const TONE_HZ = 660;
    const web = await launchBrowser({ fakeAudio: toneWav('tone-660-sip-media', TONE_HZ, { seconds: 30 }) });
    const sock = dgram.createSocket('udp4');
    try {
      await new Promise((r) => sock.bind(0, '127.0.0.1', r));
      const packets = [];
      sock.on('message', (m) => {
        if (m.length > 12 && (m[0] >> 6) === 2 && (m[1] & 0x7f) < 64) packets.push({ t: Date.now(), pt: m[1] & 0x7f, seq: m.readUInt16BE(2), payload: m.subarray(12 + 4 * (m[0] & 0x0f)) });
      });
      await web.page.goto(`${svc.httpUrl}/?room=${lounge.address}&name=Talker&autojoin=1`);
      await waitJoined(web.page);
      const call = sipp('media_port_call.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, mport: sock.address().port }, { duration: 7000 });
      await waitForStatus(svc, inRoom(lounge.address, 'address'), 8000, 'the caller in lounge');
      const tIn = Date.now();
      await sleep(5000);
      const recent = packets.filter((p) => p.t > tIn + 1500);
      assert.ok(recent.length > 100, `RTP from the bridge to the caller's port: ${recent.length} packets in 3.5 s (${packets.length} in all)`);
      assert.ok(recent.every((p) => p.pt === 0), 'PCMU (PT 0)');
      const samples = [];
      for (const p of recent) for (const b of p.payload) samples.push(ulawToLinear(b));
      const { rms, hz } = analyse(samples);
      console.log(`# the caller hears: ${recent.length} packets, rms ${rms.toFixed(0)}, pitch ~${hz.toFixed(0)} Hz (browser tone ${TONE_HZ} Hz)`);
      // Chromium's audio processing leaves a fake-microphone sine at about -40 dBFS.
      assert.ok(rms > 150, `energy in what the caller hears (rms ${rms})`);
      assert.ok(Math.abs(hz - TONE_HZ) < TONE_HZ * 0.1, `the caller hears the browser's ${TONE_HZ} Hz tone (pitch ~${hz.toFixed(0)} Hz)`);
      assert.equal(await call, 0);
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      sock.close();
      await web.close();
    }
  });
});
