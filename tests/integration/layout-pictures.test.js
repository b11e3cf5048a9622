// The join page a newcomer sees, and a call in each of the four layouts, as a participant sees it: four
// participants with a coloured camera each (only Ana talks, so she is the active speaker; everyone
// else hears her, she hears nobody: the mix leaves each one's own voice out) and a fifth who watches. Each test checks where the room puts everyone in its composed picture and
// saves the page as tests/out/screenshots/layout-<layout>-1280x800.png (the README's pictures:
// `make screenshots`; join-1280x800.png for the join page).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { launchBrowser, remoteColour, pageStats } = require('./lib/browser');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { colourClip, toneWav, silenceWav } = require('./lib/media');
const { shot, waitJoined, closeToasts } = require('./lib/pages');

const PEOPLE = [
  { name: 'Ana', colour: '0xe74c3c', rgb: [231, 76, 60], talks: true },
  { name: 'Ben', colour: '0x2ecc71', rgb: [46, 204, 113] },
  { name: 'Chen', colour: '0xf1c40f', rgb: [241, 196, 15] },
  { name: 'Dana', colour: '0x3464db', rgb: [52, 100, 219] },
];
const near = (c, rgb) => c.every((v, i) => Math.abs(v - rgb[i]) < 50);
const who = (c) => (PEOPLE.find((p) => near(c, p.rgb)) || { name: `none(${c})` }).name;
const TALKERS = PEOPLE.map((p) => p.name).sort();

let svc, owner, watcher;
const browsers = [];

before(async () => {
  svc = await startService({ name: 'layout-pictures', video: { width: 640, height: 360, fps: 15 } });
  await vmrAdmin(svc, { request: 'create_account', username: 'ana', password: 'ana-secret-1', display_name: 'Ana' });
  owner = await vmrClient(svc);
  await owner.req({ request: 'login', username: 'ana', password: 'ana-secret-1' });
  await owner.req({ request: 'update_room', layout: '2x2' });
});

/** The four cameras and the watcher join (once, after the join page test, which wants a quiet
 *  machine: six browsers at once are a lot for two cores). */
let joined = false;
async function joinAll() {
  if (joined) return;
  joined = true;
  for (const p of PEOPLE) {
    const b = await launchBrowser({ fakeVideo: colourClip(`pic-${p.name}`, p.colour, { width: 320, height: 240 }),
      fakeAudio: p.talks ? toneWav('tone440', 440) : silenceWav('silence') });
    browsers.push(b);
    await b.page.goto(`${svc.httpUrl}/?room=ana.join&name=${p.name}&autojoin=1`);
    await waitJoined(b.page, 90000);
  }
  watcher = await launchBrowser({ fakeVideo: colourClip('pic-dark', '0x1e2430', { width: 320, height: 240 }), fakeAudio: silenceWav('silence') });
  await watcher.page.goto(`${svc.httpUrl}/?room=ana.join&name=Guest&autojoin=1`);
  await waitJoined(watcher.page, 90000);
}
after(async () => {
  for (const b of browsers) await b.close();
  if (watcher) await watcher.close();
  if (owner) owner.close();
  if (svc) await svc.stop();
});

/** Audio energy the page received per second over 2 s (getStats totalAudioEnergy). */
async function energyRate(page, ms = 2000) {
  const e0 = (await page.evaluate(pageStats)).inbound.audio.totalAudioEnergy || 0;
  await page.waitForTimeout(ms);
  const e1 = (await page.evaluate(pageStats)).inbound.audio.totalAudioEnergy || 0;
  return (e1 - e0) / (ms / 1000);
}

/** Switches the room's layout and waits until the watcher's page has been told. */
async function switchTo(layout) {
  const r = await owner.req({ request: 'update_room', layout });
  assert.equal(r.room.layout, layout);
  await watcher.page.waitForFunction((l) => window.vmr.layout === l, layout, { timeout: 10000 });
}

/** Who the watcher's picture shows in each box (x, y, w, h as fractions of the picture); retried
 *  until pred accepts the answer (the composed picture follows a switch within a few frames). */
