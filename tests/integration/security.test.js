// What an attacker would try against a running service, with the real janus, sipp and chromium in
// the test network namespace. Every attempt must fail safely (the right error, nothing changes,
// janus keeps running and the next legitimate request works) AND leave a line in the janus log
// that names the source.
//
// Each attack comes from its own loopback address (127.0.0.x: the whole 127/8 is local), so the
// per-source rate limits of one test do not leak into the next and "per source" vs "per room"
// locking can be told apart.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const crypto = require('node:crypto');
const WebSocket = require('ws');
const { startService, OUT } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin } = require('./lib/admin');
const { launchBrowser } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { DUMMY_OFFER } = require('./lib/sdp');
const { sippRunner, bridgeStatus, dtmfKeys, sleep } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 16060 });
let udpPort = 17060;


/** A JanusClient whose TCP connection comes from `source` (a 127.0.0.x address). */
async function connectFrom(url, source, protocol = 'janus-protocol') {
  return JanusClient.connect(url, protocol, { localAddress: source });
}

/** A session with a vmr handle from `source`; req(body, jsep, {fresh}) answers on a new handle when fresh. */
async function clientFrom(svc, source) {
  const c = await connectFrom(svc.wsUrl, source);
  await c.createSession();
  c.handle = await c.attach('janus.plugin.vmr');
  c.req = async (body, jsep) => (await c.message(c.handle, body, jsep)).data;
  /** A join attempt on a new handle (the core keeps a refused offer's PeerConnection). */
  c.join = async (body) => {
    const h = await c.attach('janus.plugin.vmr');
    return (await c.message(h, { request: 'join', display: 'Mallory', ...body }, DUMMY_OFFER)).data;
  };
  return c;
}

/** A UDP socket on `source`: sends raw SIP datagrams and collects every answer's first line. */
async function udpFrom(source) {
  const sock = dgram.createSocket('udp4');
  const port = udpPort++;
  await new Promise((r) => sock.bind(port, source, r));
  const got = [];
  sock.on('message', (m) => got.push(m.toString('latin1')));
  return {
    port, got,
    firstLines: () => got.map((m) => m.split('\r\n')[0]),
    send: (msg) => new Promise((r) => sock.send(Buffer.isBuffer(msg) ? msg : Buffer.from(msg, 'latin1'), SIP_PORT, '127.0.0.1', r)),
    close: () => sock.close(),
  };
}

