// `make soak`: ROOMS rooms x PARTICIPANTS plain-RTP Opus participants (one talking per room), put
// into our MCU rooms through the SIP bridge's admin-only rtp_participant_add, for SOAK_MINUTES
// (default 30). Samples janus's RSS every 10 s (printed each minute) and prints:
//   BENCH soak minutes=<m> rooms=<r> participants=<p> rss_start_mb=<f> rss_end_mb=<f> rss_growth_pct=<f> cpu_core=<f> rtp_loss_pct=<f>
// rss_start is taken after one minute of load (or a sixth of the run when shorter), once
// buffers and codecs are warm; rtp_loss_pct = packets the load sent that janus did not count in.
// A benchmark, not a test. SIP calls (sipp with media) are not part of it yet.
//   node tests/bench/soak.js <path to rtp_opus_load>   (env SOAK_MINUTES, SOAK_ROOMS, SOAK_PARTICIPANTS)
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'tests', 'integration', 'lib');
const { startService } = require(path.join(LIB, 'service'));
const { JanusClient } = require(path.join(LIB, 'janus-client'));
const { vmrAdmin } = require(path.join(LIB, 'admin'));

const LOAD = process.argv[2];
const MINUTES = Number(process.env.SOAK_MINUTES || 30);
const ROOMS = Number(process.env.SOAK_ROOMS || 6);
const PARTICIPANTS = Number(process.env.SOAK_PARTICIPANTS || 4);
const SECONDS = Math.round(MINUTES * 60);
const TICK_HZ = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

(async () => {
  if (!LOAD || !fs.existsSync(LOAD)) {
    console.error('usage: soak.js <rtp_opus_load>');
    process.exit(2);
  }
  const svc = await startService({ name: 'soak', demoRoom: '',
    env: { ICE_IFACE: '', SIP_IP: '127.0.0.1', SIP_PORT: '15094', DEBUG_LEVEL: '3' } });
  const pid = svc.child.pid;
  let code = 0;
  const loads = [];
  try {
    // one Admin API connection per request: an idle one is closed by the transport after 120 s
    const call = async (request) => {
      const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
      try {
        const r = await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.sipbridge', admin_secret: svc.adminSecret, request });
        if (r.janus !== 'success' || r.response.error_code) throw new Error('sipbridge: ' + JSON.stringify(r));
        return r.response;
      } finally {
        admin.close();
      }
    };
    const ids = [];
    for (let room = 0; room < ROOMS; room++) {
      const name = `soak${room}`;
      const c = await vmrAdmin(svc, { request: 'create_room', name });
      if (c.vmr !== 'room') throw new Error('create_room: ' + JSON.stringify(c));
      const base = 46000 + room * 100;
      const targets = [];
      for (let i = 0; i < PARTICIPANTS; i++) {
        const r = await call({ request: 'rtp_participant_add', room: c.room.address, display: `r${room}p${i}`, codec: 'opus', pt: 111,
          ip: '127.0.0.1', port: base + 2 * i });
        targets.push(`127.0.0.1:${r.local_port}`);
        ids.push(r.id);
      }
      const p = spawn(LOAD, ['--seconds', String(SECONDS), '--talking', '1', '--pt', '111', '--base-port', String(base), ...targets],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      const l = { out: '', done: null };
      p.stdout.on('data', (d) => { l.out += d; });
      l.done = new Promise((resolve) => p.on('exit', (c2) => resolve(c2)));
      loads.push(l);
    }
    const t0 = Date.now();
    const c0 = cpuTicks(pid);
    const warm = Math.min(60, SECONDS / 6) * 1000;
    let rssStart = NaN;
    let lastPrint = 0;
    const samples = [];
    while (Date.now() - t0 < SECONDS * 1000 - 5000) {
      await sleep(10000);
      const el = Date.now() - t0;
      const mb = rssMb(pid);
      samples.push({ s: Math.round(el / 1000), mb });
      if (Number.isNaN(rssStart) && el >= warm) rssStart = mb;
      if (el - lastPrint >= 60000 || lastPrint === 0) {
        lastPrint = el;
        console.log(`# t=${Math.round(el / 1000)}s rss_mb=${mb.toFixed(1)}`);
      }
    }
    const wall = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(pid) - c0) / TICK_HZ / wall;
    const rssEnd = rssMb(pid);
    const list = await call({ request: 'rtp_participant_list' });
    const rtpIn = list.participants.reduce((a, x) => a + x.rtp_in, 0);
    for (const l of loads) await l.done;
    let sent = 0;
    for (const l of loads) { const m = /sent=(\d+)/.exec(l.out); sent += m ? Number(m[1]) : 0; }
    // rtp_in was read a few seconds before the load stopped: scale what was sent to that moment.
    const sentAtRead = sent * Math.min(1, wall / SECONDS);
    const loss = sentAtRead > 0 ? Math.max(0, 100 * (1 - rtpIn / sentAtRead)) : NaN;
    for (const id of ids) await call({ request: 'rtp_participant_remove', id });
    console.log(`# rss samples (s:MB): ${samples.map((x) => `${x.s}:${x.mb.toFixed(1)}`).join(' ')}`);
    console.log(`# load: ${loads.map((l) => l.out.trim()).join(' | ')}`);
    console.log(`BENCH soak minutes=${MINUTES} rooms=${ROOMS} participants=${PARTICIPANTS} rss_start_mb=${rssStart.toFixed(1)}`
      + ` rss_end_mb=${rssEnd.toFixed(1)} rss_growth_pct=${(100 * (rssEnd - rssStart) / rssStart).toFixed(2)}`
      + ` cpu_core=${cpu.toFixed(3)} rtp_loss_pct=${loss.toFixed(3)}`);
  } catch (e) {
    console.error('soak failed:', e.stack || e.message);
    code = 1;
  } finally {
    await svc.stop();
  }
  process.exit(code);
})();
