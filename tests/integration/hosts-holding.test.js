// A SIP guest with a real endpoint (baresip: VP8 + Opus, a yellow camera and a 1000 Hz tone)
// knocking on a locked room: it is held (bridge status "waiting"), the host hears the knock
// with its SIP address, and meanwhile the picture it receives is the holding picture (the
// "Waiting for the host" placard: a grey name tile on the whole picture, not black, not its own
// camera) and its received audio is a short spoken prompt, then quiet. Admitted, it receives
// the room (the host hears `joined` for it).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');
const { waitForStatus, sleep } = require('./lib/sip');
const { startBaresip, imageColours, snapshot } = require('./lib/baresip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const CENTRE = { x: 0.45, y: 0.35, w: 0.1, h: 0.1 };
const isGrey = (c) => c.every((v) => v > 25 && v < 120) && Math.max(...c) - Math.min(...c) < 20;

/** RMS of 0.25 s blocks of a WAV (8 kHz mono through ffmpeg). */
function blockRms(file) {
  const rate = 8000, B = rate / 4;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(rate), '-f', 's16le', '-']);
  const all = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  const out = [];
  for (let s = 0; s + B <= all.length; s += B) {
    let tot = 0;
    for (let i = s; i < s + B; i++) tot += (all[i] / 32768) ** 2;
    out.push(Math.sqrt(tot / B));
  }
  return out;
}

let svc, host, ua;

before(async () => {
  svc = await startService({ name: 'hosts-holding', demoRoom: '', video: { width: 640, height: 360, fps: 15 },
    env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
  // a host PIN and no guest PIN: guests (SIP ones too) come in without a PIN
  await vmrAdmin(svc, { request: 'create_account', username: 'tove', password: 'tove-secret-1' });
  host = await vmrClient(svc);
  await host.req({ request: 'login', username: 'tove', password: 'tove-secret-1' });
  await host.req({ request: 'update_room', host_pin: '1357' });
  const j = await host.message(host.handle, { request: 'join', room: 'tove.join', display: 'Tove' }, OPUS_OFFER);
  assert.equal(j.data.role, 'host');
  assert.equal((await host.req({ request: 'lock', locked: true })).result, 'ok');
});
after(async () => {
  if (ua) await ua.stop();
  if (host) host.close();
  if (svc) await svc.stop();
});

test('a knocking SIP guest sees the holding picture, hears a short prompt then quiet, and is in the room once admitted', async () => {
  ua = await startBaresip('holdme', {
    audio: 'opus', video: 'vp8', colour: 'yellow', toneHz: 1000,
    account: (port) => `<sip:holdme@127.0.0.1:${port}>;regint=0;outbound="sip:127.0.0.1:${SIP_PORT}";audio_codecs=opus/48000/2;video_codecs=VP8`,
  });
  ua.cmd('dial', `sip:tove.join@${DOMAIN}`);
  await ua.event('CALL_ESTABLISHED', 10000);
  const knock = await host.event((d) => d.knock, 10000, 'the knock');
  assert.match(knock.knock.how, /^SIP sip:holdme@127\.0\.0\.1/);
  const s = await waitForStatus(svc, (st) => st.sip.calls.some((c) => c.state === 'waiting'), 5000, 'the call waiting');
  assert.equal(s.sip.calls[0].room, 'tove.join');
  await sleep(7000); // the prompt (~4 s), then quiet
  const held = await snapshot(ua);
  fs.copyFileSync(held, path.join(OUT, 'hosts-holding-picture.png'));
  const [c1] = imageColours(held, [CENTRE]);
  assert.ok(isGrey(c1), `the holding picture (a grey placard), not black nor its own camera: ${c1}`);
  assert.equal((await host.req({ request: 'admit', id: knock.knock.id })).result, 'ok');
  await waitForStatus(svc, (st) => st.sip.calls.some((c) => c.state === 'in-room'), 10000, 'the call in the room');
  await host.event((d) => d.joined && d.joined.id === knock.knock.id, 5000, 'the host sees it join');
  await sleep(2000);
  ua.cmd('hangup');
  await ua.event('CALL_CLOSED', 5000);
  await ua.stop();
  const dec = fs.readdirSync(ua.dir).find((f) => /-dec\.wav$/.test(f));
  assert.ok(dec, `baresip recorded the received audio: ${fs.readdirSync(ua.dir)}`);
  fs.copyFileSync(path.join(ua.dir, dec), path.join(OUT, 'hosts-holding-received.wav'));
  // The first 7 s of the call are the held part: speech, then quiet.
  const rms = blockRms(path.join(ua.dir, dec)).slice(0, 28);
  console.log(`# held caller's received audio, rms per 0.25 s: ${rms.map((v) => v.toFixed(3)).join(' ')}`);
  const speech = rms.findIndex((v) => v > 0.01);
  assert.ok(speech >= 0 && speech < 8, 'a prompt is heard within the first 2 s');
  let end = speech;
  while (end < rms.length && rms.slice(end, end + 4).some((v) => v > 0.003)) end++;
  assert.ok(end > speech + 4 && end <= 24, `the prompt lasts a few seconds and stops (blocks ${speech}..${end})`);
  assert.ok(rms.slice(end, 28).every((v) => v < 0.003), 'then quiet');
});
