// Real SIP endpoints (Debian's baresip 1.0.0, headless) against the SIP bridge and the MCU, inside
// the test network namespace, with a headless chromium participant in the same room:
// - baresip with VP8 + Opus, and baresip with H.264 + G.711 (PCMU), dial `sip:<room>@<domain>`:
//   the browser sees baresip's tile in the composed picture and hears its tone; baresip's
//   received audio (sndfile dump) carries the browser's tone (Goertzel) and its received picture
//   (snapshot module, PNG) contains the browser's colour.
// - dial-out: the owner's baresip is registered (digest) with "receive a call" on; a guest
//   joins by browser; baresip rings within 2 s, auto-answers and is in the room.
// baresip's config comes from the templates in baresip/, generated into a temp dir per test;
// its media (tone WAV, solid-colour IVF) is made here with ffmpeg.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser, pageStats, remoteColour } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { colourClip, toneWav } = require('./lib/media');
const { waitForStatus, inRoom, sleep } = require('./lib/sip');
const { startBaresip, imageColours } = require('./lib/baresip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const BROWSER_TONE = 440;

/**
 * The share of a WAV's power (from `skip` s on) at `freq`: Goertzel over 0.25 s blocks (4 Hz
 * bins, so a tone with the odd phase jump from loss concealment still counts), and the RMS.
 */
function toneShare(file, freq, skip = 0.5) {
  const rate = 8000, B = rate / 4;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(rate), '-f', 's16le', '-']);
  const all = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  const coeff = 2 * Math.cos((2 * Math.PI * Math.round((B * freq) / rate)) / B);
  let tone = 0, total = 0, n = 0;
  for (let s = Math.floor(skip * rate); s + B <= all.length; s += B) {
    let s1 = 0, s2 = 0, tot = 0;
    for (let i = s; i < s + B; i++) {
      const v = all[i] / 32768;
      tot += v * v;
      const s0 = v + coeff * s1 - s2;
      s2 = s1; s1 = s0;
    }
    // A pure sine of amplitude A gives |X[k]|^2 = (A B / 2)^2 and a block power of A^2 B / 2.
    tone += (2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2)) / B;
    total += tot; n += B;
  }
  return { share: total ? tone / total : 0, rms: n ? Math.sqrt(total / n) : 0, seconds: all.length / rate };
}

// The demo room's layout is 2x2; the first two participants fill the top-left and top-right cells.
const TOP_LEFT = { x: 0.22, y: 0.18, w: 0.06, h: 0.08 };
const TOP_RIGHT = { x: 0.72, y: 0.18, w: 0.06, h: 0.08 };
const isRed = (c) => c[0] > 150 && c[1] < 80 && c[2] < 80;
const isBlue = (c) => c[2] > 150 && c[0] < 80 && c[1] < 80;
const isYellow = (c) => c[0] > 150 && c[1] > 150 && c[2] < 80;

