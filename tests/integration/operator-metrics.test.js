// What an operator reads: /metrics (Prometheus text format, checked by Debian's promtool) and
// /healthz on the admin listener only, and one parsable log line per call event.
// - a room with two browsers (real chromium pages) and one SIP caller (sipp with PCMU) shows
//   1 room, 2 browser and 1 SIP participants, 3 in the room's MCU; an API client without
//   "client": "web" counts as an app; all of it goes back to 0 when they leave;
// - wrong PINs and wrong passwords are counted;
// - the public port answers 404 for /metrics and /healthz;
// - [event] lines: join/leave with kind, participant, source; pin_failure; SIP call_setup,
//   join, leave and call_end with its cause; a display name with quotes cannot forge a key.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT, ROOT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { silenceWav } = require('./lib/media');
const { OPUS_OFFER } = require('./lib/sdp');
const { sippRunner, waitForStatus, inRoom, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 18560 });

function toneUlaw() {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'tone.ulaw');
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=20',
      '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

async function get(url) {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

/** The samples of a Prometheus text exposition: { 'name{labels}': value }. */
function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

async function until(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await pred();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

describe('operator metrics, health and event logs', () => {
  let svc, room, pinned;
  const metricsUrl = () => `http://127.0.0.1:${svc.adminPort}/metrics`;
  const metrics = async () => parseMetrics((await get(metricsUrl())).text);

  before(async () => {
    toneUlaw();
    svc = await startService({ name: 'operator-metrics', demoRoom: '',
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'ops' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    room = r.room;
    const p = await vmrAdmin(svc, { request: 'create_room', name: 'locked', pin: '2468' });
    pinned = p.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('/metrics passes promtool check metrics and counts two browsers and one SIP caller in one room', async () => {
    const pages = [];
    let call;
    try {
      for (const name of ['Ann', 'Bob']) {
        const b = await launchBrowser({ fakeAudio: silenceWav('silence-metrics', { seconds: 40 }) });
        pages.push(b);
        await b.page.goto(`${svc.httpUrl}/?room=${room.address}&name=${name}&autojoin=1`);
        await waitJoined(b.page);
      }
      call = sipp('rtp_dtmf_media.xml', { ruri: `sip:${room.address}@${DOMAIN}`, dtmf: '1' }, { duration: 8000 });
      await waitForStatus(svc, inRoom(room.address, 'address'), 10000, 'the caller in the room');
      const r = await get(metricsUrl());
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      const file = path.join(OUT, 'operator-metrics.prom');
      fs.writeFileSync(file, r.text);
      // promtool reads the exposition on stdin; problems (and lint findings) fail it
      let lint = '';
      try {
        lint = execFileSync('promtool', ['check', 'metrics'], { input: r.text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        assert.fail(`promtool check metrics failed (${file}):\n${e.stdout}${e.stderr}`);
      }
      assert.equal(lint.trim(), '', 'no lint findings');
      const m = parseMetrics(r.text);
      assert.equal(m.tpaas_rooms, 1, r.text);
      assert.equal(m['tpaas_participants{kind="browser"}'], 2, r.text);
      assert.equal(m['tpaas_participants{kind="sip"}'], 1, r.text);
      assert.equal(m['tpaas_participants{kind="app"}'], 0, r.text);
      assert.equal(m[`tpaas_room_participants{room="${room.address}"}`], 3, r.text);
      assert.equal(m.tpaas_sip_calls, 1, r.text);
      assert.ok(m.tpaas_sip_calls_total >= 1, r.text);
      assert.ok(m[`tpaas_room_cpu_seconds_total{room="${room.address}",thread="audio"}`] > 0, r.text);
      // the caller's events, as an operator's log shipper sees them
      await svc.expectLog(/\[event\] kind=call_setup room=ops\S* participant=\d+ via=sip source=127\.0\.0\.1:\d+ name=\S+ cause=answered/);
      await svc.expectLog(/\[event\] kind=join room=ops\S* participant=\d+ via=sip source=127\.0\.0\.1:\d+/);
      await svc.expectLog(/\[event\] kind=join room=ops\S* participant=\d+ via=browser source=127\.0\.0\.1 name=Ann/);
      assert.equal(await call, 0, 'sipp ran its call');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      await svc.expectLog(/\[event\] kind=call_end room=ops\S* participant=\d+ via=sip source=127\.0\.0\.1:\d+ name=\S+ cause=\S+/);
      await svc.expectLog(/\[event\] kind=leave room=ops\S* participant=\d+ via=sip/);
      // the bridge's own reception reports on the caller's audio (one every ~5 s) went to the metrics
      const after = await metrics();
      assert.ok(after['tpaas_media_jitter_seconds_count{direction="in",kind="sip",media="audio"}'] >= 1, 'SIP in jitter');
      const media = Object.entries(after).filter(([k, v]) => k.startsWith('tpaas_media_packets') && v > 0);
      console.log(`media figures after the call: ${JSON.stringify(Object.fromEntries(media))}`);
      // 2 browsers x 50 audio packets a second, for well over 10 s by now; video too
      assert.ok(after['tpaas_media_packets_expected_total{direction="in",kind="browser",media="audio"}'] >= 1000, 'browser audio in');
      assert.ok(after['tpaas_media_packets_expected_total{direction="in",kind="browser",media="video"}'] >= 100, 'browser video in');
      for (const media of ['audio', 'video']) {
        assert.ok(after[`tpaas_media_jitter_seconds_count{direction="in",kind="browser",media="${media}"}`] > 0, `in ${media} jitter`);
      }
    } finally {
      for (const b of pages) await b.close();
      if (call) await call;
    }
    await until(async () => {
      const m = await metrics();
      return (m.tpaas_rooms === 0 && m['tpaas_participants{kind="browser"}'] === 0 && m['tpaas_participants{kind="sip"}'] === 0) || m;
    }, 15000, 'everyone to be out');
    await svc.expectLog(/\[event\] kind=leave room=ops\S* participant=\d+ via=browser source=127\.0\.0\.1 name=Bob/);
  });

  test('an API client without client: "web" counts as an app, and its display name cannot forge keys in its log line', async () => {
    const c = await vmrClient(svc);
    try {
      const r = await c.message(c.handle, { request: 'join', room: room.address, display: 'Mal" cause=forged via=sip' }, OPUS_OFFER);
      assert.equal(r.data && r.data.vmr, 'joined', JSON.stringify(r.data));
      const m = await metrics();
      assert.equal(m['tpaas_participants{kind="app"}'], 1);
      assert.equal(m['tpaas_participants{kind="browser"}'], 0);
      await svc.expectLog(/\[event\] kind=join room=ops\S* participant=\d+ via=app source=127\.0\.0\.1 name="Mal\\" cause=forged via=sip"$/m);
      await c.req({ request: 'leave' });
      await svc.expectLog(/\[event\] kind=leave room=ops\S* participant=\d+ via=app/);
      assert.equal((await metrics())['tpaas_participants{kind="app"}'], 0);
    } finally {
      c.close();
    }
  });

  test('wrong PINs and wrong passwords are counted, and a wrong PIN is an event line', async () => {
    const before = await metrics();
    const c = await vmrClient(svc);
    try {
      const r = await c.message(c.handle, { request: 'join', room: pinned.address, pin: '1111', display: 'Guesser' }, OPUS_OFFER);
      assert.equal(r.data.error_code, 416, JSON.stringify(r.data));
      const l = await c.req({ request: 'login', username: 'nobody', password: 'wrong' });
      assert.ok(l.error_code, JSON.stringify(l));
    } finally {
      c.close();
    }
    const after = await metrics();
    assert.equal(after.tpaas_pin_failures_total, before.tpaas_pin_failures_total + 1);
    assert.equal(after.tpaas_login_failures_total, before.tpaas_login_failures_total + 1);
    await svc.expectLog(/\[event\] kind=pin_failure room=locked\S* participant=\d+ via=app source=127\.0\.0\.1 cause="no such room, or wrong PIN"/);
  });

  test('a guest whose invitation is revoked gets a kicked line and is counted', async () => {
    await vmrAdmin(svc, { request: 'create_account', username: 'olga', password: 'olga-secret-1' });
    const owner = await vmrClient(svc);
    const guest = await vmrClient(svc);
    try {
      assert.equal((await owner.req({ request: 'login', username: 'olga', password: 'olga-secret-1' })).vmr, 'login');
      const inv = (await owner.req({ request: 'invite', email: 'gus@example.org', name: 'Gus' })).invitation;
      const u = new URL(inv.url);
      const j = await guest.message(guest.handle, { request: 'join', id: Number(u.searchParams.get('id')), secret: u.searchParams.get('secret'), client: 'web' }, OPUS_OFFER);
      assert.equal(j.data.vmr, 'joined', JSON.stringify(j.data));
      const before = (await metrics()).tpaas_kicked_total;
      assert.equal((await owner.req({ request: 'revoke_invitation', id: inv.id })).vmr, 'revoked');
      await svc.expectLog(new RegExp(`\\[event\\] kind=kicked room=olga\\.join participant=${j.data.id} via=browser source=127\\.0\\.0\\.1 name=Gus cause="invitation revoked"`));
      await svc.expectLog(new RegExp(`\\[event\\] kind=leave room=olga\\.join participant=${j.data.id} via=browser`));
      assert.equal((await metrics()).tpaas_kicked_total, before + 1);
    } finally {
      owner.close();
      guest.close();
    }
  });

  test('/healthz answers 200 with the store and SIP checks', async () => {
    const r = await get(`http://127.0.0.1:${svc.adminPort}/healthz`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /^ok\n/);
    assert.match(r.text, /^store ok$/m);
    assert.match(r.text, /^sip ok: sip:127\.0\.0\.1:5080/m);
  });

  test('/metrics and /healthz are not on the public port (404)', async () => {
    for (const p of ['/metrics', '/healthz', '/turn']) {
      const r = await get(`${svc.httpUrl}${p}`);
      assert.equal(r.status, 404, `${p} on the public port`);
      assert.doesNotMatch(r.text, /tpaas_/);
    }
    assert.equal((await get(`http://127.0.0.1:${svc.adminPort}/nothing`)).status, 404);
    // without turn_rest_key there is no /turn on the admin listener either
    assert.equal((await get(`http://127.0.0.1:${svc.adminPort}/turn?key=x`)).status, 404);
  });

});

describe('/healthz when the store goes away (a PostgreSQL server of its own)', () => {
  let pg, svc;

  before(async () => {
    // tests/unit/pg-test-server.sh: a throw-away cluster on a unix socket, until SIGINT
    pg = spawn(path.join(ROOT, 'tests', 'unit', 'pg-test-server.sh'), [], { stdio: ['ignore', 'pipe', 'pipe'] });
    const uri = await new Promise((resolve, reject) => {
      let out = '';
      pg.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/TPAAS_TEST_PG_URI=(\S+)/);
        if (m) resolve(m[1]);
      });
      pg.once('exit', (code) => reject(new Error(`pg-test-server.sh exited ${code}`)));
    });
    svc = await startService({ name: 'operator-health-pg', demoRoom: '', env: { DATABASE: uri, SIP_PORT: '5082', SIP_IP: '127.0.0.1' } });
  });
  after(async () => {
    if (svc) await svc.stop();
    if (pg && pg.exitCode === null) {
      const exited = new Promise((r) => pg.once('exit', r));
      pg.kill('SIGINT');
      await exited;
    }
  });

  test('/healthz answers 200 while PostgreSQL runs and 503 naming the store once it is gone', async () => {
    const url = `http://127.0.0.1:${svc.adminPort}/healthz`;
    let r = await get(url);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /^store ok$/m);
    const exited = new Promise((res) => pg.once('exit', res));
    pg.kill('SIGINT'); // pg_ctl stop -m immediate, and the cluster is removed
    await exited;
    r = await get(url);
    assert.equal(r.status, 503, r.text);
    assert.match(r.text, /^unhealthy\n/);
    assert.match(r.text, /^store FAIL: \S.*$/m);
    assert.match(r.text, /^sip ok/m);
  });
});
