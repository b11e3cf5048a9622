// Headless Debian chromium driven by playwright-core, with a fake camera and microphone.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function launchBrowser(opts = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-chrome-'));
  const args = [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  ];
  if (opts.fakeVideo) args.push('--use-file-for-fake-video-capture=' + opts.fakeVideo);
  if (opts.fakeAudio) args.push('--use-file-for-fake-audio-capture=' + opts.fakeAudio);
  if (opts.args) args.push(...opts.args);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // A small window by default: chromium draws the call's videos in software here, and at
    // 1280x800 that alone takes half a core per browser (a 2-core machine runs six at once in
    // the layout tests). Screenshots (lib/pages.js shot) switch to 1280x800 first.
    viewport: opts.viewport || { width: 640, height: 400 },
    args,
  });
  const page = context.pages()[0] || await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  return {
    context, page, logs,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Runs in the page: a summary of the vmr PeerConnection's getStats().
async function pageStats() {
  const pc = window.vmr.handle.webrtcStuff.pc;
  const report = await pc.getStats();
  const out = { connectionState: pc.connectionState, inbound: {}, outbound: {}, transport: null };
  report.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      out.inbound[s.kind] = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
        framesDecoded: s.framesDecoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
        keyFramesDecoded: s.keyFramesDecoded, framesDropped: s.framesDropped, packetsLost: s.packetsLost, totalAudioEnergy: s.totalAudioEnergy, audioLevel: s.audioLevel };
    }
    if (s.type === 'outbound-rtp') out.outbound[s.kind] = { packetsSent: s.packetsSent, framesEncoded: s.framesEncoded };
    if (s.type === 'transport') out.transport = { dtlsState: s.dtlsState, iceState: s.iceState };
  });
  return out;
}

// Runs in the page: mean RGB of a box of a <video> (fractions of its width/height), given as
// { id, box } or, for the remote (composed) picture, as the box alone (remoteColour).
function videoColour(arg) {
  const { id, box } = arg.box ? arg : { id: 'remote', box: arg };
  const v = document.getElementById(id);
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const x = Math.floor(box.x * c.width), y = Math.floor(box.y * c.height);
  const d = g.getImageData(x, y, Math.max(1, Math.floor(box.w * c.width)), Math.max(1, Math.floor(box.h * c.height))).data;
  let r = 0, gg = 0, b = 0;
  for (let i = 0; i < d.length; i += 4) { r += d[i]; gg += d[i + 1]; b += d[i + 2]; }
  const n = d.length / 4;
  return [r / n, gg / n, b / n].map(Math.round);
}

module.exports = { launchBrowser, pageStats, remoteColour: videoColour, videoColour };
