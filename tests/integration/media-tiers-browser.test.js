// Bandwidth tiers toward browsers. A browser's receive estimate (REMB) follows the rate it is
// sent: with a still picture that rate is low, and the estimate with it. The room must read the
// estimate as a congestion signal only, so a browser on an uncongested link keeps the room's full
// picture. Two browsers with still camera pictures in a 1280x720 room: each keeps decoding
// 1280x720 for 12 s (an estimate taken as a maximum dropped them to 320x180 within 4 s).
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { launchBrowser, pageStats } = require('./lib/browser');
const { colourClip, toneWav } = require('./lib/media');

let svc;
const browsers = [];
after(async () => {
  for (const b of browsers) await b.close();
  if (svc) await svc.stop();
});

test('a browser on an uncongested link keeps the room size (1280x720) while its REMB follows a still picture', async () => {
  svc = await startService({ name: 'tiers-browser', video: { width: 1280, height: 720, fps: 15 } });
  for (const n of ['A', 'B']) {
    const b = await launchBrowser({
      fakeVideo: colourClip(`still-640-${n}`, n === 'A' ? 'red' : 'blue', { width: 640, height: 360 }),
      fakeAudio: toneWav('tone440', 440),
    });
    browsers.push(b);
    await b.page.goto(`${svc.httpUrl}/?room=demo&name=${n}&autojoin=1`);
    await b.page.waitForFunction(() => window.vmr && window.vmr.joined, null, { timeout: 60000 });
  }
  let lastDecoded = 0;
  for (let t = 4; t <= 12; t += 4) {
    await browsers[0].page.waitForTimeout(4000);
    const v = (await browsers[0].page.evaluate(pageStats)).inbound.video;
    console.log(`# ${t} s: the browser decodes ${v && v.frameWidth}x${v && v.frameHeight}, ${v && v.framesDecoded} frames, ${v && v.bytesReceived} bytes`);
    assert.ok(v, 'the browser receives video');
    assert.deepEqual([v.frameWidth, v.frameHeight], [1280, 720], `the picture at ${t} s is the room's size`);
    assert.ok(v.framesDecoded > lastDecoded, `frames are still decoded at ${t} s`);
    lastDecoded = v.framesDecoded;
  }
});
