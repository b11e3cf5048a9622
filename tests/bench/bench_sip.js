// `make bench-sip`: the SIP bridge under sipp load, in a janus of its own on 127.0.0.1 (plain
// RTP needs no network namespace). A benchmark, not a test: it prints figures, asserts nothing.
//  (a) 20 concurrent sipp calls (PCMU from a file made here with ffmpeg, no PIN) into 5 rooms
//      for ~20 s: the janus process's CPU over the window (/proc/<pid>/stat) per call, and the
//      loss of the callers' RTP as the bridge itself counts it (RFC 3550 cumulative lost and
//      extended highest sequence in the bridge's RTCP receiver reports; we send each call's
//      RTCP port one packet so the bridge's reports come to us):
//        BENCH sip calls=20 rooms=5 core_per_call=<f> rtp_loss_pct=<f>
//  (b) call rate: sipp short calls (INVITE/200/ACK/BYE, no media) at rising rates, ~10 s each,
//      until a call fails:
//        BENCH sip max_cps_without_failure=<n>
//   node tests/bench/bench_sip.js [seconds of audio load]
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const dgram = require('node:dgram');
const { spawn, execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'tests', 'integration', 'lib');
const { startService } = require(path.join(LIB, 'service'));
const { JanusClient } = require(path.join(LIB, 'janus-client'));
const { vmrAdmin } = require(path.join(LIB, 'admin'));
const { bridgeStatus: sipStatus } = require(path.join(LIB, 'sip'));

const SECONDS = Number(process.argv[2] || 20);
const CALLS = 20;
const ROOMS = 5;
const RATES = [5, 10, 20, 40, 80, 160, 320, 640, 1280];
const TIME_BUDGET_S = 270;   // the whole run stays within 5 minutes
const RATE_SECONDS = 10;
const SIP_PORT = 15094;
const DOMAIN = 'bench.test';
const TICK_HZ = 100;   // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);   // utime + stime
}

