// An invitation's keypad code (issue #14): a room system's guest dials the bare IP, keys the
// meeting number and the invitation's code (RFC 4733 DTMF from sipp) and is in the room without the
// room's PIN, named after the invitation (bridge status, the room's participant list), and the
// owner's page hears which invitation came in. The code is in the invitation mail (real SMTP
// server). Revoking the invitation ends the call of the guest who came with its code, and the same
// code is refused from then on.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { startSmtp, mimeParts } = require('./lib/smtp');
const { OPUS_OFFER } = require('./lib/sdp');
const { sippRunner, waitForStatus, inRoom, noCalls } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 19060 });
const GUEST = 'María López';

describe('invitation keypad codes', () => {
  let svc, smtp, owner, room, invitation;

  before(async () => {
    smtp = await startSmtp();
    svc = await startService({ name: 'invitation-code', demoRoom: '',
      env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_STARTTLS: '0', SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1',
        SIP_PORT: String(SIP_PORT), DIAL_IP: '10.99.0.1' } });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'ana', password: 'ana-secret-1',
      display_name: 'Ana García', email: 'ana@example.org', pin: '4321' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    room = a.room;
    owner = await vmrClient(svc);
    const r = await owner.req({ request: 'login', username: 'ana', password: 'ana-secret-1' });
    assert.equal(r.vmr, 'login', JSON.stringify(r));
  });
  after(async () => {
    if (owner) owner.close();
    if (svc) await svc.stop();
    if (smtp) await smtp.close();
  });

  test('each invitation gets its own numeric code, shown to the owner and printed in the mail next to the meeting number', async () => {
    const r = await owner.req({ request: 'invite', email: 'maria@example.org', name: GUEST });
    assert.equal(r.vmr, 'invited', JSON.stringify(r));
    invitation = r.invitation;
    assert.match(invitation.code, /^\d{10}$/, JSON.stringify(invitation));
    assert.ok(!invitation.code.startsWith('4321'), 'the code does not start with the PIN');
    const other = (await owner.req({ request: 'invite', email: 'li@example.org' })).invitation;
    assert.match(other.code, /^\d{10}$/);
    assert.notEqual(other.code, invitation.code);
    const list = await owner.req({ request: 'list_invitations' });
    assert.equal(list.invitations.find((i) => i.id === invitation.id).code, invitation.code);

    const mail = await smtp.waitFor('maria@example.org');
    const plain = mimeParts(mail.raw).find((p) => p.type === 'text/plain').text.replace(/\r\n/g, '\n');
    assert.ok(plain.includes(`Call 10.99.0.1, enter meeting number ${room.meeting_number} #, then your code ${invitation.code} #`),
      plain);
    assert.ok(!plain.includes('ask the person who invited you'), 'no need to ask for the PIN');
    const html = mimeParts(mail.raw).find((p) => p.type === 'text/html').text;
    assert.ok(html.includes(invitation.code), 'the HTML part has the code too');
  });

  test('a SIP caller keys the meeting number and the code: in the room without the PIN, named after the invitation, and the owner hears which invitation came', async () => {
    const probe = await vmrClient(svc);
    let call;
    try {
      // A participant (Janus API, no browser) to read the room's participant list.
      const j = await probe.message(probe.handle, { request: 'join', room: room.address, pin: '4321', display: 'Probe' }, OPUS_OFFER);
      assert.equal(j.data && j.data.vmr, 'joined', JSON.stringify(j.data));
      await owner.event((d) => d.guest_joined && d.guest_joined.display === 'Probe', 5000, 'guest_joined for the probe');

      call = sipp('rtp_dtmf_code_kicked.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${room.meeting_number}#`,
        dtmf2: `${invitation.code}#` }, { timeoutS: 60 });
      const s = await waitForStatus(svc, inRoom(room.address, 'lobby'), 15000, 'the code caller in ana.join');
      const c = s.sip.calls.find((x) => x.room === room.address);
      assert.equal(c.display, GUEST, JSON.stringify(c));
      assert.equal(c.invitation, invitation.id, JSON.stringify(c));
      await svc.expectLog(new RegExp(`the code of invitation ${invitation.id} \\(${GUEST}\\) for ana\\.join`));

      const ev = await owner.event((d) => d.guest_joined && d.guest_joined.sip === true, 5000, 'guest_joined for the SIP caller');
      assert.equal(ev.guest_joined.room, room.address);
      assert.equal(ev.guest_joined.display, GUEST);
      assert.equal(ev.guest_joined.how, 'invitation');
      assert.equal(ev.guest_joined.invitation, invitation.id);

      const lp = await probe.req({ request: 'listparticipants' });
      assert.ok(lp.participants.some((p) => p.id === c.id && p.display === GUEST && p.sip === true), JSON.stringify(lp));

      // Revoked: the guest who came with the code is hung up (the scenario waits for the bridge's BYE).
      const rv = await owner.req({ request: 'revoke_invitation', id: invitation.id });
      assert.equal(rv.vmr, 'revoked', JSON.stringify(rv));
      assert.equal(await call, 0, 'the bridge hung up on the revoked invitation\'s guest');
      call = null;
      await svc.expectLog(new RegExp(`invitation ${invitation.id} revoked, the caller leaves ana\\.join`));
      await probe.event((d) => d.left === c.id, 5000, 'left for the code caller');
    } finally {
      if (call) await call;
      probe.close();
    }
    await waitForStatus(svc, noCalls, 10000, 'no calls');
  });

  test('after the owner revoked the invitation the same code is refused: the caller never gets in and is hung up', async () => {
    // Its first 4 digits are no longer the start of an active code: they are taken as a wrong PIN,
    // and so are the rest (three wrong entries end the call).
    const call = sipp('rtp_dtmf_code_kicked.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${room.meeting_number}#`,
      dtmf2: `${invitation.code}#` }, { timeoutS: 60, source: '127.0.0.2' });
    await svc.expectLog(/from 127\.0\.0\.2:\d+: wrong PIN for ana\.join/, 15000);
    assert.equal(await call, 0, 'the bridge hung up');
    await svc.expectLog(/from sip:sipp@127\.0\.0\.2:\d+ \(127\.0\.0\.2:\d+\) ended: wrong pin/);
    assert.ok(!/from sip:sipp@127\.0\.0\.2:\d+ joined room/.test(svc.log()), 'never in the room');
    await waitForStatus(svc, noCalls, 10000, 'no calls');
  });

  test('wrong codes count as wrong PINs: after 5 from one address even a right code is refused (too many attempts)', async () => {
    const r = await owner.req({ request: 'invite', email: 'lee@example.org', name: 'Lee' });
    const code = r.invitation.code;
    // The right first digits (so the IVR waits for a code), a wrong last one.
    const bad = code.slice(0, 9) + String((Number(code[9]) + 1) % 10);
    const num = `${room.meeting_number}#`;
    // Three wrong codes end the first call...
    assert.equal(await sipp('rtp_dtmf_kicked.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${num}${bad}#${bad}#${bad}#` },
      { timeoutS: 60, source: '127.0.0.4' }), 0);
    await svc.expectLog(/from 127\.0\.0\.4:\d+: wrong code for ana\.join/);
    // ...two more in the second make five: the address is locked, the right code that follows is
    // not even looked at.
    assert.equal(await sipp('rtp_dtmf_kicked.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, dtmf: `${num}${bad}#${bad}#${code}#` },
      { timeoutS: 60, source: '127.0.0.4' }), 0);
    await svc.expectLog(/from sip:sipp@127\.0\.0\.4:\d+ \(127\.0\.0\.4:\d+\) ended: too many attempts/);
    assert.ok(!/from sip:sipp@127\.0\.0\.4:\d+ joined room/.test(svc.log()), 'never in the room');
    await waitForStatus(svc, noCalls, 10000, 'no calls');
  });

  test('the room address too: a caller dialling ana.join keys another invitation\'s code at the PIN prompt and is in', async () => {
    const r = await owner.req({ request: 'invite', email: 'kim@example.org', name: 'Kim' });
    const code = r.invitation.code;
    // No meeting number: the PIN prompt comes at once; the scenario's first keys are only '#' (ignored).
    const call = sipp('rtp_dtmf_lobby.xml', { ruri: `sip:${room.address}@${DOMAIN}`, dtmf: '#', dtmf2: `${code}#` },
      { duration: 5000, source: '127.0.0.3' });
    const s = await waitForStatus(svc, inRoom(room.address, 'address'), 15000, 'the address caller in ana.join');
    assert.equal(s.sip.calls.find((x) => x.room === room.address).display, 'Kim');
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 10000, 'no calls');
  });
});
