// The web transport with tls = true: HTTPS and WSS on one port with a self-signed certificate made
// at first start (and reused after a restart), a plain-HTTP port that only redirects, static files
// with validators and gzip copies, and the limits that close one abusive connection and no other.
// The web root is a fixture made here, so the test doesn't depend on the pages' content.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const tls = require('node:tls');
const zlib = require('node:zlib');
const WebSocket = require('ws');
const { startService } = require('./lib/service');

const REDIRECT_PORT = 45000 + (process.pid % 1000);
const APP_JS = '// app\n' + 'console.log("tpaas-vmr web client fixture");\n'.repeat(400);

let svc, stateDir, webRoot, env;

function makeWebRoot() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-tls-web-'));
  // /join is the index page without an invitation (room + PIN form)
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>index</title>index page, the join page\n');
  fs.writeFileSync(path.join(dir, 'manage.html'), '<!doctype html><title>manage</title>manage page\n');
  fs.writeFileSync(path.join(dir, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(dir, 'app.js.gz'), zlib.gzipSync(APP_JS));
  fs.writeFileSync(path.join(dir, '.secret.txt'), 'hidden\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'note.txt'), 'note\n');
  return dir;
}

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-tls-state-'));
  webRoot = makeWebRoot();
  env = { TLS: 'true', TLS_STATE_DIR: stateDir, REDIRECT_PORT: String(REDIRECT_PORT), WEB_ROOT: webRoot };
  svc = await startService({ name: 'transport-tls', env });
});
after(async () => {
  if (svc) await svc.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(webRoot, { recursive: true, force: true });
});

async function waitForLog(re, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(svc.log())) {
    if (Date.now() > deadline) assert.fail(`janus log never matched ${re}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ca = () => fs.readFileSync(path.join(stateDir, 'cert.pem'));

function parseResponse(buf) {
  const sep = buf.indexOf('\r\n\r\n');
  assert.ok(sep > 0, `an HTTP response: ${buf.toString('latin1').slice(0, 200)}`);
  const lines = buf.subarray(0, sep).toString('latin1').split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  return { status: parseInt(lines[0].split(' ')[1], 10), headers, body: buf.subarray(sep + 4) };
}

/** Raw request (path sent exactly as written) over TLS, verifying the server with the generated certificate. */
function httpsGet(reqPath, headers = {}, port = svc.port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: ca() }, () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      s.write(`GET ${reqPath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);
    });
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      try { resolve({ ...parseResponse(Buffer.concat(chunks)), cert: s.getPeerCertificate() }); } catch (e) { reject(e); }
    });
    s.on('error', reject);
  });
}

/** Raw plain-TCP exchange: resolves with whatever came back before the server closed. */
function plainExchange(port, text) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', () => {});
    s.setTimeout(5000, () => s.destroy());
  });
}

function wssOpen(protocol = 'janus-protocol') {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${svc.port}/`, protocol, { ca: ca(), maxPayload: 16 * 1024 * 1024 });
    ws.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function wssRequest(ws, msg, timeoutMs = 10000) {
  const transaction = Math.random().toString(36).slice(2);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${msg.janus}`)), timeoutMs);
    ws.on('message', function onMessage(data) {
      const m = JSON.parse(data.toString());
      if (m.transaction !== transaction || m.janus === 'ack') return;
      ws.off('message', onMessage);
      clearTimeout(timer);
      resolve(m);
    });
    ws.send(JSON.stringify({ transaction, ...msg }));
  });
}

test('HTTPS serves the join page with a self-signed certificate generated at first start', async () => {
  const key = fs.statSync(path.join(stateDir, 'key.pem'));
  assert.equal(key.mode & 0o777, 0o600, 'the private key is readable by its owner only');
  await waitForLog(/generated a self-signed certificate/);
  // httpsGet verifies the chain and the name (127.0.0.1) against the generated cert.pem.
  const r = await httpsGet('/join');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.match(r.body.toString(), /join page/);
  assert.match(r.headers['content-security-policy'], /default-src 'self'/);
  assert.match(r.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['cache-control'], 'no-cache', 'HTML is always revalidated');
  assert.ok(r.headers.etag && r.headers['last-modified'], 'validators on every file');
  const manage = await httpsGet('/manage?room=x');
  assert.equal(manage.status, 200);
  assert.match(manage.body.toString(), /manage page/);
  const index = await httpsGet('/?room=demo&name=x');
  assert.match(index.body.toString(), /index page/);
});

