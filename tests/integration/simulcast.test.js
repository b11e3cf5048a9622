// Simulcast inputs from a browser: the service asks pages for simulcast (turn_credentials says
// so), headless chromium sends its 1280x720 camera as three rid layers (1/4, 1/2, full size),
// and the room decodes, per tile, the smallest layer that fills it. On a 640x360 picture a 3x3
// tile (212x120) is filled by the 320x180 layer; the whole picture (layout `speaker`) needs
// the 640x360 one. The Admin API (handle_info) shows the layer the room decodes and the size
// of what it decodes, which follows the layout; no frame of another layer is decoded meanwhile.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { launchBrowser } = require('./lib/browser');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { JanusClient } = require('./lib/janus-client');
const { colourClip, toneWav } = require('./lib/media');

let svc, owner, cam;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  svc = await startService({ name: 'simulcast', video: { width: 640, height: 360, fps: 15 } });
  await vmrAdmin(svc, { request: 'create_account', username: 'host', password: 'host-secret-1' });
  owner = await vmrClient(svc);
  await owner.req({ request: 'login', username: 'host', password: 'host-secret-1' });
  const r = await owner.req({ request: 'update_room', layout: '3x3' });
  assert.equal(r.room.layout, '3x3');
  cam = await launchBrowser({ fakeVideo: colourClip('green-720p', 'green', { width: 1280, height: 720 }),
    fakeAudio: toneWav('tone440', 440) });
  await cam.page.goto(`${svc.httpUrl}/?room=host.join&name=Cam&autojoin=1`);
  await cam.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
    window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 45000, polling: 250 });
});
after(async () => {
  if (cam) await cam.close();
  if (owner) owner.close();
  if (svc) await svc.stop();
});

/** The room's simulcast figures for the page's handle (Admin API handle_info). */
async function simulcastInfo() {
  const ids = await cam.page.evaluate(() => ({ session: window.vmr.janus.getSessionId(), handle: window.vmr.handle.getId() }));
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await admin.request({ janus: 'handle_info', session_id: ids.session, handle_id: ids.handle, admin_secret: svc.adminSecret });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    return r.info.plugin_specific.simulcast || null;
  } finally {
    admin.close();
  }
}

/** Waits until the room decodes a picture of width x height from the camera. */
async function waitDecoded(width, height, what) {
  const deadline = Date.now() + 40000;
  let sc = null;
  while (Date.now() < deadline) {
    sc = await simulcastInfo();
    if (sc && sc.width === width && sc.height === height) return sc;
    await sleep(500);
  }
  throw new Error(`${what}: the room never decoded ${width}x${height}; last figures ${JSON.stringify(sc)}`);
}

test('the page sends its camera as three simulcast layers', async () => {
  const deadline = Date.now() + 30000;
  let rids = [];
  while (Date.now() < deadline) {
    rids = await cam.page.evaluate(async () => {
      const report = await window.vmr.handle.webrtcStuff.pc.getStats();
      const out = [];
      report.forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid && s.framesEncoded > 0) out.push(s.rid); });
      return out.sort();
    });
    if (rids.length >= 2) break;
    await sleep(500);
  }
  assert.ok(rids.length >= 2, `encodings sending: ${rids}`);
  const sc = await simulcastInfo();
  assert.ok(sc && sc.layers_seen >= 2, JSON.stringify(sc));
});

test('a 3x3 tile decodes the 320x180 layer, the speaker layout the 640x360 one, and back', async () => {
  const grid = await waitDecoded(320, 180, '3x3');
  assert.equal(grid.per_layer[grid.layer].width, 320);

  let r = await owner.req({ request: 'update_room', layout: 'speaker' });
  assert.equal(r.room.layout, 'speaker');
  const full = await waitDecoded(640, 360, 'speaker');
  assert.notEqual(full.layer, grid.layer);
  assert.ok(full.switches > grid.switches, JSON.stringify(full));
  // While the small layer was decoded, the others were not (only after the switch).
  assert.ok(full.per_layer[grid.layer].frames_decoded >= grid.per_layer[grid.layer].frames_decoded);

  r = await owner.req({ request: 'update_room', layout: '3x3' });
  assert.equal(r.room.layout, '3x3');
  const again = await waitDecoded(320, 180, '3x3 again');
  assert.equal(again.layer, grid.layer);
  // The third layer (1280x720) is not needed on a 640x360 picture: not decoded in any of
  // these layouts (at most the very first key frame, before the room knew the layers' sizes).
  const unused = [0, 1, 2].filter((i) => i !== grid.layer && i !== full.layer);
  for (const i of unused) {
    assert.equal(again.per_layer[i].frames_decoded, grid.per_layer[i].frames_decoded, JSON.stringify(again));
    assert.ok(again.per_layer[i].frames_decoded <= 1, JSON.stringify(again));
  }
});
