// The SIP bridge's call control with the real janus and Debian's sipp (sip-tester), inside the
// test network namespace (issue 5 item 6): hold and resume by re-INVITE (the 200s' directions
// and the RTP that reaches the caller's port), a CANCEL that arrives after the 200 (the bridge
// answers INVITEs at once, so that is the deterministic case: the call must survive it), the
// media timeout (a caller that sends no RTP gets a BYE), RFC 4028 session timers in the 200,
// and a dial-out nobody answers (the bridge CANCELs it after dialout_ring).
// The service runs with SIP_MEDIA_TIMEOUT=5 and SIP_DIALOUT_RING=5 (the smallest allowed).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { sippRunner, bridgeStatus, waitForStatus, waitForLog, inRoom, noCalls, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 17060 });
const MEDIA_TIMEOUT_S = 5;
const DIALOUT_RING_S = 5;







/** A UDP socket on 127.0.0.1 that stands in for a caller's media port and timestamps the RTP it gets. */
async function mediaSocket() {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const packets = [];
  sock.on('message', (m) => {
    if (m.length > 12 && (m[0] >> 6) === 2 && (m[1] & 0x7f) < 64) packets.push({ t: Date.now(), pt: m[1] & 0x7f });
  });
  return { sock, packets, port: sock.address().port };
}

