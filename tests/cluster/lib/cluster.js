// Helpers for the cluster tests and bench: the running cluster's description (scripts/cluster.sh
// writes cluster.json), the store (psql), each node's Admin API and /metrics, `locate`, plain-API
// joins, sipp callers through Kamailio, and kill -9 / restart of a node.
// Everything runs inside the cluster's network namespace (tests/run-cluster.sh).
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { JanusClient } = require('../../integration/lib/janus-client');
const { OPUS_OFFER } = require('../../integration/lib/sdp');

const ROOT = path.resolve(__dirname, '../../..');
const OUT = path.join(ROOT, 'tests', 'out');
const CLUSTER_DIR = process.env.CLUSTER_DIR || path.join(ROOT, '_run', 'cluster');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cluster() {
  return JSON.parse(fs.readFileSync(path.join(CLUSTER_DIR, 'cluster.json'), 'utf8'));
}

/** Rows of a query on the shared store, as arrays of strings. */
function sql(c, query) {
  const out = execFileSync('psql', [c.database, '-AtF', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query]).toString();
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

/** room address -> node id, from room_placement. */
function placements(c) {
  return Object.fromEntries(sql(c, 'SELECT room_address, node_id FROM room_placement').map(([r, n]) => [r, n]));
}

function nodeById(c, id) {
  return c.nodes.find((n) => n.id === id);
}
function nodeByIp(c, ip) {
  return c.nodes.find((n) => n.ip === ip);
}

/** An Admin API request to janus.plugin.vmr (or plugin) on node n. */
async function admin(c, n, request, plugin = 'janus.plugin.vmr') {
  const a = await JanusClient.connect(n.admin, 'janus-admin-protocol');
  try {
    const r = await a.request({ janus: 'message_plugin', plugin, admin_secret: c.admin_secret, request });
    if (r.janus !== 'success') throw new Error('admin request failed: ' + JSON.stringify(r));
    return r.response;
  } finally {
    a.close();
  }
}

/** GET a path of node n's admin listener (/metrics, /healthz). */
function adminGet(n, p) {
  return new Promise((resolve, reject) => {
    const u = new URL(n.admin.replace('ws:', 'http:'));
    const req = http.get({ host: u.hostname, port: u.port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** The rooms running on node n, from its own /metrics (tpaas_room_participants{room}). */
async function runningRooms(n) {
  const { body } = await adminGet(n, '/metrics');
  const rooms = {};
  for (const m of body.matchAll(/^tpaas_room_participants\{room="([^"]*)"\} (\d+)/gm)) rooms[m[1]] = Number(m[2]);
  return rooms;
}

/** A Janus API client with a vmr handle on a node (ws URL). */
async function apiClient(wsUrl) {
  const c = await JanusClient.connect(wsUrl);
  await c.createSession();
  const handle = await c.attach('janus.plugin.vmr');
  c.handle = handle;
  c.req = async (body, jsep, timeoutMs) => (await c.message(handle, body, jsep, timeoutMs));
  return c;
}

/** `locate` asked of node n: { url, node } (or the error). */
async function locate(n, room) {
  const c = await apiClient(n.ws);
  try {
    const r = await c.req({ request: 'locate', room });
    return r.data;
  } finally {
    c.close();
  }
}

/**
 * A plain-API participant (no browser: an Opus offer, no ICE) joining `room` the way an app
 * does: locate on `via`, connect to the node named, join; on 435 ("room is on another node")
 * it follows the url (a PIN room's is named only after the PIN). Resolves with { client, node
 * (id), answer }.
 */
async function apiJoin(c, via, room, display = 'app', pin = undefined) {
  let target = via;
  const where = await locate(via, room);
  if (where && where.node) target = nodeById(c, where.node) || via;
  for (let hop = 0; hop < 3; hop++) {
    const client = await apiClient(target.ws);
    const r = await client.req({ request: 'join', room, display, ...(pin ? { pin } : {}) }, OPUS_OFFER, 15000);
    const d = r.data || {};
    if (d.vmr === 'joined') return { client, node: target.id, answer: d };
    client.close();
    if (d.error_code === 435 && d.url) {
      target = c.nodes.find((n) => n.url === d.url.replace(/\/$/, '')) || target;
      continue;
    }
    throw new Error(`join ${room} on ${target.id}: ${JSON.stringify(d)}`);
  }
  throw new Error(`join ${room}: too many redirects`);
}

let nextSipPort = 15000 + (process.pid % 100) * 40;
/**
 * A sipp caller through Kamailio: INVITE ruri, hold the call for holdMs, BYE (or another
 * scenario of tests/cluster: call_404.xml expects 404). Returns
 * { answered: Promise<contact URI or null>, done: Promise<exit code>, kill() }.
 */
function sipCall(c, ruri, holdMs = 30000, scenario = 'call_hold.xml') {
  fs.mkdirSync(OUT, { recursive: true });
  const port = nextSipPort++;
  const log = path.join(OUT, `cluster-sipp-${port}.log`);
  fs.rmSync(log, { force: true });
  const args = ['-sf', path.join(__dirname, '..', scenario), '-m', '1', '-l', '1', '-i', c.client_ip,
    '-mi', c.client_ip, '-p', String(port), '-mp', String(32000 + (port % 1000) * 4), '-cp', String(9000 + (port % 1000)),
    '-d', String(holdMs), '-timeout', `${Math.ceil(holdMs / 1000) + 30}s`, '-timeout_error', '-nostdin',
    '-trace_err', '-error_file', path.join(OUT, `cluster-sipp-${port}.err`),
    '-trace_msg', '-message_file', path.join(OUT, `cluster-sipp-${port}.msg`),
    '-trace_logs', '-log_file', log, '-key', 'ruri', ruri, `${c.kamailio}:5060`];
  const p = spawn('sipp', args, { cwd: OUT, stdio: 'ignore' });
  const done = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  let exited = false;
  done.then(() => { exited = true; });
  const answered = (async () => {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
      const m = text.match(/ANSWERED_BY (sip:\S+)/);
      if (m) return m[1];
      if (exited) return null;
      await sleep(100);
    }
    return null;
  })();
  return { answered, done, kill: () => { if (!exited) p.kill('SIGKILL'); } };
}

/** A REGISTER with digest through Kamailio (tests/integration/sip/register.xml); resolves with sipp's exit code. */
function sipRegister(c, user, pass) {
  const port = nextSipPort++;
  const args = ['-sf', path.join(__dirname, '..', '..', 'integration', 'sip', 'register.xml'), '-m', '1', '-l', '1',
    '-i', c.client_ip, '-p', String(port), '-timeout', '20s', '-timeout_error', '-nostdin',
    '-trace_err', '-error_file', path.join(OUT, `cluster-sipp-${port}.err`),
    '-key', 'domain', c.domain, '-key', 'expires', '600', '-key', 'user', user, '-au', user, '-ap', pass, `${c.kamailio}:5060`];
  const p = spawn('sipp', args, { cwd: OUT, stdio: 'ignore' });
  return new Promise((resolve) => p.on('exit', (code) => resolve(code)));
}

/**
 * A device of a registered owner: a sipp UAS on the clients' address running `scenario` of
 * tests/cluster (device_answer.xml: answer, stay holdMs, BYE). Returns { port, done, kill() }.
 */
function sipDevice(c, scenario, holdMs = 2000, timeoutS = 40) {
  const port = nextSipPort++;
  const args = ['-sf', path.join(__dirname, '..', scenario), '-m', '1', '-l', '1', '-d', String(holdMs),
    '-i', c.client_ip, '-mi', c.client_ip, '-p', String(port), '-mp', String(32000 + (port % 1000) * 4),
    '-cp', String(9000 + (port % 1000)), '-timeout', `${timeoutS}s`, '-timeout_error', '-nostdin',
    '-trace_err', '-error_file', path.join(OUT, `cluster-sipp-${port}.err`),
    '-trace_msg', '-message_file', path.join(OUT, `cluster-sipp-${port}.msg`)];
  const p = spawn('sipp', args, { cwd: OUT, stdio: 'ignore' });
  let exited = false;
  const done = new Promise((resolve) => p.on('exit', (code) => { exited = true; resolve(code); }));
  return { port, done, kill: () => { if (!exited) p.kill('SIGKILL'); } };
}

/** REGISTER through Kamailio of a device listening on contactPort of the clients' address
 * (tests/integration/sip/register_contact.xml); resolves with sipp's exit code. */
function sipRegisterContact(c, user, pass, contactPort, expires = 600) {
  const port = nextSipPort++;
  const args = ['-sf', path.join(__dirname, '..', '..', 'integration', 'sip', 'register_contact.xml'), '-m', '1',
    '-l', '1', '-i', c.client_ip, '-p', String(port), '-timeout', '20s', '-timeout_error', '-nostdin',
    '-trace_err', '-error_file', path.join(OUT, `cluster-sipp-${port}.err`), '-key', 'domain', c.domain,
    '-key', 'expires', String(expires), '-key', 'user', user, '-key', 'contact_port', String(contactPort),
    '-au', user, '-ap', pass, `${c.kamailio}:5060`];
  const p = spawn('sipp', args, { cwd: OUT, stdio: 'ignore' });
  return new Promise((resolve) => p.on('exit', (code) => resolve(code)));
}

/** The SIP bridge's calls on node n, from its own Admin API `status`. */
async function sipCalls(c, n) {
  const s = await admin(c, n, { request: 'status' }, 'janus.plugin.sipbridge');
  return (s.sip && s.sip.calls) || [];
}

/** The node (id) a SIP contact URI (sip:10.77.0.12:5060) belongs to. */
function nodeOfContact(c, contact) {
  const m = contact && contact.match(/^sips?:(?:[^@]*@)?([0-9.]+)/);
  const n = m && nodeByIp(c, m[1]);
  return n ? n.id : null;
}

/** Waits until pred() is truthy (polls every 100 ms); returns its value, or throws after ms. */
async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not after ${ms} ms: ${what}`);
    await sleep(100);
  }
}

function clusterCmd(...args) {
  return execFileSync(path.join(ROOT, 'scripts', 'cluster.sh'), args, { env: process.env }).toString();
}
/** kill -9 of node i (1-based). */
function killNode(i) { clusterCmd('kill-node', String(i)); }
function startNode(i) { clusterCmd('start-node', String(i)); }
/** PostgreSQL restarted (fast shutdown: every connection cut; data and settings kept). */
function restartDb() { clusterCmd('restart-db'); }

/** Dispatcher's view: sip URI -> flags ("AP" active, "IP" inactive...). */
function dispatcher(c) {
  const out = execFileSync('kamcmd', ['-s', c.kamailio_ctl, 'dispatcher.list']).toString();
  const res = {};
  let uri = null;
  for (const line of out.split('\n')) {
    const u = line.match(/URI: (\S+)/);
    if (u) uri = u[1];
    const f = line.match(/FLAGS: (\S+)/);
    if (f && uri) res[uri] = f[1];
  }
  return res;
}

module.exports = {
  ROOT, OUT, CLUSTER_DIR, sleep, cluster, sql, placements, nodeById, nodeByIp, admin, adminGet, runningRooms,
  apiClient, locate, apiJoin, sipCall, sipRegister, sipRegisterContact, sipDevice, sipCalls, nodeOfContact, until, killNode, startNode, restartDb,
  dispatcher,
};
