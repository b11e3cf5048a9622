// Starts the real /usr/bin/janus with our installed .so files from a private, throw-away
// configuration folder (scripts/make-conf.sh), and stops it. Used by every integration test.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const ROOT = path.resolve(__dirname, '../../..');
const OUT = path.join(ROOT, 'tests', 'out');
let nextPort = 18080 + (process.pid % 400) * 10;

// TPAAS_SANITIZED=1: our .so files from the ASan+UBSan build (scripts/build.sh --sanitizers installs
// it to _run/install-asan), loaded by Debian's janus with gcc 12's runtimes preloaded. Reports go to
// tests/out/sanitizer/<name>.<pid> (halt_on_error=0: janus keeps going after an ASan report);
// scripts/check-sanitizer-logs.sh fails the run if one names our code. Leak checking stays off
// for janus itself (janus, GLib and libnice keep memory until exit; our leaks are covered by the
// unit tests under ASan and valgrind).
const SANITIZED = process.env.TPAAS_SANITIZED === '1';
const SANITIZER_DIR = path.join(OUT, 'sanitizer');
function sanitizerEnv(name) {
  if (!SANITIZED) return {};
  fs.mkdirSync(SANITIZER_DIR, { recursive: true });
  const log = path.join(SANITIZER_DIR, name);
  return {
    LD_PRELOAD: ['/usr/lib/x86_64-linux-gnu/libasan.so.8', '/usr/lib/x86_64-linux-gnu/libubsan.so.1',
      process.env.LD_PRELOAD].filter(Boolean).join(':'),
    ASAN_OPTIONS: `detect_leaks=0:halt_on_error=0:log_path=${log}`,
    UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=0:log_path=${log}`,
  };
}

function waitForPort(port, host, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child && child.exitCode !== null) return reject(new Error(`janus exited with ${child.exitCode}`));
      const s = net.connect(port, host);
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${host}:${port} not listening after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Starts janus. Options: name (for logs), demoRoom, video {width,height,fps}, env (extra make-conf settings).
 * Returns { port, httpUrl, wsUrl, adminPort, adminWsUrl, adminSecret, dir, log(), stop() }.
 */
async function startService(opts = {}) {
  const name = opts.name || 'service';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tpaas-${name}-`));
  const port = nextPort++;
  // the Admin API's own loopback port (below the web ports; RTP ports are above them)
  const adminPort = port - 10000;
  const adminSecret = 'test-' + Math.random().toString(36).slice(2);
  const env = {
    ...process.env,
    HTTP_IP: '127.0.0.1',
    HTTP_PORT: String(port),
    ICE_IFACE: process.env.TPAAS_ICE_IFACE || 'sa0',
    ADMIN_SECRET: adminSecret,
    ADMIN_PORT: String(adminPort),
    DEMO_ROOM: opts.demoRoom === undefined ? 'demo' : opts.demoRoom,
    VIDEO_WIDTH: String((opts.video && opts.video.width) || 640),
    VIDEO_HEIGHT: String((opts.video && opts.video.height) || 360),
    VIDEO_FPS: String((opts.video && opts.video.fps) || 15),
    RTP_PORTS: `${30000 + (port % 100) * 100}-${30000 + (port % 100) * 100 + 99}`,
    DEBUG_LEVEL: '4',
    ...(SANITIZED ? { PREFIX: path.join(ROOT, '_run', 'install-asan') } : {}),
    ...(opts.env || {}),
  };
  execFileSync(path.join(ROOT, 'scripts', 'make-conf.sh'), [path.join(dir, 'conf'), path.join(dir, 'state')], { env });
  fs.mkdirSync(OUT, { recursive: true });
  let runs = 0;
  let child = null;
  let logPath = null;
  const spawnJanus = async () => {
    logPath = path.join(OUT, `janus-${SANITIZED ? 'asan-' : ''}${name}${runs ? '-' + runs : ''}.log`);
    runs++;
    const logFd = fs.openSync(logPath, 'w');
    child = spawn('/usr/bin/janus', ['-F', path.join(dir, 'conf'), '-o'], {
      env: { ...process.env, ...sanitizerEnv(name), ...(opts.processEnv || {}) },
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    await waitForPort(port, '127.0.0.1', SANITIZED ? 60000 : 20000, child);
  };
  await spawnJanus();
  const svc = {
    port,
    dir,
    adminSecret,
    get child() { return child; },
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/`,
    adminPort,
    adminWsUrl: `ws://127.0.0.1:${adminPort}/`,
    database: path.join(dir, 'state', 'vmr.sqlite'),
    log: () => fs.readFileSync(logPath, 'utf8'),
    /**
     * Janus writes its log from a thread of its own, after the answer has gone out: wait for a
     * line (up to timeoutMs) instead of reading the file once.
     */
    async expectLog(re, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(svc.log())) {
        if (Date.now() > deadline) throw new Error(`no log line ${re} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    isRunning: () => child.exitCode === null && child.signalCode === null,
    /** kill -9: no clean shutdown at all. */
    async kill9() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    /** Starts janus again on the same configuration, store and port. */
    async restart() {
      if (svc.isRunning()) await svc.stop({ keep: true });
      await spawnJanus();
    },
    /** SIGINT (kill -9 after 10 s); resolves with how janus ended: { code, signal }. */
    async stop({ keep = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), SANITIZED ? 20000 : 10000);
        await exited;
        clearTimeout(timer);
      }
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
  return svc;
}

module.exports = { startService, ROOT, OUT, SANITIZED };
