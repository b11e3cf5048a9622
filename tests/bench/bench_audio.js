// `make bench-audio`: the same audio load — 9 plain-RTP Opus participants, 3 of them talking,
// every packet with its RFC 6464 audio level as browsers send it —
// through Janus's own AudioBridge plugin (Debian's) and through our MCU room (participants put in
// by the SIP bridge's admin-only plain-RTP endpoint), one after the other in the SAME janus
// process. The two phases alternate ROUNDS times (BENCH_AUDIO_ROUNDS, default 7; each sets its
// room up afresh), because whatever else the janus process or the machine does now and then
// lands in one phase's window: one line per round, then the medians and their ratio:
//   BENCH audio participants=9 talking=3 spread=<0/1> rounds=<n> ours_us_per_participant=<f> audiobridge_us_per_participant=<f> ratio=<f>
//         ours_net_us_per_participant=<f> audiobridge_net_us_per_participant=<f> net_ratio=<f>
// (µs of CPU per participant per 20 ms frame, over the measured window; the net figures less
// what the same janus uses with no room at all, measured in each round before the two phases). Before the rounds it prints
// what libopus costs here (rtp_opus_load --codec-cost) and the ratio the two would reach if they did
// nothing but their codec work: ours (1 + talking) encodes and `talking` decodes per frame,
// AudioBridge one encode per participant and one decode per packet. A benchmark, not a test.
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
const ROUNDS = Math.max(1, Number(process.env.BENCH_AUDIO_ROUNDS || 7));
const TALKING = 3;
// BENCH_AUDIO_SPREAD=1: participant k sends at k/9 of each frame (as phones on clocks of their
// own do) instead of all 9 at its start; a mixer's receiving then wakes once per packet.
const SPREAD = process.env.BENCH_AUDIO_SPREAD === '1';
const OPUS_BPS = 32000;  // our room's audio_kbps default; AudioBridge is given the same
const TICK_HZ = 100;   // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);   // utime + stime
}

function runLoad(targets, basePort) {
  return new Promise((resolve, reject) => {
    const args = ['--seconds', String(SECONDS), '--talking', String(TALKING), '--pt', '111', '--base-port', String(basePort),
      '--level-ext', '1', ...(SPREAD ? ['--spread'] : []),
      ...targets.map((t) => `${t.ip}:${t.port}`)];
    const p = spawn(LOAD, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`load exited ${code}`))));
  });
}

/** CPU ticks of each of janus's threads by thread name (several threads of one name add up). */
function threadTicks(pid) {
  const out = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/ \d+$/, '').replace(/ \d+$/, '');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] || 0) + Number(f[11]) + Number(f[12]);
    } catch (e) { /* the thread ended */ }
  }
  return out;
}

