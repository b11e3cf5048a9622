// Who is here, for a room system (issue #14): a real SIP endpoint (Debian's baresip, VP8 + G.711)
// is in a room when an app (Janus API client, display "María") joins. The picture baresip receives
// shows the banner at its top centre (a dark blue band with light letters) right after the join,
// and not 6 s later; the audio baresip receives carries the chime (660 and 880 Hz) once, around
// the join. Snapshots of baresip's decoded picture (snapshot module) and its decoded audio
// (sndfile) are what the endpoint's user sees and hears.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');
const { startBaresip, imageColours, snapshot } = require('./lib/baresip');
const { waitForStatus, inRoom, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
// The banner: centred at the top, above every tile's sampled area (y < 0.1 of the picture).
const BANNER = { x: 0.42, y: 0.02, w: 0.16, h: 0.06 };
const isBanner = (c) => c[2] > 90 && c[2] > c[1] + 20 && c[2] > c[0] + 40;

/**
 * The amplitude (of full scale) of each frequency in 40 ms windows every 10 ms of a WAV, read at
 * 8 kHz mono: Goertzel at the exact frequency, 2|X|/N (a sine of amplitude A gives A).
 */
function toneAmplitudes(file, freqs) {
  const rate = 8000, N = 320, hop = 80;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(rate), '-f', 's16le', '-']);
  const all = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  const windows = [];
  for (let s = 0; s + N <= all.length; s += hop) {
    const amp = {};
    for (const f of freqs) {
      const coeff = 2 * Math.cos((2 * Math.PI * f) / rate);
      let s1 = 0, s2 = 0;
      for (let i = s; i < s + N; i++) {
        const s0 = all[i] / 32768 + coeff * s1 - s2;
        s2 = s1; s1 = s0;
      }
      amp[f] = (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2))) / N;
    }
    windows.push({ t: s / rate, amp });
  }
  return windows;
}

describe('join banner and chime for a room system', () => {
  let svc;

  before(async () => {
    svc = await startService({ name: 'room-banner', demoRoom: '', video: { width: 640, height: 360, fps: 15 },
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'hall', layout: '2x2' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('an app joins: the SIP endpoint\'s received picture shows the banner, then not, and it hears the chime', async () => {
    const ua = await startBaresip('banner', {
      audio: 'pcmu', video: 'vp8', colour: 'green', toneHz: 1000,
      account: (port) => `<sip:roomsystem@127.0.0.1:${port}>;regint=0;outbound="sip:127.0.0.1:${SIP_PORT}";`
        + 'audio_codecs=PCMU;video_codecs=VP8',
    });
    const app = await vmrClient(svc);
    try {
      ua.cmd('dial', `sip:hall@${DOMAIN}`);
      await ua.event('CALL_ESTABLISHED', 10000);
      await waitForStatus(svc, inRoom('hall', 'address'), 8000, 'baresip in hall');
      // Alone in the room: its own green tile top left, no banner (nobody to tell).
      let png, before;
      const deadline = Date.now() + 15000;
      do {
        png = await snapshot(ua);
        [before] = imageColours(png, [BANNER]);
        const [tile] = imageColours(png, [{ x: 0.2, y: 0.18, w: 0.1, h: 0.1 }]);
        if (tile[1] > 80 && tile[0] < 80) break;
      } while (Date.now() < deadline);
      fs.copyFileSync(png, path.join(OUT, 'room-banner-before.png'));
      assert.ok(!isBanner(before), `no banner before anyone joins: ${before}`);

      const tJoin = Date.now();
      const j = await app.message(app.handle, { request: 'join', room: 'hall', display: 'María' }, OPUS_OFFER);
      assert.equal(j.data && j.data.vmr, 'joined', JSON.stringify(j.data));
      let during;
      do {
        png = await snapshot(ua);
        [during] = imageColours(png, [BANNER]);
      } while (!isBanner(during) && Date.now() - tJoin < 3000);
      fs.copyFileSync(png, path.join(OUT, 'room-banner-during.png'));
      console.log(`banner region: before ${before}, ${Date.now() - tJoin} ms after the join ${during}`);
      assert.ok(isBanner(during), `the banner right after the join: ${during} (before ${before})`);

      await sleep(Math.max(0, tJoin + 6000 - Date.now()));
      png = await snapshot(ua);
      const [later] = imageColours(png, [BANNER]);
      fs.copyFileSync(png, path.join(OUT, 'room-banner-after.png'));
      assert.ok(!isBanner(later), `the banner is gone 6 s after the join: ${later}`);

      ua.cmd('hangup');
      await ua.event('CALL_CLOSED', 5000);
      await ua.stop();
      const dec = fs.readdirSync(ua.dir).find((f) => /-dec\.wav$/.test(f));
      assert.ok(dec, `baresip recorded the received audio: ${fs.readdirSync(ua.dir)}`);
      fs.copyFileSync(path.join(ua.dir, dec), path.join(OUT, 'room-banner-received.wav'));
      const windows = toneAmplitudes(path.join(ua.dir, dec), [660, 880, 1000]);
      const low = windows.filter((w) => w.amp[660] > 0.03).map((w) => w.t);
      const high = windows.filter((w) => w.amp[880] > 0.03).map((w) => w.t);
      console.log(`chime: 660 Hz at ${low.join(' ')} s; 880 Hz at ${high.join(' ')} s; `
        + `peaks ${Math.max(...windows.map((w) => w.amp[660])).toFixed(3)} / ${Math.max(...windows.map((w) => w.amp[880])).toFixed(3)}`);
      assert.ok(low.length > 0 && high.length > 0, 'baresip heard both notes of the chime');
      assert.ok(low[0] < high[0], 'rising: 660 Hz first, then 880 Hz (someone joined)');
      assert.ok(Math.max(...low, ...high) - Math.min(...low, ...high) < 0.6, 'one short chime, not a tone');
      assert.ok(windows.every((w) => w.amp[1000] < 0.01), 'mix-minus: not its own 1000 Hz tone');
    } finally {
      app.close();
      await ua.stop();
      fs.rmSync(ua.dir, { recursive: true, force: true });
    }
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
  });
});
