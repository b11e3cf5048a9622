// Callers behind a trusted SIP proxy (Kamailio in front of several nodes, docs/scale-out.md): every
// call comes from the proxy's address, which names the caller's own in X-Tpaas-Source. Wrong PINs
// lock the caller who typed them, not everyone behind the proxy; the header counts only from an
// address in trusted_proxies (anyone else's is the caller's word, and ignored).
// Media and BFCP take the caller's own address from the header too (the address the SDP must name
// before the caller sends anything), never the proxy's.
// The proxy is a raw SIP peer on 127.0.0.2 (trusted_proxies), a direct caller one on 127.0.0.3.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { vmrAdmin } = require('./lib/admin');
const { rawSipPeer } = require('./lib/sip-raw');
const { waitForStatus, inRoom, noCalls, sleep } = require('./lib/sip');
const dgram = require('node:dgram');
const { bfcpClient, PRIM } = require('./lib/bfcp');
const { offer, answerLines, attr } = require('./lib/slides');

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

  /** Counts the UDP datagrams arriving at ip:port until close(). */
  async function rtpSink(ip, port) {
    const sock = dgram.createSocket('udp4');
    const sink = { count: 0, close: () => sock.close() };
    sock.on('message', () => { sink.count++; });
    await new Promise((resolve) => sock.bind(port, ip, resolve));
    return sink;
  }

  test('behind the proxy, the caller\'s own address named in the header gets the PIN prompt before it sends anything; another host, or a header from a non-proxy, gets nothing', async () => {
    await waitForStatus(svc, noCalls, 10000, 'the earlier calls gone');
    const own = await rtpSink('127.0.0.4', rtpPort += 2);
    const other = await rtpSink('127.0.0.5', rtpPort += 2);
    try {
      // The caller at 127.0.0.4 (as the proxy says) offers its own address: the prompt comes at once.
      const a = await proxy.request({ method: 'INVITE', ruri: `sip:vault@${DOMAIN}`, callId: `own${Date.now()}`, keep: true,
        headers: ['X-Tpaas-Source: 127.0.0.4'], body: pcmuOffer('127.0.0.4', rtpPort - 2) });
      assert.ok(a && a.status === 200, `the call is answered: ${a && a.first}`);
      const deadline = Date.now() + 5000;
      while (own.count < 10 && Date.now() < deadline) await sleep(100);
      assert.ok(own.count >= 10, `the PIN prompt reaches the caller's own address: ${own.count} packets`);
      await a.bye();
      // The same caller offering someone else's host: nothing goes there (no reflection).
      const b = await proxy.request({ method: 'INVITE', ruri: `sip:vault@${DOMAIN}`, callId: `other${Date.now()}`, keep: true,
        headers: ['X-Tpaas-Source: 127.0.0.4'], body: pcmuOffer('127.0.0.5', rtpPort) });
      assert.ok(b && b.status === 200, `the call is answered: ${b && b.first}`);
      await sleep(2000);
      assert.equal(other.count, 0, 'nothing to a host the caller is not');
      await b.bye();
      // A caller that is not the proxy naming 127.0.0.4 in the header: its word, ignored.
      const before = own.count;
      const c = await direct.request({ method: 'INVITE', ruri: `sip:vault@${DOMAIN}`, callId: `direct${Date.now()}`, keep: true,
        headers: ['X-Tpaas-Source: 127.0.0.4'], body: pcmuOffer('127.0.0.4', rtpPort - 2) });
      assert.ok(c && c.status === 200, `the call is answered: ${c && c.first}`);
      await sleep(2000);
      assert.equal(own.count - before, 0, 'nothing to the address a caller who is not the proxy names');
      await c.bye();
    } finally {
      own.close();
      other.close();
    }
  });

  test('behind the proxy, the room system\'s own address named in the header opens BFCP; another host does not', async () => {
    await waitForStatus(svc, noCalls, 10000, 'the earlier calls gone');
    const ports = { audio: { port: rtpPort += 2 }, video: { port: rtpPort += 2 }, slides: { port: rtpPort += 2 } };
    const r = await proxy.request({ method: 'INVITE', ruri: `sip:vault@${DOMAIN}`, callId: `bfcp${Date.now()}`, keep: true,
      headers: ['X-Tpaas-Source: 127.0.0.4'], body: offer(ports, { bfcp: 'tcp' }).replaceAll('127.0.0.1', '127.0.0.4') });
    assert.ok(r && r.status === 200, `the call is answered: ${r && r.first}`);
    const clients = [];
    try {
      const bfcp = answerLines(r.body).find((l) => l.proto === 'TCP/BFCP');
      assert.ok(bfcp && bfcp.port > 0, `a BFCP line in the answer: ${r.body}`);
      const who = { port: bfcp.port, confid: Number(attr(bfcp, 'confid')), userid: Number(attr(bfcp, 'userid')) };
      // (the connection from elsewhere first: it must not take the call's BFCP from the room system)
      const stranger = await bfcpClient({ ...who, localAddress: '127.0.0.5' }).catch(() => null);
      if (stranger) {
        clients.push(stranger);
        stranger.send(PRIM.Hello);
        assert.equal(await stranger.next((x) => x.primitive === PRIM.HelloAck, 1500), null, 'no HelloAck to another host');
      }
      const own = await bfcpClient({ ...who, localAddress: '127.0.0.4' });
      clients.push(own);
      own.send(PRIM.Hello);
      assert.ok(await own.next((x) => x.primitive === PRIM.HelloAck), 'HelloAck to the room system at its own address');
    } finally {
      for (const c of clients) c.close();
      await r.bye();
    }
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
