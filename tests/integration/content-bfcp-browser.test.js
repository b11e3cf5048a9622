// Content sharing across the two kinds of participant (issue #13's acceptance): a SIP room
// system (lib/sip-raw.js, a=content:slides and a BFCP line, BFCP from lib/bfcp.js) and a
// browser (the in-call page) in one room. The room system takes the floor and sends a
// solid-colour slide, as VP8 and as H.264 (RFC 6184, made with libx264): the browser gets it
// as its content stream (the #content video, beside its people picture) in that colour, and a
// SIP phone without a slides line sees the H.264 slide in its composed picture. Then
// the browser presents with its Share screen button: the room system gets a FloorStatus naming
// the holder (a presenter without BFCP is user SIPB_BFCP_OTHER_USER, 0xffff, in the room's
// floor server) and the browser's picture on its slides line, decoded here with ffmpeg; the
// browser stops and the room system gets a FloorStatus without a holder.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');
const { launchBrowser, videoColour } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { colourClip, silenceWav } = require('./lib/media');
const { vp8Frames, h264Frames, mediaSockets, offer, answerLines, attr, sendUntil, hasKey, vp8FromRtp, colourShare, isBlue } =
  require('./lib/slides');

const SIP_PORT = 5096;
const DOMAIN = 'vmr.test';
const OTHER_USER = 0xffff; // the BFCP user id of a presenter without BFCP (plugins/sip/sipb_bfcp.h)
const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
const MAGENTA = [255, 0, 255];
const CENTRE = { x: 0.4, y: 0.4, w: 0.2, h: 0.2 };
const near = (c, want, tol = 45) => c.every((v, i) => Math.abs(v - want[i]) <= tol);
const isMagenta = (r, g, b) => r > 150 && g < 90 && b > 150;

// Runs in the page before its scripts: the screen getDisplayMedia returns is a solid-colour
// 1280x720 canvas (chromium's fake screen is a moving pattern, no colour to check).
function fakeScreen(colour) {
  navigator.mediaDevices.getDisplayMedia = async () => {
    const c = document.createElement('canvas');
    c.width = 1280; c.height = 720;
    const g = c.getContext('2d');
    const draw = () => { g.fillStyle = colour; g.fillRect(0, 0, c.width, c.height); };
    draw();
    setInterval(draw, 100);
    return c.captureStream(10);
  };
}

