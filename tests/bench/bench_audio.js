// `make bench-audio`: the same audio load — 9 plain-RTP Opus participants, 3 of them talking,
// every packet with its RFC 6464 audio level as browsers send it —
// through Janus's own AudioBridge plugin (Debian's) and through our MCU room (participants put in
// by the SIP bridge's admin-only plain-RTP endpoint), one after the other in the SAME janus
// process. Prints the janus process's CPU per participant for each and their ratio:
//   BENCH audio participants=9 talking=3 ours_us_per_participant=<f> audiobridge_us_per_participant=<f> ratio=<f>
// (µs of CPU per participant per 20 ms frame, over the measured window). A benchmark, not a test.
//   node tests/bench/bench_audio.js <path to rtp_opus_load> [seconds]
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'tests', 'integration', 'lib');
const { startService } = require(path.join(LIB, 'service'));
const { JanusClient } = require(path.join(LIB, 'janus-client'));

const LOAD = process.argv[2];
const SECONDS = Number(process.argv[3] || 20);
const PARTICIPANTS = 9;
const TALKING = 3;
const TICK_HZ = 100;   // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);   // utime + stime
}

function runLoad(targets, basePort) {
  return new Promise((resolve, reject) => {
    const args = ['--seconds', String(SECONDS), '--talking', String(TALKING), '--pt', '111', '--base-port', String(basePort),
      '--level-ext', '1',
      ...targets.map((t) => `${t.ip}:${t.port}`)];
    const p = spawn(LOAD, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`load exited ${code}`))));
  });
}

/** Runs the load against targets while measuring janus's CPU over the middle of the run. */
async function measure(svc, targets, basePort) {
  const run = runLoad(targets, basePort);
  await new Promise((r) => setTimeout(r, 2000));            // let jitter buffers settle
  const t0 = process.hrtime.bigint(), c0 = cpuTicks(svc.child.pid);
  await new Promise((r) => setTimeout(r, (SECONDS - 4) * 1000));
  const t1 = process.hrtime.bigint(), c1 = cpuTicks(svc.child.pid);
  const summary = await run;
  const wallS = Number(t1 - t0) / 1e9;
  const cpuS = (c1 - c0) / TICK_HZ;
  const frames = wallS * 50;
  return { usPerParticipant: (cpuS * 1e6) / frames / PARTICIPANTS, core: cpuS / wallS, summary };
}

async function audiobridgePhase(svc, client) {
  const handle = await client.attach('janus.plugin.audiobridge');
  const created = await client.message(handle, { request: 'create', room: 4242, sampling_rate: 48000, audiolevel_event: false, allow_rtp_participants: true });
  if (!created.data || created.data.audiobridge !== 'created') throw new Error('audiobridge create: ' + JSON.stringify(created.raw));
  const base = 47000;
  const targets = [];
  for (let i = 0; i < PARTICIPANTS; i++) {
    const h = await client.attach('janus.plugin.audiobridge');
    // quality 5 = Opus complexity 5, what our MCU encodes with: the same codec settings on both sides.
    const r = await client.message(h, { request: 'join', room: 4242, display: `rtp${i}`, quality: 5,
      rtp: { ip: '127.0.0.1', port: base + 2 * i, payload_type: 111, audiolevel_ext: 1 } });
    const rtp = r.data && r.data.rtp;
    if (!rtp || !rtp.port) throw new Error('audiobridge rtp join: ' + JSON.stringify(r.raw));
    targets.push({ ip: rtp.ip && rtp.ip !== '0.0.0.0' ? rtp.ip : '127.0.0.1', port: rtp.port, handle: h });
  }
  const m = await measure(svc, targets, base);
  for (const t of targets) await client.request({ janus: 'detach', session_id: client.sessionId, handle_id: t.handle });
  return m;
}

async function oursPhase(svc) {
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  const call = async (request) => {
    const r = await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.sipbridge', admin_secret: svc.adminSecret, request });
    if (r.janus !== 'success' || r.response.error_code) throw new Error('sipbridge: ' + JSON.stringify(r));
    return r.response;
  };
  const base = 48000;
  const targets = [];
  for (let i = 0; i < PARTICIPANTS; i++) {
    const r = await call({ request: 'rtp_participant_add', room: 'bench', display: `rtp${i}`, codec: 'opus', pt: 111,
      ip: '127.0.0.1', port: base + 2 * i, audiolevel_ext: 1 });
    targets.push({ ip: '127.0.0.1', port: r.local_port, id: r.id });
  }
  const m = await measure(svc, targets, base);
  for (const t of targets) await call({ request: 'rtp_participant_remove', id: t.id });
  admin.close();
  return m;
}

(async () => {
  if (!LOAD || !fs.existsSync(LOAD)) {
    console.error('usage: bench_audio.js <rtp_opus_load> [seconds]');
    process.exit(2);
  }
  // Our plugins plus Debian's AudioBridge in one plugins folder.
  const plugins = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-bench-plugins-'));
  const ours = path.join(ROOT, '_run', 'install', 'lib', 'tpaas-vmr', 'plugins');
  for (const f of fs.readdirSync(ours).filter((x) => x.endsWith('.so'))) fs.symlinkSync(path.join(ours, f), path.join(plugins, f));
  const arch = fs.readdirSync('/usr/lib').find((d) => fs.existsSync(`/usr/lib/${d}/janus/plugins/libjanus_audiobridge.so`));
  fs.symlinkSync(`/usr/lib/${arch}/janus/plugins/libjanus_audiobridge.so`, path.join(plugins, 'libjanus_audiobridge.so'));
  const svc = await startService({ name: 'bench-audio', demoRoom: 'bench',
    env: { PLUGIN_DIR: plugins, ICE_IFACE: '', SIP_IP: '127.0.0.1', SIP_PORT: '15090', DEBUG_LEVEL: '3' } });
  let code = 0;
  try {
    const client = await JanusClient.connect(svc.wsUrl);
    await client.createSession();
    const ab = await audiobridgePhase(svc, client);
    const us = await oursPhase(svc);
    client.close();
    console.log(`# audiobridge: ${ab.core.toFixed(3)} core, load ${ab.summary}`);
    console.log(`# ours:        ${us.core.toFixed(3)} core, load ${us.summary}`);
    console.log(`BENCH audio participants=${PARTICIPANTS} talking=${TALKING} ours_us_per_participant=${us.usPerParticipant.toFixed(1)}`
      + ` audiobridge_us_per_participant=${ab.usPerParticipant.toFixed(1)} ratio=${(us.usPerParticipant / ab.usPerParticipant).toFixed(3)}`);
  } catch (e) {
    console.error('bench-audio failed:', e.message);
    code = 1;
  } finally {
    await svc.stop();
    fs.rmSync(plugins, { recursive: true, force: true });
  }
  process.exit(code);
})();
