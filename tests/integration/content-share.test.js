// Content sharing from browsers (issue #13): a browser shares its screen as a second video
// stream; another browser receives it as a stream of its own at the presenter's resolution; a
// page without a content stream (composed picture only, like an old app) sees the presentation
// layout; a second presenter takes the floor and the first is told; the presenter hanging up
// ends the content and the layout returns. (The signalling's refusals: content-signalling.test.js.)
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { launchBrowser, videoColour } = require('./lib/browser');
const { colourClip, silenceWav } = require('./lib/media');

let svc;
let alice, bob, carol;
before(async () => {
  svc = await startService({ name: 'content-share', video: { width: 320, height: 180, fps: 10 } });
});
after(async () => {
  for (const b of [alice, bob, carol]) if (b) await b.close();
  if (svc) await svc.stop();
});

async function joinFromBrowser(b, name, extra = '') {
  await b.page.goto(`${svc.httpUrl}/?room=demo&name=${encodeURIComponent(name)}&autojoin=1${extra}`);
  await b.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
    window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 120000, polling: 250 });
}

function waitPage(b, fn, arg, timeout = 60000) {
  return b.page.waitForFunction(fn, arg, { timeout, polling: 200 });
}

// Runs in the page: shares a solid-colour canvas as the "screen" (a known picture to check).
async function shareCanvas({ colour, width, height }) {
  const c = document.createElement('canvas');
  c.width = width; c.height = height;
  const g = c.getContext('2d');
  const draw = () => { g.fillStyle = colour; g.fillRect(0, 0, width, height); };
  draw();
  window.canvasTimer = setInterval(draw, 100);
  await window.vmr.shareTrack(c.captureStream(10).getVideoTracks()[0]);
}

const near = (c, want, tol = 45) => c.every((v, i) => Math.abs(v - want[i]) <= tol);
const MAGENTA = [255, 0, 255];
const PANE = { x: 0.3, y: 0.4, w: 0.1, h: 0.2 };  // inside the presentation layout's content pane (left 4/5)

test('a browser shares its screen with the Share screen button; the others hear who presents', async () => {
  const quiet = silenceWav('silence');
  const clip = (colour) => colourClip(`${colour}-small`, colour, { width: 320, height: 240 });
  [alice, bob, carol] = await Promise.all([
    launchBrowser({ fakeVideo: clip('red'), fakeAudio: quiet, args: ['--auto-select-desktop-capture-source=Entire screen'] }),
    launchBrowser({ fakeVideo: clip('blue'), fakeAudio: quiet }),
    launchBrowser({ fakeVideo: clip('green'), fakeAudio: quiet }),
  ]);
  await Promise.all([joinFromBrowser(alice, 'Alice'), joinFromBrowser(bob, 'Bob'), joinFromBrowser(carol, 'Carol', '&content=0')]);
  for (const b of [alice, bob]) await waitPage(b, () => window.vmr.contentReceiving === true);
  assert.equal(await carol.page.evaluate(() => window.vmr.contentReceiving), false);
  assert.equal(await alice.page.isEnabled('#share'), true);
  await svc.expectLog(/receives the content as its own stream/);

  await alice.page.click('#share');   // getDisplayMedia (fake screen, picked automatically)
  await waitPage(alice, () => window.vmr.presenting === true);
  const aliceId = await alice.page.evaluate(() => window.vmr.joinedEvent.id);
  for (const b of [alice, bob, carol]) {
    await waitPage(b, (id) => window.vmr.content && window.vmr.content.id === id, aliceId);
    assert.equal((await b.page.evaluate(() => window.vmr.content)).display, 'Alice');
  }
  assert.equal(await alice.page.textContent('#share .label'), 'Stop sharing');
  assert.equal(await bob.page.textContent('#content-notice'), 'Alice is presenting');
  await svc.expectLog(/participant \d+ presents \(content m-line/);
});

test('a browser receiving content as its own stream gets the presenter\'s screen at its resolution', async () => {
  // the fake screen is 1280x720; the content keeps it (the composed picture is 320x180)
  const sent = await alice.page.evaluate(() => window.vmr.screenTrack.getSettings());
  await waitPage(bob, ({ w, h }) => {
    const v = document.getElementById('content');
    return !v.hidden && v.videoWidth === w && v.videoHeight === h;
  }, { w: sent.width, h: sent.height }, 30000);
  await waitPage(bob, () => document.getElementById('stage').classList.contains('with-content'));
  const remote = await bob.page.evaluate(() => [document.getElementById('remote').videoWidth, document.getElementById('remote').videoHeight]);
  assert.deepEqual(remote, [320, 180], 'the people picture stays the composed one beside it');
  await bob.page.screenshot({ path: path.join(OUT, 'content-share-bob-view.png') });
  // switchable: the people picture large
  await bob.page.click('#swap-view');
  assert.equal(await bob.page.evaluate(() => document.getElementById('stage').classList.contains('swapped')), true);
  await bob.page.click('#swap-view');
});

test('a second presenter takes the floor: the first is told, everyone sees the new content', async () => {
  await bob.page.evaluate(shareCanvas, { colour: '#ff00ff', width: 640, height: 360 });
  const bobId = await bob.page.evaluate(() => window.vmr.joinedEvent.id);
  await waitPage(alice, () => window.vmr.floorLost && window.vmr.presenting === false);
  const lost = await alice.page.evaluate(() => window.vmr.floorLost);
  assert.equal(lost.reason, 'taken_over');
  assert.deepEqual(lost.by, { id: bobId, display: 'Bob' });
  assert.equal(await alice.page.textContent('#content-notice'), 'Bob took over the presentation');
  assert.equal(await alice.page.textContent('#share .label'), 'Share screen');
  for (const b of [alice, bob, carol]) await waitPage(b, (id) => window.vmr.content && window.vmr.content.id === id, bobId);
  // Alice now receives Bob's canvas as her content stream, at its size and colour
  await waitPage(alice, () => {
    const v = document.getElementById('content');
    return !v.hidden && v.videoWidth === 640 && v.videoHeight === 360;
  }, null, 30000);
  await waitPage(alice, ({ want }) => {
    const v = document.getElementById('content');
    const c = document.createElement('canvas'); c.width = 16; c.height = 16;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0, 16, 16);
    const d = g.getImageData(8, 8, 1, 1).data;
    return Math.abs(d[0] - want[0]) < 45 && Math.abs(d[1] - want[1]) < 45 && Math.abs(d[2] - want[2]) < 45;
  }, { want: MAGENTA }, 20000).catch(() => {});
  const seen = await alice.page.evaluate(videoColour, { id: 'content', box: { x: 0.4, y: 0.4, w: 0.2, h: 0.2 } });
  assert.ok(near(seen, MAGENTA), `Alice's content view shows Bob's magenta canvas: ${seen}`);
  await svc.expectLog(/participant \d+ lost the floor in demo to \d+/);
});

