// The VMR product with the real janus: device account → login → room settings → PIN joins
// (refused, locked) → invitation mail through a real SMTP server → guest joins with the link →
// the owner is told → revoke and delete. Runs on SQLite, and on PostgreSQL when
// TPAAS_TEST_PG_URI is set (scripts/test.sh starts a throw-away server).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { startService } = require('./lib/service');
const { launchBrowser } = require('./lib/browser');
const { JanusClient } = require('./lib/janus-client');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { startSmtp, mimeParts, header } = require('./lib/smtp');
const { DUMMY_OFFER } = require('./lib/sdp');

const backends = [{ name: 'sqlite' }];
if (process.env.TPAAS_TEST_PG_URI) backends.push({ name: 'postgresql', uri: process.env.TPAAS_TEST_PG_URI });

function resetPg(uri) {
  execFileSync('psql', [uri, '-q', '-c', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'], { stdio: 'ignore' });
}

/** Collects the plugin messages a page receives over its WebSocket, with arrival times. */
function recordFrames(page) {
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try { frames.push({ at: Date.now(), msg: JSON.parse(f.payload) }); } catch (e) { /* not JSON */ }
  }));
  return frames;
}

async function waitUntil(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timeout waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of backends) {
  describe(`rooms and invitations (${backend.name})`, () => {
    let svc, smtp, owner, guestBrowser, guestFrames, invitation;

    before(async () => {
      smtp = await startSmtp();
      const env = { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_STARTTLS: '0', SIP_DOMAIN: 'vmr.test', DIAL_IP: '10.99.0.1' };
      if (backend.uri) { resetPg(backend.uri); env.DATABASE = backend.uri; }
      svc = await startService({ name: `rooms-${backend.name}`, env });
    });
    after(async () => {
      if (guestBrowser) await guestBrowser.close();
      if (owner) owner.close();
      if (svc) await svc.stop();
      if (smtp) await smtp.close();
    });

    test('an admin creates a device account with its personal room', async () => {
      const r = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1',
        display_name: 'Alice Smith', email: 'alice@example.org' });
      assert.equal(r.vmr, 'account', JSON.stringify(r));
      assert.equal(r.room.address, 'alice.join');
      assert.equal(r.room.sip_address, 'alice.join@vmr.test');
      assert.match(String(r.room.meeting_number), /^[1-9][0-9]{5}$/);
      const dup = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'another-pass' });
      assert.equal(dup.error_code, 427);
    });

    test('a wrong password is refused and the right one logs in', async () => {
      owner = await vmrClient(svc);
      const bad = await owner.req({ request: 'login', username: 'alice', password: 'wrong-password' });
      assert.equal(bad.error_code, 425);
      const noLogin = await owner.req({ request: 'get_room' });
      assert.equal(noLogin.error_code, 423);
      const r = await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
      assert.equal(r.vmr, 'login', JSON.stringify(r));
      assert.match(r.token, /^[0-9a-f]{48}$/);
      assert.equal(r.account.display_name, 'Alice Smith');
    });

    test('the owner sets name, PIN, layout and receive-a-call, and they are stored', async () => {
      const r = await owner.req({ request: 'update_room', name: 'ana', pin: '4321', layout: '2x2', receive_call: true });
      assert.equal(r.vmr, 'room', JSON.stringify(r));
      assert.equal(r.room.address, 'ana.join');
      assert.equal(r.room.sip_address, 'ana.join@vmr.test');
      const g = await owner.req({ request: 'get_room' });
      assert.deepEqual([g.room.name, g.room.pin, g.room.layout, g.room.receive_call], ['ana', '4321', '2x2', true]);
    });

    test('bad management requests get a JSON error code and store nothing', async () => {
      const cases = [
        [{ request: 'update_room', pin: '12345' }, 414],
        [{ request: 'update_room', pin: 1234 }, 414],
        [{ request: 'update_room', pin: 'abcd' }, 414],
        [{ request: 'update_room', name: 'Bad Name' }, 414],
        [{ request: 'update_room', name: 'x'.repeat(40) }, 414],
        [{ request: 'update_room', name: 'x'.repeat(100) }, 414],
        [{ request: 'update_room', layout: '4x4' }, 414],
        [{ request: 'update_room', receive_call: 'yes' }, 414],
        [{ request: 'update_room', colour: 'red' }, 414],
        [{ request: 'invite' }, 415],
        [{ request: 'invite', email: 'not an address' }, 414],
        [{ request: 'invite', email: 'a@b.example\r\nBcc: x@evil.example' }, 414],
        [{ request: 'invite', email: 'x'.repeat(300) + '@example.org' }, 414],
        [{ request: 'revoke_invitation', id: 999999 }, 428],
        [{ request: 'delete_invitation', id: '1' }, 414],
        [{ request: 'delete_invitation' }, 415],
        [{ request: 'invitation_info', id: 999999, secret: 'nope' }, 422],
      ];
      for (const [body, code] of cases) {
        const r = await owner.req(body);
        assert.equal(r.error_code, code, `${JSON.stringify(body).slice(0, 80)} -> ${JSON.stringify(r)}`);
        assert.ok(typeof r.error === 'string' && r.error.length > 0);
      }
      // A duplicate name: another account's room takes "bob"; alice cannot rename to it.
      await vmrAdmin(svc, { request: 'create_account', username: 'bob', password: 'bob-secret-12' });
      const dup = await owner.req({ request: 'update_room', name: 'bob', pin: '0000' });
      assert.equal(dup.error_code, 427);
      const g = await owner.req({ request: 'get_room' });
      assert.deepEqual([g.room.name, g.room.pin, g.room.layout], ['ana', '4321', '2x2'], 'nothing changed');
      const list = await owner.req({ request: 'list_invitations' });
      assert.deepEqual(list.invitations, []);
    });

    test('a browser joins with the right PIN', async () => {
      const b = await launchBrowser();
      try {
        await b.page.goto(`${svc.httpUrl}/?room=ana.join&name=Pat`);
        await b.page.waitForFunction(() => window.vmr && window.vmr.handle, null, { timeout: 20000 });
        await b.page.fill('#pin', '4321');
        await b.page.click('#join');
        await b.page.waitForFunction(() => window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
          window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 30000, polling: 200 });
        const ev = await b.page.evaluate(() => window.vmr.joinedEvent);
        assert.equal(ev.room, 'ana.join');
        const told = await owner.event((d) => d.guest_joined && d.guest_joined.display === 'Pat');
        assert.equal(told.guest_joined.how, 'pin');
      } finally {
        await b.close();
      }
    });

    test('an invitation mail arrives with the join link, SIP address and meeting number', async () => {
      const r = await owner.req({ request: 'invite', email: 'maria@example.org' });
      assert.equal(r.vmr, 'invited', JSON.stringify(r));
      invitation = r.invitation;
      assert.equal(invitation.state, 'active');
      assert.match(invitation.url, new RegExp(`^${svc.httpUrl}/\\?id=${invitation.id}&secret=[0-9a-f]{32}&name=maria$`));
      const mail = await smtp.waitFor('maria@example.org');
      assert.match(header(mail.raw, 'Subject'), /.+/);
      assert.match(header(mail.raw, 'From'), /Alice Smith/);
      assert.ok(header(mail.raw, 'Message-ID') && header(mail.raw, 'Date'));
      const parts = mimeParts(mail.raw);
      const text = parts.find((p) => p.type === 'text/plain'), html = parts.find((p) => p.type === 'text/html');
      assert.ok(text && html, 'text and HTML parts');
      for (const body of [text.text, html.text.replace(/&amp;/g, '&')]) {
        assert.ok(body.includes(invitation.url), 'the join link is in the mail');
        assert.ok(body.includes('ana.join@vmr.test'), 'the SIP address is in the mail');
        const room = (await owner.req({ request: 'get_room' })).room;
        assert.ok(body.includes(String(room.meeting_number)) && body.includes('10.99.0.1') && body.includes('#'),
          'the IP and meeting number followed by # are in the mail');
      }
      // The owner's page hears that the mail went out.
      const ev = await owner.event((d) => d.mail && d.mail.invitation === invitation.id);
      assert.equal(ev.mail.sent, true);
      const list = await owner.req({ request: 'list_invitations' });
      assert.equal(list.invitations[0].mail_status, 'sent');
    });

    test('the guest joins with the link from the mail, without PIN, and the owner is told within 1 s', async () => {
      const mail = await smtp.waitFor('maria@example.org');
      const link = mimeParts(mail.raw).find((p) => p.type === 'text/plain').text.match(/https?:\/\/\S+\?id=\S+/)[0];
      guestBrowser = await launchBrowser();
      guestFrames = recordFrames(guestBrowser.page);
      const told = owner.event((d) => d.guest_joined && d.guest_joined.how === 'invitation', 30000, 'guest_joined');
      await guestBrowser.page.goto(link + '&autojoin=1');
      await guestBrowser.page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle.webrtcStuff.pc &&
        window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout: 30000, polling: 200 });
      const ev = await told;
      const toldAt = Date.now();
      const joinedFrame = guestFrames.find((f) => f.msg.plugindata && f.msg.plugindata.data.vmr === 'joined');
      assert.ok(joinedFrame, 'the guest page got its joined event');
      assert.equal(ev.guest_joined.room, 'ana.join');
      assert.equal(ev.guest_joined.display, 'maria');
      assert.equal(ev.guest_joined.how, 'invitation');
      assert.ok(toldAt - joinedFrame.at < 1000, `owner told ${toldAt - joinedFrame.at} ms after the guest joined`);
      const list = await owner.req({ request: 'list_invitations' });
      assert.ok(list.invitations[0].last_used_at > 0, 'last used is recorded');
    });

    test('"receive a call" asks the SIP bridge to call the owner\'s device (none registered here)', async () => {
      // The dial-out itself, to a registered device, is tested in sip-signalling.test.js.
      await svc.expectLog(/cannot call alice's device into ana\.join: no registered device/);
    });

    test('revoking removes the guest from the room and the link is refused', async () => {
      const r = await owner.req({ request: 'revoke_invitation', id: invitation.id });
      assert.equal(r.vmr, 'revoked', JSON.stringify(r));
      await waitUntil(() => guestFrames.some((f) => f.msg.plugindata && f.msg.plugindata.data.kicked), 5000, 'kicked event');
      const list = await owner.req({ request: 'list_invitations' });
      assert.equal(list.invitations.find((i) => i.id === invitation.id).state, 'revoked');
      const secret = new URL(invitation.url).searchParams.get('secret');
      const replay = await vmrClient(svc);
      try {
        const j = await replay.req({ request: 'join', id: invitation.id, secret, display: 'maria' }, DUMMY_OFFER);
        assert.equal(j.error_code, 422);
        const h2 = await replay.attach('janus.plugin.vmr');
        const wrong = (await replay.message(h2, { request: 'join', id: invitation.id + 1000, secret, display: 'x' }, DUMMY_OFFER)).data;
        assert.equal(wrong.error_code, 422, 'an unknown id gets the same answer');
        assert.equal(wrong.error, j.error);
      } finally {
        replay.close();
      }
    });

    test('deleting an invitation removes it from the list', async () => {
      const r = await owner.req({ request: 'delete_invitation', id: invitation.id });
      assert.equal(r.vmr, 'deleted');
      const list = await owner.req({ request: 'list_invitations' });
      assert.ok(!list.invitations.some((i) => i.id === invitation.id));
    });

    test('a login session resumes on another connection with its token and ends with logout', async () => {
      const c = await vmrClient(svc);
      try {
        const login = await c.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
        const other = await vmrClient(svc);
        try {
          const r = await other.req({ request: 'resume', token: login.token });
          assert.equal(r.vmr, 'login');
          assert.equal((await other.req({ request: 'get_room' })).room.name, 'ana');
          assert.equal((await c.req({ request: 'logout' })).vmr, 'logout');
          assert.equal((await other.req({ request: 'get_room' })).error_code, 423, 'the token is gone everywhere');
        } finally { other.close(); }
      } finally { c.close(); }
    });

    test('wrong PINs are refused without revealing the room, and the source locks after 5 failures', async () => {
      // Every attempt on a fresh handle (a refused offer leaves the handle's PeerConnection behind).
      const c = await JanusClient.connect(svc.wsUrl);
      await c.createSession();
      const attempt = async (body) => (await c.message(await c.attach('janus.plugin.vmr'), body, DUMMY_OFFER)).data;
      try {
        const missing = await attempt({ request: 'join', room: 'no-such-room', pin: '1111' });
        assert.equal(missing.error_code, 416);
        const refused = [missing];
        let locked = null;
        for (let i = 0; i < 6 && !locked; i++) {
          const r = await attempt({ request: 'join', room: 'ana.join', pin: String(1000 + i) });
          if (r.error_code === 426) locked = r; else refused.push(r);
        }
        for (const r of refused) {
          assert.equal(r.error_code, 416);
          assert.equal(r.error, missing.error, 'a wrong PIN and a missing room look the same');
        }
        assert.ok(locked, 'locked after repeated failures');
        assert.ok(refused.length <= 5, `locked after ${refused.length} refusals in this test (at most 5 failures)`);
        assert.ok(locked.retry_after > 0 && locked.retry_after <= 60, JSON.stringify(locked));
        // While locked, even the right PIN from this source is refused.
        const right = await attempt({ request: 'join', room: 'ana.join', pin: '4321' });
        assert.equal(right.error_code, 426);
        await svc.expectLog(/join refused for participant \d+ \(ip:127\.0\.0\.1\): 416/);
      } finally {
        c.close();
      }
    });
  });
}
