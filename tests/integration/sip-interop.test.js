// SIP as PBXs and room systems speak it (issue 18), with the real janus, Debian's sipp and a raw
// UDP peer (lib/sip-raw.js) inside the test network namespace: delayed offer (an INVITE or a
// re-INVITE without SDP gets our offer in the 200 and the answer is taken from the ACK; an ACK
// without one ends the call), REGISTER with huge or unreadable Expires values, INVITE bodies
// that are not SDP (415 with Accept), a Request-URI the parser cannot read (400), SIP over TLS
// with a certificate made here (sipp -t l1: sips: and transport=tls) where the operator requires
// SRTP on TLS calls (sip_tls_require_srtp; our delayed-offer 200 there offers content too,
// the slides line with a key of its own), and dial-out forked to an owner's two registered
// devices (the first to answer gets the call, the other a CANCEL).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser, pageStats } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { silenceWav } = require('./lib/media');
const { startBaresip } = require('./lib/baresip');
const { sippRunner, bridgeStatus, waitForStatus, waitForLog, inRoom, noCalls, dtmfKeys, sleep } = require('./lib/sip');
const { rawSipPeer } = require('./lib/sip-raw');
const { bfcpClient, PRIM, STATUS } = require('./lib/bfcp');

const SIP_PORT = 5080;
const SIP_TLS_PORT = 5081;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 17060 });

/** 20 s of a 440 Hz sine as headerless G.711 µ-law at 8 kHz (sipp's rtp_stream plays it, PT 0). */
function toneUlaw() {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'tone.ulaw');
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=20',
      '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/**
 * A self-signed certificate for 127.0.0.1, made here: dir/agent.pem (key + certificate) and
 * dir/cafile.pem, as Sofia-SIP wants them; key.pem and cert.pem for sipp.
 */
function makeCertificate(dir) {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
  { stdio: 'ignore' });
  const key = fs.readFileSync(path.join(dir, 'key.pem'));
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  fs.writeFileSync(path.join(dir, 'agent.pem'), Buffer.concat([key, cert]));
  fs.writeFileSync(path.join(dir, 'cafile.pem'), cert);
  return { dir, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), port: SIP_TLS_PORT };
}

/** The browser's inbound audio now: totalAudioEnergy, audioLevel, packetsReceived. */
async function inboundAudio(page) {
  const s = await page.evaluate(pageStats);
  return s.inbound.audio || {};
}

