// The room is an MCU: four browsers, each sending a distinct solid colour and its own tone, and
// a fifth (dark, silent) who watches. The watcher's composed picture has one colour per 2x2
// quadrant; after the owner switches the room to `speaker`, the whole picture is the one the
// MCU names as the active speaker; everyone hears the others.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { launchBrowser, pageStats, remoteColour } = require('./lib/browser');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { colourClip, toneWav, silenceWav } = require('./lib/media');

const PEOPLE = [
  { name: 'Red', colour: 'red', rgb: [255, 0, 0], freq: 440 },
  { name: 'Green', colour: 'lime', rgb: [0, 255, 0], freq: 660 },
  { name: 'Blue', colour: 'blue', rgb: [0, 0, 255], freq: 880 },
  { name: 'Yellow', colour: 'yellow', rgb: [255, 255, 0], freq: 1100 },
];
const near = (c, rgb) => c.every((v, i) => Math.abs(v - rgb[i]) < 70);
const colourName = (c) => (PEOPLE.find((p) => near(c, p.rgb)) || { name: `none(${c})` }).name;

let svc, owner;
const browsers = [];
let watcher;

before(async () => {
  svc = await startService({ name: 'layouts', video: { width: 640, height: 360, fps: 15 } });
  await vmrAdmin(svc, { request: 'create_account', username: 'host', password: 'host-secret-1' });
  owner = await vmrClient(svc);
  await owner.req({ request: 'login', username: 'host', password: 'host-secret-1' });
  const r = await owner.req({ request: 'update_room', layout: '2x2' });
  assert.equal(r.room.layout, '2x2');
});
after(async () => {
  for (const b of browsers) await b.close();
  if (watcher) await watcher.close();
  if (owner) owner.close();
  if (svc) await svc.stop();
});

async function join(b, name) {
  await b.page.goto(`${svc.httpUrl}/?room=host.join&name=${name}&autojoin=1`);
  await b.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
    window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 45000, polling: 250 });
}

test('four coloured participants fill the four 2x2 quadrants of the picture a fifth receives', async () => {
  for (const p of PEOPLE) {
    const b = await launchBrowser({ fakeVideo: colourClip(`${p.name}-320`, p.colour, { width: 320, height: 240 }),
      fakeAudio: toneWav(`tone${p.freq}`, p.freq) });
    browsers.push(b);
    await join(b, p.name);
  }
  watcher = await launchBrowser({ fakeVideo: colourClip('black-320', 'black', { width: 320, height: 240 }),
    fakeAudio: silenceWav('silence') });
  await join(watcher, 'Watcher');
  await watcher.page.waitForTimeout(4000);
  const quadrants = [];
  for (const [x, y] of [[0.22, 0.18], [0.72, 0.18], [0.22, 0.68], [0.72, 0.68]]) {
    quadrants.push(colourName(await watcher.page.evaluate(remoteColour, { x, y, w: 0.06, h: 0.08 })));
  }
  await watcher.page.screenshot({ path: path.join(OUT, 'layout-2x2-watcher.png') });
  assert.deepEqual([...quadrants].sort(), PEOPLE.map((p) => p.name).sort(), `quadrants: ${quadrants}`);
});

test('every participant hears the others (and the watcher hears everyone)', async () => {
  for (const [i, b] of [...browsers, watcher].entries()) {
    const s = await b.page.evaluate(pageStats);
    assert.ok(s.inbound.audio && s.inbound.audio.audioLevel > 0.005,
      `${i < 4 ? PEOPLE[i].name : 'Watcher'} hears the room: level ${s.inbound.audio && s.inbound.audio.audioLevel}`);
  }
});

test('switched to `speaker`, the whole picture shows the participant the MCU names as the speaker', async () => {
  const r = await owner.req({ request: 'update_room', layout: 'speaker' });
  assert.equal(r.room.layout, 'speaker');
  await watcher.page.waitForFunction(() => window.vmr.layout === 'speaker' && window.vmr.lastSpeaker, null, { timeout: 10000 });
  await watcher.page.waitForTimeout(3000);
  // Who does the MCU say talks? The last `speaker` event the watcher's page received.
  const speakerId = await watcher.page.evaluate(() => window.vmr.lastSpeaker);
  const names = await watcher.page.evaluate(() => Object.fromEntries([...window.vmr.participants.values()].map((p) => [p.id, p.display])));
  const speaker = names[speakerId];
  assert.ok(PEOPLE.some((p) => p.name === speaker), `the speaker is one of the talkers: ${speaker} (${speakerId})`);
  const samples = [];
  for (const [x, y] of [[0.45, 0.4], [0.2, 0.2], [0.75, 0.3], [0.3, 0.6]]) {
    samples.push(colourName(await watcher.page.evaluate(remoteColour, { x, y, w: 0.05, h: 0.05 })));
  }
  await watcher.page.screenshot({ path: path.join(OUT, 'layout-speaker-watcher.png') });
  assert.deepEqual(samples, [speaker, speaker, speaker, speaker], `the whole picture is ${speaker}: ${samples}`);
});
