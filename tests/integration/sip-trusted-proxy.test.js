// Callers behind a trusted SIP proxy (Kamailio in front of several nodes, docs/scale-out.md): every
// call comes from the proxy's address, which names the caller's own in X-Tpaas-Source. Wrong PINs
// lock the caller who typed them, not everyone behind the proxy; the header counts only from an
// address in trusted_proxies (anyone else's is the caller's word, and ignored).
// The proxy is a raw SIP peer on 127.0.0.2 (trusted_proxies), a direct caller one on 127.0.0.3.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { waitForStatus, inRoom, noCalls, sleep } = require('./lib/sip');

const DOMAIN = 'vmr.test';
const SIP_PORT = 5096;
const PROXY_IP = '127.0.0.2';
const PIN = '2468';

const pcmuOffer = (ip, port) => ['v=0', `o=raw 1 1 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0',
  `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

describe('callers behind a trusted proxy are limited one by one', () => {
  let svc, proxy, direct;
  let rtpPort = 41000;

  before(async () => {
    svc = await startService({ name: 'sip-trusted-proxy', demoRoom: '',
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT), SIP_TRUSTED_PROXIES: PROXY_IP } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'vault', pin: PIN });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    proxy = await rawSipPeer({ ip: PROXY_IP, bridgePort: SIP_PORT, domain: DOMAIN });
    direct = await rawSipPeer({ ip: '127.0.0.3', bridgePort: SIP_PORT, domain: DOMAIN });
  });
  after(async () => {
    for (const p of [proxy, direct]) if (p) p.close();
    if (svc) await svc.stop();
  });

  /** A call to the PIN room from peer (naming `client` in X-Tpaas-Source when given) typing each
   * entry followed by '#'. Resolves true when the bridge hung up on it, false when it is still up
   * (then it is hung up here). */
  async function call(peer, client, entries) {
    const callId = `c${Date.now()}${Math.random().toString(16).slice(2, 8)}`;
    const r = await peer.request({ method: 'INVITE', ruri: `sip:vault@${DOMAIN}`, callId, keep: true,
      headers: client ? [`X-Tpaas-Source: ${client}`] : [], body: pcmuOffer(peer.ip, rtpPort += 2) });
    assert.ok(r && r.status === 200, `the call is answered: ${r && r.first}`);
    const hungUp = () => peer.requests.some((m) => m.method === 'BYE' && m.headers['call-id'][0] === callId);
    for (const e of entries) {
      if (hungUp()) break;
      await r.keys([...e, '#']);
      await sleep(300); // (the bridge's answer to the entry: a prompt, or a BYE)
    }
    const byBridge = (await peer.waitFor(hungUp, 1500)) !== null;
    if (!byBridge) await r.bye();
    return byBridge;
  }

  test('wrong PINs of one caller behind the proxy lock that caller, and the next caller behind it gets in', async () => {
    // The PIN guard locks an address at its 5th wrong PIN; the bridge hangs up after 3 per call.
    assert.equal(await call(proxy, '192.0.2.10', ['1111', '2222', '3333']), true, 'three wrong PINs end the call');
    assert.equal(await call(proxy, '192.0.2.10', ['4444', '5555', PIN]), true,
      'after its 5th wrong PIN, the right one from that caller is refused too');
    // Another caller through the same proxy: its own address, not locked.
    const stay = call(proxy, '192.0.2.11', [PIN]);
    await waitForStatus(svc, inRoom('vault'), 10000, 'the second caller behind the proxy in the room');
    assert.equal(await stay, false, 'the second caller stays in the room until it hangs up');
  });

  test('X-Tpaas-Source from an address that is not a trusted proxy is ignored: its wrong PINs lock its own address', async () => {
    await waitForStatus(svc, noCalls, 10000, 'the first test\'s calls gone');
    assert.equal(await call(direct, '192.0.2.12', ['1111', '2222', '3333']), true);
    assert.equal(await call(direct, '192.0.2.12', ['4444', '5555', PIN]), true,
      'the direct caller is locked by its own address');
    // Had the header counted, 192.0.2.12 would be locked now; through the proxy it is not.
    const stay = call(proxy, '192.0.2.12', [PIN]);
    await waitForStatus(svc, inRoom('vault'), 10000, 'the proxied caller named 192.0.2.12 in the room');
    assert.equal(await stay, false);
  });
});