test('the Janus API works over WSS; the Admin API only on its own loopback port', async () => {
  const ws = await wssOpen();
  try {
    const created = await wssRequest(ws, { janus: 'create' });
    assert.equal(created.janus, 'success');
    const info = await wssRequest(ws, { janus: 'info' });
    assert.equal(info.janus, 'server_info');
    assert.ok(info.transports['janus.transport.tpaasweb'], 'this transport answers');
    assert.equal((await wssRequest(ws, { janus: 'destroy', session_id: created.data.id })).janus, 'success');
  } finally {
    ws.close();
  }
  // not offered on the public TLS port
  await assert.rejects(wssOpen('janus-admin-protocol'));
  const admin = await new Promise((resolve, reject) => {
    const ws = new WebSocket(svc.adminWsUrl, 'janus-admin-protocol');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  try {
    const r = await wssRequest(admin, { janus: 'query_transport', admin_secret: svc.adminSecret, transport: 'janus.transport.tpaasweb' });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    assert.equal(r.response.tls, true);
    assert.equal(r.response.port, svc.port);
    assert.equal(r.response.admin_port, svc.adminPort);
  } finally {
    admin.close();
  }
});

test('plain HTTP redirects to HTTPS, path and query kept, and refuses WebSockets', async () => {
  const r = parseResponse(await plainExchange(REDIRECT_PORT,
    `GET /join?room=demo&name=Ann%20B HTTP/1.1\r\nHost: 127.0.0.1:${REDIRECT_PORT}\r\nConnection: close\r\n\r\n`));
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, `https://127.0.0.1:${svc.port}/join?room=demo&name=Ann%20B`);
  const followed = await httpsGet(new URL(r.headers.location).pathname + new URL(r.headers.location).search);
  assert.equal(followed.status, 200);
  const upgrade = await plainExchange(REDIRECT_PORT, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
    'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Protocol: janus-protocol\r\n\r\n');
  assert.doesNotMatch(upgrade.toString('latin1'), /101 Switching Protocols/);
});

test('plain HTTP on the HTTPS port gets no page', async () => {
  const r = await plainExchange(svc.port, 'GET /join HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.doesNotMatch(r.toString('latin1'), /join page/);
  assert.doesNotMatch(r.toString('latin1'), /^HTTP\/1\.1 200/);
});

test('static files: short max-age, 304 on a matching ETag, the gzip copy to clients that accept it', async () => {
  const plain = await httpsGet('/app.js');
  assert.equal(plain.status, 200);
  assert.match(plain.headers['content-type'], /javascript/);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), APP_JS);
  assert.match(plain.headers['cache-control'], /^max-age=\d+$/);
  assert.equal(plain.headers.vary, 'accept-encoding');

  const gz = await httpsGet('/app.js', { 'Accept-Encoding': 'br, gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.length < APP_JS.length / 4, `compressed: ${gz.body.length} bytes`);
  assert.equal(zlib.gunzipSync(gz.body).toString(), APP_JS);
  assert.notEqual(gz.headers.etag, plain.headers.etag, 'each encoding has its own ETag');
  const refused = await httpsGet('/app.js', { 'Accept-Encoding': 'gzip;q=0' });
  assert.equal(refused.headers['content-encoding'], undefined);

  const again = await httpsGet('/app.js', { 'If-None-Match': plain.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  const page = await httpsGet('/join');
  assert.equal((await httpsGet('/join', { 'If-Modified-Since': page.headers['last-modified'] })).status, 304);
});

test('unknown routes get 404 with a small HTML page, and no directory is listed', async () => {
  for (const p of ['/no-such-page', '/sub/', '/sub', '/vendor/', '/join/']) {
    const r = await httpsGet(p);
    assert.equal(r.status, 404, p);
    assert.match(r.headers['content-type'], /^text\/html/, p);
    assert.match(r.body.toString(), /Not found/, p);
    assert.ok(r.body.length < 1024, `${p}: a small page`);
    assert.doesNotMatch(r.body.toString(), /note\.txt/, p);
  }
  assert.equal((await httpsGet('/sub/note.txt')).status, 200);
});

test('path traversal and hidden files are refused over HTTPS', async () => {
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/vendor/../../../etc/passwd',
    '/vendor/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc/passwd', '/sub/%2e%2e/%2e%2e/etc/passwd',
    '/.secret.txt', '/sub/../.secret.txt']) {
    const r = await httpsGet(p);
    assert.ok([400, 403, 404].includes(r.status), `${p} -> ${r.status}`);
    assert.doesNotMatch(r.body.toString(), /root:x:0:0|hidden/, p);
  }
  assert.ok(svc.isRunning());
});

test('an oversized WebSocket frame closes only that connection', async () => {
  const victim = await wssOpen();
  const bystander = await wssOpen();
  try {
    victim.send('x'.repeat(300 * 1024));   // max_message_size defaults to 256 KiB
    const closed = await victim.closed;
    assert.equal(closed.code, 1009, JSON.stringify(closed));
    assert.equal((await wssRequest(bystander, { janus: 'info' })).janus, 'server_info');
  } finally {
    bystander.close();
  }
});

test('a WebSocket flooding messages is closed with 1008 and other connections keep working', async () => {
  const flooder = await wssOpen();
  const bystander = await wssOpen();
  try {
    for (let i = 0; i < 500; i++) flooder.send(JSON.stringify({ janus: 'info', transaction: `f${i}` }));
    const closed = await flooder.closed;
    assert.equal(closed.code, 1008, JSON.stringify(closed));
    // A steady client well under the rate is never cut.
    for (let i = 0; i < 20; i++) {
      assert.equal((await wssRequest(bystander, { janus: 'info' })).janus, 'server_info');
    }
    assert.equal(bystander.readyState, WebSocket.OPEN);
  } finally {
    bystander.close();
  }
});

test('a request with oversized headers is refused and the next one is served', async () => {
  await assert.rejects(httpsGet('/join', { 'X-Filler': 'a'.repeat(16 * 1024) }).then((r) => {
    if (r.status !== 200) throw new Error(`refused with ${r.status}`);
    return r;
  }));
  assert.equal((await httpsGet('/join', { 'X-Filler': 'a'.repeat(2048) })).status, 200);
});

test('the self-signed certificate is reused after a restart', async () => {
  const before = (await httpsGet('/join')).cert.fingerprint256;
  await svc.stop();
  svc = await startService({ name: 'transport-tls-restart', env });
  await waitForLog(/reusing the self-signed certificate/);
  const r = await httpsGet('/join');
  assert.equal(r.status, 200);
  assert.equal(r.cert.fingerprint256, before);
});
