// A network drop in the middle of a call: the link under the media goes down for longer than
// ICE can bear (the page gives it 6 s) and comes back. The page restarts ICE on the same handle and stays in the room (the MCU never
// sees it leave); it does not rejoin. Runs in the test network namespace, whose veth we own.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startService } = require('./lib/service');
const { launchBrowser, pageStats } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { colourClip } = require('./lib/media');

const IFACE = process.env.TPAAS_ICE_IFACE || 'sa0';
let svc, b;

function link(state) {
  execFileSync('ip', ['link', 'set', IFACE, state]);
}

before(async () => {
  svc = await startService({ name: 'network-drop' });
  b = await launchBrowser({ fakeVideo: colourClip('red', 'red') });
});
after(async () => {
  try { link('up'); } catch (e) { /* already up */ }
  if (b) await b.close();
  if (svc) await svc.stop();
});

test('after a network drop the page restarts ICE and stays in the room, then media flows again', async () => {
  const page = b.page;
  await page.goto(`${svc.httpUrl}/?room=demo&name=Roamer&autojoin=1`);
  await waitJoined(page);
  const id = await page.evaluate(() => window.vmr.joinedEvent.id);
  // The room's picture plays before the drop (connected is not yet decoded: the first frame
  // may still be on its way, and then the page has no inbound video statistics at all).
  let before = await page.evaluate(pageStats);
  for (let i = 0; i < 100 && !(before.inbound.video && before.inbound.video.framesDecoded > 0); i++) {
    await page.waitForTimeout(100);
    before = await page.evaluate(pageStats);
  }
  assert.ok(before.inbound.video && before.inbound.video.framesDecoded > 0, 'the picture plays before the drop');
  try {
    link('down');
    await page.waitForFunction(() => ['disconnected', 'failed'].includes(window.vmr.iceState), null, { timeout: 20000, polling: 200 });
    // A short blip heals by itself; this drop lasts until the page has started an ICE restart.
    await page.waitForFunction(() => window.vmr.restarting === true, null, { timeout: 20000, polling: 100 });
    await page.waitForTimeout(1000);
  } finally {
    link('up');
  }
  try {
    await page.waitForFunction(() => (window.vmr.iceRestarts || 0) >= 1 && window.vmr.handle.webrtcStuff.pc.connectionState === 'connected',
      null, { timeout: 60000, polling: 250 });
  } catch (e) {
    const st = await page.evaluate(() => JSON.stringify({ ice: window.vmr.iceState, restarting: window.vmr.restarting,
      reconnecting: window.vmr.reconnecting, reconnects: window.vmr.reconnects, lastDrop: window.vmr.lastDrop,
      status: document.getElementById('status').textContent, pc: window.vmr.handle && window.vmr.handle.webrtcStuff.pc && window.vmr.handle.webrtcStuff.pc.connectionState }));
    throw new Error(`no ICE restart: ${st}\n${b.logs.slice(-15).join('\n')}`);
  }
  const st = await page.evaluate(() => ({ id: window.vmr.joinedEvent.id, reconnects: window.vmr.reconnects, joined: window.vmr.joined }));
  assert.equal(st.joined, true);
  assert.equal(st.id, id, 'the same participant: it never left the room');
  assert.equal(st.reconnects, 0, 'no rejoin was needed');
  const a = await page.evaluate(pageStats);
  await page.waitForTimeout(2000);
  const c = await page.evaluate(pageStats);
  assert.ok(c.inbound.video.framesDecoded > a.inbound.video.framesDecoded && a.inbound.video.framesDecoded >= before.inbound.video.framesDecoded,
    `the picture moves again: ${before.inbound.video.framesDecoded} -> ${a.inbound.video.framesDecoded} -> ${c.inbound.video.framesDecoded}`);
  assert.doesNotMatch(svc.log(), new RegExp(`participant ${id} left room`), 'the MCU never saw it leave');
  // Janus restarted ICE on the page's new offer, and our plugin answered it in the room.
  await svc.expectLog(/Restarting ICE/);
  await svc.expectLog(new RegExp(`participant ${id} renegotiated`));
});
