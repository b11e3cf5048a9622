// Bad input to janus.plugin.vmr gets a JSON error with a numeric code and a reason; janus keeps
// running and the next join works. Also: the SIP bridge answers status, the transport serves the
// web client and refuses what it must.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startService } = require('./lib/service');
const { launchBrowser, pageStats } = require('./lib/browser');
const { JanusClient } = require('./lib/janus-client');
const { DUMMY_OFFER } = require('./lib/sdp');
const { bridgeStatus } = require('./lib/sip');

let svc, client, handle;
before(async () => {
  svc = await startService({ name: 'bad-input' });
  client = await JanusClient.connect(svc.wsUrl);
  await client.createSession();
  handle = await client.attach('janus.plugin.vmr');
});
after(async () => {
  if (client) client.close();
  if (svc) await svc.stop();
});

function expectError(r, code) {
  assert.ok(r.data, `a plugin answer: ${JSON.stringify(r.raw)}`);
  assert.equal(r.data.error_code, code, JSON.stringify(r.data));
  assert.equal(typeof r.data.error, 'string');
  assert.ok(r.data.error.length > 0);
}

test('a malformed SDP offer gets error 418 with a reason', async () => {
  const r = await client.message(handle, { request: 'join', room: 'demo', display: 'Mallory' },
    { type: 'offer', sdp: 'v=0\r\nthis is not SDP\r\nm=audio banana\r\n' });
  // janus core may refuse the SDP itself before our plugin sees it: either way a numeric error and a reason.
  if (r.janus === 'error') {
    assert.equal(typeof r.error.code, 'number');
    assert.ok(r.error.reason.length > 0);
  } else {
    expectError(r, 418);
  }
});

test('an unknown request gets error 413', async () => {
  expectError(await client.message(handle, { request: 'teleport' }), 413);
});

test('a request that is not an object member "request" gets error 415', async () => {
  expectError(await client.message(handle, { room: 'demo' }), 415);
});

test('a join to a missing room gets error 416', async () => {
  expectError(await client.message(handle, { request: 'join', room: 'no-such-room', display: 'Eve' }, DUMMY_OFFER), 416);
});

test('a join with an offer we cannot use (no Opus, no VP8) gets error 421', async () => {
  const h = await client.attach('janus.plugin.vmr');
  expectError(await client.message(h, { request: 'join', room: 'demo', display: 'Eve' }, DUMMY_OFFER), 421);
});

test('an invalid room name gets error 414', async () => {
  expectError(await client.message(handle, { request: 'join', room: '../../etc/passwd' }), 414);
});

test('a join without an SDP offer gets error 415', async () => {
  expectError(await client.message(handle, { request: 'join', room: 'demo' }), 415);
});

test('leave when not in a room gets error 420', async () => {
  expectError(await client.message(handle, { request: 'leave' }), 420);
});

test('the SIP bridge plugin loads; status is for the Admin API only', async () => {
  const h = await client.attach('janus.plugin.sipbridge');
  expectError(await client.message(h, { request: 'status' }), 413);
  expectError(await client.message(h, { request: 'bogus' }), 413);
  const s = await bridgeStatus(svc);
  assert.equal(s.sipbridge, 'status');
  assert.equal(typeof s.version, 'string');
});

test('after all that janus still runs and the next browser join works', async () => {
  assert.ok(svc.isRunning(), 'janus is still running');
  const b = await launchBrowser();
  try {
    await b.page.goto(`${svc.httpUrl}/?room=demo&name=Carol&autojoin=1`);
    await b.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
      window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 30000, polling: 200 });
    await b.page.waitForTimeout(2000);
    const s = await b.page.evaluate(pageStats);
    assert.ok(s.inbound.video.framesDecoded > 0, `frames decoded: ${s.inbound.video.framesDecoded}`);
  } finally {
    await b.close();
  }
});

test('the join page shows the error when the room does not exist', async () => {
  const b = await launchBrowser();
  try {
    await b.page.goto(`${svc.httpUrl}/?room=nowhere&name=Dan&autojoin=1`);
    await b.page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: 20000 });
    const text = await b.page.textContent('#status');
    assert.match(text, /no such room/);
  } finally {
    await b.close();
  }
});

function get(path) {
  return new Promise((resolve, reject) => {
    // Raw request so the path reaches the server exactly as written (no client-side normalisation).
    const s = net.connect(svc.port, '127.0.0.1', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let buf = '';
    s.on('data', (d) => { buf += d.toString('latin1'); });
    s.on('end', () => {
      const [head, ...rest] = buf.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = parseInt(lines[0].split(' ')[1], 10);
      const headers = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    });
    s.on('error', reject);
  });
}

test('the transport serves the join page and janus.js with the right types', async () => {
  const index = await get('/?room=demo&name=x');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /text\/html/);
  assert.ok(index.headers['content-security-policy'], 'a Content-Security-Policy header');
  const app = await get('/app.js');
  assert.equal(app.status, 200);
  assert.match(app.headers['content-type'], /javascript/);
  const janusJs = await get('/vendor/janus-gateway/janus.js');
  assert.equal(janusJs.status, 200);
  assert.match(janusJs.body, /Janus/);
});

test('the transport refuses path traversal and unknown paths', async () => {
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/vendor/../../../etc/passwd', '/no-such-file.js']) {
    const r = await get(p);
    assert.ok(r.status === 404 || r.status === 403 || r.status === 400, `${p} -> ${r.status}`);
    assert.doesNotMatch(r.body, /root:x:0:0/);
  }
  assert.ok(svc.isRunning());
});
