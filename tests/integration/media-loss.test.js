// Loss on every media leg, in the test network namespace: nftables drops a share of every UDP
// packet (lib/loss.js; both directions, browser -> room and room -> browser, signalling untouched).
// Two browsers share a room: Alice sends a red camera and a steady tone, Bob a blue camera and
// silence; Bob is the one who watches and listens.
//  - after a burst (every packet dropped for 500 ms, then 5 % again) Bob's picture decodes again
//    and keeps moving with its lost packets repaired (NACK: next to none lost for good), and
//    the room decodes Alice's camera again (it asked her for a key frame);
//  - at 5 % loss, what Bob's page decodes and plays of Alice's tone has no long silence.
// TPAAS_LOSS_PERCENT (default 5) sets the steady loss: at 100 both tests fail, as they should.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { launchBrowser, pageStats, remoteColour } = require('./lib/browser');
const { JanusClient } = require('./lib/janus-client');
const { waitJoined } = require('./lib/pages');
const { colourClip, toneWav, silenceWav } = require('./lib/media');
const { setLoss, clearLoss, dropped, startRecorder, recorded, summarize } = require('./lib/loss');

const LOSS = Number(process.env.TPAAS_LOSS_PERCENT || 5);
let svc, alice, bob;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function join(b, name) {
  await b.page.goto(`${svc.httpUrl}/?room=demo&name=${name}&autojoin=1`);
  await waitJoined(b.page);
}

/** The MCU's figures for a page's handle (Admin API handle_info). */
async function mcuInfo(b) {
  const ids = await b.page.evaluate(() => ({ session: window.vmr.janus.getSessionId(), handle: window.vmr.handle.getId() }));
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await admin.request({ janus: 'handle_info', session_id: ids.session, handle_id: ids.handle, admin_secret: svc.adminSecret });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    return r.info.plugin_specific.mcu;
  } finally {
    admin.close();
  }
}

const isRed = (c) => c[0] > 150 && c[1] < 80 && c[2] < 80;
const isBlue = (c) => c[2] > 150 && c[0] < 80 && c[1] < 80;

/** Bob's picture shows Alice's red camera and his own blue one side by side (2x2, top row). */
async function bobSeesBoth() {
  const left = await bob.page.evaluate(remoteColour, { x: 0.22, y: 0.18, w: 0.06, h: 0.08 });
  const right = await bob.page.evaluate(remoteColour, { x: 0.72, y: 0.18, w: 0.06, h: 0.08 });
  return { ok: (isRed(left) && isBlue(right)) || (isBlue(left) && isRed(right)), left, right };
}

before(async () => {
  clearLoss();
  svc = await startService({ name: 'media-loss', video: { width: 320, height: 180, fps: 15 } });
  alice = await launchBrowser({ fakeVideo: colourClip('red', 'red'), fakeAudio: toneWav('tone440-60s', 440, { seconds: 60 }) });
  bob = await launchBrowser({ fakeVideo: colourClip('blue', 'blue'), fakeAudio: silenceWav('silence-60s', { seconds: 60 }) });
  await join(alice, 'Alice');
  await join(bob, 'Bob');
  await bob.page.evaluate(startRecorder);
  // Both cameras in Bob's picture before any loss.
  const deadline = Date.now() + 20000;
  let seen;
  while (!(seen = await bobSeesBoth()).ok) {
    if (Date.now() > deadline) throw new Error(`Bob never saw both cameras: ${JSON.stringify(seen)}`);
    await sleep(250);
  }
});
after(async () => {
  clearLoss();
  if (alice) await alice.close();
  if (bob) await bob.close();
  if (svc) await svc.stop();
});

