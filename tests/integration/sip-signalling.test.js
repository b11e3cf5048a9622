// The SIP bridge's signalling with the real janus and Debian's sipp (sip-tester), inside the
// test network namespace: REGISTER with digest (good and wrong password), INVITE to an unknown
// room (404), to a room without PIN (200, ACK, BYE), to a PIN room with the PIN as SIP INFO
// DTMF (joined, with or without #), three wrong PINs (the bridge hangs up), the lobby (bare IP, meeting number +
// #, joined), malformed requests (400, janus keeps running), and the call log in the store.
// Media here is whatever sipb_media does; these tests look at SIP and at the bridge's `status`.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { sippRunner, bridgeStatus, waitForStatus, inRoom, dtmfKeys } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 15060 });






describe('SIP signalling (sipp)', () => {
  let svc, alice, aliceSip, board;

  before(async () => {
    svc = await startService({ name: 'sip', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    alice = a.room;
    aliceSip = a.sip_password;
    const b = await vmrAdmin(svc, { request: 'create_room', name: 'board', pin: '4321' });
    assert.equal(b.vmr, 'room', JSON.stringify(b));
    board = b.room;
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('the bridge listens and reports itself', async () => {
    const s = await bridgeStatus(svc);
    assert.match(s.sip.listening, /sip:127\.0\.0\.1:5080/);
    assert.equal(s.sip.domain, DOMAIN);
    assert.deepEqual(s.sip.calls, []);
  });

  test('REGISTER: challenged, then 200 with the right password; the binding is listed', async () => {
    assert.equal(await sipp('register.xml', { user: 'alice', pass: aliceSip, expires: 600 }), 0);
    const s = await bridgeStatus(svc);
    const reg = s.sip.registrations.filter((r) => r.username === 'alice');
    assert.equal(reg.length, 1, JSON.stringify(s.sip.registrations));
    assert.match(reg[0].contact, /^sip:alice@127\.0\.0\.1:\d+$/);
  });

  test('REGISTER: a wrong password gets 403 and adds no binding', async () => {
    assert.equal(await sipp('register_bad.xml', { user: 'alice', pass: 'wrong-password', expires: 600 }), 0);
    assert.equal(await sipp('register_bad.xml', { user: 'nobody', pass: 'whatever-pw', expires: 600 }), 0);
    const s = await bridgeStatus(svc);
    assert.equal(s.sip.registrations.length, 1);
  });

  test('INVITE to an unknown room: 404', async () => {
    assert.equal(await sipp('invite_404.xml', { ruri: `sip:nosuchroom@${DOMAIN}` }), 0);
  });

  test('INVITE to a room without PIN: 200, ACK, in the room, BYE', async () => {
    const call = sipp('call_bye.xml', { ruri: `sip:${alice.address}@${DOMAIN}`, ...dtmfKeys('', 8) }, { duration: 3000 });
    const s = await waitForStatus(svc, inRoom(alice.address, 'address'), 8000, 'the caller in alice.join');
    const c = s.sip.calls[0];
    assert.equal(c.audio, 'PCMU');
    assert.equal(c.video, 'VP8');
    assert.equal(await call, 0);
    await waitForStatus(svc, (x) => x.sip.calls.length === 0, 5000, 'the call to end');
  });

  test('PIN room: the PIN as SIP INFO DTMF lets the caller in', async () => {
    const call = sipp('call_bye.xml', { ruri: `sip:${board.address}@${DOMAIN}`, ...dtmfKeys('4321#', 8) }, { duration: 3000 });
    await waitForStatus(svc, inRoom('board', 'address'), 8000, 'the caller in board');
    assert.equal(await call, 0);
    await svc.expectLog(/joined room board \(address\)/);
  });

  test('PIN room: the 4 PIN digits without # let the caller in (SIP INFO)', async () => {
    const call = sipp('call_bye.xml', { ruri: `sip:${board.address}@${DOMAIN}`, ...dtmfKeys('4321', 8) }, { duration: 3000 });
    await waitForStatus(svc, inRoom('board', 'address'), 8000, 'the caller in board without #');
    assert.equal(await call, 0);
  });

  test('PIN room: three wrong 4-digit PINs without # and the bridge hangs up (BYE)', async () => {
    // A room and a source address of its own: the PIN attempts here count toward no lock-out
    // (5 wrong PINs per room or per source) that other tests would run into.
    const v = await vmrAdmin(svc, { request: 'create_room', name: 'vault', pin: '8765' });
    assert.equal(v.vmr, 'room', JSON.stringify(v));
    // The bridge hangs up at the 12th digit: it must be the last INFO (call_kicked.xml sends 15;
    // "x" is no key), or sipp's next INFO crosses the BYE.
    assert.equal(await sipp('call_kicked.xml', { ruri: `sip:${v.room.address}@${DOMAIN}`, ...dtmfKeys('xxx111122223333', 15) },
      { source: '127.0.0.3' }), 0);
    await waitForStatus(svc, (x) => x.sip.calls.length === 0, 5000, 'the call to end');
  });

  test('PIN room: three wrong PINs and the bridge hangs up (BYE)', async () => {
    const t0 = Date.now();
    // Each PIN is taken at its 4th digit, so the 3rd wrong one ends the call at the last key
    // (a leading '#' with nothing typed is ignored).
    assert.equal(await sipp('call_kicked.xml', { ruri: `sip:${board.address}@${DOMAIN}`, ...dtmfKeys('#1111#2222#3333', 15) }), 0);
    assert.ok(Date.now() - t0 < 15000);
    await waitForStatus(svc, (x) => x.sip.calls.length === 0, 5000, 'the call to end');
    await svc.expectLog(/ended: wrong pin/);
  });

  test('lobby: the bare IP, then the meeting number and # joins the room', async () => {
    const num = String(alice.meeting_number);
    const call = sipp('call_bye.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, ...dtmfKeys(num + '#', 8) }, { duration: 3000 });
    await waitForStatus(svc, inRoom(alice.address, 'lobby'), 8000, 'the lobby caller in alice.join');
    assert.equal(await call, 0);
  });

  test('lobby: the lobby user and a PIN room\'s meeting number lead to the PIN prompt', async () => {
    const call = sipp('call_bye.xml', { ruri: `sip:lobby@${DOMAIN}`, ...dtmfKeys(String(board.meeting_number) + '#', 8) }, { duration: 3000 });
    await waitForStatus(svc, (s) => s.sip.calls.some((c) => c.state === 'pin' && c.room === 'board' && c.via === 'lobby'),
      8000, 'the lobby caller asked for board\'s PIN');
    assert.equal(await call, 0);
  });

  test('malformed requests get 400 or nothing, and janus keeps running', async () => {
    // Raw datagrams sipp cannot express: garbage, no CSeq, bad CSeq, a NUL byte, a huge header
    // (on a well-formed INVITE to no room: 404; one to a room without SDP would be a delayed
    // offer, sip-interop.test.js), a Content-Length past the datagram.
    const raw = [
      'HELLO WORLD\r\n\r\n',
      '\x00\x01\x02\x03 not sip at all',
      'INVITE sip:alice.join@vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:15999;branch=z9hG4bKraw1\r\n'
        + 'From: <sip:x@y>;tag=1\r\nTo: <sip:alice.join@vmr.test>\r\nCall-ID: raw1\r\nCSeq: nonsense\r\nContent-Length: 0\r\n\r\n',
      'OPTIONS sip:vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:15999;branch=z9hG4bKraw2\r\n'
        + 'From: <sip:x@y>;tag=1\r\nTo: <sip:vmr.test>\r\nCall-ID: raw2\r\nContent-Length: 0\r\n\r\n',
      'INVITE sip:nosuchroom@vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:15999;branch=z9hG4bKraw3\r\n'
        + 'From: <sip:x@y>;tag=1\r\nTo: <sip:nosuchroom@vmr.test>\r\nCall-ID: raw3\r\nCSeq: 1 INVITE\r\n'
        + 'X-Big: ' + 'A'.repeat(60000) + '\r\nContent-Length: 0\r\n\r\n',
      'INVITE sip:alice.join@vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:15999;branch=z9hG4bKraw4\r\n'
        + 'From: <sip:x@y>;tag=1\r\nTo: <sip:alice.join@vmr.test>\r\nCall-ID: raw4\r\nCSeq: 1 INVITE\r\n'
        + 'Content-Type: application/sdp\r\nContent-Length: 9999\r\n\r\nv=0\r\n',
    ];
    const sock = dgram.createSocket('udp4');
    await new Promise((r) => sock.bind(15999, '127.0.0.1', r));
    const answers = [];
    sock.on('message', (m) => answers.push(m.toString('latin1').split('\r\n')[0]));
    for (const msg of raw) {
      await new Promise((r) => sock.send(Buffer.from(msg, 'latin1'), SIP_PORT, '127.0.0.1', r));
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500));
    sock.close();
    for (const a of answers) assert.match(a, /^SIP\/2\.0 (400|404|513|100|488) /, JSON.stringify(answers));
    assert.ok(answers.some((a) => a.startsWith('SIP/2.0 400')), JSON.stringify(answers));
    assert.ok(svc.isRunning());
    assert.equal(await sipp('malformed.xml', {}), 0);
    assert.ok(svc.isRunning());
    const s = await bridgeStatus(svc);
    assert.ok(s.sip);
  });

  test('dial-out: a guest joins, and the bridge calls the owner\'s registered device into the room', async () => {
    // The owner turns "receive a call when a guest joins" on; alice's device (a sipp UAS) registers.
    const { run: device } = await sipp.ownerDevice(svc, 'alice', 'alice-secret-1', aliceSip, 'answer_bye.xml');
    // A guest (not the owner) joins alice's room from a browser.
    const guest = await launchBrowser();
    try {
      await guest.page.goto(`${svc.httpUrl}/?room=${alice.address}&name=Visitor&autojoin=1`);
      await waitJoined(guest.page);
      const s = await waitForStatus(svc, inRoom(alice.address, 'dial-out'), 20000, 'the dialled device in alice.join');
      assert.ok(s.sip.calls.some((c) => c.via === 'dial-out' && c.direction === 'out'));
      assert.equal(await device, 0, 'the device was called, answered and hung up');
    } finally {
      await guest.close();
    }
    await svc.expectLog(/asked the SIP bridge to call alice's device into alice\.join/);
  });

  test('the call log holds who, from where, which room, how and why it ended', async () => {
    await waitForStatus(svc, (x) => x.sip.calls.length === 0, 5000, 'all calls to end');
    const rows = execFileSync('sqlite3', ['-separator', '|', svc.database,
      'SELECT caller, source, room_address, via, started_at > 0, ended_at >= started_at, cause FROM calls ORDER BY id'], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split('|'));
    assert.ok(rows.length >= 5, JSON.stringify(rows));
    const [first] = rows;
    assert.match(first[0], /^sip:sipp@127\.0\.0\.1/);
    assert.match(first[1], /^127\.0\.0\.1:\d+$/);
    assert.equal(first[2], 'alice.join');
    assert.equal(first[3], '1');
    assert.equal(first[4], '1');
    assert.equal(first[5], '1');
    assert.equal(first[6], 'bye from caller');
    assert.ok(rows.some((r) => r[6] === 'wrong pin' && r[2] === 'board'));
    assert.ok(rows.some((r) => r[3] === '2' && r[2] === 'alice.join'));
  });
});
