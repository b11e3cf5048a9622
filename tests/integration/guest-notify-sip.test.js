// Guest notification for every kind of participant: a SIP caller joining the owner's room
// tells the owner's open web sessions (`guest_joined`) and rings the owner's registered
// device, exactly as a browser guest does; the owner's own device calling in is no guest.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { sippRunner, waitForStatus, inRoom, noCalls, dtmfKeys } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 16060 });

describe('guest notification for SIP guests', () => {
  let svc, alice, aliceSip, owner;

  before(async () => {
    svc = await startService({ name: 'guest-notify-sip', demoRoom: '', env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    const a = await vmrAdmin(svc, { request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice' });
    assert.equal(a.vmr, 'account', JSON.stringify(a));
    alice = a.room;
    aliceSip = a.sip_password;
    owner = await vmrClient(svc);
    const r = await owner.req({ request: 'login', username: 'alice', password: 'alice-secret-1' });
    assert.equal(r.vmr, 'login', JSON.stringify(r));
  });
  after(async () => {
    if (owner) owner.close();
    if (svc) await svc.stop();
  });

  test('a SIP caller dialling the room address: the owner\'s page hears guest_joined within 1 s and the owner\'s device rings', async () => {
    const { run: device } = await sipp.ownerDevice(svc, 'alice', 'alice-secret-1', aliceSip, 'answer_bye.xml');
    const call = sipp('call_bye.xml', { ruri: `sip:${alice.address}@${DOMAIN}`, ...dtmfKeys('', 8) }, { duration: 4000 });
    await waitForStatus(svc, inRoom(alice.address, 'address'), 15000, 'the SIP guest in the room');
    const ev = await owner.event((d) => d.guest_joined, 1000, 'guest_joined within 1 s');
    assert.equal(ev.guest_joined.room, alice.address);
    assert.equal(ev.guest_joined.display, 'sipp caller');
    await waitForStatus(svc, inRoom(alice.address, 'dial-out'), 20000, 'the owner\'s device called into the room');
    assert.equal(await device, 0, 'the device was called, answered and hung up');
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 15000, 'all calls to end');
    // The dial-out call to the owner's device is the owner, not a guest: no second guest_joined.
    await assert.rejects(owner.event((d) => d.guest_joined, 1500, 'guest_joined'), /timeout/);
  });

  test('the owner\'s own registered device dialling in is no guest: no guest_joined', async () => {
    const port = sipp.nextPort();
    assert.equal(await sipp('register_contact.xml', { user: 'alice', pass: aliceSip, expires: 600, contact_port: port }), 0);
    const call = sipp('call_bye.xml', { ruri: `sip:${alice.address}@${DOMAIN}`, ...dtmfKeys('', 8) }, { duration: 3000, port });
    await waitForStatus(svc, inRoom(alice.address, 'address'), 15000, 'the owner\'s device in the room');
    await assert.rejects(owner.event((d) => d.guest_joined, 2000, 'guest_joined'), /timeout/);
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 15000, 'all calls to end');
  });

  test('a SIP caller through the lobby (meeting number) is a guest too', async () => {
    const call = sipp('call_bye.xml', { ruri: `sip:127.0.0.1:${SIP_PORT}`, ...dtmfKeys(`${alice.meeting_number}#`, 8) }, { duration: 3000 });
    await waitForStatus(svc, inRoom(alice.address, 'lobby'), 15000, 'the lobby caller in the room');
    const ev = await owner.event((d) => d.guest_joined, 1000, 'guest_joined within 1 s');
    assert.equal(ev.guest_joined.room, alice.address);
    assert.equal(ev.guest_joined.display, 'sipp caller');
    assert.equal(await call, 0);
    await waitForStatus(svc, noCalls, 15000, 'all calls to end');
  });
});