/** An SDP offer with PCMU at 127.0.0.1:port. */
const pcmuOffer = (port) => ['v=0', 'o=raw 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

describe('SIP interop (delayed offer, Expires, bodies, Request-URI, TLS, forked dial-out)', () => {
  let svc, lounge, bob, bobSip, raw, tls;

  before(async () => {
    toneUlaw();
    tls = makeCertificate(fs.mkdtempSync(path.join(OUT, 'sip-tls-')));
    svc = await startService({ name: 'sip-interop', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT),
      SIP_TLS_PORT: String(SIP_TLS_PORT), SIP_TLS_CERT_DIR: tls.dir, SIP_TLS_REQUIRE_SRTP: 'yes' } });
    const l = await vmrAdmin(svc, { request: 'create_room', name: 'lounge' });
    assert.equal(l.vmr, 'room', JSON.stringify(l));
    lounge = l.room;
    const b = await vmrAdmin(svc, { request: 'create_account', username: 'bob', password: 'bob-secret-12', display_name: 'Bob' });
    assert.equal(b.vmr, 'account', JSON.stringify(b));
    bob = b.room;
    bobSip = b.sip_password;
    raw = await rawSipPeer({ bridgePort: SIP_PORT, domain: DOMAIN });
  });
  after(async () => {
    if (raw) raw.close();
    if (svc) await svc.stop();
    if (tls) fs.rmSync(tls.dir, { recursive: true, force: true });
  });

  test('delayed offer: an INVITE without SDP gets our offer in the 200, the ACK\'s answer is taken, and the caller\'s audio reaches a browser in the room', async () => {
    const web = await launchBrowser({ fakeAudio: silenceWav('silence-sip-interop', { seconds: 30 }) });
    try {
      await web.page.goto(`${svc.httpUrl}/?room=${lounge.address}&name=Web&autojoin=1`);
      await waitJoined(web.page);
      const q0 = await inboundAudio(web.page);
      await sleep(1500);
      const q1 = await inboundAudio(web.page);
      const quiet = (q1.totalAudioEnergy || 0) - (q0.totalAudioEnergy || 0);
      const call = sipp('do_call.xml', { ruri: `sip:${lounge.address}@${DOMAIN}` }, { duration: 8000 });
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the delayed-offer caller in lounge');
      assert.equal(s.sip.calls[0].audio, 'PCMU', 'the codec of the answer in the ACK');
      assert.equal(s.sip.calls[0].video, undefined, 'video was declined in the ACK');
      await sleep(3000);
      const a0 = await inboundAudio(web.page);
      await sleep(3000);
      const a1 = await inboundAudio(web.page);
      const loud = a1.totalAudioEnergy - a0.totalAudioEnergy;
      console.log(`# delayed offer: browser audio energy ${quiet.toExponential(2)} before, ${loud.toExponential(2)} over 3 s of the caller's tone`);
      assert.ok(loud > 0.01 && loud > 20 * quiet + 0.01, `the browser hears the delayed-offer caller (${loud} vs ${quiet})`);
      assert.equal(await call, 0, 'sipp: INVITE without SDP, 200 with our offer, ACK with the answer, BYE');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      await web.close();
    }
  });

  test('delayed offer: an ACK without the answer ends the call with a BYE and a log line', async () => {
    assert.equal(await sipp('do_ack_no_sdp.xml', { ruri: `sip:${lounge.address}@${DOMAIN}` }, { timeoutS: 15 }), 0,
      'sipp: 200 with our offer, ACK without SDP, BYE from the bridge');
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
    await waitForLog(svc, /no SDP answer in the ACK/);
  });

  test('a re-INVITE without SDP gets our offer in the 200 and the codec of the ACK\'s answer', async () => {
    const call = sipp('reinvite_no_sdp.xml', { ruri: `sip:${lounge.address}@${DOMAIN}` }, { duration: 3000 });
    const s0 = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the caller in lounge');
    assert.equal(s0.sip.calls[0].audio, 'PCMU');
    await waitForStatus(svc, (s) => s.sip.calls.some((c) => c.audio === 'PCMA' && c.state === 'in-room'), 10000,
      'PCMA from the answer in the re-INVITE\'s ACK');
    assert.equal(await call, 0, 'sipp: re-INVITE without SDP, 200 with our offer (PCMA in it), ACK with the answer, BYE');
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
  });

  const bindingsOf = async (user) => (await bridgeStatus(svc)).sip.registrations.filter((r) => r.username === user);
  const grantedExpires = (r) => r.headers.contact.join(',').match(/expires=(\d+)/g).map((x) => Number(x.slice(8)));

  test('REGISTER with Expires 2^32 or 2^31 (header or contact parameter) keeps the binding for the registrar\'s maximum, and the 200 says so', async () => {
    for (const [what, opts] of [
      ['Expires: 4294967296', { expiresHeader: '4294967296' }],
      ['Expires: 2147483648', { expiresHeader: '2147483648' }],
      ['Expires: 99999999999999999999999', { expiresHeader: '99999999999999999999999' }],
      ['contact expires=4294967296', { contact: `<sip:bob@127.0.0.1:${raw.port}>;expires=4294967296` }],
      ['contact expires=2147483648', { contact: `<sip:bob@127.0.0.1:${raw.port}>;expires=2147483648`, expiresHeader: '600' }],
    ]) {
      const r = await raw.register('bob', bobSip, opts);
      assert.equal(r && r.status, 200, `${what}: 200`);
      assert.deepEqual(grantedExpires(r), [3600], `${what}: the 200 grants the maximum, 3600 s`);
      const b = await bindingsOf('bob');
      assert.equal(b.length, 1, `${what}: the binding is there: ${JSON.stringify(b)}`);
      assert.ok(b[0].expires_at - Date.now() / 1000 > 3500, `${what}: it expires in an hour`);
    }
  });

  test('REGISTER with expires=-1 or a non-number is 400 and leaves the binding', async () => {
    const ok = await raw.register('bob', bobSip, { expiresHeader: '600' });
    assert.equal(ok.status, 200);
    for (const [what, opts] of [
      ['Expires: -1', { expiresHeader: '-1' }],
      ['Expires: soon', { expiresHeader: 'soon' }],
      ['contact expires=-1', { contact: `<sip:bob@127.0.0.1:${raw.port}>;expires=-1` }],
      ['contact expires=12abc', { contact: `<sip:bob@127.0.0.1:${raw.port}>;expires=12abc` }],
      ['contact expires=""', { contact: `<sip:bob@127.0.0.1:${raw.port}>;expires=` }],
    ]) {
      const r = await raw.register('bob', bobSip, opts);
      assert.equal(r && r.status, 400, `${what}: 400 (got ${r && r.first})`);
      const b = await bindingsOf('bob');
      assert.equal(b.length, 1, `${what}: the binding is still there`);
    }
  });

  test('an INVITE whose body is text/plain, or has no Content-Type, gets 415 with Accept: application/sdp', async () => {
    for (const [what, contentType, body] of [
      ['text/plain SDP', 'text/plain', pcmuOffer(40000)],
      ['text/plain words', 'text/plain', 'hello there\r\n'],
      ['untyped SDP', null, pcmuOffer(40002)],
      ['untyped words', null, 'hello there\r\n'],
    ]) {
      const r = await raw.request({ method: 'INVITE', ruri: `sip:${lounge.address}@${DOMAIN}`, body, contentType });
      assert.ok(r, `${what}: an answer`);
      assert.equal(r.status, 415, `${what}: 415 (got ${r.first})`);
      assert.ok(r.headers.accept && /application\/sdp/.test(r.headers.accept.join(',')), `${what}: Accept: application/sdp (${JSON.stringify(r.headers.accept)})`);
    }
    // SDP labelled as such still works, in any letter case
    const ok = await raw.request({ method: 'INVITE', ruri: `sip:${lounge.address}@${DOMAIN}`, body: pcmuOffer(40004), contentType: 'Application/SDP' });
    assert.equal(ok && ok.status, 200);
    await waitForStatus(svc, noCalls, 5000, 'the calls to end');
  });

  test('an INVITE whose Request-URI does not parse gets 400', async () => {
    const r = await raw.request({ method: 'INVITE', ruri: 'sip:%zz%@@example.org:99999', toUri: `sip:${lounge.address}@${DOMAIN}`,
      body: pcmuOffer(40006) });
    assert.ok(r, 'an answer to the INVITE with an unreadable Request-URI');
    assert.equal(r.status, 400, r.first);
    const o = await raw.request({ method: 'OPTIONS', ruri: 'sip:%zz%@@example.org:99999', toUri: `sip:${DOMAIN}`, body: '' });
    assert.equal(o && o.status, 400, 'OPTIONS too');
    // and the bridge still takes calls
    const ok = await raw.request({ method: 'INVITE', ruri: `sip:${lounge.address}@${DOMAIN}`, body: pcmuOffer(40008) });
    assert.equal(ok && ok.status, 200);
    await waitForStatus(svc, noCalls, 5000, 'the calls to end');
  });

  // Debian's sipp is built without TLS: the TLS peer here is lib/sip-raw.js over node:tls,
  // checking the bridge's certificate against the one made above.
  const SAVP_KEY = 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
  const savpSdp = (port) => ['v=0', 'o=raw 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${SAVP_KEY}`, 'a=sendrecv', ''].join('\r\n');
  const tlsPeer = () => rawSipPeer({ bridgePort: SIP_TLS_PORT, domain: DOMAIN, tls: { ca: fs.readFileSync(tls.cert) } });

  test('SIP over TLS: a sips: call (Contact transport=tls) with SDES-SRTP joins the room, and our answer is SRTP too', async () => {
    const st = await bridgeStatus(svc);
    assert.match(st.sip.listening, /tls/, st.sip.listening);
    const peer = await tlsPeer();
    try {
      const r = await peer.request({ method: 'INVITE', ruri: `sips:${lounge.address}@${DOMAIN}`, body: savpSdp(40020), keep: true });
      assert.equal(r && r.status, 200, r && r.first);
      assert.match(r.body, /^m=audio [1-9]\d* RTP\/SAVP 0\b/m, r.body);
      assert.match(r.body, /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}/m, 'our own key in the answer');
      assert.ok(!r.body.includes(SAVP_KEY), 'not the caller\'s key');
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the TLS caller in lounge');
      assert.equal(s.sip.calls[0].audio, 'PCMU');
      assert.equal(s.sip.calls[0].srtp, true);
      await r.bye();
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      peer.close();
    }
  });

  test('SRTP required on TLS calls: a plain RTP/AVP offer over TLS gets 488, while plain RTP over UDP still works', async () => {
    const peer = await tlsPeer();
    try {
      const r = await peer.request({ method: 'INVITE', ruri: `sip:${lounge.address}@${DOMAIN}`, body: pcmuOffer(40022) });
      assert.equal(r && r.status, 488, r && r.first);
      await waitForLog(svc, /plain RTP on a TLS call, SRTP is required/);
    } finally {
      peer.close();
    }
    const ok = await raw.request({ method: 'INVITE', ruri: `sip:${lounge.address}@${DOMAIN}`, body: pcmuOffer(40024), keep: true });
    assert.equal(ok && ok.status, 200, 'plain RTP over UDP');
    const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the UDP caller in lounge');
    assert.equal(s.sip.calls[0].srtp, false);
    await ok.bye();
    await waitForStatus(svc, noCalls, 5000, 'the calls to end');
  });

  test('delayed offer over TLS with SRTP required: our offer in the 200 is RTP/SAVP with a=crypto, the SRTP answer in the ACK is taken', async () => {
    const peer = await tlsPeer();
    try {
      const r = await peer.request({ method: 'INVITE', ruri: `sips:${lounge.address}@${DOMAIN}`, body: '', ackBody: savpSdp(40026), keep: true });
      assert.equal(r && r.status, 200, r && r.first);
      assert.match(r.body, /^m=audio [1-9]\d* RTP\/SAVP [\d ]*\b0\b/m, r.body);
      assert.match(r.body, /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/m, r.body);
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the TLS delayed-offer caller in lounge');
      assert.equal(s.sip.calls[0].audio, 'PCMU');
      await r.bye();
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      peer.close();
    }
  });

  test('delayed offer over TLS with SRTP required: our 200 offers content too, the slides line RTP/SAVP with a key of its own; the SRTP answer takes it and the floor is granted', async () => {
    const peer = await tlsPeer();
    const ports = { audio: 40030, video: 40032, slides: 40034 };
    let c = null, r = null;
    try {
      r = await peer.request({ method: 'INVITE', ruri: `sips:${lounge.address}@${DOMAIN}`, body: '', keep: true,
        ackBody: ['v=0', 'o=room 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
          `m=audio ${ports.audio} RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${SAVP_KEY}`, 'a=sendrecv',
          `m=video ${ports.video} RTP/SAVP 96`, 'a=rtpmap:96 VP8/90000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${SAVP_KEY}`,
          'a=content:main', 'a=sendrecv',
          `m=video ${ports.slides} RTP/SAVP 96`, 'a=rtpmap:96 VP8/90000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${SAVP_KEY}`,
          'a=content:slides', 'a=label:3', 'a=sendrecv',
          'm=application 9 TCP/BFCP *', 'a=floorctrl:c-only', 'a=setup:active', 'a=connection:new', 'a=floorid:1 mstrm:3', ''].join('\r\n') });
      assert.equal(r && r.status, 200, r && r.first);
      const lines = r.body.split(/\r?\n(?=m=)/).slice(1);
      assert.equal(lines.length, 4, r.body);
      const [audio, main, slides, bfcp] = lines;
      for (const l of [audio, main, slides]) assert.match(l, /^m=\w+ [1-9]\d* RTP\/SAVP /, l);
      assert.match(slides, /^a=content:slides$/m, slides);
      const key = (l) => (l.match(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(\S+)/m) || [])[1];
      assert.ok(key(slides), `the slides line has a key: ${slides}`);
      assert.notEqual(key(slides), key(main), 'a key of its own, not the main video\'s');
      assert.notEqual(key(slides), key(audio));
      const bport = Number(bfcp.match(/^m=application (\d+) TCP\/BFCP/)[1]);
      const confid = Number(bfcp.match(/^a=confid:(\d+)/m)[1]);
      const userid = Number(bfcp.match(/^a=userid:(\d+)/m)[1]);
      await waitForLog(svc, new RegExp(`BFCP over TCP as offered, we listen on ${bport}, user ${userid}, slides yes`));
      c = await bfcpClient({ port: bport, confid, userid });
      c.send(PRIM.FloorRequest, { floor: 1 });
      assert.ok(await c.next((x) => x.primitive === PRIM.FloorRequestStatus && x.status === STATUS.Granted), 'granted');
      await waitForLog(svc, new RegExp(`room ${lounge.address.replace('.', '\\.')}: content from`));
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 10000, 'the TLS caller in lounge');
      assert.equal(s.sip.calls[0].srtp, true);
      c.close();
      c = null;
      await r.bye();
      r = null;
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      if (c) c.close();
      if (r && r.status === 200) await r.bye().catch(() => {});
      peer.close();
    }
  });

  test('a real endpoint over TLS with SRTP (baresip, transport=tls, mediaenc=srtp-mand) joins the room and a browser hears it', async () => {
    const web = await launchBrowser({ fakeAudio: silenceWav('silence-sip-interop', { seconds: 30 }) });
    let ua;
    try {
      await web.page.goto(`${svc.httpUrl}/?room=${lounge.address}&name=Web&autojoin=1`);
      await waitJoined(web.page);
      ua = await startBaresip('tls-srtp', {
        audio: 'pcmu', video: 'vp8', colour: 'blue', toneHz: 600,
        account: (port) => `<sip:dave@127.0.0.1:${port};transport=tls>;regint=0;`
          + `outbound="sip:127.0.0.1:${SIP_TLS_PORT};transport=tls";mediaenc=srtp-mand;audio_codecs=PCMU;video_codecs=VP8`,
        extraConfig: [`sip_certificate\t${path.join(tls.dir, 'agent.pem')}`, `sip_cafile\t${path.join(tls.dir, 'cafile.pem')}`,
          'module\t\t\tsrtp.so'].join('\n'),
      });
      // (baresip 1.0 takes a dialled "sips:" for a user name: the account's transport=tls and
      // outbound proxy carry the call over TLS)
      ua.cmd('dial', `sip:${lounge.address}@${DOMAIN}`);
      await ua.event('CALL_ESTABLISHED', 10000);
      const s = await waitForStatus(svc, inRoom(lounge.address, 'address'), 8000, 'baresip in lounge');
      const call = s.sip.calls.find((c) => c.room === lounge.address);
      assert.equal(call.srtp, true, JSON.stringify(call));
      assert.equal(call.audio, 'PCMU', JSON.stringify(call));
      await sleep(2000);
      const a0 = await inboundAudio(web.page);
      await sleep(3000);
      const a1 = await inboundAudio(web.page);
      const loud = a1.totalAudioEnergy - a0.totalAudioEnergy;
      console.log(`# baresip over TLS + SRTP: browser audio energy ${loud.toExponential(2)} over 3 s, level ${a1.audioLevel}`);
      assert.ok(loud > 0.01, `the browser hears baresip's tone through SRTP (energy ${loud})`);
    } finally {
      if (ua) await ua.stop();
      await web.close();
    }
    await waitForStatus(svc, noCalls, 10000, 'the call to end');
  });

  test('dial-out forks: an owner with two devices on two addresses; a guest joins, both ring, the first to answer gets the call, the other gets CANCEL', async () => {
    const c = await vmrAdmin(svc, { request: 'create_account', username: 'carol', password: 'carol-secret-12', display_name: 'Carol' });
    assert.equal(c.vmr, 'account', JSON.stringify(c));
    const owner = await vmrClient(svc);
    try {
      await owner.req({ request: 'login', username: 'carol', password: 'carol-secret-12' });
      const r = await owner.req({ request: 'update_room', receive_call: true });
      assert.equal(r.room && r.room.receive_call, true, JSON.stringify(r));
    } finally {
      owner.close();
    }
    // Two devices of carol's, each registered from its own address with itself as the contact:
    // the desk phone (127.0.0.1) answers, the other (127.0.0.2) keeps ringing until cancelled.
    // (The bridge would cancel a device nobody answers only after its 30 s dialout_ring; the
    // loser's sipp gives up after 15 s.)
    const deskPort = sipp.nextPort(), otherPort = sipp.nextPort();
    const desk = sipp('answer_bye.xml', {}, { port: deskPort, uas: true, timeoutS: 30 });
    const other = sipp('dialout_fork_loser.xml', {}, { port: otherPort, uas: true, timeoutS: 15, source: '127.0.0.2' });
    assert.equal(await sipp('register_contact.xml', { user: 'carol', pass: c.sip_password, expires: 600, contact_port: deskPort }), 0);
    assert.equal(await sipp('register_contact.xml', { user: 'carol', pass: c.sip_password, expires: 600, contact_port: otherPort },
      { source: '127.0.0.2' }), 0);
    const regs = (await bridgeStatus(svc)).sip.registrations.filter((x) => x.username === 'carol').map((x) => x.contact).sort();
    assert.deepEqual(regs, [`sip:carol@127.0.0.1:${deskPort}`, `sip:carol@127.0.0.2:${otherPort}`]);

    const guest = sipp('call_bye.xml', { ruri: `sip:${c.room.address}@${DOMAIN}`, ...dtmfKeys('', 8) }, { duration: 8000 });
    await waitForStatus(svc, inRoom(c.room.address, 'dial-out'), 15000, 'carol\'s desk phone called into her room');
    assert.equal(await other, 0, 'the other device rang and got CANCEL with Reason: SIP;cause=200 (200, 487, ACK)');
    await waitForLog(svc, new RegExp(`ended: answered elsewhere`));
    const s = await bridgeStatus(svc);
    const out = s.sip.calls.filter((x) => x.direction === 'out');
    assert.equal(out.length, 1, `one dial-out call left: ${JSON.stringify(out)}`);
    assert.equal(out[0].caller, `sip:carol@127.0.0.1:${deskPort}`);
    assert.equal(await desk, 0, 'the desk phone answered, was in the room and hung up');
    assert.equal(await guest, 0);
    await waitForStatus(svc, noCalls, 15000, 'all calls to end');
  });
});