/** Runs sipp from work (where tone.ulaw and rooms.csv are); resolves with { code, stderr }. */
function sipp(work, scenario, args, timeoutS) {
  return new Promise((resolve) => {
    const p = spawn('sipp', ['-sf', path.join(__dirname, scenario), '-i', '127.0.0.1', '-mi', '127.0.0.1',
      '-inf', path.join(work, 'rooms.csv'), '-key', 'domain', DOMAIN, '-nostdin',
      '-timeout', `${timeoutS}s`, '-timeout_error', '-trace_err', '-error_file', path.join(work, `${scenario}.err`),
      ...args, `127.0.0.1:${SIP_PORT}`], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** The bridge's SIP status (calls, registrations). */
async function bridgeStatus(svc) {
  return (await sipStatus(svc)).sip;
}

/** The report blocks of an RTCP compound packet: { ssrc, cumLost, extSeq }. */
function reportBlocks(buf) {
  const out = [];
  for (let off = 0; off + 8 <= buf.length;) {
    const rc = buf[off] & 0x1f, pt = buf[off + 1], len = (buf.readUInt16BE(off + 2) + 1) * 4;
    if ((buf[off] >> 6) !== 2 || off + len > buf.length) break;
    const first = pt === 201 ? off + 8 : pt === 200 ? off + 28 : -1;
    for (let i = 0; first >= 0 && i < rc && first + 24 * (i + 1) <= off + len; i++) {
      const b = first + 24 * i;
      let cumLost = buf.readUIntBE(b + 5, 3);
      if (cumLost & 0x800000) cumLost -= 0x1000000;
      out.push({ ssrc: buf.readUInt32BE(b), cumLost, extSeq: buf.readUInt32BE(b + 8) });
    }
    off += len;
  }
  return out;
}

/** (a) CALLS concurrent calls with PCMU from a file; CPU per call and the bridge's view of RTP loss. */
async function audioLoad(svc, work) {
  const portfile = path.join(work, 'ports.txt');
  fs.writeFileSync(portfile, '');
  const rtcp = dgram.createSocket('udp4');
  await new Promise((r) => rtcp.bind(0, '127.0.0.1', r));
  const reports = new Map();   // bridge RTCP port -> [{ t, cumLost, extSeq }]
  rtcp.on('message', (m, rinfo) => {
    for (const b of reportBlocks(m)) {
      if (!reports.has(rinfo.port)) reports.set(rinfo.port, []);
      reports.get(rinfo.port).push({ t: Date.now(), ...b });
    }
  });
  const holdS = SECONDS + 6;
  const run = sipp(work, 'sip_audio_call.xml', ['-m', String(CALLS), '-l', String(CALLS), '-r', String(CALLS),
    '-d', String(holdS * 1000), '-key', 'portfile', portfile, '-p', '15200', '-mp', '16000'], holdS + 30);

  // All calls up and in their rooms, then one RTCP packet to each call's RTCP port.
  const deadline = Date.now() + 15000;
  let inRoom = 0;
  while (Date.now() < deadline) {
    inRoom = (await bridgeStatus(svc)).calls.filter((c) => c.state === 'in-room').length;
    if (inRoom >= CALLS) break;
    await sleep(200);
  }
  const ports = fs.readFileSync(portfile, 'utf8').trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0]));
  const rr = Buffer.from([0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78]);   // an empty receiver report
  for (const p of ports) rtcp.send(rr, p + 1, '127.0.0.1');
  await sleep(2000);                       // jitter buffers and the mixers settle

  const t0 = Date.now(), c0 = cpuTicks(svc.child.pid);
  await sleep((SECONDS - 2) * 1000);
  const t1 = Date.now(), c1 = cpuTicks(svc.child.pid);
  const inRoomEnd = (await bridgeStatus(svc)).calls.filter((c) => c.state === 'in-room').length;
  // The next receiver reports (every ~5 s) close the window.
  await sleep(5500);
  const result = await run;
  rtcp.close();

  let lost = 0, expected = 0, withReports = 0;
  for (const list of reports.values()) {
    const inWin = list.filter((r) => r.t >= t0 - 500);
    if (inWin.length < 2) continue;
    const first = inWin[0], last = inWin[inWin.length - 1];
    lost += last.cumLost - first.cumLost;
    expected += last.extSeq - first.extSeq;
    withReports++;
  }
  const wallS = (t1 - t0) / 1000, cpuS = (c1 - c0) / TICK_HZ;
  return { inRoom, inRoomEnd, ports: ports.length, withReports, lost, expected, core: cpuS / wallS, wallS, sippCode: result.code,
    sippErr: result.stderr.slice(-1000) };
}

/** (b) one rate for RATE_SECONDS: true when every call succeeded. */
async function rateStep(work, rate) {
  const calls = rate * RATE_SECONDS;
  const t0 = Date.now();
  const r = await sipp(work, 'sip_short_call.xml', ['-m', String(calls), '-r', String(rate), '-l', String(Math.max(50, rate * 4)),
    '-d', '0', '-p', '15300', '-mp', '17000', '-trace_stat', '-stf', path.join(work, `rate-${rate}.csv`), '-fd', '1'], RATE_SECONDS + 40);
  let ok = 0, failed = 0;
  try {
    const lines = fs.readFileSync(path.join(work, `rate-${rate}.csv`), 'utf8').trim().split('\n');
    const head = lines[0].split(';'), last = lines[lines.length - 1].split(';');
    ok = Number(last[head.indexOf('SuccessfulCall(C)')]);
    failed = Number(last[head.indexOf('FailedCall(C)')]);
  } catch (e) { /* no stats: counted as a failure below */ }
  const pass = r.code === 0 && failed === 0 && ok === calls;
  const s = (Date.now() - t0) / 1000;
  console.log(`# ${rate} cps: ${ok}/${calls} calls ok, ${failed} failed, sipp exit ${r.code}, ${s.toFixed(1)} s (${(ok / s).toFixed(0)} calls/s done)`);
  if (!pass && r.stderr.trim()) console.log(`# sipp: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return pass;
}

(async () => {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-bench-sip-'));
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=30',
    '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-threads', '1', '-bitexact', path.join(work, 'tone.ulaw')]);
  const svc = await startService({ name: 'bench-sip', demoRoom: '',
    // every call comes from 127.0.0.1: lift the per-source and total call caps (max_calls*)
    env: { ICE_IFACE: '', SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT), SIP_RTP_PORTS: '52000-55999', DEBUG_LEVEL: '3',
      SIP_MAX_CALLS: '100000', SIP_MAX_CALLS_PER_SOURCE: '100000' } });
  let code = 0;
  try {
    const rooms = [];
    for (let i = 1; i <= ROOMS; i++) {
      const r = await vmrAdmin(svc, { request: 'create_room', name: `bench${i}` });
      if (r.vmr !== 'room') throw new Error('create_room: ' + JSON.stringify(r));
      rooms.push(r.room.address);
    }
    fs.writeFileSync(path.join(work, 'rooms.csv'), 'SEQUENTIAL\n' + rooms.map((r) => `${r};\n`).join(''));

    const a = await audioLoad(svc, work);
    const lossPct = a.expected > 0 ? (100 * a.lost) / a.expected : NaN;
    console.log(`# audio: ${a.inRoom} calls in rooms at the start, ${a.inRoomEnd} at the end; janus ${a.core.toFixed(3)} core over ${a.wallS.toFixed(1)} s;`
      + ` RTCP from the bridge for ${a.withReports}/${a.ports} calls: ${a.lost} lost of ${a.expected} expected; sipp exit ${a.sippCode}`);
    if (a.sippCode !== 0) console.log(`# sipp: ${a.sippErr.trim().split('\n').slice(-3).join(' | ')}`);
    console.log(`BENCH sip calls=${CALLS} rooms=${ROOMS} core_per_call=${(a.core / CALLS).toFixed(4)} rtp_loss_pct=${lossPct.toFixed(3)}`);

    await sleep(2000);
    let best = 0;
    for (const rate of RATES) {
      if ((Date.now() - started) / 1000 + RATE_SECONDS * 2 > TIME_BUDGET_S) {
        console.log(`# stopping before ${rate} cps: time budget`);
        break;
      }
      if (!(await rateStep(work, rate))) break;
      best = rate;
      await sleep(1000);
    }
    console.log(`BENCH sip max_cps_without_failure=${best}`);
  } catch (e) {
    console.error('bench-sip failed:', e.message);
    code = 1;
  } finally {
    await svc.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.exit(code);
})();