async function picture(boxes, pred, what) {
  let seen;
  for (let i = 0; i < 40; i++) {
    seen = [];
    for (const b of boxes) seen.push(who(await watcher.page.evaluate(remoteColour, b)));
    if (pred(seen)) return seen;
    await watcher.page.waitForTimeout(250);
  }
  assert.fail(`${what}: ${seen}`);
}

async function save(layout) {
  await closeToasts(watcher.page);
  await watcher.page.waitForTimeout(500);
  await shot(watcher.page, `layout-${layout}-1280x800`);
}

test('a newcomer on /join sees the camera preview and a form for room, name and PIN', async () => {
  const eve = await launchBrowser();   // chromium's own fake camera: its moving test picture
  try {
    const page = eve.page;
    await page.goto(`${svc.httpUrl}/join?lang=en`);
    await page.waitForFunction(() => window.vmr && window.vmr.handle && !document.getElementById('join').disabled, null, { timeout: 15000 });
    assert.match(await page.textContent('#join-title'), /Join a meeting/);
    assert.equal(await page.isVisible('#room'), true);
    assert.equal(await page.isVisible('#pin'), true);
    await page.waitForFunction(() => document.getElementById('preview').videoWidth > 0, null, { timeout: 10000 });
    await page.fill('#room', 'ana.join');
    await page.fill('#display', 'Eve');
    await page.waitForTimeout(500);
    await shot(page, 'join-1280x800');
  } finally {
    await eve.close();
  }
});

const cell = (cols, i) => ({ x: ((i % cols) + 0.4) / cols, y: (Math.floor(i / cols) + 0.3) / cols, w: 0.2 / cols, h: 0.2 / cols });

test('2x2: the four cameras fill the four quadrants of the picture', async () => {
  await joinAll();
  await switchTo('2x2');
  await picture([0, 1, 2, 3].map((i) => cell(2, i)), (s) => [...s].sort().join() === TALKERS.join(), 'quadrants');
  await save('2x2');
});

test('everyone hears Ana, who talks, and Ana does not hear herself (each hears the mix of the others)', async () => {
  await joinAll();
  const rates = [];
  for (const [i, b] of [...browsers, watcher].entries()) {
    rates.push([i < PEOPLE.length ? PEOPLE[i].name : 'Guest', await energyRate(b.page)]);
  }
  console.log(`# received audio energy/s: ${rates.map(([n, r]) => `${n} ${r.toExponential(2)}`).join(', ')}`);
  for (const [name, rate] of rates) {
    if (name === 'Ana') assert.ok(rate < 1e-7, `Ana hears silence (the others are silent): ${rate}`);
    else assert.ok(rate > 1e-5, `${name} hears Ana's tone: ${rate}`);
  }
});

test('1+7: the speaker fills the main pane, the others are thumbnails in a strip below it', async () => {
  await switchTo('1+7');
  // Thumbnails are 1/8 of the picture, centred in the bottom eighth: five participants, four thumbnails.
  const thumbs = [0, 1, 2, 3].map((i) => ({ x: 0.25 + (i + 0.3) / 8, y: 7 / 8 + 0.01, w: 0.05, h: 0.04 }));
  await picture([{ x: 0.4, y: 0.3, w: 0.2, h: 0.2 }, ...thumbs],
    (s) => s[0] === 'Ana' && ['Ben', 'Chen', 'Dana'].every((n) => s.slice(1).includes(n)), 'main pane, thumbnails');
  await save('1plus7');
});

test('3x3: everyone gets a cell of the 3x3 grid, filled from the top left', async () => {
  await switchTo('3x3');
  const cells = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => cell(3, i));
  await picture(cells, (s) => TALKERS.every((n) => s.slice(0, 5).includes(n)) && s.slice(5).every((n) => n.startsWith('none')),
    'cells');
  await save('3x3');
});

test('speaker: the whole picture is the one who talks', async () => {
  await switchTo('speaker');
  // The 4:3 cameras keep their shape: the speaker's spans the middle 3/4 of the 16:9 picture.
  await picture([{ x: 0.2, y: 0.1, w: 0.08, h: 0.1 }, { x: 0.45, y: 0.45, w: 0.1, h: 0.1 }, { x: 0.7, y: 0.6, w: 0.08, h: 0.1 }],
    (s) => s.every((n) => n === 'Ana'), 'speaker picture');
  await save('speaker');
});
