// Who is in a room, whichever way they came in, and what the room does when they come and go:
// - a SIP caller (sipp, PCMU tone) appears in a browser's participant list within 1 s of being in
//   the room, with the id the SIP bridge reports for the call; the `joined`, `talking` and `left`
//   events and `listparticipants` carry that same id; it leaves the list when it hangs up; so do
//   a caller through the lobby and a plain-RTP participant (the bridge's Admin API);
// - in a room with only a SIP caller (baresip, blue VP8), the owner's layout change changes
//   the picture baresip receives;
// - handles that attach, join and detach 0-20 ms later, many at once, leave nobody behind: the
//   room's MCU is released (the bridge's `status` lists the running rooms).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { silenceWav } = require('./lib/media');
const { OPUS_OFFER } = require('./lib/sdp');
const { startBaresip, imageColours, snapshot } = require('./lib/baresip');
const { sippRunner, bridgeStatus, waitForStatus, inRoom, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 17060 });

/** 20 s of a 440 Hz sine as headerless G.711 µ-law (sipp's rtp_stream plays tone.ulaw from OUT). */
function toneUlaw() {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'tone.ulaw');
  if (!fs.existsSync(file)) {
    require('node:child_process').execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
      'sine=frequency=440:sample_rate=8000:duration=20', '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/** Every janus.plugin.vmr event the page receives, with its arrival time. */
function recordEvents(page) {
  const events = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try {
      const m = JSON.parse(f.payload);
      if (m.plugindata && m.plugindata.data) events.push({ t: Date.now(), ...m.plugindata.data });
    } catch (e) { /* not JSON */ }
  }));
  return events;
}

async function until(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(50);
  }
}