describe('content between a BFCP room system and a browser', () => {
  let svc, room, raw, alice;
  let sys; // the VP8 room system with BFCP over TCP: { m, call, bfcp, userid }

  before(async () => {
    vp8Frames('red', 'red');
    h264Frames('blue-h264', 'blue');
    svc = await startService({ name: 'content-bfcp-browser', demoRoom: '', video: { width: 320, height: 180, fps: 10 },
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'crossover' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    room = r.room;
    raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
    alice = await launchBrowser({ fakeVideo: colourClip('green-small', 'green', { width: 320, height: 240 }),
      fakeAudio: silenceWav('silence') });
    await alice.page.addInitScript(fakeScreen, '#ff00ff');
    await alice.page.goto(`${svc.httpUrl}/?room=${room.address}&name=Alice&autojoin=1`);
    await waitJoined(alice.page, 60000);
    await alice.page.waitForFunction(() => window.vmr.contentReceiving === true, null, { timeout: 30000, polling: 200 });
  });
  after(async () => {
    if (sys) {
      if (sys.bfcp) sys.bfcp.close();
      if (sys.call) await sys.call.bye();
      sys.m.close();
    }
    if (alice) await alice.close();
    if (raw) raw.close();
    if (svc) await svc.stop();
  });

  /** Calls the room as a room system with a slides line and BFCP; says Hello over BFCP. */
  async function roomSystem(fromUser, { bfcp, slidesCodec }) {
    const m = await mediaSockets(['audio', 'video', 'slides']);
    const call = await raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser,
      body: offer(m, { bfcp, slidesCodec, bfcpPort: 9 }), keep: true, timeoutMs: 8000 });
    assert.equal(call && call.status, 200);
    const [, , slides, line] = answerLines(call.body);
    assert.equal(attr(slides, 'content'), 'slides');
    assert.ok(slides.port > 0 && line.port > 0, call.body);
    assert.match(attr(slides, 'rtpmap') || '', new RegExp(`^\\d+ ${slidesCodec}/90000`), 'the slides codec offered is taken');
    const userid = Number(attr(line, 'userid'));
    const c = await bfcpClient({ udp: bfcp === 'udp', port: line.port, confid: Number(attr(line, 'confid')), userid });
    c.send(PRIM.Hello);
    assert.ok(await c.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck');
    return { m, call, bfcp: c, userid, slidesPort: slides.port };
  }

  /** Takes the floor, then sends the slide until Alice's content view shows want. */
  async function present(s, frames, want, codec) {
    s.bfcp.send(PRIM.FloorRequest, { floor: 1 });
    assert.ok(await s.bfcp.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted), 'granted');
    const seen = async () => {
      try {
        const shown = await alice.page.evaluate(() => !document.getElementById('content').hidden);
        return shown && near(await alice.page.evaluate(videoColour, { id: 'content', box: CENTRE }), want);
      } catch (e) {
        return false; // no picture yet (a 0x0 video)
      }
    };
    await sendUntil(s.m.slides.sock, s.slidesPort, frames, seen, { codec });
    const colour = await alice.page.evaluate(videoColour, { id: 'content', box: CENTRE });
    assert.ok(near(colour, want), `Alice's content view shows the slide: ${colour}, want ${want}`);
    const people = await alice.page.evaluate(videoColour, { id: 'remote', box: CENTRE });
    assert.ok(!near(people, want), `Alice's people picture is not the slide: ${people}`);
    const size = await alice.page.evaluate(() => [document.getElementById('content').videoWidth,
      document.getElementById('content').videoHeight]);
    assert.deepEqual(size, [640, 360], 'the content at the slide\'s size (the people picture is 320x180)');
  }

  test('a room system presents VP8 slides over BFCP and a browser sees the slide as its own stream', async () => {
    sys = await roomSystem('room-vp8', { bfcp: 'tcp', slidesCodec: 'VP8' });
    await present(sys, vp8Frames('red', 'red'), RED, 'VP8');
    // the browser is told who presents: the room system's call
    await svc.expectLog(new RegExp(`BFCP user ${sys.userid}\\) is presenting`));
    const callId = new RegExp(`call (\\d+) \\(BFCP user ${sys.userid}\\) is presenting`).exec(svc.log())[1];
    const content = await alice.page.evaluate(() => window.vmr.content);
    assert.equal(String(content && content.id), callId, JSON.stringify(content));
  });

  test('a room system presents H.264 slides (RFC 6184: STAP-A, FU-A): a browser sees the slide as its own stream, a phone without content in its composed picture', async () => {
    sys.bfcp.inbox.length = 0; // from here on: what the H.264 room system's floor changes bring
    // a SIP phone with one video line (no slides line, no BFCP)
    const phone = await mediaSockets(['audio', 'video']);
    const pc = await raw.request({ method: 'INVITE', ruri: `sip:${room.address}@${DOMAIN}`, fromUser: 'phone',
      body: offer(phone), keep: true, timeoutMs: 8000 });
    assert.equal(pc && pc.status, 200);
    const h = await roomSystem('room-h264', { bfcp: 'udp', slidesCodec: 'H264' });
    try {
      await present(h, h264Frames('blue-h264', 'blue'), BLUE, 'H264');
      // the VP8 room system was told it lost the floor to the H.264 one
      assert.ok(await sys.bfcp.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === h.userid),
        'FloorStatus naming the H.264 room system');
      // the phone's composed picture (VP8, decoded here) shows the slide in the presentation layout's main pane
      let share = 0;
      for (let i = 0; i < 10 && share <= 0.3; i++) {
        await new Promise((r) => setTimeout(r, 500));
        share = colourShare('phone-h264', vp8FromRtp(phone.video.rtp, 96), isBlue);
      }
      assert.ok(share > 0.3, `the phone sees the H.264 slide in its main pane (blue share ${share.toFixed(2)})`);
    } finally {
      h.bfcp.close();
      await h.call.bye();
      h.m.close();
      await pc.bye();
      phone.close();
    }
    assert.ok(await sys.bfcp.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === undefined, 8000),
      'its hang-up frees the floor');
  });

  test('a browser presents and the room system gets FloorStatus naming it and decodable content on its slides line', async () => {
    sys.bfcp.inbox.length = 0;
    await alice.page.click('#share');
    await alice.page.waitForFunction(() => window.vmr.presenting === true, null, { timeout: 20000, polling: 200 });
    const named = await sys.bfcp.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary !== undefined, 8000);
    assert.ok(named, 'FloorStatus with a holder');
    assert.equal(named.beneficiary, OTHER_USER, 'the holder is the presenter without BFCP, not a room system');
    assert.notEqual(named.beneficiary, sys.userid);
    assert.equal(named.beneficiaryName, 'Alice', 'and by the name the room shows (USER-DISPLAY-NAME)');
    await svc.expectLog(/participant \d+ presents \(content m-line/);

    // Alice's magenta screen arrives on the slides line (VP8, payload type 97) and decodes
    const start = sys.m.slides.rtp.length;
    for (let i = 0; i < 100 && !hasKey(sys.m.slides.rtp.slice(start), 97); i++) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500)); // a few pictures after the key frame
    const share = colourShare('room-system-slides', vp8FromRtp(sys.m.slides.rtp.slice(start), 97), isMagenta);
    assert.ok(share > 0.8, `the room system's slides line shows Alice's screen (magenta share ${share.toFixed(2)})`);

    // Alice stops: the floor is free
    sys.bfcp.inbox.length = 0;
    await alice.page.click('#share');
    await alice.page.waitForFunction(() => window.vmr.presenting === false, null, { timeout: 20000, polling: 200 });
    assert.ok(await sys.bfcp.next((x) => x.primitive === PRIM.FloorStatus && x.beneficiary === undefined, 8000),
      'FloorStatus without a holder');
  });
});