describe('SIP bridge with baresip (real audio/video endpoints)', () => {
  let svc, browser;

  before(async () => {
    svc = await startService({ name: 'sip-baresip', video: { width: 640, height: 360, fps: 15 },
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    browser = await launchBrowser({ fakeVideo: colourClip('red', 'red'), fakeAudio: toneWav(`tone${BROWSER_TONE}-60s`, BROWSER_TONE, { seconds: 60 }) });
    await browser.page.goto(`${svc.httpUrl}/?room=demo&name=Alice&autojoin=1`);
    await waitJoined(browser.page);
    // Chromium's offer says useinbandfec=1 (RFC 7587 §6.1): the mix it gets carries FEC.
    await svc.expectLog(/receives Opus with in-band FEC/);
  });
  after(async () => {
    if (browser) await browser.close();
    if (svc) await svc.stop();
  });

  async function dialIn(name, { audio, video, colour, isColour, toneHz, wantAudio, wantVideo }) {
    const ua = await startBaresip(name, {
      audio, video, colour, toneHz,
      account: (port) => `<sip:${name}@127.0.0.1:${port}>;regint=0;outbound="sip:127.0.0.1:${SIP_PORT}";`
        + `audio_codecs=${audio === 'opus' ? 'opus/48000/2' : 'PCMU'};video_codecs=${video === 'vp8' ? 'VP8' : 'H264'}`,
    });
    try {
      ua.cmd('dial', `sip:demo@${DOMAIN}`);
      await ua.event('CALL_ESTABLISHED', 10000);
      const s = await waitForStatus(svc, inRoom('demo', 'address'), 8000, `${name} in the demo room`);
      const call = s.sip.calls.find((c) => c.room === 'demo');
      assert.equal(String(call.audio).toLowerCase(), wantAudio, JSON.stringify(call));
      assert.equal(String(call.video).toUpperCase(), wantVideo, JSON.stringify(call));

      // The browser's composed picture gets baresip's tile next to its own camera; it hears the tone.
      let left, right;
      const deadline = Date.now() + 15000;
      for (;;) {
        left = await browser.page.evaluate(remoteColour, TOP_LEFT);
        right = await browser.page.evaluate(remoteColour, TOP_RIGHT);
        if ((isRed(left) && isColour(right)) || (isColour(left) && isRed(right)) || Date.now() > deadline) break;
        await sleep(300);
      }
      await browser.page.screenshot({ path: path.join(OUT, `sip-baresip-${name}-browser.png`) });
      assert.ok((isRed(left) && isColour(right)) || (isColour(left) && isRed(right)),
        `the browser sees its red camera and baresip's ${colour} tile: left ${left}, right ${right}`);
      const st = await browser.page.evaluate(pageStats);
      console.log(`${name}: the browser hears level ${st.inbound.audio.audioLevel}`);
      assert.ok(st.inbound.audio.audioLevel > 0.005, `the browser hears baresip's tone: level ${st.inbound.audio.audioLevel}`);

      // baresip's received picture: a snapshot of the decoded composed picture holds the browser's red.
      await sleep(1000);
      ua.cmd('snapshot');
      let png;
      for (let i = 0; i < 50 && !png; i++) {
        png = fs.readdirSync(ua.dir).find((f) => /^snapshot-recv.*\.png$/.test(f));
        if (!png) await sleep(100);
      }
      assert.ok(png, `baresip wrote a snapshot of the received video: ${fs.readdirSync(ua.dir)}`);
      await sleep(300);
      fs.copyFileSync(path.join(ua.dir, png), path.join(OUT, `sip-baresip-${name}-received.png`));
      const [l, r] = imageColours(path.join(ua.dir, png), [TOP_LEFT, TOP_RIGHT]);
      assert.ok((isRed(l) && isColour(r)) || (isColour(l) && isRed(r)),
        `baresip's received picture holds the browser's red and its own ${colour}: left ${l}, right ${r}`);

      // baresip's received audio (sndfile's decoder dump) carries the browser's tone.
      await sleep(2000);
      ua.cmd('hangup');
      await ua.event('CALL_CLOSED', 5000);
      await ua.stop();
      const dec = fs.readdirSync(ua.dir).find((f) => /-dec\.wav$/.test(f));
      assert.ok(dec, `baresip recorded the received audio: ${fs.readdirSync(ua.dir)}`);
      fs.copyFileSync(path.join(ua.dir, dec), path.join(OUT, `sip-baresip-${name}-received.wav`));
      const t = toneShare(path.join(ua.dir, dec), BROWSER_TONE);
      console.log(`${name}: baresip's received audio: rms ${t.rms.toFixed(4)}, ${BROWSER_TONE} Hz share ${t.share.toFixed(3)}, ${t.seconds.toFixed(1)} s`);
      assert.ok(t.rms > 0.002 && t.share > 0.5,
        `baresip hears the browser's ${BROWSER_TONE} Hz tone: rms ${t.rms.toFixed(4)}, share ${t.share.toFixed(3)} of ${t.seconds.toFixed(1)} s`);
      // Mix-minus: baresip does not get its own tone back.
      const own = toneShare(path.join(ua.dir, dec), toneHz);
      assert.ok(own.share < 0.1, `baresip does not hear its own ${toneHz} Hz tone: share ${own.share.toFixed(3)}`);
      await waitForStatus(svc, (x) => x.sip.calls.length === 0, 5000, 'the call to end');
    } finally {
      await ua.stop();
      fs.rmSync(ua.dir, { recursive: true, force: true });
    }
  }

  test('baresip with VP8 + Opus dials into a room with a browser: each sees and hears the other', async () => {
    await dialIn('vp8opus', { audio: 'opus', video: 'vp8', colour: 'blue', isColour: isBlue, toneHz: 1000, wantAudio: 'opus', wantVideo: 'VP8' });
  });

  test('baresip with H.264 + G.711 dials into a room with a browser: each sees and hears the other', async () => {
    await dialIn('h264pcmu', { audio: 'pcmu', video: 'h264', colour: 'yellow', isColour: isYellow, toneHz: 1000, wantAudio: 'pcmu', wantVideo: 'H264' });
  });

  test('a guest joins by browser while the owner\'s baresip is registered with receive a call on: baresip rings within 2 s, answers and is in the room', async () => {
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'owner', password: 'owner-secret-1', display_name: 'Owner' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    const room = a.room.address;
    const owner = await vmrClient(svc);
    try {
      await owner.req({ request: 'login', username: 'owner', password: 'owner-secret-1' });
      assert.equal((await owner.req({ request: 'update_room', receive_call: true })).room.receive_call, true);
    } finally {
      owner.close();
    }
    const ua = await startBaresip('owner', {
      audio: 'opus', video: 'vp8', colour: 'blue', toneHz: 1000,
      account: () => `<sip:owner@${DOMAIN}>;auth_pass=${a.sip_password};outbound="sip:127.0.0.1:${SIP_PORT}";regint=600;`
        + 'answermode=auto;audio_codecs=opus/48000/2;video_codecs=VP8',
    });
    const guest = await launchBrowser({ fakeVideo: colourClip('red', 'red') });
    try {
      // (REGISTER_OK may come before the ctrl_tcp connection: the bridge's bindings tell.)
      await waitForStatus(svc, (x) => x.sip.registrations.some((r) => r.username === 'owner'), 10000, 'the owner\'s baresip registered');
      // The moment the guest's page sends its join request to the VMR plugin.
      let tJoin = 0;
      guest.page.on('websocket', (ws) => ws.on('framesent', (f) => {
        if (!tJoin && typeof f.payload === 'string' && /"request"\s*:\s*"join"/.test(f.payload)) tJoin = Date.now();
      }));
      const from = ua.events.length;
      await guest.page.goto(`${svc.httpUrl}/?room=${room}&name=Guest&autojoin=1`);
      // With auto-answer baresip 1.0.0 reports no CALL_INCOMING: the first call event (the
      // INVITE's SDP, CALL_REMOTE_SDP) is the moment it rings.
      const first = await Promise.any(['CALL_INCOMING', 'CALL_REMOTE_SDP'].map((e) => ua.event(e, 10000, from)));
      const ring = ua.events.slice(from).find((x) => x.event && /^CALL_/.test(x.type)) || first;
      // (playwright's framesent event can arrive after baresip's ctrl_tcp event: wait for it.)
      for (let i = 0; i < 50 && !tJoin; i++) await sleep(50);
      assert.ok(tJoin > 0, 'the guest page sent its join request');
      const ringMs = ring.t - tJoin;
      console.log(`dial-out: baresip rang ${ringMs} ms after the guest's join request`);
      assert.ok(ringMs < 2000, `baresip rang ${ringMs} ms after the guest joined`);
      await ua.event('CALL_ESTABLISHED', 5000, from);
      const s = await waitForStatus(svc, inRoom(room, 'dial-out'), 8000, 'the owner\'s baresip in the room');
      assert.ok(s.sip.calls.some((c) => c.via === 'dial-out' && c.direction === 'out' && c.room === room));
      await waitJoined(guest.page);
    } finally {
      await guest.close();
      await ua.stop();
      fs.rmSync(ua.dir, { recursive: true, force: true });
    }
  });
});
