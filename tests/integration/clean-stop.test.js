// A clean stop is clean (issue 10 item 3): janus stopped with SIGINT exits with status 0, with no
// abort and no core dump, whether it had no call, a call that ended, or a call still up (whose
// caller gets a BYE). It used to abort in g_mutex_clear() ("called on uninitialised or locked
// mutex"): the Sofia GLib source was torn down while it was still attached.
'use strict';
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { sippRunner, waitForStatus, inRoom, noCalls, dtmfKeys } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 18560 });
const SIP_ENV = { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) };

/** What janus printed that a clean stop never prints. */
const UNCLEAN = /g_mutex_clear|called on uninitialised|Aborted|core dumped|\*\* ERROR|assertion failed|Segmentation/i;

async function startWithRoom(name, pin) {
  const svc = await startService({ name, demoRoom: '', env: SIP_ENV });
  const r = await vmrAdmin(svc, { request: 'create_room', name: 'lounge', ...(pin ? { pin } : {}) });
  assert.equal(r.vmr, 'room', JSON.stringify(r));
  return { svc, room: r.room };
}

async function stopCleanly(svc) {
  const end = await svc.stop({ keep: true });
  const log = svc.log();
  assert.deepEqual(end, { code: 0, signal: null }, `janus ended with ${JSON.stringify(end)}; log tail:\n${log.slice(-2000)}`);
  assert.doesNotMatch(log, UNCLEAN);
  await svc.stop();   // removes its folder
}

describe('clean stop (SIGINT)', () => {
  test('janus stopped with SIGINT without any call exits 0', async () => {
    const { svc } = await startWithRoom('clean-stop-idle');
    await stopCleanly(svc);
  });

  test('janus stopped with SIGINT after a SIP call exits 0', async () => {
    const { svc, room } = await startWithRoom('clean-stop-after-call');
    const call = sipp('call_bye.xml', { ruri: `sip:${room.address}@${DOMAIN}`, ...dtmfKeys('', 8) }, { duration: 2000 });
    await waitForStatus(svc, inRoom(room.address, 'address'), 8000, 'the caller in the room');
    assert.equal(await call, 0, 'sipp: 200, ACK, INFO, our BYE answered');
    await waitForStatus(svc, noCalls, 5000, 'the call to end');
    await stopCleanly(svc);
  });

  test('janus stopped with SIGINT during a SIP call sends the caller a BYE and exits 0', async () => {
    // A PIN room and no PIN: the caller waits at the prompt until the service stops.
    const { svc, room } = await startWithRoom('clean-stop-in-call', '4321');
    // rtp_dtmf_kicked.xml: one RFC 4733 digit (no whole PIN) at +0.8 s, then it waits for a BYE.
    const call = sipp('rtp_dtmf_kicked.xml', { ruri: `sip:${room.address}@${DOMAIN}`, dtmf: '9' }, { timeoutS: 40 });
    await waitForStatus(svc, (s) => s.sip.calls.some((c) => c.state === 'pin'), 8000, 'the caller at the PIN prompt');
    await new Promise((r) => setTimeout(r, 2000));   // past the digit: sipp waits for the BYE
    await stopCleanly(svc);
    assert.equal(await call, 0, 'sipp: the bridge hung up with a BYE');
  });
});
