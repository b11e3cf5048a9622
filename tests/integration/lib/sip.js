// Helpers for the SIP bridge tests: running Debian's sipp against the bridge, and asking the
// bridge (Admin API `status`) what calls and registrations it has.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OUT } = require('./service');
const { JanusClient } = require('./janus-client');
const { vmrClient } = require('./admin');

const SCEN = path.join(__dirname, '..', 'sip');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A sipp runner for one test file: sipp(scenario, keys, opts) runs one call of scenario
 * (tests/integration/sip/<scenario>) against the bridge at 127.0.0.1:sipPort — or, with
 * uas: true, waits for one — and resolves with sipp's exit code. keys become `-key k v`
 * (user also -au, pass only -ap). opts: duration (ms, the scenario's <pause/>), timeoutS,
 * port (sipp's own), source (local address), uas, tls ({ cert, key, port }: over TLS to that
 * port of the bridge, with that certificate).
 */
function sippRunner({ domain, sipPort, basePort }) {
  let next = basePort;
  const sipp = function (scenario, keys, { duration = 500, timeoutS = 30, port = next++, source = '127.0.0.1', uas = false, tls = null } = {}) {
    fs.mkdirSync(OUT, { recursive: true });
    const tag = `${path.basename(scenario, '.xml')}-${port}`;
    const args = ['-sf', path.join(SCEN, scenario), '-m', '1', '-l', '1', '-i', source, '-mi', source,
      '-p', String(port), '-mp', String(29000 + (port % 1000) * 4), '-cp', String(9500 + (port % 1000)),
      '-d', String(duration), '-timeout', `${timeoutS}s`, '-timeout_error', '-nostdin',
      '-trace_err', '-trace_msg', '-message_file', path.join(OUT, `sipp-${tag}.msg`), '-error_file', path.join(OUT, `sipp-${tag}.err`),
      '-trace_logs', '-log_file', path.join(OUT, `sipp-${tag}.log`), '-key', 'domain', domain];
    for (const [k, v] of Object.entries(keys || {})) {
      if (k === 'user') args.push('-au', String(v), '-key', k, String(v));   // scenarios also use [user]
      else if (k === 'pass') args.push('-ap', String(v));
      else args.push('-key', k, String(v));
    }
    if (tls) args.push('-t', 'l1', '-tls_cert', tls.cert, '-tls_key', tls.key);
    if (!uas) args.push(`127.0.0.1:${tls ? tls.port : sipPort}`);
    return new Promise((resolve) => {
      const p = spawn('sipp', args, { cwd: OUT, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => {
        if (code !== 0) console.log(`sipp ${scenario} exit ${code}: ${err.slice(-2000)}`);
        resolve(code);
      });
    });
  };
  /** A port for a sipp that plays a device (uas), to register as its contact. */
  sipp.nextPort = () => next++;
  /**
   * The owner's "receive a call" on, and a device of theirs: a sipp UAS running `scenario`
   * on its own port, registered (digest, with the account's SIP password) with that port as its contact. Resolves with
   * { run }: the device's run, a promise of its exit code (wrapped: an async function that
   * returned the promise itself would wait for it).
   */
  sipp.ownerDevice = async (svc, user, password, sipPassword, scenario) => {
    const owner = await vmrClient(svc);
    try {
      await owner.req({ request: 'login', username: user, password });
      const r = await owner.req({ request: 'update_room', receive_call: true });
      if (!r.room || r.room.receive_call !== true) throw new Error('receive_call not set: ' + JSON.stringify(r));
    } finally {
      owner.close();
    }
    const devicePort = next++;
    const device = sipp(scenario, {}, { port: devicePort, uas: true, timeoutS: 45 });
    const reg = await sipp('register_contact.xml', { user, pass: sipPassword, expires: 600, contact_port: devicePort });
    if (reg !== 0) throw new Error(`the device did not register (sipp exit ${reg})`);
    return { run: device };
  };
  return sipp;
}

/** The SIP bridge's `status` (Admin API). */
async function bridgeStatus(svc) {
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.sipbridge', admin_secret: svc.adminSecret,
      request: { request: 'status' } });
    if (r.janus !== 'success') throw new Error('status failed: ' + JSON.stringify(r));
    return r.response;
  } finally {
    admin.close();
  }
}

/** Polls the bridge's status until pred(status) holds. */
async function waitForStatus(svc, pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await bridgeStatus(svc);
    if (pred(last)) return last;
    await sleep(150);
  }
  throw new Error(`timeout waiting for ${what}; last status ${JSON.stringify(last && last.sip)}`);
}

/** The log line the service writes from its own thread (see service.js expectLog). */
const waitForLog = (svc, re, timeoutMs = 5000) => svc.expectLog(re, timeoutMs);

const inRoom = (room, via) => (s) => s.sip && s.sip.calls.some((c) => c.state === 'in-room' && c.room === room && (!via || c.via === via));
const noCalls = (s) => s.sip && s.sip.calls.length === 0;

/** keys k1..kN for the INFO DTMF scenarios: the digits, then "x" (ignored by the bridge). */
function dtmfKeys(digits, n) {
  const keys = {};
  for (let i = 1; i <= n; i++) keys[`k${i}`] = digits[i - 1] || 'x';
  return keys;
}

module.exports = { sippRunner, bridgeStatus, waitForStatus, waitForLog, inRoom, noCalls, dtmfKeys, sleep };