function rawRegister(source, port, user, callId) {
  return `REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP ${source}:${port};branch=z9hG4bK${callId}\r\n`
    + `From: <sip:${user}@${DOMAIN}>;tag=${callId}\r\nTo: <sip:${user}@${DOMAIN}>\r\nCall-ID: ${callId}\r\n`
    + `CSeq: 1 REGISTER\r\nContact: <sip:${user}@${source}:${port}>\r\nExpires: 600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
}

async function waitFor(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timeout waiting for ' + what);
    await sleep(100);
  }
}

/** Raw bytes to the web port; resolves with whatever came back before the close (or 3 s). */
function rawHttp(svc, bytes, { source = '127.0.0.1', timeoutMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ port: svc.port, host: '127.0.0.1', localAddress: source });
    let buf = Buffer.alloc(0);
    const done = () => { clearTimeout(t); s.destroy(); resolve(buf.toString('latin1')); };
    const t = setTimeout(done, timeoutMs);
    s.on('connect', () => s.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1')));
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
    s.on('close', done);
    s.on('error', done);
  });
}

const statusOf = (reply) => { const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply); return m ? Number(m[1]) : null; };

describe('security: what an attacker would try', () => {
  let svc, alice, vault, safe, sipvault, sipsafe;
  const sipPass = {};   // the service-generated SIP password of each account

  before(async () => {
    svc = await startService({ name: 'security', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice',
      pin: '1234' });
    alice = a.room;
    sipPass.alice = a.sip_password;
    assert.equal(alice.address, 'alice.join');
    for (const u of ['bob', 'carol', 'dave']) {
      const r = await vmrAdmin(svc, { request: 'create_account', username: u, password: `${u}-secret-1`, display_name: u });
      assert.equal(r.vmr, 'account', JSON.stringify(r));
      sipPass[u] = r.sip_password;
    }
    vault = (await vmrAdmin(svc, { request: 'create_room', name: 'vault', pin: '1111' })).room;
    safe = (await vmrAdmin(svc, { request: 'create_room', name: 'safe', pin: '2222' })).room;
    sipvault = (await vmrAdmin(svc, { request: 'create_room', name: 'sipvault', pin: '4321' })).room;
    sipsafe = (await vmrAdmin(svc, { request: 'create_room', name: 'sipsafe', pin: '5678' })).room;
    assert.ok(vault && safe && sipvault && sipsafe);
  });
  after(async () => {
    if (svc) await svc.stop();
  });

  test('joining a PIN room without the PIN, or with a wrong one: 416, logged with the source', async () => {
    const m = await clientFrom(svc, '127.0.0.10');
    try {
      const none = await m.join({ room: alice.address });
      assert.equal(none.error_code, 416, JSON.stringify(none));
      const wrong = await m.join({ room: alice.address, pin: '0000' });
      assert.equal(wrong.error_code, 416);
      // the same answer as for a room that does not exist: rooms cannot be enumerated
      assert.equal((await m.join({ room: 'no-such-room', pin: '0000' })).error_code, 416);
    } finally {
      m.close();
    }
    await svc.expectLog(/join refused for participant \d+ \(ip:127\.0\.0\.10\): 416/);
  });

  test('PIN brute force over WebRTC: a source is locked after 5; one source cannot lock the room for others', async () => {
    const a = await clientFrom(svc, '127.0.0.11');
    const b = await clientFrom(svc, '127.0.0.12');
    const c = await clientFrom(svc, '127.0.0.13');
    try {
      for (const pin of ['0001', '0002', '0003', '0004', '0005'])
        assert.equal((await a.join({ room: vault.address, pin })).error_code, 416);
      // the 6th try, even with the right PIN, is refused with 426 and retry_after
      const locked = await a.join({ room: vault.address, pin: '1111' });
      assert.equal(locked.error_code, 426, JSON.stringify(locked));
      assert.ok(locked.retry_after >= 1 && locked.retry_after <= 60, JSON.stringify(locked));
      // not per room after 5: another source with the right PIN gets past the PIN check (421:
      // our dummy offer). The room locks after 20 wrong PINs in 10 minutes from any sources
      // (security-sip.test.js), so one address cannot lock everyone out.
      assert.equal((await b.join({ room: vault.address, pin: '1111' })).error_code, 421);
      // per source: the attacker's address is locked for every room
      assert.equal((await a.join({ room: safe.address, pin: '2222' })).error_code, 426);
      // and nobody else is: a third source with the right PIN gets past the PIN check (421: our
      // dummy offer has neither Opus nor VP8, which is checked after the PIN)
      assert.equal((await c.join({ room: safe.address, pin: '2222' })).error_code, 421);
    } finally {
      a.close(); b.close(); c.close();
    }
    await svc.expectLog(/join refused for participant \d+ \(ip:127\.0\.0\.11\): 416/);
    await svc.expectLog(/join refused for participant \d+ \(ip:127\.0\.0\.11\): 426/);
  });

  test('PIN brute force over SIP INFO DTMF: the source is locked after 5, in every room', async () => {
    // From its own address (a browser at 127.0.0.1 comes later: PIN locks are shared).
    // 3 wrong PINs: the bridge hangs up; 2 more from the same address lock the source (the
    // same guard as browsers' PINs: vmr_pinguard), so the 6th entry ends the call.
    // (A PIN is taken at its 4th digit: the key that ends the call is the last INFO, so no
    // INFO of sipp's crosses the bridge's BYE; a leading '#' is ignored.)
    assert.equal(await sipp('call_kicked.xml', { ruri: `sip:${sipvault.address}@${DOMAIN}`, ...dtmfKeys('#1111#2222#3333', 15) },
      { source: '127.0.0.6' }), 0);
    assert.equal(await sipp('call_kicked.xml', { ruri: `sip:${sipvault.address}@${DOMAIN}`, ...dtmfKeys('#4444#5555#6666', 15) },
      { source: '127.0.0.6' }), 0);
    // per source: the attacker's address gets nowhere in another PIN room either
    assert.equal(await sipp('pin_locked.xml', { ruri: `sip:${sipsafe.address}@${DOMAIN}`, ...dtmfKeys('#5678', 5) },
      { source: '127.0.0.6' }), 0);
    // a third address with the right PIN is let into that other room
    const call = sipp('call_bye.xml', { ruri: `sip:${sipsafe.address}@${DOMAIN}`, ...dtmfKeys('5678#', 8) }, { source: '127.0.0.3', duration: 3000 });
    let joined = false;
    const deadline = Date.now() + 10000;
    while (!joined && Date.now() < deadline) {
      const s = await bridgeStatus(svc);
      joined = s.sip.calls.some((x) => x.state === 'in-room' && x.room === 'sipsafe');
      if (!joined) await sleep(150);
    }
    assert.ok(joined, 'the caller from 127.0.0.3 with the right PIN is in sipsafe');
    assert.equal(await call, 0);
    await svc.expectLog(/from 127\.0\.0\.6:\d+: wrong PIN for sipvault/);
    // (at least two calls ended for too many attempts)
    await svc.expectLog(/ended: too many attempts[\s\S]*ended: too many attempts/);
  });

  test('a revoked invitation cannot be replayed (422, logged)', async () => {
    const owner = await clientFrom(svc, '127.0.0.20');
    const guest = await clientFrom(svc, '127.0.0.21');
    try {
      assert.equal((await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' })).vmr, 'login');
      const inv = (await owner.req({ request: 'invite', email: 'maria@example.org' })).invitation;
      const secret = new URL(inv.url).searchParams.get('secret');
      assert.equal((await guest.req({ request: 'invitation_info', id: inv.id, secret })).vmr, 'invitation');
      assert.equal((await owner.req({ request: 'revoke_invitation', id: inv.id })).vmr, 'revoked');
      assert.equal((await guest.req({ request: 'invitation_info', id: inv.id, secret })).error_code, 422);
      assert.equal((await guest.join({ id: inv.id, secret })).error_code, 422);
      // deleting does the same (and a deleted id is "not found" for the owner afterwards)
      const inv2 = (await owner.req({ request: 'invite', email: 'pedro@example.org' })).invitation;
      const secret2 = new URL(inv2.url).searchParams.get('secret');
      assert.equal((await owner.req({ request: 'delete_invitation', id: inv2.id })).vmr, 'deleted');
      assert.equal((await guest.join({ id: inv2.id, secret: secret2 })).error_code, 422);
    } finally {
      owner.close(); guest.close();
    }
    await svc.expectLog(/invitation_info refused for participant \d+ \(ip:127\.0\.0\.21\): 422/);
    await svc.expectLog(/join refused for participant \d+ \(ip:127\.0\.0\.21\): 422/);
  });

  test('guessing invitation ids: sequential ids with wrong secrets get 422, then 426', async () => {
    const owner = await clientFrom(svc, '127.0.0.22');
    const g = await clientFrom(svc, '127.0.0.23');
    try {
      await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
      const real = (await owner.req({ request: 'invite', email: 'real@example.org' })).invitation;
      const realSecret = new URL(real.url).searchParams.get('secret');
      for (let id = 1; id <= 5; id++) {
        const r = await g.req({ request: 'invitation_info', id, secret: crypto.randomBytes(16).toString('hex') });
        assert.equal(r.error_code, 422, JSON.stringify(r));
      }
      const r6 = await g.req({ request: 'invitation_info', id: 6, secret: crypto.randomBytes(16).toString('hex') });
      assert.equal(r6.error_code, 426, JSON.stringify(r6));
      assert.ok(r6.retry_after > 0);
      // locked: not even a right guess gets through now, nor a join with it
      assert.equal((await g.req({ request: 'invitation_info', id: real.id, secret: realSecret })).error_code, 426);
      assert.equal((await g.join({ id: real.id, secret: realSecret })).error_code, 426);
      // the real guest (another address) is not affected
      const ok = await clientFrom(svc, '127.0.0.24');
      try {
        assert.equal((await ok.req({ request: 'invitation_info', id: real.id, secret: realSecret })).vmr, 'invitation');
      } finally {
        ok.close();
      }
    } finally {
      owner.close(); g.close();
    }
    await svc.expectLog(/invitation_info refused for participant \d+ \(ip:127\.0\.0\.23\): 426/);
  });

  test('another account\'s management requests with a stolen room name or invitation id change nothing', async () => {
    const owner = await clientFrom(svc, '127.0.0.30');
    const bob = await clientFrom(svc, '127.0.0.31');
    try {
      await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
      const inv = (await owner.req({ request: 'invite', email: 'victim@example.org' })).invitation;
      const before = await owner.req({ request: 'get_room' });
      // not logged in: nothing at all
      assert.equal((await bob.req({ request: 'revoke_invitation', id: inv.id })).error_code, 423);
      assert.equal((await bob.req({ request: 'list_invitations' })).error_code, 423);
      assert.equal((await bob.req({ request: 'resume', token: 'ab'.repeat(24) })).error_code, 423);
      assert.equal((await bob.req({ request: 'login', username: 'bob', password: 'bob-secret-1' })).vmr, 'login');
      // alice's invitation id is "not found" for bob
      assert.equal((await bob.req({ request: 'revoke_invitation', id: inv.id })).error_code, 428);
      assert.equal((await bob.req({ request: 'delete_invitation', id: inv.id })).error_code, 428);
      assert.ok(!(await bob.req({ request: 'list_invitations' })).invitations.some((i) => i.id === inv.id));
      // alice's room name is taken, not handed over
      assert.equal((await bob.req({ request: 'update_room', name: 'alice' })).error_code, 427);
      assert.equal((await bob.req({ request: 'update_room', name: 'alice', pin: '9999', layout: '3x3' })).error_code, 427);
      // admin requests do not exist on the client API
      for (const body of [{ request: 'create_room', name: 'alice' }, { request: 'delete_account', username: 'alice' },
        { request: 'list_rooms', owner: 'alice' }, { request: 'create_account', username: 'evil', password: 'evil-password-1', admin: true }])
        assert.equal((await bob.req(body)).error_code, 413, JSON.stringify(body));
      // bob is not alice: no PIN-free owner join into alice's room
      assert.equal((await bob.join({ room: alice.address })).error_code, 416);
      // the Admin API with a wrong secret: refused by the core
      const adm = await connectFrom(svc.adminWsUrl, '127.0.0.31', 'janus-admin-protocol');
      try {
        const r = await adm.request({ janus: 'message_plugin', plugin: 'janus.plugin.vmr', admin_secret: 'guess',
          request: { request: 'delete_account', username: 'alice' } });
        assert.equal(r.janus, 'error');
      } finally {
        adm.close();
      }
      // nothing changed for alice
      const list = (await owner.req({ request: 'list_invitations' })).invitations;
      assert.equal(list.find((i) => i.id === inv.id).state, 'active');
      const after = await owner.req({ request: 'get_room' });
      assert.deepEqual(after.room, before.room);
    } finally {
      owner.close(); bob.close();
    }
    await svc.expectLog(/revoke_invitation refused for participant \d+ \(ip:127\.0\.0\.31\): 423/);
    await svc.expectLog(/revoke_invitation refused for participant \d+ \(ip:127\.0\.0\.31\): 428/);
    await svc.expectLog(/delete_invitation refused for participant \d+ \(ip:127\.0\.0\.31\): 428/);
    await svc.expectLog(/update_room refused for participant \d+ \(ip:127\.0\.0\.31\): 427/);
    await svc.expectLog(/bad request from participant \d+: 413 unknown request/);
  });

  test('password guessing: 425, then 426 per user name and per source', async () => {
    const m = await clientFrom(svc, '127.0.0.32');
    const other = await clientFrom(svc, '127.0.0.33');
    try {
      for (let i = 0; i < 5; i++)
        assert.equal((await m.req({ request: 'login', username: 'dave', password: `guess-${i}-password` })).error_code, 425);
      const locked = await m.req({ request: 'login', username: 'dave', password: 'dave-secret-1' });
      assert.equal(locked.error_code, 426, JSON.stringify(locked));
      // the user name is locked from everywhere (until it expires), the source for every user name
      assert.equal((await other.req({ request: 'login', username: 'dave', password: 'dave-secret-1' })).error_code, 426);
      assert.equal((await m.req({ request: 'login', username: 'bob', password: 'bob-secret-1' })).error_code, 426);
      assert.equal((await other.req({ request: 'login', username: 'bob', password: 'bob-secret-1' })).vmr, 'login');
    } finally {
      m.close(); other.close();
    }
    await svc.expectLog(/login refused for participant \d+ \(ip:127\.0\.0\.32\): 425/);
    await svc.expectLog(/login refused for participant \d+ \(ip:127\.0\.0\.32\): 426/);
  });

  test('SIP REGISTER: no credentials get a 401 challenge, wrong ones 403, and 5 failures lock the source', async () => {
    const u = await udpFrom('127.0.0.4');
    try {
      await u.send(rawRegister('127.0.0.4', u.port, 'alice', 'secreg1'));
      await waitFor(() => u.firstLines().some((l) => / 401 /.test(l)), 3000, '401');
      // (five user names: one failure each, below the per-user limit)
      for (const [i, user] of ['alice', 'bob', 'carol', 'nobody', 'nobody-2'].entries())
        assert.equal(await sipp('register_bad.xml', { user, pass: `wrong-${i}`, expires: 600 }, { source: '127.0.0.4' }), 0);
      // now locked: a REGISTER from that address is refused at once (no challenge)
      u.got.length = 0;
      await u.send(rawRegister('127.0.0.4', u.port, 'alice', 'secreg2'));
      await waitFor(() => u.firstLines().some((l) => / 403 /.test(l)), 3000, '403 while locked');
      assert.ok(!u.firstLines().some((l) => / 401 /.test(l)), JSON.stringify(u.firstLines()));
    } finally {
      u.close();
    }
    // another address still gets its challenge, and with the right password a binding
    assert.equal(await sipp('register.xml', { user: 'alice', pass: sipPass.alice, expires: 600 }, { source: '127.0.0.5' }), 0);
    const s = await bridgeStatus(svc);
    assert.ok(!s.sip.registrations.some((r) => /127\.0\.0\.4/.test(r.contact)), JSON.stringify(s.sip.registrations));
    await svc.expectLog(/REGISTER of alice from 127\.0\.0\.4 refused \(bad credentials\)/);
    await svc.expectLog(/REGISTER of alice from 127\.0\.0\.4 refused \(locked\)/);
  });

  test('a client-supplied _peer is refused: the source address is the transport\'s, whatever the verb\'s spelling', async () => {
    const m = await clientFrom(svc, '127.0.0.80');
    try {
      // the Janus core takes the verb in any case; the body claims another sender
      for (const janus of ['MESSAGE', 'Message', 'message', 'mEsSaGe', 'MESSAGE']) {
        const tx = m.send({ janus, session_id: m.sessionId, handle_id: m.handle,
          body: { request: 'invitation_info', id: 1, secret: '00', _peer: '198.51.100.9' } });
        const r = await m.waitFor((x) => x.transaction === tx && x.janus !== 'ack', 10000, `answer to ${janus}`);
        assert.equal(r.plugindata.data.error_code, 422, JSON.stringify(r));
      }
      // the five failures were charged to the real sender: its next try is locked out, even
      // with a forged address that would also split the log line
      const r6 = await m.req({ request: 'invitation_info', id: 1, secret: '00', _peer: '198.51.100.10\n[vmr] forged line' });
      assert.equal(r6.error_code, 426, JSON.stringify(r6));
    } finally {
      m.close();
    }
    // and the victim's address was never charged: another client is not locked (no client can
    // come from 198.51.100.9 here, so the log is the witness)
    await svc.expectLog(/invitation_info refused for participant \d+ \(ip:127\.0\.0\.80\): 422/);
    await svc.expectLog(/invitation_info refused for participant \d+ \(ip:127\.0\.0\.80\): 426/);
    assert.doesNotMatch(svc.log(), /198\.51\.100\./);
    assert.doesNotMatch(svc.log(), /^\[vmr\] forged line/m);
  });

  test('the public API of the SIP bridge names no registration, device or call', async () => {
    // alice has a binding from 127.0.0.5 (the REGISTER test above): the Admin API shows it
    const adm = await bridgeStatus(svc);
    assert.ok(adm.sip.registrations.some((r) => r.username === 'alice'), JSON.stringify(adm.sip));
    const c = await clientFrom(svc, '127.0.0.81');
    try {
      const h = await c.attach('janus.plugin.sipbridge');
      for (const body of [{ request: 'status' }, { request: 'STATUS' }, { request: 'list' }, {}]) {
        const r = (await c.message(h, body)).data;
        const text = JSON.stringify(r);
        assert.ok(r.error_code >= 411, text);
        assert.ok(!('sip' in r), text);
        assert.doesNotMatch(text, /alice|127\.0\.0\.5|registrations|calls/, text);
      }
    } finally {
      c.close();
    }
  });

  test('toll fraud: no request dials a number, and a guest in one room never rings another account\'s device', async () => {
    // The client API of the bridge has no dial request; neither has the Admin API.
    const c = await clientFrom(svc, '127.0.0.40');
    try {
      const h = await c.attach('janus.plugin.sipbridge');
      for (const request of ['call', 'dial', 'invite', 'dial_out'])
        assert.equal((await c.message(h, { request, uri: 'sip:+4930123456@pstn.example' })).data.error_code, 413);
    } finally {
      c.close();
    }
    const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
    try {
      const r = await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.sipbridge', admin_secret: svc.adminSecret,
        request: { request: 'dial', uri: 'sip:+4930123456@pstn.example', room: 'carol.join' } });
      assert.ok(!JSON.stringify(r.response || {}).includes('calling'), JSON.stringify(r));
    } finally {
      admin.close();
    }
    // bob registers a device (a UDP socket we watch); carol wants a call when a guest joins
    // but has no device. A guest joins carol's room: bob's device must never ring.
    const device = await udpFrom('127.0.0.41');
    const carol = await clientFrom(svc, '127.0.0.42');
    const guest = await launchBrowser();
    try {
      assert.equal(await sipp('register_contact.xml', { user: 'bob', pass: sipPass.bob, expires: 600, contact_port: device.port },
        { source: '127.0.0.41' }), 0);
      let s = await bridgeStatus(svc);
      assert.ok(s.sip.registrations.some((r) => r.username === 'bob'), JSON.stringify(s.sip.registrations));
      assert.equal((await carol.req({ request: 'login', username: 'carol', password: 'carol-secret-1' })).vmr, 'login');
      assert.equal((await carol.req({ request: 'update_room', receive_call: true })).room.receive_call, true);
      await guest.page.goto(`${svc.httpUrl}/?room=carol.join&name=Visitor&autojoin=1`);
      await waitJoined(guest.page);
      await waitFor(() => /guest Visitor joined carol\.join/.test(svc.log()), 10000, 'the guest notice in the log');
      await sleep(4000);
      const invites = device.got.filter((m) => m.startsWith('INVITE '));
      assert.deepEqual(invites, [], 'bob\'s device was not called');
      s = await bridgeStatus(svc);
      assert.ok(!s.sip.calls.some((x) => x.via === 'dial-out'), JSON.stringify(s.sip.calls));
    } finally {
      await guest.close();
      device.close();
      carol.close();
    }
    assert.doesNotMatch(svc.log(), /call bob's device/);
  });

  test('oversized and malformed WebSocket messages: closed or refused, logged, janus keeps serving', async () => {
    // over the 256 KiB limit, on both APIs: closed with 1009
    for (const [url, protocol] of [[svc.wsUrl, 'janus-protocol'], [svc.adminWsUrl, 'janus-admin-protocol']]) {
      const c = await connectFrom(url, '127.0.0.50', protocol);
      c.ws.send('{"janus":"create","transaction":"' + 'A'.repeat(300 * 1024) + '"}');
      await waitFor(() => c.closed, 5000, `close of the oversized ${protocol} connection`);
      assert.equal(c.closeCode, 1009, protocol);
    }
    // not JSON, JSON that is not an object, binary junk, deep nesting: an error answer, the
    // connection stays usable
    const c = await connectFrom(svc.wsUrl, '127.0.0.51');
    try {
      for (const junk of ['this is {not json', '[1,2,3]', '"a string"', 'null', '{"janus":42}', '{"janus":"create"',
        '['.repeat(5000) + ']'.repeat(5000), Buffer.from(crypto.randomBytes(2048)),
        '{"janus":"message","body":{"request":"login","username":"a\\u0000b","password":"p"},"transaction":"n"}']) {
        c.ws.send(junk);
        await sleep(50);
      }
      await sleep(500);
      assert.ok(!c.closed, 'the connection survives junk');
      assert.ok(c.messages.some((m) => m.janus === 'error'), JSON.stringify(c.messages.slice(0, 3)));
      c.messages.length = 0;
      await c.createSession();
      const h = await c.attach('janus.plugin.vmr');
      // a plugin message with hostile bodies
      for (const body of [{ request: 'join', room: 'x'.repeat(100000) }, { request: 'login', username: 'a'.repeat(5000), password: 'p' },
        { request: 'invite', email: 'a@b\r\nBcc: everyone@example.org' }, { request: ['join'] }, { request: 'join', room: 'demo', pin: { $gt: '' } }])
        assert.ok((await c.message(h, body)).data.error_code >= 411);
    } finally {
      c.close();
    }
    // a message flood: closed with 1008
    const f = await connectFrom(svc.wsUrl, '127.0.0.52');
    for (let i = 0; i < 400 && !f.closed; i++) f.ws.send(JSON.stringify({ janus: 'ping', transaction: `p${i}` }));
    await waitFor(() => f.closed, 5000, 'close of the flooding connection');
    // 1008 from us; 1006 when the close reaches a client still busy sending (the log line says why)
    assert.ok([1008, 1006].includes(f.closeCode), String(f.closeCode));
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.50: message larger than \d+ bytes, closing/);
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.51: not JSON/);
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.52: more than \d+ messages\/s/);
    assert.ok(svc.isRunning());
  });

  test('HTTP garbage on the web port: refused or closed, janus keeps serving', async () => {
    const junk = [
      'GARBAGE\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + crypto.randomBytes(64).toString('latin1'),
      'GET /' + 'A'.repeat(20000) + ' HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'B'.repeat(100000) + '\r\n\r\n',
      'GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /.git/config HTTP/1.1\r\nHost: x\r\n\r\n',
      'DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc',
      'GET / HTTP/1.1\r\n' + 'X-H: v\r\n'.repeat(2000) + '\r\n',
      crypto.randomBytes(4096),
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: junk\r\nSec-WebSocket-Version: 99\r\n\r\n',
    ];
    for (const j of junk) {
      const reply = await rawHttp(svc, j, { source: '127.0.0.60' });
      const st = statusOf(reply);
      assert.ok(st === null || st >= 400, `${JSON.stringify(String(j).slice(0, 40))} -> ${reply.slice(0, 80)}`);
      assert.doesNotMatch(reply, /root:x:0:0/);
    }
    // lws ends the path at a NUL byte: "/" (the join page), never the file behind it
    assert.doesNotMatch(await rawHttp(svc, 'GET /\x00/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', { source: '127.0.0.60' }), /root:x:0:0/);
    assert.ok(svc.isRunning());
    const ok = await rawHttp(svc, 'GET /?room=x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(ok), 200);
    // refused paths and methods are logged with the peer; request lines lws cannot parse are
    // dropped by lws itself before our code sees them (and are not logged)
    // (lws folds "/../" away itself; a hidden file is refused by our path check)
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.60: HTTP (403|404) for \/\.git\/config/);
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.60: HTTP 405 for /);
  });

  test('SIP garbage over UDP and TCP: answered 400 or dropped, janus keeps serving', async () => {
    const u = await udpFrom('127.0.0.70');
    try {
      const junk = [
        'GARBAGE\r\n\r\n', crypto.randomBytes(1400), '\x00'.repeat(200),
        'INVITE sip:alice.join@vmr.test SIP/2.0\r\n' + 'Via: SIP/2.0/UDP 127.0.0.70:1;branch=z9hG4bK' + 'x'.repeat(8000) + '\r\n\r\n',
        'REGISTER sip:vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.70\r\nCSeq: -1 REGISTER\r\nFrom: <>\r\nTo: <>\r\nCall-ID: \r\n\r\n',
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.70:1;branch=z9hG4bKstray\r\nCSeq: 1 INVITE\r\nCall-ID: stray\r\n\r\n',
        'A'.repeat(60000),
      ];
      for (const j of junk) { await u.send(j); await sleep(100); }
      await sleep(500);
      for (const l of u.firstLines()) assert.match(l, /^SIP\/2\.0 (400|481|404|403|513|416|501|405) /, JSON.stringify(u.firstLines()));
      // DTMF for a call that does not exist changes nothing
      await u.send('INFO sip:x@vmr.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.70:' + u.port + ';branch=z9hG4bKi1\r\nFrom: <sip:a@b>;tag=1\r\n'
        + 'To: <sip:x@vmr.test>\r\nCall-ID: nocall\r\nCSeq: 1 INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 40\r\n\r\nSignal=' + '9'.repeat(33));
      await sleep(300);
    } finally {
      u.close();
    }
    // TCP, if the bridge listens there: junk, then the connection may be closed
    await new Promise((resolve) => {
      const s = net.connect({ port: SIP_PORT, host: '127.0.0.1', localAddress: '127.0.0.71' });
      s.on('connect', () => { s.write(crypto.randomBytes(8192)); s.write('\r\n\r\nINVITE x SIP/2.0\r\nContent-Length: 999999999\r\n\r\n'); setTimeout(() => { s.destroy(); resolve(); }, 1000); });
      s.on('error', () => resolve());
    });
    assert.ok(svc.isRunning());
    // the next legitimate request works: a fresh address gets its REGISTER challenge
    const v = await udpFrom('127.0.0.72');
    try {
      await v.send(rawRegister('127.0.0.72', v.port, 'bob', 'after-junk'));
      await waitFor(() => v.firstLines().some((l) => / 401 /.test(l)), 3000, '401 after the junk');
    } finally {
      v.close();
    }
    assert.ok((await bridgeStatus(svc)).sip);
    await svc.expectLog(/received garbage from udp\/127\.0\.0\.70/);
  });

  test('the Admin API is not on the public port, only on its own loopback port', async () => {
    // the public port offers no janus-admin-protocol: the upgrade fails, or nothing answers it
    let refused = false;
    try {
      const a = await connectFrom(svc.wsUrl, '127.0.0.82', 'janus-admin-protocol');
      const r = await a.request({ janus: 'list_sessions', admin_secret: svc.adminSecret }, 3000).catch(() => null);
      refused = !r || r.janus !== 'success';
      a.close();
    } catch (e) {
      refused = true;
    }
    assert.ok(refused, 'the Admin API answered on the public port');
    // its own port, bound to loopback only
    assert.notEqual(svc.adminPort, svc.port);
    const listening = execFileSync('ss', ['-Hltn', `sport = :${svc.adminPort}`]).toString();
    assert.match(listening, new RegExp(`127\\.0\\.0\\.1:${svc.adminPort}\\b`), listening);
    assert.doesNotMatch(listening, /(0\.0\.0\.0|\*|\[::\]):\d+/, listening);
    assert.equal((await bridgeStatus(svc)).sipbridge, 'status');
  });

  test('configuration files (admin secret, database URI) are readable by the service user alone', async () => {
    const conf = path.join(svc.dir, 'conf');
    for (const f of fs.readdirSync(conf)) {
      const st = fs.statSync(path.join(conf, f));
      assert.equal(st.mode & 0o077, 0, `${f} has mode ${(st.mode & 0o777).toString(8)}`);
    }
  });

  test('a login for an unknown user name costs the same argon2 work as one for a real name', async () => {
    // (a wide margin: without argon2 an unknown name answers ~50x faster than a wrong password)
    const timeLogin = async (source, username) => {
      const c = await clientFrom(svc, source);
      try {
        const t0 = process.hrtime.bigint();
        const r = await c.req({ request: 'login', username, password: 'not-the-password-1' });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        assert.equal(r.error_code, 425, JSON.stringify(r));
        return ms;
      } finally {
        c.close();
      }
    };
    const known = [], unknown = [];
    for (let i = 0; i < 3; i++) {
      known.push(await timeLogin(`127.0.0.${100 + i}`, 'bob'));
      unknown.push(await timeLogin(`127.0.0.${110 + i}`, `nobody-${i}-${crypto.randomBytes(4).toString('hex')}`));
    }
    const k = Math.min(...known), u = Math.min(...unknown);
    assert.ok(u >= k / 3, `unknown names answer in ${u.toFixed(1)} ms, real ones in ${k.toFixed(1)} ms`);
  });

  test('a page whose login was logged out elsewhere is no longer the owner', async () => {
    const page = await clientFrom(svc, '127.0.0.120');
    const other = await clientFrom(svc, '127.0.0.121');
    try {
      // logged in on a handle: the owner joins the PIN room without the PIN (421: past the PIN
      // check, our dummy offer has neither Opus nor VP8)
      const h1 = await page.attach('janus.plugin.vmr');
      assert.equal((await page.message(h1, { request: 'login', username: 'alice', password: 'alice-secret-1' })).data.vmr, 'login');
      assert.equal((await page.message(h1, { request: 'join', room: alice.address, display: 'A' }, DUMMY_OFFER)).data.error_code, 421);
      // logged in again on another handle, then that login is logged out from another page
      const h2 = await page.attach('janus.plugin.vmr');
      const login = (await page.message(h2, { request: 'login', username: 'alice', password: 'alice-secret-1' })).data;
      assert.equal((await other.req({ request: 'resume', token: login.token })).vmr, 'login');
      assert.equal((await other.req({ request: 'logout' })).vmr, 'logout');
      const r = (await page.message(h2, { request: 'join', room: alice.address, display: 'A' }, DUMMY_OFFER)).data;
      assert.equal(r.error_code, 416, JSON.stringify(r));
    } finally {
      page.close(); other.close();
    }
  });

  test('expired login sessions are purged from the store', async () => {
    const sql = (q) => execFileSync('sqlite3', [svc.database, q]).toString().trim();
    const id = sql("SELECT id FROM accounts WHERE username = 'alice'");
    sql(`INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ('${'e'.repeat(64)}', ${id}, 1000)`);
    assert.equal(sql('SELECT count(*) FROM sessions WHERE expires_at <= 1000'), '1');
    const c = await clientFrom(svc, '127.0.0.122');
    try {
      assert.equal((await c.req({ request: 'login', username: 'alice', password: 'alice-secret-1' })).vmr, 'login');
    } finally {
      c.close();
    }
    assert.equal(sql(`SELECT count(*) FROM sessions WHERE expires_at <= strftime('%s', 'now')`), '0');
  });

  test('one address cannot take every WebSocket connection: a per-address cap, others still connect', async () => {
    const open = [];
    let refusedAt = null;
    try {
      for (let i = 0; i < 80 && refusedAt === null; i++) {
        try {
          open.push(await connectFrom(svc.wsUrl, '127.0.0.140'));
        } catch (e) {
          refusedAt = i;
        }
      }
      assert.ok(refusedAt !== null && refusedAt >= 4, `connections from one address refused at ${refusedAt}`);
      // another address is not affected
      const other = await clientFrom(svc, '127.0.0.141');
      assert.equal((await other.req({ request: 'login', username: 'nobody', password: 'not-the-password-1' })).error_code, 425);
      other.close();
    } finally {
      open.forEach((c) => c.close());
    }
    // closed connections give their places back
    await waitFor(() => open.every((c) => c.closed), 5000, 'the connections to close');
    await sleep(200);
    (await connectFrom(svc.wsUrl, '127.0.0.140')).close();
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.140: \d+ WebSocket connections from this address, refusing another/);
  });

  test('a WebSocket from another site\'s page (Origin) is refused; the service\'s own origin is accepted', async () => {
    const tryOpen = (url, protocol, origin) => new Promise((resolve) => {
      const ws = new WebSocket(url, protocol, origin ? { origin } : {});
      ws.once('open', () => { ws.close(); resolve(true); });
      ws.once('error', () => resolve(false));
    });
    assert.equal(await tryOpen(svc.wsUrl, 'janus-protocol', 'https://evil.example'), false);
    assert.equal(await tryOpen(svc.wsUrl, 'janus-protocol', 'null'), false);
    assert.equal(await tryOpen(svc.wsUrl, 'janus-protocol', svc.httpUrl), true);
    // no Origin: not a browser (a mobile app, a script), which an Origin check cannot stop anyway
    assert.equal(await tryOpen(svc.wsUrl, 'janus-protocol', null), true);
    // the Admin API takes no connection from any web page, even the service's own
    assert.equal(await tryOpen(svc.adminWsUrl, 'janus-admin-protocol', svc.httpUrl), false);
    assert.equal(await tryOpen(svc.adminWsUrl, 'janus-admin-protocol', null), true);
    await svc.expectLog(/\[tpaasweb\] 127\.0\.0\.1: WebSocket from origin https:\/\/evil\.example refused/);
  });

  test('a flood of slow requests from one address gets a clear busy answer; others are still served', async () => {
    const flood = await clientFrom(svc, '127.0.0.150');
    const other = await clientFrom(svc, '127.0.0.151');
    try {
      // correct logins: each one costs an argon2 hash and none counts as a failure
      const answers = await Promise.all(Array.from({ length: 30 }, () =>
        flood.req({ request: 'login', username: 'carol', password: 'carol-secret-1' })));
      const busy = answers.filter((a) => a.error_code === 429);
      assert.ok(busy.length > 0, JSON.stringify(answers.map((a) => a.error_code || a.vmr)));
      assert.match(busy[0].error, /busy/);
      assert.ok(answers.some((a) => a.vmr === 'login'));
      assert.equal((await other.req({ request: 'login', username: 'carol', password: 'carol-secret-1' })).vmr, 'login');
    } finally {
      flood.close(); other.close();
    }
  });

  test('SIP REGISTER takes the service-generated SIP password (>= 96 bits), never the web password', async () => {
    for (const u of ['alice', 'bob', 'carol', 'dave']) assert.match(sipPass[u] || '', /^[0-9a-f]{24,}$/, u);
    assert.equal(new Set(Object.values(sipPass)).size, 4, 'every account has its own');
    assert.equal(await sipp('register_bad.xml', { user: 'alice', pass: 'alice-secret-1', expires: 600 }, { source: '127.0.0.6' }), 0);
    assert.equal(await sipp('register.xml', { user: 'alice', pass: sipPass.alice, expires: 600 }, { source: '127.0.0.6' }), 0);
    // the client API never shows it to anybody but the logged-in owner
    const c = await clientFrom(svc, '127.0.0.170');
    try {
      assert.equal((await c.req({ request: 'new_sip_password' })).error_code, 423);
      for (const body of [{ request: 'invitation_info', id: 1, secret: '00' }, { request: 'join', room: alice.address }])
        assert.ok(!JSON.stringify(await c.req(body)).includes(sipPass.alice));
    } finally {
      c.close();
    }
  });

  test('the owner sees the SIP password when logged in and can change it: the old one stops working', async () => {
    const c = await clientFrom(svc, '127.0.0.171');
    let fresh;
    try {
      const login = await c.req({ request: 'login', username: 'carol', password: 'carol-secret-1' });
      assert.equal(login.account.sip_password, sipPass.carol, JSON.stringify(login.account));
      const r = await c.req({ request: 'new_sip_password' });
      assert.equal(r.vmr, 'sip_password', JSON.stringify(r));
      fresh = r.sip_password;
      assert.match(fresh, /^[0-9a-f]{24,}$/);
      assert.notEqual(fresh, sipPass.carol);
      assert.equal((await c.req({ request: 'get_room' })).vmr, 'room');
    } finally {
      c.close();
    }
    assert.equal(await sipp('register_bad.xml', { user: 'carol', pass: sipPass.carol, expires: 600 }, { source: '127.0.0.172' }), 0);
    assert.equal(await sipp('register.xml', { user: 'carol', pass: fresh, expires: 600 }, { source: '127.0.0.172' }), 0);
    sipPass.carol = fresh;
    // the operator can issue a new one too (an account from before SIP passwords existed, say)
    const adm = await vmrAdmin(svc, { request: 'reset_sip_password', username: 'carol' });
    assert.match(adm.sip_password, /^[0-9a-f]{24,}$/);
    assert.notEqual(adm.sip_password, fresh);
    sipPass.carol = adm.sip_password;
  });

  test('REGISTER guessing is limited per user name too, from any number of addresses', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(await sipp('register_bad.xml', { user: 'dave', pass: `guess-${i}`, expires: 600 }, { source: `127.0.0.${180 + i}` }), 0);
    // a sixth address: dave is locked (403 at once, no challenge), even with the right password;
    // another user name from that address still gets its challenge
    const u = await udpFrom('127.0.0.186');
    try {
      await u.send(rawRegister('127.0.0.186', u.port, 'dave', 'peruser1'));
      await waitFor(() => u.firstLines().length > 0, 3000, 'an answer for dave');
      assert.match(u.firstLines()[0], / 403 /, JSON.stringify(u.firstLines()));
      u.got.length = 0;
      await u.send(rawRegister('127.0.0.186', u.port, 'bob', 'peruser2'));
      await waitFor(() => u.firstLines().length > 0, 3000, 'an answer for bob');
      assert.match(u.firstLines()[0], / 401 /, JSON.stringify(u.firstLines()));
    } finally {
      u.close();
    }
    assert.notEqual(await sipp('register.xml', { user: 'dave', pass: sipPass.dave, expires: 600 }, { source: '127.0.0.187' }), 0);
    await svc.expectLog(/REGISTER of dave from 127\.0\.0\.186 refused \(locked\)/);
  });

  test('after every attack janus still runs and a legitimate browser joins the PIN room', async () => {
    assert.ok(svc.isRunning());
    const b = await launchBrowser();
    try {
      await b.page.goto(`${svc.httpUrl}/?room=alice.join&name=Friend`);
      await b.page.fill('#pin', '1234');
      await b.page.click('#join');
      await waitJoined(b.page);
    } finally {
      await b.close();
    }
  });
});
