// Hosts and guests over the Janus API (plain clients, an Opus offer each, no media):
// - the PIN typed decides the role: the host PIN makes a host, the guest PIN a guest, the owner
//   logged in is a host without a PIN;
// - in a room that waits for its host, a guest with the guest PIN is held ("waiting") until the
//   owner joins, then is in and both are listed;
// - locked room: knocking guests are announced to every host (name and how they came); one
//   host admits one, another refuses another (who gets 430), unlocking lets the rest in;
// - a guest may not lock, mute, remove, spotlight, change the layout or end the meeting (431);
// - remove takes a participant out ("kicked"), spotlight is told to everyone, end_meeting
//   takes everyone out; every host action is in the room's log (host_actions) and told to hosts.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { OPUS_OFFER } = require('./lib/sdp');

const GUEST_PIN = '2468';
const HOST_PIN = '1357';

describe('hosts and guests over the API', () => {
  let svc, owner;
  const clients = [];

  async function client() {
    const c = await vmrClient(svc);
    clients.push(c);
    return c;
  }
  /** Sends a join without waiting for its answer; resolves with the answer when it comes. */
  function join(c, body, timeoutMs = 20000) {
    const tx = c.send({ janus: 'message', session_id: c.sessionId, handle_id: c.handle,
      body: { request: 'join', room: 'hanna.join', ...body }, jsep: OPUS_OFFER });
    return c.waitFor((m) => m.transaction === tx && m.janus !== 'ack', timeoutMs, `answer to join ${JSON.stringify(body)}`)
      .then((m) => m.plugindata && m.plugindata.data);
  }
  async function leaveAll() {
    for (const c of clients.splice(0)) {
      await c.req({ request: 'leave' }).catch(() => {});
      c.close();
    }
  }

  before(async () => {
    svc = await startService({ name: 'hosts-api', demoRoom: '' });
    await vmrAdmin(svc, { request: 'create_account', username: 'hanna', password: 'hanna-secret-1', pin: GUEST_PIN });
    owner = await vmrClient(svc);
    await owner.req({ request: 'login', username: 'hanna', password: 'hanna-secret-1' });
    const r = await owner.req({ request: 'update_room', host_pin: HOST_PIN });
    assert.equal(r.room.host_pin, HOST_PIN, JSON.stringify(r));
    assert.equal(r.room.pin, GUEST_PIN);
  });
  after(async () => {
    await leaveAll();
    if (owner) owner.close();
    if (svc) await svc.stop();
  });

  test('the PIN typed decides the role: host PIN host, guest PIN guest, the owner host; the two PINs must differ', async () => {
    const same = await owner.req({ request: 'update_room', host_pin: GUEST_PIN });
    assert.equal(same.error_code, 414, JSON.stringify(same));
    const h = await client();
    const hj = await join(h, { pin: HOST_PIN, display: 'Hostess' });
    assert.equal(hj.vmr, 'joined', JSON.stringify(hj));
    assert.equal(hj.role, 'host');
    const g = await client();
    const gj = await join(g, { pin: GUEST_PIN, display: 'Gast' });
    assert.equal(gj.role, 'guest');
    const bad = await join(await client(), { pin: '0000', display: 'Nobody' });
    assert.equal(bad.error_code, 416);
    await leaveAll();
  });

  test('a guest with the guest PIN waits until the owner joins, then both are in the room', async () => {
    const r = await owner.req({ request: 'update_room', wait_for_host: true });
    assert.equal(r.room.wait_for_host, true);
    const g = await client();
    const answer = join(g, { pin: GUEST_PIN, display: 'Early guest' }, 30000);
    const w = await g.event((d) => d.waiting, 10000, 'waiting');
    assert.equal(w.waiting.reason, 'host');
    await svc.expectLog(/Early guest \(\d+\) waits at room hanna\.join: waiting for a host/);
    // held, it is in no room: no host action, no listing, no second join
    assert.equal((await g.req({ request: 'lock', locked: true })).error_code, 420);
    assert.equal((await g.req({ request: 'listparticipants' })).error_code, 420);
    // the owner, logged in, needs no PIN and is a host
    const oj = await owner.message(owner.handle, { request: 'join', room: 'hanna.join', display: 'Hanna' }, OPUS_OFFER);
    assert.equal(oj.data.vmr, 'joined', JSON.stringify(oj.data));
    assert.equal(oj.data.role, 'host');
    const gj = await answer;
    assert.equal(gj.vmr, 'joined', JSON.stringify(gj));
    assert.equal(gj.role, 'guest');
    assert.ok(gj.participants.some((p) => p.display === 'Hanna'), JSON.stringify(gj.participants));
    await owner.event((d) => d.joined && d.joined.display === 'Early guest', 5000, 'the owner sees the guest join');
    await owner.req({ request: 'leave' });
    await leaveAll();
    await owner.req({ request: 'update_room', wait_for_host: false });
  });

  test('locked room: knocks reach every host; one host admits, another refuses; unlocking lets the rest in', async () => {
    const h1 = await client();
    assert.equal((await join(h1, { pin: HOST_PIN, display: 'Host one' })).role, 'host');
    const h2 = await client();
    assert.equal((await join(h2, { pin: HOST_PIN, display: 'Host two' })).role, 'host');
    const g0 = await client();
    assert.equal((await join(g0, { pin: GUEST_PIN, display: 'Inside' })).role, 'guest');
    // a guest cannot lock
    const nope = await g0.req({ request: 'lock', locked: true });
    assert.equal(nope.error_code, 431, JSON.stringify(nope));
    assert.equal((await h1.req({ request: 'lock', locked: true })).result, 'ok');
    await h2.event((d) => d.locked === true, 5000, 'locked told to the other host');
    await h2.event((d) => d.host_action && d.host_action.action === 'lock' && /Host one/.test(d.host_action.by), 5000, 'host_action lock');
    const knockers = [];
    for (const name of ['Knock A', 'Knock B', 'Knock C', 'Knock D']) {
      const k = await client();
      const answer = join(k, { pin: GUEST_PIN, display: name }, 30000);
      const w = await k.event((d) => d.waiting, 10000, `${name} waiting`);
      assert.equal(w.waiting.reason, 'locked');
      knockers.push({ k, name, answer });
    }
    const ids = {};
    for (const { name } of knockers) {
      for (const h of [h1, h2]) {
        const e = await h.event((d) => d.knock && d.knock.display === name, 5000, `knock of ${name}`);
        assert.equal(e.knock.how, 'PIN');
        ids[name] = e.knock.id;
      }
    }
    // the guest inside hears no knock and may not admit
    assert.equal((await g0.req({ request: 'admit', id: ids['Knock A'] })).error_code, 431);
    assert.equal((await h1.req({ request: 'admit', id: ids['Knock A'] })).result, 'ok');
    assert.equal((await h2.req({ request: 'refuse', id: ids['Knock B'] })).result, 'ok');
    // the other host's late answer finds nobody
    assert.equal((await h2.req({ request: 'refuse', id: ids['Knock A'] })).error_code, 428);
    const a = await knockers[0].answer;
    assert.equal(a.vmr, 'joined', JSON.stringify(a));
    const b = await knockers[1].answer;
    assert.equal(b.error_code, 430, JSON.stringify(b));
    assert.equal((await h2.req({ request: 'lock', locked: false })).result, 'ok');
    for (const kn of knockers.slice(2)) assert.equal((await kn.answer).vmr, 'joined', kn.name);
    const list = await h1.req({ request: 'listparticipants' });
    assert.deepEqual(list.participants.map((p) => p.display).sort(), ['Host one', 'Host two', 'Inside', 'Knock A', 'Knock C', 'Knock D']);
    const log = await h1.req({ request: 'host_actions' });
    assert.deepEqual(log.actions.map((x) => x.action).slice(0, 4), ['unlock', 'refuse', 'admit', 'lock'], JSON.stringify(log));
    assert.match(log.actions[1].target, /Knock B/);
    assert.equal((await g0.req({ request: 'host_actions' })).error_code, 431);
    await leaveAll();
  });

  test('a guest may not mute, remove, spotlight, change the layout or end the meeting', async () => {
    const h = await client();
    const hj = await join(h, { pin: HOST_PIN, display: 'Boss' });
    const g = await client();
    await join(g, { pin: GUEST_PIN, display: 'Visitor' });
    for (const body of [{ request: 'mute', id: hj.id, muted: true }, { request: 'mute_guests', muted: true },
      { request: 'remove', id: hj.id }, { request: 'spotlight', id: hj.id }, { request: 'set_layout', layout: '2x2' },
      { request: 'end_meeting' }]) {
      const r = await g.req(body);
      assert.equal(r.error_code, 431, `${JSON.stringify(body)}: ${JSON.stringify(r)}`);
    }
    await leaveAll();
  });

  test('remove takes a guest out, spotlight is told to everyone, end_meeting takes everyone out', async () => {
    const h = await client();
    await join(h, { pin: HOST_PIN, display: 'Chair' });
    const g1 = await client();
    const g1j = await join(g1, { pin: GUEST_PIN, display: 'Stays' });
    const g2 = await client();
    const g2j = await join(g2, { pin: GUEST_PIN, display: 'Goes' });
    assert.equal((await h.req({ request: 'spotlight', id: g1j.id })).result, 'ok');
    const s = await g2.event((d) => d.spotlight !== undefined, 5000, 'spotlight');
    assert.equal(s.spotlight, g1j.id);
    assert.equal((await h.req({ request: 'remove', id: g2j.id })).result, 'ok');
    const k = await g2.event((d) => d.kicked, 5000, 'kicked');
    assert.equal(k.kicked, 'removed by a host');
    await h.event((d) => d.left === g2j.id, 5000, 'left for the removed guest');
    assert.equal((await g2.req({ request: 'listparticipants' })).error_code, 420);
    const l = await h.req({ request: 'set_layout', layout: 'speaker' });
    assert.equal(l.layout, 'speaker');
    await g1.event((d) => d.layout === 'speaker', 5000, 'layout');
    assert.equal((await h.req({ request: 'end_meeting' })).result, 'ok');
    for (const c of [h, g1]) {
      const e = await c.event((d) => d.kicked, 5000, 'kicked by the end');
      assert.equal(e.kicked, 'the meeting was ended');
    }
    assert.equal((await g1.req({ request: 'listparticipants' })).error_code, 420);
    const log = await owner.message(owner.handle, { request: 'join', room: 'hanna.join', display: 'Hanna' }, OPUS_OFFER);
    assert.equal(log.data.role, 'host');
    const actions = (await owner.req({ request: 'host_actions' })).actions.map((x) => x.action);
    assert.deepEqual(actions.slice(0, 4), ['end', 'layout', 'remove', 'spotlight'], JSON.stringify(actions));
    await owner.req({ request: 'leave' });
    await leaveAll();
  });
});