describe('SIP call control (sipp: re-INVITE hold/resume, CANCEL, media timeout, session timers)', () => {
  let svc, lounge, alice, aliceSip;

  before(async () => {
    svc = await startService({ name: 'sip-call-control', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1',
      SIP_PORT: String(SIP_PORT), SIP_MEDIA_TIMEOUT: String(MEDIA_TIMEOUT_S), SIP_DIALOUT_RING: String(DIALOUT_RING_S) } });
    const l = await vmrAdmin(svc, { request: 'create_room', name: 'lounge' });
    assert.equal(l.vmr, 'room', JSON.stringify(l));
    lounge = l.room;
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    alice = a.room;
    aliceSip = a.sip_password;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('the configured media timeout reaches the bridge', () => {
    const conf = fs.readFileSync(path.join(svc.dir, 'conf', 'janus.plugin.sipbridge.jcfg'), 'utf8');
    assert.match(conf, new RegExp(`media_timeout = ${MEDIA_TIMEOUT_S}\\b`));
    assert.match(conf, new RegExp(`dialout_ring = ${DIALOUT_RING_S}\\b`));
  });

  test('re-INVITE a=sendonly holds (200 a=recvonly, no RTP to the caller, no media timeout), a=sendrecv resumes', async () => {
    // cc_hold_resume.xml: in the room 3 s, on hold 7 s (longer than the 5 s media timeout:
    // a BYE from the bridge would fail the scenario), resumed 3 s, BYE. The caller sends no RTP.
    const m = await mediaSocket();
    try {
      const t0 = Date.now();
      const call = sipp('cc_hold_resume.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, mport: m.port }, { timeoutS: 40 });
      await waitForStatus(svc, inRoom(lounge.address, 'address'), 8000, 'the caller in lounge');
      const code = await call;
      const t1 = Date.now();
      assert.equal(code, 0, 'sipp: 200 a=sendrecv, hold 200 a=recvonly, resume 200 a=sendrecv, no BYE from the bridge, our BYE answered');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      const p = m.packets;
      assert.ok(p.length > 0, 'RTP from the bridge reached the caller\'s port');
      assert.ok(p.every((x) => x.pt === 0), 'PCMU (PT 0)');
      // The longest silence is the hold: ~7 s, with RTP before and after it.
      let gap = 0, at = 0;
      for (let i = 1; i < p.length; i++) {
        if (p[i].t - p[i - 1].t > gap) { gap = p[i].t - p[i - 1].t; at = i; }
      }
      const before = at, afterHold = p.length - at;
      console.log(`# hold/resume: ${p.length} RTP packets in ${t1 - t0} ms; longest gap ${gap} ms ` +
        `(${before} packets before it, ${afterHold} after)`);
      assert.ok(gap >= 5500 && gap <= 9000, `no RTP to the caller while on hold (longest gap ${gap} ms, hold 7 s)`);
      assert.ok(before >= 50, `RTP before the hold (${before} packets in ~3 s)`);
      assert.ok(afterHold >= 50, `RTP again after the resume (${afterHold} packets in ~3 s)`);
      await waitForLog(svc, /from sip:sipp@127\.0\.0\.1:\d+ \([^)]*\) ended: bye from caller/);
    } finally {
      m.sock.close();
    }
  });

  test('CANCEL after the 200 (the bridge answers at once): 200 or 481 to the CANCEL, the call stays up until BYE', async () => {
    const m = await mediaSocket();
    try {
      const port = sipp.nextPort();
      const call = sipp('cc_cancel_after_200.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, mport: m.port }, { duration: 3000, port });
      await waitForStatus(svc, inRoom(lounge.address, 'address'), 8000, 'the caller in lounge');
      // The CANCEL went right after the 200: a second later the call is still in the room.
      await sleep(1500);
      const s = await bridgeStatus(svc);
      assert.ok(inRoom(lounge.address, 'address')(s), `still in the room after the CANCEL: ${JSON.stringify(s.sip.calls)}`);
      assert.equal(await call, 0, 'sipp: the CANCEL got its own final response, the BYE its 200');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      const caller = new RegExp(`from sip:sipp@127\\.0\\.0\\.1:${port} \\([^)]*\\) ended: (.*)`);
      await waitForLog(svc, caller);
      assert.equal(svc.log().match(caller)[1], 'bye from caller', 'ended by the BYE, not by the CANCEL');
      const log = fs.readFileSync(path.join(OUT, `sipp-cc_cancel_after_200-${port}.log`), 'utf8');
      console.log(`# ${log.trim().split('\n').pop()}`);
    } finally {
      m.sock.close();
    }
  });

  test(`media timeout: a caller that sends no RTP gets a BYE after ${MEDIA_TIMEOUT_S} s`, async () => {
    const m = await mediaSocket();
    try {
      const t0 = Date.now();
      const code = await sipp('cc_media_timeout.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, mport: m.port }, { timeoutS: 25 });
      const dt = Date.now() - t0;
      console.log(`# BYE from the bridge ${dt} ms after the INVITE`);
      assert.equal(code, 0, 'sipp: the bridge sent BYE and got our 200');
      assert.ok(dt >= (MEDIA_TIMEOUT_S - 0.5) * 1000 && dt < (MEDIA_TIMEOUT_S + 5) * 1000, `hung up after ${dt} ms`);
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
      await waitForLog(svc, /ended: media timeout/);
    } finally {
      m.sock.close();
    }
  });

  test('session timers: Supported: timer + Session-Expires: 90;refresher=uac → the 200 carries Session-Expires and Require: timer', async () => {
    const m = await mediaSocket();
    try {
      const call = sipp('cc_session_timer.xml', { ruri: `sip:${lounge.address}@${DOMAIN}`, mport: m.port }, { duration: 2000 });
      await waitForStatus(svc, inRoom(lounge.address, 'address'), 8000, 'the caller in lounge');
      assert.equal(await call, 0, 'sipp: the 200 had Session-Expires: 90;refresher=uac and Require: timer');
      await waitForStatus(svc, noCalls, 5000, 'the call to end');
    } finally {
      m.sock.close();
    }
  });

  test(`a dial-out nobody answers: the bridge CANCELs it after ${DIALOUT_RING_S} s (200 to the CANCEL, 487, ACK)`, async () => {
    const { run: device } = await sipp.ownerDevice(svc, 'alice', 'alice-secret-1', aliceSip, 'cc_dialout_unanswered.xml');
    const guest = await launchBrowser();
    try {
      await guest.page.goto(`${svc.httpUrl}/?room=${alice.address}&name=Visitor&autojoin=1`);
      await waitJoined(guest.page);
      const s = await waitForStatus(svc, (x) => x.sip.calls.some((c) => c.via === 'dial-out'), 15000, 'the dial-out to ring');
      const c = s.sip.calls.find((x) => x.via === 'dial-out');
      assert.equal(c.direction, 'out');
      assert.notEqual(c.state, 'in-room');
      const t0 = Date.now();
      assert.equal(await device, 0, 'the device rang, got CANCEL, answered 200 + 487 and got the ACK');
      const dt = Date.now() - t0;
      console.log(`# CANCEL ${dt} ms after the dial-out was first seen ringing`);
      assert.ok(dt < (DIALOUT_RING_S + 5) * 1000, `cancelled after ${dt} ms`);
      await waitForStatus(svc, (x) => !x.sip.calls.some((k) => k.via === 'dial-out'), 5000, 'the dial-out to end');
      await waitForLog(svc, /ended: no answer/);
    } finally {
      await guest.close();
    }
  });
});
