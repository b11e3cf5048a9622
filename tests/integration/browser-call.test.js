// A browser joins a room over WebRTC and gets back media that went through our MCU.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { launchBrowser, pageStats, remoteColour } = require('./lib/browser');
const { JanusClient } = require('./lib/janus-client');
const { colourClip, toneWav } = require('./lib/media');

let svc;
let alice;
before(async () => {
  svc = await startService({ name: 'browser-call', video: { width: 640, height: 360, fps: 15 } });
});
after(async () => {
  if (alice) await alice.close();
  if (svc) await svc.stop();
});

async function joinFromBrowser(b, room, name) {
  await b.page.goto(`${svc.httpUrl}/?room=${room}&name=${encodeURIComponent(name)}&autojoin=1`);
  await b.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
    window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 30000, polling: 200 });
}

test('janus log shows our two plugins and our transport loaded', () => {
  const log = svc.log();
  assert.match(log, /tpaas VMR initialized/);
  assert.match(log, /tpaas SIP bridge initialized/);
  assert.match(log, /Loading transport plugin 'libjanus_tpaas_web\.so'/);
  assert.match(log, /\[tpaasweb\] listening on http:\/\/127\.0\.0\.1:/);
});

test('browser joins the demo room from /?room=demo and decodes the MCU picture and audio', async () => {
  alice = await launchBrowser({ fakeVideo: colourClip('red', 'red'), fakeAudio: toneWav('tone440', 440) });
  await joinFromBrowser(alice, 'demo', 'Alice');
  await alice.page.waitForTimeout(3000);
  const s = await alice.page.evaluate(pageStats);
  const joined = await alice.page.evaluate(() => window.vmr.joinedEvent);
  assert.equal(joined.room, 'demo');
  assert.deepEqual(joined.video, { width: 640, height: 360 });
  assert.ok(s.inbound.video, 'an inbound video stream exists');
  assert.ok(s.inbound.video.framesDecoded > 10, `video frames decoded: ${s.inbound.video.framesDecoded}`);
  // 640x360 is the room's composed picture; the fake camera sends 640x480: this is our encoder's output.
  assert.equal(s.inbound.video.frameWidth, 640);
  assert.equal(s.inbound.video.frameHeight, 360);
  assert.ok(s.inbound.audio && s.inbound.audio.packetsReceived > 50, `audio packets: ${JSON.stringify(s.inbound.audio)}`);
  // Mix-minus: alone in the room, Alice hears nothing of her own tone.
  assert.ok(s.inbound.audio.audioLevel < 0.002, `alone, Alice hears silence: level ${s.inbound.audio.audioLevel}`);
  // The demo room's layout is 2x2: alone, Alice's own camera fills the top-left cell; the
  // empty cells are dark.
  const cell = await alice.page.evaluate(remoteColour, { x: 0.22, y: 0.18, w: 0.06, h: 0.08 });
  assert.ok(cell[0] > 180 && cell[1] < 70 && cell[2] < 70, `top-left cell is red: ${cell}`);
  const empty = await alice.page.evaluate(remoteColour, { x: 0.7, y: 0.7, w: 0.1, h: 0.1 });
  assert.ok(Math.max(...empty) < 40, `an empty cell is dark: ${empty}`);
  await alice.page.screenshot({ path: path.join(OUT, 'browser-call-alice.png') });
});

test('janus reports ICE and DTLS connected on the browser handle of janus.plugin.vmr', async () => {
  const ids = await alice.page.evaluate(() => ({ session: window.vmr.janus.getSessionId(), handle: window.vmr.handle.getId() }));
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await admin.request({ janus: 'handle_info', session_id: ids.session, handle_id: ids.handle, admin_secret: svc.adminSecret });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    const info = r.info;
    assert.equal(info.plugin, 'janus.plugin.vmr');
    assert.equal(info.webrtc.ice.state, 'connected');
    assert.equal(info.webrtc.dtls['dtls-state'], 'connected');
    assert.ok(info.plugin_specific.mcu.video_frames_decoded > 0, 'the MCU decoded the browser video');
    assert.ok(info.plugin_specific.mcu.audio_frames_decoded > 0, 'the MCU decoded the browser audio');
  } finally {
    admin.close();
  }
});

test('two browsers in one room each see both cameras in the composed picture', async () => {
  const bob = await launchBrowser({ fakeVideo: colourClip('blue', 'blue'), fakeAudio: toneWav('tone880', 880) });
  try {
    await joinFromBrowser(bob, 'demo', 'Bob');
    await bob.page.waitForTimeout(3000);
    for (const [who, b] of [['alice', alice], ['bob', bob]]) {
      const left = await b.page.evaluate(remoteColour, { x: 0.22, y: 0.18, w: 0.06, h: 0.08 });
      const right = await b.page.evaluate(remoteColour, { x: 0.72, y: 0.18, w: 0.06, h: 0.08 });
      const isRed = (c) => c[0] > 150 && c[1] < 80 && c[2] < 80;
      const isBlue = (c) => c[2] > 150 && c[0] < 80 && c[1] < 80;
      assert.ok((isRed(left) && isBlue(right)) || (isBlue(left) && isRed(right)),
        `${who} sees red and blue side by side: left ${left}, right ${right}`);
      await b.page.screenshot({ path: path.join(OUT, `browser-call-two-${who}.png`) });
    }
    for (const [who, b] of [['alice', alice], ['bob', bob]]) {
      const st = await b.page.evaluate(pageStats);
      assert.ok(st.inbound.audio.audioLevel > 0.005, `${who} hears the other's tone: level ${st.inbound.audio.audioLevel}`);
    }
    const names = await alice.page.evaluate(() => [...window.vmr.participants.values()].map((p) => p.display).sort());
    assert.deepEqual(names, ['Alice', 'Bob']);
  } finally {
    await bob.close();
  }
});