test('a page without a content stream sees the presentation layout in its composed picture', async () => {
  await waitPage(carol, ({ box, want }) => {
    const v = document.getElementById('remote');
    const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0);
    const d = g.getImageData(Math.floor(box.x * c.width), Math.floor(box.y * c.height), 4, 4).data;
    return Math.abs(d[0] - want[0]) < 45 && Math.abs(d[1] - want[1]) < 45 && Math.abs(d[2] - want[2]) < 45;
  }, { box: PANE, want: MAGENTA }, 30000).catch(() => {});
  const pane = await carol.page.evaluate(videoColour, { id: 'remote', box: PANE });
  assert.ok(near(pane, MAGENTA), `Carol's main pane shows the content: ${pane}`);
  assert.equal(await carol.page.evaluate(() => document.getElementById('content').hidden), true, 'no content view without a content stream');
  // Bob receives the content on its own stream: his composed picture stays the people layout
  const bobPane = await bob.page.evaluate(videoColour, { id: 'remote', box: PANE });
  assert.ok(!near(bobPane, MAGENTA), `Bob's people picture is not the presentation: ${bobPane}`);
  await carol.page.screenshot({ path: path.join(OUT, 'content-share-carol-presentation.png') });
});

test('the presenter hangs up: the content ends for everyone and the layout returns', async () => {
  await bob.close();
  bob = null;
  for (const b of [alice, carol]) await waitPage(b, () => window.vmr.content === null);
  await waitPage(alice, () => document.getElementById('content').hidden && !document.getElementById('stage').classList.contains('with-content'));
  await svc.expectLog(/room demo: content ended/);
  // the 2x2 layout again: Alice (red) and Carol (green) in the top cells, no magenta pane
  await waitPage(carol, () => {
    const v = document.getElementById('remote');
    const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d'); g.drawImage(v, 0, 0);
    const d = g.getImageData(Math.floor(0.3 * c.width), Math.floor(0.4 * c.height), 4, 4).data;
    return !(d[0] > 200 && d[1] < 60 && d[2] > 200);
  }, null, 20000);
  const left = await carol.page.evaluate(videoColour, { id: 'remote', box: { x: 0.22, y: 0.18, w: 0.06, h: 0.08 } });
  const right = await carol.page.evaluate(videoColour, { id: 'remote', box: { x: 0.72, y: 0.18, w: 0.06, h: 0.08 } });
  const isRed = (c) => c[0] > 150 && c[1] < 80 && c[2] < 80;
  const isGreen = (c) => c[1] > 90 && c[0] < 80 && c[2] < 80;
  assert.ok((isRed(left) && isGreen(right)) || (isGreen(left) && isRed(right)), `the people layout is back: ${left} ${right}`);
});