test('after a 500 ms loss burst on every leg, then 5 % loss, the picture decodes again and keeps moving', async (t) => {
  const videoIn = async () => (await bob.page.evaluate(pageStats)).inbound.video || {};
  setLoss(LOSS);
  await sleep(3000);
  const lost0 = (await videoIn()).packetsLost || 0;
  setLoss(100);
  await sleep(500);
  const burstDrops = dropped();
  setLoss(LOSS);
  const burstEnd = await bob.page.evaluate(() => performance.now());
  // (no inbound video at all once ICE has given up: 0 frames)
  const decoded = async () => ((await bob.page.evaluate(pageStats)).inbound.video || { framesDecoded: 0 }).framesDecoded;
  const f0 = await decoded();
  const t0 = Date.now();
  const m0 = (await mcuInfo(alice)).video_frames_decoded;
  assert.ok(burstDrops > 20, `the burst dropped packets: ${burstDrops}`);
  // Bob decodes again: 30 more frames (2 s of the room's 15 fps), within a generous wait.
  const deadline = Date.now() + 20000;
  let f;
  while ((f = await decoded()) < f0 + 30) {
    if (Date.now() > deadline) {
      assert.fail(`Bob's picture did not decode again after the burst: ${f0} -> ${f} frames in 20 s, ${dropped()} packets dropped`);
    }
    await sleep(100);
  }
  const recoveredMs = Date.now() - t0;
  // ... and keeps moving, still under loss: 45 frames more (3 s worth), within a generous wait.
  const f1 = await decoded();
  const since1 = await bob.page.evaluate(() => performance.now());
  const deadline2 = Date.now() + 15000;
  let f2;
  while ((f2 = await decoded()) < f1 + 45 && Date.now() < deadline2) await sleep(100);
  if (f2 < f1 + 45) {
    const tail = await bob.page.evaluate(recorded, since1 - 2000);
    const trace = JSON.stringify(tail.video.filter((v, i) => i % 10 === 0).map((v) => [Math.round(v.t), v.framesDecoded, v.packetsLost, v.nacks, v.plis]));
    assert.fail(`Bob's picture stopped again after the burst: ${f1} -> ${f2} frames in 15 s; [ms, decoded, lost, nacks, plis]: ${trace}`);
  }
  // Every packet of the room's picture lost in the burst and since was repaired (NACK: the core
  // resends it from the last second it keeps), so Bob's page counts next to none lost. (Janus
  // sent its resends from SSRC 0 to a page that offered simulcast with RTX; the page dropped
  // them, lost every packet of the burst and about one a second after, and froze until the
  // next key frame.)
  const lost = ((await videoIn()).packetsLost || 0) - lost0;
  assert.ok(lost <= 3, `packets of Bob's picture lost for good since the burst: ${lost}`);
  // The room decodes Alice's camera again (her input lost its packets too: the room asked her
  // for a key frame), and Bob sees it next to his own.
  const m1 = (await mcuInfo(alice)).video_frames_decoded;
  assert.ok(m1 >= m0 + 15, `the room decodes Alice's camera again: ${m0} -> ${m1} frames`);
  const seen = await bobSeesBoth();
  assert.ok(seen.ok, `Bob sees red and blue side by side after the burst: ${JSON.stringify(seen)}`);
  const steadyDrops = dropped();
  assert.ok(LOSS === 0 || steadyDrops > 0, `packets were dropped at ${LOSS} %: ${steadyDrops}`);
  await bob.page.screenshot({ path: path.join(OUT, 'media-loss-bob.png') });
  const shown = (await bob.page.evaluate(recorded, burstEnd)).frames;
  const trace = (await bob.page.evaluate(recorded, burstEnd)).video.filter((v, i) => i % 10 === 0)
    .map((v) => [Math.round(v.t - burstEnd), v.framesDecoded, v.framesReceived, v.framesDropped, v.keyFrames, v.packetsLost, v.rtx, v.nacks, v.plis, v.firs]);
  t.diagnostic(`since the burst [ms, decoded, received, dropped, key, lost, rtx, nacks, plis, firs]: ${JSON.stringify(trace)}`);
  t.diagnostic(`after the burst: Bob's <video> presented its first picture after ${Math.round(shown[0] - burstEnd)} ms; 30 frames decoded after ${recoveredMs} ms`);
});

test('at 5 % loss on every leg, the tone Bob hears has no silence longer than 300 ms and is mostly not concealed', async () => {
  setLoss(LOSS);
  await sleep(2000);
  const since = await bob.page.evaluate(() => performance.now());
  const d0 = dropped();
  await sleep(10000);
  const w = summarize(await bob.page.evaluate(recorded, since));
  const drops = dropped() - d0;
  const figures = JSON.stringify({ ...w, drops });
  assert.ok(w.seconds > 8, `audio stats cover the window: ${figures}`);
  assert.ok(LOSS === 0 || drops > 0, `packets were dropped: ${figures}`);
  // Bob hears the tone (a participant who sends nothing would measure ~0.00003)...
  assert.ok(w.medianRms > 0.005, `Bob hears Alice's tone: ${figures}`);
  // ... with the lost packets concealed: no gap a listener would notice as a dropout.
  assert.ok(w.longestSilenceMs <= 300, `longest silence in what Bob's page played: ${w.longestSilenceMs} ms: ${figures}`);
  // ... and most of it is Alice's real audio, not made up by the page's jitter buffer (WebRTC
  // concealedSamples; about the loss rate of the leg to Bob, 5 % here).
  assert.ok(w.concealment < 0.25, `share of Bob's audio that was concealed: ${w.concealment}: ${figures}`);
  // The room knows the loss Bob's page reports of the audio it sends him (RTCP, through Janus):
  // what the Opus FEC he hears follows (docs/capacity.md, "Audio encodes").
  if (LOSS > 0) {
    const reported = (await mcuInfo(bob)).audio_loss_reported;
    assert.ok(reported >= 1, `the loss Bob's page reports of its audio reached the room: ${reported} %`);
  }
});