/** The threads that used the most CPU between two threadTicks snapshots, as "name=ticks ...". */
function busiest(t0, t1) {
  return Object.keys(t1).map((k) => [k, t1[k] - (t0[k] || 0)]).filter((x) => x[1] > 0)
    .sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** µs of CPU per participant per 20 ms frame, of a figure in cores. */
const perParticipant = (core) => (core * 1e6) / 50 / PARTICIPANTS;

/** Janus's CPU over the middle SECONDS - 4 s of a SECONDS-long window (the first 2 s let jitter
 * buffers settle): cores and the busiest threads. */
async function cpuWindow(svc) {
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = process.hrtime.bigint(), c0 = cpuTicks(svc.child.pid), th0 = threadTicks(svc.child.pid);
  await new Promise((r) => setTimeout(r, (SECONDS - 4) * 1000));
  const t1 = process.hrtime.bigint(), c1 = cpuTicks(svc.child.pid), th1 = threadTicks(svc.child.pid);
  return { core: (c1 - c0) / TICK_HZ / (Number(t1 - t0) / 1e9), threads: busiest(th0, th1) };
}

/** Runs the load against targets while measuring janus's CPU over the middle of the run. */
async function measure(svc, targets, basePort) {
  const run = runLoad(targets, basePort);
  const w = await cpuWindow(svc);
  const summary = await run;
  return { usPerParticipant: perParticipant(w.core), core: w.core, summary, threads: w.threads };
}

async function audiobridgePhase(svc, client, roomId) {
  const handle = await client.attach('janus.plugin.audiobridge');
  const created = await client.message(handle, { request: 'create', room: roomId, sampling_rate: 48000, audiolevel_event: false, allow_rtp_participants: true,
    default_bitrate: OPUS_BPS });
  if (!created.data || created.data.audiobridge !== 'created') throw new Error('audiobridge create: ' + JSON.stringify(created.raw));
  const base = 47000;
  const targets = [];
  for (let i = 0; i < PARTICIPANTS; i++) {
    const h = await client.attach('janus.plugin.audiobridge');
    // quality 5 = Opus complexity 5 and the room's default_bitrate (OPUS_BPS), what our MCU encodes
    // with: the same codec settings on both sides (left to libopus, AudioBridge would pick ~51 kbps).
    const r = await client.message(h, { request: 'join', room: roomId, display: `rtp${i}`, quality: 5,
      rtp: { ip: '127.0.0.1', port: base + 2 * i, payload_type: 111, audiolevel_ext: 1 } });
    const rtp = r.data && r.data.rtp;
    if (!rtp || !rtp.port) throw new Error('audiobridge rtp join: ' + JSON.stringify(r.raw));
    targets.push({ ip: rtp.ip && rtp.ip !== '0.0.0.0' ? rtp.ip : '127.0.0.1', port: rtp.port, handle: h });
  }
  const m = await measure(svc, targets, base);
  for (const t of targets) await client.request({ janus: 'detach', session_id: client.sessionId, handle_id: t.handle });
  await client.message(handle, { request: 'destroy', room: roomId }); // (its mixer thread ends)
  await client.request({ janus: 'detach', session_id: client.sessionId, handle_id: handle });
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
    const cost = {};
    for (const kv of (await new Promise((resolve, reject) => {
      const p = spawn(LOAD, ['--codec-cost', '--talking', String(TALKING)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.on('exit', (c) => (c === 0 ? resolve(out.trim()) : reject(new Error(`codec cost exited ${c}`))));
    })).split(' ')) { const [k, v] = kv.split('='); cost[k] = Number(v); }
    const oursCodec = (1 + TALKING) * cost.encode_us + TALKING * cost.decode_us;
    const abCodec = PARTICIPANTS * cost.encode_us + TALKING * cost.decode_us + (PARTICIPANTS - TALKING) * cost.decode_silence_us;
    console.log(`# libopus here: encode ${cost.encode_us} us, decode ${cost.decode_us} us, silent decode ${cost.decode_silence_us} us per frame;`
      + ` codec work per frame: ours ${oursCodec.toFixed(0)} us, audiobridge ${abCodec.toFixed(0)} us, floor ratio ${(oursCodec / abCodec).toFixed(3)}`);
    const abs = [], ours = [], abNet = [], oursNet = [];
    for (let r = 0; r < ROUNDS; r++) {
      // janus with no room and no load: its own timers (the SCTP timer thread ticks every
      // 10 ms) and our housekeeping, which run whichever mixer is measured (the net figures)
      const idle = await cpuWindow(svc);
      const ab = await audiobridgePhase(svc, client, 4242 + r);
      const us = await oursPhase(svc);
      abs.push(ab.usPerParticipant);
      ours.push(us.usPerParticipant);
      abNet.push(perParticipant(ab.core - idle.core));
      oursNet.push(perParticipant(us.core - idle.core));
      console.log(`# round ${r + 1}: idle ${idle.core.toFixed(3)} core, audiobridge ${ab.core.toFixed(3)} core (load ${ab.summary}),`
        + ` ours ${us.core.toFixed(3)} core (load ${us.summary}), ratio ${(us.usPerParticipant / ab.usPerParticipant).toFixed(3)},`
        + ` net of idle ${((us.core - idle.core) / (ab.core - idle.core)).toFixed(3)}`);
      console.log(`#   busiest threads (CPU ticks of 10 ms): idle ${idle.threads}; audiobridge ${ab.threads}; ours ${us.threads}`);
    }
    client.close();
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
    const us = median(ours), ab = median(abs), usNet = median(oursNet), abN = median(abNet);
    // ratio: janus's whole CPU in each phase; net_ratio: the same less its CPU with no room
    console.log(`BENCH audio participants=${PARTICIPANTS} talking=${TALKING} spread=${SPREAD ? 1 : 0} rounds=${ROUNDS} ours_us_per_participant=${us.toFixed(1)}`
      + ` audiobridge_us_per_participant=${ab.toFixed(1)} ratio=${(us / ab).toFixed(3)}`
      + ` ours_net_us_per_participant=${usNet.toFixed(1)} audiobridge_net_us_per_participant=${abN.toFixed(1)} net_ratio=${(usNet / abN).toFixed(3)}`);
  } catch (e) {
    console.error('bench-audio failed:', e.message);
    code = 1;
  } finally {
    await svc.stop();
    fs.rmSync(plugins, { recursive: true, force: true });
  }
  process.exit(code);
})();
