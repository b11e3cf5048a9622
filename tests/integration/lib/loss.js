// Random packet loss for media tests, with nftables in the test network namespace (this kernel has
// no netem). One rule on the output hook drops a share of every UDP packet: in the namespace the
// browsers and janus all talk over 10.99.0.1 (sa0), so every media leg, both directions, and the
// ICE checks lose that share; signalling (WebSocket over TCP) is never touched. Refuses to run
// outside the namespace that tests/run-integration.sh (or bench_loss.js) made, so it can never
// change the host's firewall. Synchronous (nft is quick); used from one test process at a time.
'use strict';
const { execFileSync } = require('node:child_process');

const TABLE = 'tpaas_loss';

function nft(script) {
  if (process.env.TPAAS_IN_NETNS !== '1') throw new Error('packet loss only inside the test network namespace');
  execFileSync('nft', ['-f', '-'], { input: script });
}

/** Drops `percent` % of all UDP packets from now on (0 removes the rule). */
function setLoss(percent) {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const rule = p === 0 ? '' : p === 100 ? 'meta l4proto udp counter drop'
    : `meta l4proto udp numgen random mod 100 < ${p} counter drop`;
  nft(`table inet ${TABLE} {
  chain out { type filter hook output priority 0; policy accept; }
}
flush chain inet ${TABLE} out
${rule ? `add rule inet ${TABLE} out ${rule}` : ''}
`);
}

/** Removes the table (no loss). */
function clearLoss() {
  try {
    nft(`table inet ${TABLE} {}\ndelete table inet ${TABLE}\n`);
  } catch (e) { /* not in the namespace: nothing was set */ }
}

/** UDP packets the current rule has dropped since the last setLoss(). */
function dropped() {
  if (process.env.TPAAS_IN_NETNS !== '1') return 0;
  const out = execFileSync('nft', ['list', 'table', 'inet', TABLE], { encoding: 'utf8' });
  const m = /counter packets (\d+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

module.exports = { setLoss, clearLoss, dropped };

// Runs in a join page: records, every 100 ms, the receiver's audio and video stats of the vmr
// PeerConnection, and the time of each picture the remote <video> presents (requestVideoFrameCallback).
function startRecorder() {
  const pc = window.vmr.handle.webrtcStuff.pc;
  const rec = { audio: [], video: [], frames: [], stop: false };
  window.lossRecorder = rec;
  const tick = async () => {
    if (rec.stop) return;
    const now = performance.now();
    const r = await pc.getStats();
    r.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') {
        rec.audio.push({ t: now, energy: s.totalAudioEnergy || 0, duration: s.totalSamplesDuration || 0,
          concealed: s.concealedSamples || 0, silentConcealed: s.silentConcealedSamples || 0,
          received: s.totalSamplesReceived || 0, packetsLost: s.packetsLost || 0, packetsReceived: s.packetsReceived || 0 });
      } else if (s.kind === 'video') {
        rec.video.push({ t: now, framesDecoded: s.framesDecoded || 0, packetsLost: s.packetsLost || 0,
          packetsReceived: s.packetsReceived || 0, nacks: s.nackCount || 0, plis: s.pliCount || 0,
          framesReceived: s.framesReceived || 0, framesDropped: s.framesDropped || 0, keyFrames: s.keyFramesDecoded || 0,
          rtx: s.retransmittedPacketsReceived || 0, width: s.frameWidth || 0, firs: s.firCount || 0 });
      }
    });
    setTimeout(tick, 100);
  };
  tick();
  const v = document.getElementById('remote');
  if (v.requestVideoFrameCallback) {
    const cb = (now) => {
      rec.frames.push(now);
      if (!rec.stop) v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
  }
}

// Runs in a join page: what the recorder holds from time `since` (performance.now()) on.
function recorded(since) {
  const rec = window.lossRecorder;
  return { now: performance.now(), audio: rec.audio.filter((a) => a.t >= since),
    video: rec.video.filter((a) => a.t >= since), frames: rec.frames.filter((t) => t >= since) };
}

/**
 * From a recorded window: the audio the page decoded and played, 100 ms at a time (RMS from
 * totalAudioEnergy / totalSamplesDuration, which include concealed samples), the longest run of
 * silence (RMS below `floor`), the concealment rate (concealedSamples / totalSamplesReceived,
 * WebRTC stats: samples NetEq made up because packets were missing), and the freezes of the
 * picture (gaps > freezeMs between presented frames).
 */
function summarize(w, { floor = 0.002, freezeMs = 200 } = {}) {
  const out = { seconds: 0, rms: [], longestSilenceMs: 0, concealment: 0, freezes: 0, frozenMs: 0, frames: w.frames.length,
    framesDecoded: 0, videoLost: 0, audioLost: 0, nacks: 0, plis: 0 };
  const a = w.audio;
  if (a.length >= 2) {
    let run = 0;
    for (let i = 1; i < a.length; i++) {
      const dt = a[i].duration - a[i - 1].duration;
      if (dt <= 0) continue;
      const rms = Math.sqrt(Math.max(0, a[i].energy - a[i - 1].energy) / dt);
      out.rms.push(rms);
      if (rms < floor) {
        run += dt * 1000;
        out.longestSilenceMs = Math.max(out.longestSilenceMs, run);
      } else {
        run = 0;
      }
    }
    const recv = a[a.length - 1].received - a[0].received;
    out.concealment = recv > 0 ? (a[a.length - 1].concealed - a[0].concealed) / recv : 0;
    out.audioLost = a[a.length - 1].packetsLost - a[0].packetsLost;
    out.seconds = (a[a.length - 1].t - a[0].t) / 1000;
  }
  const v = w.video;
  if (v.length >= 2) {
    out.framesDecoded = v[v.length - 1].framesDecoded - v[0].framesDecoded;
    out.videoLost = v[v.length - 1].packetsLost - v[0].packetsLost;
    out.nacks = v[v.length - 1].nacks - v[0].nacks;
    out.plis = v[v.length - 1].plis - v[0].plis;
  }
  for (let i = 1; i < w.frames.length; i++) {
    const gap = w.frames[i] - w.frames[i - 1];
    if (gap > freezeMs) {
      out.freezes++;
      out.frozenMs += gap;
    }
  }
  // the tail: no frame presented since the last one
  if (w.frames.length && w.now - w.frames[w.frames.length - 1] > freezeMs) {
    out.freezes++;
    out.frozenMs += w.now - w.frames[w.frames.length - 1];
  }
  const sorted = [...out.rms].sort((x, y) => x - y);
  out.medianRms = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
  delete out.rms;
  return out;
}

module.exports.startRecorder = startRecorder;
module.exports.recorded = recorded;
module.exports.summarize = summarize;