describe('participants of every kind in one room', () => {
  let svc, lounge;

  before(async () => {
    toneUlaw();
    svc = await startService({ name: 'room-presence', demoRoom: '',
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const l = await vmrAdmin(svc, { request: 'create_room', name: 'lounge' });
    assert.equal(l.vmr, 'room', JSON.stringify(l));
    lounge = l.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('a SIP caller is in a browser\'s participant list within 1 s, under the id of its call in joined/talking/left and listparticipants, and leaves it when it hangs up', async () => {
    const web = await launchBrowser({ fakeAudio: silenceWav('silence-presence', { seconds: 40 }) });
    try {
      const events = recordEvents(web.page);
      await web.page.goto(`${svc.httpUrl}/?room=${lounge.address}&name=Web&autojoin=1`);
      await waitJoined(web.page);
      // The caller: a DTMF key the room ignores, then the tone from +2.5 s for 6 s, then BYE.
      const run = sipp('rtp_dtmf_media.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, dtmf: '1' }, { duration: 6000 });
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the caller in the lounge');
      const tInRoom = Date.now();
      const call = s.sip.calls.find((c) => c.room === lounge.address);
      const id = call.id;
      // What the user sees: the caller's name in the list, within 1 s of the bridge putting it in the room.
      const li = web.page.locator(`#participants li[data-id="${id}"]`);
      await li.waitFor({ timeout: 5000 }).catch(() => {});
      const seenMs = Date.now() - tInRoom;
      console.log(`the SIP caller was in the page's list ${seenMs} ms after the bridge's status showed it in the room`);
      assert.ok(await li.count() === 1, `the page lists the SIP caller ${id}: ${await web.page.locator('#participants').innerText()}`);
      assert.ok(seenMs < 1000, `listed ${seenMs} ms after the bridge put it in the room`);
      assert.match(await li.innerText(), /sipp caller/);
      const joined = events.find((e) => e.joined && e.joined.id === id);
      assert.ok(joined, `a joined event with the call's id ${id}: ${JSON.stringify(events.filter((e) => e.joined))}`);
      assert.equal(joined.joined.display, 'sipp caller');
      const c = await vmrClient(svc);
      try {
        // (a second participant, without media: its join answer lists the room)
        const r = await c.message(c.handle, { request: 'join', room: lounge.address, display: 'Probe' }, OPUS_OFFER);
        assert.equal(r.data && r.data.vmr, 'joined', JSON.stringify(r.data));
        assert.ok(r.data.participants.some((p) => p.id === id && p.display === 'sipp caller'),
          `the join answer lists the SIP caller: ${JSON.stringify(r.data.participants)}`);
        const lp = await c.req({ request: 'listparticipants' });
        assert.deepEqual(lp.participants.map((p) => p.id).sort(), r.data.participants.map((p) => p.id).sort());
        assert.ok(lp.participants.some((p) => p.id === id), `listparticipants lists the SIP caller: ${JSON.stringify(lp)}`);
        await c.req({ request: 'leave' });
      } finally {
        c.close();
      }
      // Its tone makes it talk: the talking event names the same id.
      await until(() => events.find((e) => e.talking && e.talking.id === id && e.talking.talking), 10000,
        `a talking event for ${id}; talking ids seen: ${JSON.stringify(events.filter((e) => e.talking).map((e) => e.talking.id))}`);
      // It hangs up: it leaves the list and a left event names it.
      assert.equal(await run, 0, 'sipp ran its call');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      const tGone = Date.now();
      await until(async () => await li.count() === 0, 5000, 'the SIP caller to leave the list');
      const goneMs = Date.now() - tGone;
      console.log(`and out of it ${goneMs} ms after the bridge's status showed no call`);
      assert.ok(goneMs < 1000, `gone from the list ${goneMs} ms after the call ended`);
      assert.ok(events.some((e) => e.left === id), 'a left event with the call\'s id');
    } finally {
      await web.close();
    }
  });

  test('a caller through the lobby and a plain-RTP participant are announced to the room with the ids the bridge gives them, and so is their leaving', async () => {
    const probe = await vmrClient(svc);
    try {
      const r = await probe.message(probe.handle, { request: 'join', room: lounge.address, display: 'Probe' }, OPUS_OFFER);
      assert.equal(r.data && r.data.vmr, 'joined', JSON.stringify(r.data));
      // The lobby: meeting number by RFC 4733 (the lounge has no PIN: the caller is in at once).
      const run = sipp('rtp_dtmf_lobby.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${lounge.meeting_number}#`, dtmf2: '#' }, { duration: 2000 });
      const s = await waitForStatus(svc, inRoom(lounge.address, 'lobby'), 10000, 'the lobby caller in the lounge');
      const id = s.sip.calls.find((c) => c.room === lounge.address).id;
      const j = await probe.event((d) => d.joined && d.joined.id === id, 5000, `joined for the lobby caller ${id}`);
      assert.equal(j.joined.sip, true);
      assert.equal(await run, 0);
      await probe.event((d) => d.left === id, 10000, `left for the lobby caller ${id}`);
      // A plain-RTP participant (Admin API of the bridge).
      const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
      try {
        const bridge = async (request) => (await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.sipbridge',
          admin_secret: svc.adminSecret, request })).response;
        const add = await bridge({ request: 'rtp_participant_add', room: lounge.address, display: 'Recorder',
          codec: 'pcmu', pt: 0, ip: '127.0.0.1', port: 41000 });
        assert.equal(add.sipbridge, 'rtp_participant', JSON.stringify(add));
        // fec (Opus in-band FEC, default false) is a boolean or absent
        const bad = await bridge({ request: 'rtp_participant_add', room: lounge.address, codec: 'opus',
          pt: 111, ip: '127.0.0.1', port: 41002, fec: 'yes' });
        assert.ok(bad.error_code && /fec/.test(bad.error), JSON.stringify(bad));
        const jr = await probe.event((d) => d.joined && d.joined.id === add.id, 5000, 'joined for the RTP participant');
        assert.equal(jr.joined.display, 'Recorder');
        const lp = await probe.req({ request: 'listparticipants' });
        assert.ok(lp.participants.some((p) => p.id === add.id && p.display === 'Recorder'), JSON.stringify(lp));
        assert.equal((await bridge({ request: 'rtp_participant_remove', id: add.id })).result, 'removed');
        await probe.event((d) => d.left === add.id, 5000, 'left for the RTP participant');
      } finally {
        admin.close();
      }
      await probe.req({ request: 'leave' });
    } finally {
      probe.close();
    }
  });

  test('in a room with only a SIP caller, the owner\'s layout change changes the picture the caller receives', async () => {
    await vmrAdmin(svc, { request: 'create_account', username: 'host', password: 'host-secret-1' });
    const owner = await vmrClient(svc);
    await owner.req({ request: 'login', username: 'host', password: 'host-secret-1' });
    assert.equal((await owner.req({ request: 'update_room', layout: '2x2' })).room.layout, '2x2');
    const ua = await startBaresip('layout', {
      audio: 'opus', video: 'vp8', colour: 'blue', toneHz: 1000,
      account: (port) => `<sip:caller@127.0.0.1:${port}>;regint=0;outbound="sip:127.0.0.1:${SIP_PORT}";`
        + 'audio_codecs=opus/48000/2;video_codecs=VP8',
    });
    const isBlue = (c) => c[2] > 150 && c[0] < 80 && c[1] < 80;
    const isDark = (c) => c.every((v) => v < 80);
    const TOP_LEFT = { x: 0.2, y: 0.18, w: 0.1, h: 0.1 };
    const BOTTOM_RIGHT = { x: 0.7, y: 0.7, w: 0.1, h: 0.1 };
    try {
      ua.cmd('dial', `sip:host.join@${DOMAIN}`);
      await ua.event('CALL_ESTABLISHED', 10000);
      await waitForStatus(svc, inRoom('host.join', 'address'), 8000, 'baresip in host.join');
      // 2x2 with one participant: its blue tile top left, the rest of the picture empty.
      let tl, br, png;
      await until(async () => {
        png = await snapshot(ua);
        [tl, br] = imageColours(png, [TOP_LEFT, BOTTOM_RIGHT]);
        return isBlue(tl) && isDark(br);
      }, 15000, '2x2').catch((e) => console.log(`2x2: ${e.message}`));
      fs.copyFileSync(png, path.join(OUT, 'room-presence-layout-2x2.png'));
      assert.ok(isBlue(tl) && isDark(br), `2x2: blue tile top left (${tl}), nothing bottom right (${br})`);
      // The owner switches to `speaker` (from a page that is not in the room).
      assert.equal((await owner.req({ request: 'update_room', layout: 'speaker' })).room.layout, 'speaker');
      await until(async () => {
        png = await snapshot(ua);
        [tl, br] = imageColours(png, [TOP_LEFT, BOTTOM_RIGHT]);
        return isBlue(tl) && isBlue(br);
      }, 10000, 'speaker').catch((e) => console.log(`speaker: ${e.message}`));
      fs.copyFileSync(png, path.join(OUT, 'room-presence-layout-speaker.png'));
      assert.ok(isBlue(tl) && isBlue(br), `speaker: the caller fills the picture: top left ${tl}, bottom right ${br}`);
      ua.cmd('hangup');
      await ua.event('CALL_CLOSED', 5000);
    } finally {
      owner.close();
      await ua.stop();
      fs.rmSync(ua.dir, { recursive: true, force: true });
    }
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
  });

  test('handles that attach, join and detach 0-20 ms later, four at a time, leave nobody in the room: its MCU is released', async () => {
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'race' });
    const address = r.room.address;
    const ROUNDS = 60, LANES = 4;
    let joined = 0;
    const lane = async () => {
      const c = await JanusClient.connect(svc.wsUrl);
      try {
        await c.createSession();
        for (let i = 0; i < ROUNDS; i++) {
          const h = await c.attach('janus.plugin.vmr');
          const tx = c.send({ janus: 'message', session_id: c.sessionId, handle_id: h,
            body: { request: 'join', room: address, display: `R${i}` }, jsep: OPUS_OFFER });
          // 0-20 ms; half of the time below 2 ms, busy-waiting (timers have 1 ms steps), where
          // the detach meets the worker in the middle of the join most often.
          if (i % 2) await sleep(Math.floor(Math.random() * 21));
          else for (const end = process.hrtime.bigint() + BigInt(Math.floor(Math.random() * 2e6)); process.hrtime.bigint() < end;);
          await c.request({ janus: 'detach', session_id: c.sessionId, handle_id: h });
          // (an answer that came before the detach counts the joins that made it into the MCU)
          if (c.messages.some((m) => m.transaction === tx && m.plugindata && m.plugindata.data.vmr === 'joined')) joined++;
        }
      } finally {
        c.close();
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    console.log(`race: ${joined} of ${ROUNDS * LANES} joins answered before their detach`);
    // The worker may still be answering the last joins: give it time, then the room must be gone.
    let st;
    const deadline = Date.now() + 10000;
    do {
      await sleep(250);
      st = await bridgeStatus(svc);
    } while (st.rooms.some((x) => x.room === address) && Date.now() < deadline);
    assert.deepEqual(st.rooms.filter((x) => x.room === address), [], `the room is released: ${JSON.stringify(st.rooms)}`);
  });
});
