// `make bench-loss`: a 2-party room (two headless chromium pages in one room, each sending a
// moving camera picture and speech-like audio, or with BENCH_LOSS_AUDIO=tone a steady tone;
// BENCH_LOSS_PARTIES=4 for four) at 0, 2 and 5 % random loss
// on every leg — nftables in a private network namespace drops that share of every UDP packet,
// both directions (tests/integration/lib/loss.js) — for BENCH_LOSS_SECONDS (default 30) each.
// One line per loss rate, the mean of the receivers:
//   BENCH loss=<p>% seconds=<s> freezes_per_min=<f> frozen_pct=<f> fps=<f> concealment_pct=<f> longest_silence_ms=<n> ...
// freezes_per_min: gaps longer than 200 ms between two pictures the receiving page's <video>
//   presented (requestVideoFrameCallback), per minute; the room sends 15 fps, so a gap > 200 ms is
//   at least two pictures missing. frozen_pct: the share of the time spent in such gaps.
// concealment_pct: WebRTC stats of the receiving page, concealedSamples / totalSamplesReceived:
//   the share of the audio played out that NetEq made up because packets were missing or late.
// nacks_per_min, plis_per_min: the NACK and PLI messages each receiving page sent to the room.
// longest_silence_ms: the longest run (100 ms resolution) of played audio below RMS 0.002 while
//   the other side's audio plays. A benchmark, not a test: no thresholds.
// BENCH_LOSS_JANUS_DEBUG=1 runs janus at debug level 7: tests/out/janus-bench-loss.log then shows
//   every NACK the Janus core serves ("Scheduling <seq> for retransmission") or skips ("was
//   retransmitted just <µs> ago"), which is where the freezes come from (README, "Packet loss").
//   node tests/bench/bench_loss.js [seconds]   (root: makes its own network namespace)
'use strict';
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

if (process.env.TPAAS_IN_NETNS !== '1') {
  const r = spawnSync('unshare', ['--net', process.execPath, __filename, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, TPAAS_IN_NETNS: '1' } });
  process.exit(r.status === null ? 1 : r.status);
}

const ROOT = path.resolve(__dirname, '../..');
const LIB = path.join(ROOT, 'tests', 'integration', 'lib');
const SECONDS = Number(process.argv[2] || process.env.BENCH_LOSS_SECONDS || 30);
const RATES = (process.env.BENCH_LOSS_RATES || '0,2,5').split(',').map(Number);
const PARTIES = Math.max(2, Math.min(4, Number(process.env.BENCH_LOSS_PARTIES || 2)));
// what each page's microphone sends: 'speech' (media.js speechWav: an encoder takes it for
// speech and codes in-band FEC for it) or 'tone' (a steady sine, which it does not)
const AUDIO = process.env.BENCH_LOSS_AUDIO === 'tone' ? 'tone' : 'speech';

// The same namespace as tests/run-integration.sh: lo, and a veth pair for ICE.
function setupNetns() {
  const sh = (...a) => execFileSync(a[0], a.slice(1));
  sh('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  sh('ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'link', 'add', 'sa0', 'type', 'veth', 'peer', 'name', 'sa1');
  sh('ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'sa0');
  sh('ip', 'link', 'set', 'sa0', 'up');
  sh('ip', 'link', 'set', 'sa1', 'up');
  for (let i = 0; i < 50; i++) {
    if (/LOWER_UP/.test(execFileSync('ip', ['link', 'show', 'sa0'], { encoding: 'utf8' }))) break;
    execFileSync('sleep', ['0.1']);
  }
  process.env.TPAAS_ICE_IFACE = 'sa0';
}

// A moving camera (ffmpeg's testsrc2: the picture changes every frame), made at run time.
function movingClip(out) {
  const file = path.join(out, 'bench-loss-testsrc2.y4m');
  if (!require('node:fs').existsSync(file)) {
    require('node:fs').mkdirSync(out, { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=15:d=10',
      '-pix_fmt', 'yuv420p', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  setupNetns();
  const { startService } = require(path.join(LIB, 'service'));
  const { launchBrowser } = require(path.join(LIB, 'browser'));
  const { waitJoined } = require(path.join(LIB, 'pages'));
  const { toneWav, speechWav } = require(path.join(LIB, 'media'));
  const { OUT } = require(path.join(LIB, 'service'));
  const { setLoss, clearLoss, dropped, startRecorder, recorded, summarize } = require(path.join(LIB, 'loss'));
  const svc = await startService({ name: 'bench-loss', video: { width: 640, height: 360, fps: 15 }, ...(process.env.BENCH_LOSS_JANUS_DEBUG ? { env: { DEBUG_LEVEL: '7' } } : {}) });
  const pages = [];
  try {
    const clipSeconds = Math.max(60, SECONDS * RATES.length + 30);
    for (const [name, freq, f0] of [['Alice', 440, 140], ['Bob', 660, 190], ['Carol', 550, 120], ['Dave', 770, 220]].slice(0, PARTIES)) {
      const audio = AUDIO === 'tone' ? toneWav(`bench-loss-${freq}-${clipSeconds}s`, freq, { seconds: clipSeconds })
        : speechWav(`bench-loss-${clipSeconds}s`, f0, { seconds: clipSeconds });
      const b = await launchBrowser({ fakeVideo: movingClip(OUT), fakeAudio: audio });
      pages.push(b);
      await b.page.goto(`${svc.httpUrl}/?room=demo&name=${name}&autojoin=1`);
      await waitJoined(b.page);
    }
    for (const b of pages) await b.page.evaluate(startRecorder);
    await sleep(3000);
    for (const p of RATES) {
      setLoss(p);
      await sleep(2000);
      const since = await Promise.all(pages.map((b) => b.page.evaluate(() => performance.now())));
      const d0 = dropped();
      await sleep(SECONDS * 1000);
      const drops = dropped() - d0;
      const ws = await Promise.all(pages.map((b, i) => b.page.evaluate(recorded, since[i])));
      const s = ws.map((w) => summarize(w));
      const mean = (f) => s.reduce((a, x) => a + f(x), 0) / s.length;
      const secs = mean((x) => x.seconds);
      console.log(`BENCH loss=${p}% seconds=${secs.toFixed(1)} receivers=${s.length} audio=${AUDIO}` +
        ` freezes_per_min=${mean((x) => x.freezes / (x.seconds / 60)).toFixed(2)}` +
        ` frozen_pct=${mean((x) => 100 * x.frozenMs / (x.seconds * 1000)).toFixed(2)}` +
        ` fps=${mean((x) => x.frames / x.seconds).toFixed(1)}` +
        ` decoded_fps=${mean((x) => x.framesDecoded / x.seconds).toFixed(1)}` +
        ` concealment_pct=${mean((x) => 100 * x.concealment).toFixed(2)}` +
        ` longest_silence_ms=${Math.round(Math.max(...s.map((x) => x.longestSilenceMs)))}` +
        ` nacks_per_min=${mean((x) => x.nacks / (x.seconds / 60)).toFixed(1)}` +
        ` plis_per_min=${mean((x) => x.plis / (x.seconds / 60)).toFixed(1)}` +
        ` udp_dropped=${drops}`);
    }
  } finally {
    clearLoss();
    for (const b of pages) await b.close();
    await svc.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
