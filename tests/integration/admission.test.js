// Admission control: a node with a low budget (max_load in janus.plugin.vmr.jcfg) refuses the
// next room cleanly — a page gets error 432 with retry_after and shows it, a SIP caller gets 503
// with Retry-After — while the room already running keeps sending its picture.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startService } = require('./lib/service');
const { launchBrowser, pageStats } = require('./lib/browser');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { DUMMY_OFFER } = require('./lib/sdp');
const { colourClip } = require('./lib/media');
const { sippRunner } = require('./lib/sip');

const SIP_PORT = 5082;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 15260 });
let svc, alice, bob, lounge;

before(async () => {
  svc = await startService({ name: 'admission', video: { width: 640, height: 360, fps: 15 },
    env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
  // A budget any running room passes: one room fits, the next one does not.
  const conf = path.join(svc.dir, 'conf', 'janus.plugin.vmr.jcfg');
  const text = fs.readFileSync(conf, 'utf8');
  assert.match(text, /max_load = "0"/);
  fs.writeFileSync(conf, text.replace(/max_load = "0"/, 'max_load = "0.001"'));
  await svc.restart();
  lounge = (await vmrAdmin(svc, { request: 'create_room', name: 'lounge' })).room;
});
after(async () => {
  if (alice) await alice.close();
  if (bob) await bob.close();
  if (svc) await svc.stop();
});

async function framesDecoded(page) {
  const s = await page.evaluate(pageStats);
  return s.inbound.video ? s.inbound.video.framesDecoded : 0;
}

test('at its budget the node refuses the next room while the running room keeps its picture', async () => {
  alice = await launchBrowser({ fakeVideo: colourClip('red', 'red') });
  await alice.page.goto(`${svc.httpUrl}/?room=demo&name=Alice&autojoin=1`);
  await alice.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
    window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 30000, polling: 200 });
  await new Promise((r) => setTimeout(r, 2000)); // the running room's cost is measured
  const node = await vmrAdmin(svc, { request: 'node_load' });
  assert.equal(node.vmr, 'node_load', JSON.stringify(node));
  assert.equal(node.rooms, 1);
  assert.equal(node.participants, 1);
  assert.equal(node.max_load, 0.001);
  assert.ok(node.load > node.max_load, `the running room's measured load passes the budget: ${node.load}`);

  // An app: error 432 with retry_after, and it is not in any room.
  const app = await vmrClient(svc);
  try {
    const r = await app.req({ request: 'join', room: lounge.address, display: 'App' }, DUMMY_OFFER);
    assert.equal(r.error_code, 432, JSON.stringify(r));
    assert.equal(r.retry_after, 30);
    const again = await app.req({ request: 'leave' });
    assert.equal(again.error_code, 420, 'the refused app is in no room');
  } finally {
    app.close();
  }
  await svc.expectLog(new RegExp(`join of ${lounge.address.replace(/\./g, "\\.")} refused .*at its budget`));

  // A page: the refusal is shown, not a generic failure.
  bob = await launchBrowser({ fakeVideo: colourClip('blue', 'blue') });
  await bob.page.goto(`${svc.httpUrl}/?room=${lounge.address}&name=Bob&autojoin=1`);
  await bob.page.waitForFunction(() => /full/.test(document.getElementById('status').textContent), null, { timeout: 20000, polling: 200 });
  const status = await bob.page.evaluate(() => document.getElementById('status').textContent);
  assert.match(status, /Try again in 30 s/);
  assert.equal(await bob.page.evaluate(() => !!window.vmr.joined), false);

  // A SIP caller: 503 with Retry-After (the scenario checks the header).
  assert.equal(await sipp('invite_503.xml', { ruri: `sip:${lounge.address}@${DOMAIN}` }), 0);

  // Meanwhile the running room kept sending its picture.
  const f0 = await framesDecoded(alice.page);
  await new Promise((r) => setTimeout(r, 3000));
  const f1 = await framesDecoded(alice.page);
  assert.ok(f1 > f0 + 10, `the running room's picture moves on: ${f0} -> ${f1} frames`);
  assert.equal(await alice.page.evaluate(() => window.vmr.joined), true);
});
