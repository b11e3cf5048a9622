// Hosts and guests for SIP callers (sipp, PIN and keypad by RFC 4733), with plain API clients
// (an Opus offer each, no media) in the same room:
// - the same PIN rules as the page: the host PIN makes a host (its *7 locks the room, the page
//   hosts hear "locked" and the host action), the guest PIN a guest (its *7 is refused: the
//   room stays unlocked and the log says so);
// - *5 from a host's phone mutes every guest (the guests' pages hear "muted by the host") and
//   a second *5 unmutes them; *6 mutes the caller itself (guests too);
// - a SIP guest that knocks on a locked room waits (bridge status "waiting"), is announced to
//   the hosts with its SIP address, and is let in by a host from the page; another is refused
//   and the bridge hangs up on it;
// - in a room that waits for its host, a SIP guest waits until a host joins;
// - *0 from a host's phone ends the meeting for all.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');
const { sippRunner, waitForStatus, bridgeStatus, inRoom, noCalls } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const GUEST_PIN = '2468';
const HOST_PIN = '1357';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 17160 });
const RURI = `sip:sven.join@${DOMAIN}`;

describe('hosts and guests for SIP callers', () => {
  let svc, owner;
  const clients = [];

  async function member(body) {
    const c = await vmrClient(svc);
    clients.push(c);
    const r = await c.message(c.handle, { request: 'join', room: 'sven.join', ...body }, OPUS_OFFER);
    assert.equal(r.data.vmr, 'joined', JSON.stringify(r.data));
    c.id = r.data.id;
    return c;
  }
  async function leaveAll() {
    for (const c of clients.splice(0)) {
      await c.req({ request: 'leave' }).catch(() => {});
      c.close();
    }
    await waitForStatus(svc, noCalls, 15000, 'no calls left');
  }
  const callOf = (s, who) => s.sip.calls.find((c) => c.caller.includes(`sip:${who}@`));

  before(async () => {
    svc = await startService({ name: 'hosts-sip', demoRoom: '',
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    await vmrAdmin(svc, { request: 'create_account', username: 'sven', password: 'sven-secret-1', pin: GUEST_PIN });
    owner = await vmrClient(svc);
    await owner.req({ request: 'login', username: 'sven', password: 'sven-secret-1' });
    const r = await owner.req({ request: 'update_room', host_pin: HOST_PIN });
    assert.equal(r.room.host_pin, HOST_PIN);
  });
  after(async () => {
    for (const c of clients) c.close();
    if (owner) owner.close();
    if (svc) await svc.stop();
  });

  test('a caller with the host PIN is host: its *7 locks the room; a guest\'s *7 is refused', async () => {
    const page = await member({ pin: HOST_PIN, display: 'Page host' });
    // the guest first: its *7 changes nothing
    const guest = sipp('hosts_keypad.xml', { ruri: RURI, who: 'sippguest', dtmf: `${GUEST_PIN}#`, dtmf2: '*7' }, { duration: 3000 });
    await svc.expectLog(/pressed \*7: refused, not a host/, 15000);
    assert.equal(await guest, 0);
    assert.ok(!page.messages.some((m) => m.plugindata && m.plugindata.data && m.plugindata.data.locked !== undefined),
      'nobody heard of a lock');
    const host = sipp('hosts_keypad.xml', { ruri: RURI, who: 'sipphost', dtmf: `${HOST_PIN}#`, dtmf2: '*7' }, { duration: 3000 });
    const locked = await page.event((d) => d.locked !== undefined, 15000, 'locked');
    assert.equal(locked.locked, true);
    const action = await page.event((d) => d.host_action, 5000, 'host_action');
    assert.equal(action.host_action.action, 'lock');
    assert.match(action.host_action.by, /sipphost \(SIP sip:sipphost@/);
    assert.equal(await host, 0);
    assert.equal((await page.req({ request: 'lock', locked: false })).result, 'ok');
    await leaveAll();
  });

  test('*5 from a host\'s phone mutes every guest, and a second *5 unmutes them', async () => {
    const g1 = await member({ pin: GUEST_PIN, display: 'Guest one' });
    const g2 = await member({ pin: GUEST_PIN, display: 'Guest two' });
    const host = sipp('hosts_keypad.xml', { ruri: RURI, who: 'sipphost', dtmf: `${HOST_PIN}#`, dtmf2: '*5' }, { duration: 1500 });
    for (const g of [g1, g2]) {
      const m = await g.event((d) => d.muted && d.muted.id === g.id, 15000, 'muted by the host');
      assert.equal(m.muted.muted, true);
      assert.equal(m.muted.by_host, true);
      const r = await g.req({ request: 'mute_self', muted: false });
      assert.equal(r.error_code, 431, `a guest muted by the host cannot unmute: ${JSON.stringify(r)}`);
    }
    assert.equal(await host, 0);
    const again = sipp('hosts_keypad.xml', { ruri: RURI, who: 'sipphost', dtmf: `${HOST_PIN}#`, dtmf2: '*5' }, { duration: 1500 });
    for (const g of [g1, g2]) {
      const m = await g.event((d) => d.muted && d.muted.id === g.id, 15000, 'unmuted');
      assert.equal(m.muted.muted, false);
    }
    assert.equal(await again, 0);
    await leaveAll();
  });

  test('*6 mutes the caller itself (a guest may), and the room hears it is muted, not by a host', async () => {
    const watcher = await member({ pin: GUEST_PIN, display: 'Watcher' });
    const call = sipp('hosts_keypad.xml', { ruri: RURI, who: 'selfie', dtmf: `${GUEST_PIN}#`, dtmf2: '*6' }, { duration: 1500 });
    const s = await waitForStatus(svc, (st) => callOf(st, 'selfie') && callOf(st, 'selfie').state === 'in-room', 10000, 'selfie in the room');
    const id = callOf(s, 'selfie').id;
    const m = await watcher.event((d) => d.muted && d.muted.id === id, 15000, 'the caller muted');
    assert.equal(m.muted.muted, true);
    assert.equal(m.muted.by_host, false);
    assert.equal(await call, 0);
    await leaveAll();
  });

  test('a SIP guest knocking on a locked room is let in by a host from the page; another is refused', async () => {
    const h = await member({ pin: HOST_PIN, display: 'Door keeper' });
    assert.equal((await h.req({ request: 'lock', locked: true })).result, 'ok');
    const admitted = sipp('hosts_keypad.xml', { ruri: RURI, who: 'knocka', dtmf: `${GUEST_PIN}#`, dtmf2: '#' }, { duration: 6000 });
    // (the guest PIN, then it waits for the bridge's BYE)
    const refused = sipp('rtp_dtmf_kicked.xml', { ruri: RURI, dtmf: `${GUEST_PIN}#` });
    const ka = await h.event((d) => d.knock && /knocka/.test(d.knock.how), 15000, 'knock of knocka');
    assert.match(ka.knock.how, /^SIP sip:knocka@/);
    const kb = await h.event((d) => d.knock && /sip:sipp@/.test(d.knock.how), 15000, 'knock of the other caller');
    const s = await bridgeStatus(svc);
    assert.equal(callOf(s, 'knocka').state, 'waiting', JSON.stringify(s.sip.calls));
    assert.equal((await h.req({ request: 'admit', id: ka.knock.id })).result, 'ok');
    await waitForStatus(svc, (st) => callOf(st, 'knocka') && callOf(st, 'knocka').state === 'in-room', 10000, 'knocka in the room');
    await h.event((d) => d.joined && d.joined.id === ka.knock.id, 5000, 'joined for knocka');
    assert.equal((await h.req({ request: 'refuse', id: kb.knock.id })).result, 'ok');
    assert.equal(await refused, 0, 'the bridge hung up on the refused caller');
    await svc.expectLog(/refused by a host/, 5000);
    assert.equal(await admitted, 0);
    assert.equal((await h.req({ request: 'lock', locked: false })).result, 'ok');
    await leaveAll();
  });

  test('in a room that waits for its host a SIP guest waits until a host joins', async () => {
    await owner.req({ request: 'update_room', wait_for_host: true });
    try {
      const call = sipp('hosts_keypad.xml', { ruri: RURI, who: 'early', dtmf: `${GUEST_PIN}#`, dtmf2: '#' }, { duration: 8000 });
      await waitForStatus(svc, (st) => callOf(st, 'early') && callOf(st, 'early').state === 'waiting', 15000, 'the caller waits');
      const s = await bridgeStatus(svc);
      assert.ok(!inRoom('sven.join')(s), 'not in the room yet');
      await member({ pin: HOST_PIN, display: 'Late host' });
      await waitForStatus(svc, inRoom('sven.join'), 10000, 'the caller in the room once a host is');
      assert.equal(await call, 0);
    } finally {
      await owner.req({ request: 'update_room', wait_for_host: false });
    }
    await leaveAll();
  });

  test('*0 from a host\'s phone ends the meeting for all', async () => {
    const g = await member({ pin: GUEST_PIN, display: 'Listener' });
    const host = sipp('hosts_bye.xml', { ruri: RURI, who: 'sipphost', dtmf: `${HOST_PIN}#`, dtmf2: '*0' });
    const k = await g.event((d) => d.kicked, 15000, 'kicked by the end');
    assert.equal(k.kicked, 'the meeting was ended');
    assert.equal(await host, 0, 'the host\'s call ended too');
    assert.equal((await g.req({ request: 'listparticipants' })).error_code, 420);
    await leaveAll();
  });
});
