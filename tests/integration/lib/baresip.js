// A headless baresip (Debian's 1.0.0) driven over ctrl_tcp, for the SIP tests: config from the
// templates in ../baresip/, generated into a temp dir per endpoint; its media (tone WAV,
// solid-colour IVF) made with ffmpeg; and the mean colours of boxes of a received snapshot.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { OUT } = require('./service');
const { toneWav } = require('./media');
const { sleep } = require('./sip');

const TEMPLATES = path.join(__dirname, '..', 'baresip');

/** A long solid-colour VP8 IVF for baresip's avformat video source. */
function colourIvf(name, colour) {
  const file = path.join(OUT, `baresip-${name}.ivf`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(OUT, { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=640x360:r=15:d=4`,
      '-c:v', 'libvpx', '-g', '15', '-b:v', '300k', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

let nextPort = 0;
/**
 * Starts a headless baresip from the templates: codecs {audio: 'opus'|'pcmu', video: 'vp8'|'h264'|'none'},
 * video colour, audio tone frequency, account line (a function of the SIP port), extraConfig
 * (lines appended to the config, e.g. TLS and the srtp module), ip (its SIP and media address;
 * ctrl_tcp stays on 127.0.0.1). Drives it over ctrl_tcp; every
 * event is kept with its arrival time.
 */
async function startBaresip(name, { audio, video, colour, toneHz, account, extraConfig = '', ip = '127.0.0.1' }) {
  const n = nextPort++;
  const sipPort = 5091 + n, ctrlPort = 4461 + n, rtp = 46000 + n * 200;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tpaas-baresip-${name}-`));
  // video: 'vp8', 'h264', or 'none' (no video codec: an audio-only phone)
  const modules = [audio === 'opus' ? 'opus.so' : 'g711.so', video === 'vp8' ? 'vp8.so' : video === 'none' ? null : 'avcodec.so']
    .filter(Boolean).map((m) => `module\t\t\t${m}`).join('\n');
  const wav = toneWav(`tone${toneHz}-120s`, toneHz, { seconds: 120 });
  const conf = fs.readFileSync(path.join(TEMPLATES, 'config.in'), 'utf8')
    .replace(/@IP@/g, ip).replace(/@SIP_PORT@/g, String(sipPort)).replace(/@CTRL_PORT@/g, String(ctrlPort))
    .replace(/@RTP_PORTS@/g, `${rtp}-${rtp + 199}`).replace(/@DIR@/g, dir)
    .replace(/@AUDIO_WAV@/g, wav).replace(/@VIDEO_FILE@/g, video === 'none' ? '/dev/null' : colourIvf(name, colour))
    .replace(/@CODEC_MODULES@/g, modules);
  fs.writeFileSync(path.join(dir, 'config'), conf + (extraConfig ? `\n${extraConfig}\n` : ''));
  fs.writeFileSync(path.join(dir, 'accounts'),
    fs.readFileSync(path.join(TEMPLATES, 'accounts.in'), 'utf8').replace(/@ACCOUNT@/g, account(sipPort)));
  const logFile = path.join(OUT, `baresip-${name}.log`);
  const logFd = fs.openSync(logFile, 'w');
  const proc = spawn('baresip', ['-f', dir], { cwd: dir, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited = false;
  proc.on('exit', () => { exited = true; });

  let sock;
  for (let i = 0; i < 100 && !sock; i++) {
    sock = await new Promise((resolve) => {
      const s = net.connect(ctrlPort, '127.0.0.1', () => resolve(s));
      s.on('error', () => resolve(null));
    });
    if (!sock) await sleep(100);
  }
  if (!sock) throw new Error(`baresip ${name}: no ctrl_tcp on ${ctrlPort}: ${fs.readFileSync(logFile, 'utf8')}`);
  const events = [];
  const waiters = [];
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const colon = buf.indexOf(0x3a);
      if (colon < 0) break;
      const len = Number(buf.subarray(0, colon).toString());
      if (buf.length < colon + 1 + len + 1) break;
      const msg = JSON.parse(buf.subarray(colon + 1, colon + 1 + len).toString());
      buf = buf.subarray(colon + 1 + len + 1);
      msg.t = Date.now();
      events.push(msg);
      for (const w of waiters.splice(0)) w();
    }
  });
  let tok = 0;
  const b = {
    name, dir, sipPort, events, logFile,
    log: () => fs.readFileSync(logFile, 'utf8'),
    cmd(command, params = '') {
      const m = Buffer.from(JSON.stringify({ command, params, token: String(++tok) }));
      sock.write(Buffer.concat([Buffer.from(`${m.length}:`), m, Buffer.from(',')]));
    },
    /** Resolves with the first event of this type (also one seen earlier). */
    async event(type, timeoutMs, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = events.slice(from).find((x) => x.event && x.type === type);
        if (e) return e;
        if (Date.now() > deadline) throw new Error(`baresip ${name}: no ${type} in ${timeoutMs} ms; events ${JSON.stringify(events.map((x) => x.type || x.response))}\n${b.log().replace(/\r[^\n]*/g, '').slice(-3000)}`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
      }
    },
    async stop() {
      if (!exited) {
        b.cmd('quit');
        for (let i = 0; i < 30 && !exited; i++) await sleep(100);
        if (!exited) proc.kill('SIGKILL');
      }
      sock.destroy();
    },
  };
  return b;
}

/** Mean RGB of boxes (fractions) of an image file, through ffmpeg scaled to 64x36 RGB. */
function imageColours(file, boxes) {
  const W = 64, H = 36;
  const px = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `scale=${W}:${H}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return boxes.map((bx) => {
    let r = 0, g = 0, b = 0, n = 0;
    for (let y = Math.floor(bx.y * H); y < Math.floor((bx.y + bx.h) * H); y++) {
      for (let x = Math.floor(bx.x * W); x < Math.floor((bx.x + bx.w) * W); x++) {
        const i = (y * W + x) * 3;
        r += px[i]; g += px[i + 1]; b += px[i + 2]; n++;
      }
    }
    return [r / n, g / n, b / n].map(Math.round);
  });
}

/** Takes a snapshot of baresip's received video; resolves with the PNG's path. (baresip names
 * them by the second: earlier ones are removed first, so that this one is not taken for an old one.) */
async function snapshot(ua) {
  const isSnap = (f) => /^snapshot-recv.*\.png$/.test(f);
  for (const f of fs.readdirSync(ua.dir).filter(isSnap)) fs.rmSync(path.join(ua.dir, f));
  ua.cmd('snapshot');
  for (let i = 0; i < 50; i++) {
    const png = fs.readdirSync(ua.dir).find(isSnap);
    if (png) {
      await sleep(300);   // (written in pieces)
      return path.join(ua.dir, png);
    }
    await sleep(100);
  }
  throw new Error(`baresip ${ua.name} wrote no snapshot: ${fs.readdirSync(ua.dir)}`);
}

module.exports = { startBaresip, colourIvf, imageColours, snapshot };
