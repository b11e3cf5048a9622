// TURN for pages behind firewalls, with a private coturn (use-auth-secret) in the test's network
// namespace:
// - the service hands out time-limited TURN REST credentials (username "<expiry>:<participant
//   id>", password base64(HMAC-SHA1(secret, username))) for UDP, TCP and TLS, on request and
//   with the join answer;
// - a chromium page forced to relay-only ICE joins through coturn over UDP and decodes the
//   room's picture; with UDP to the TURN port dropped by nftables it joins over TURN/TCP, and
//   with TCP 3478 dropped too, over TURN/TLS;
// - Janus is told the TURN server too (JANUS_TURN=1): its turn_rest_api fetches credentials
//   from the admin listener's /turn (key required) and allocates on coturn.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startService } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser, pageStats } = require('./lib/browser');
const { waitJoined } = require('./lib/pages');
const { colourClip, silenceWav } = require('./lib/media');
const { OPUS_OFFER } = require('./lib/sdp');
const { startCoturn } = require('./lib/coturn');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NFT_TABLE = 'tpaas_turn_test';

/** Drops, inside the test's namespace, what a strict firewall would: rules like "udp dport 3478 drop". */
function firewall(rules) {
  execFileSync('nft', ['-f', '-'], { input: `table inet ${NFT_TABLE} {\n chain input { type filter hook input priority 0; policy accept;\n${rules.map((r) => `  ${r} counter drop\n`).join('')} }\n}\n` });
  return {
    /** Packets each rule dropped. */
    drops: () => [...execFileSync('nft', ['list', 'table', 'inet', NFT_TABLE], { encoding: 'utf8' }).matchAll(/packets (\d+)/g)].map((m) => Number(m[1])),
    remove: () => execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE]),
  };
}

/** Every RTCPeerConnection of the page is made relay-only (as a locked-down browser would be). */
function forceRelay() {
  const Orig = window.RTCPeerConnection;
  window.__pcConfigs = [];
  const Relay = function (cfg, ...rest) {
    const c = Object.assign({}, cfg, { iceTransportPolicy: 'relay' });
    window.__pcConfigs.push(JSON.parse(JSON.stringify(c)));
    return new Orig(c, ...rest);
  };
  Relay.prototype = Orig.prototype;
  Object.setPrototypeOf(Relay, Orig);
  window.RTCPeerConnection = Relay;
}

/** In the page: the PeerConnection's config and its selected candidate pair's local side. */
async function selectedLocal() {
  const pc = window.vmr.handle.webrtcStuff.pc;
  const report = await pc.getStats();
  let pairId = null;
  report.forEach((s) => { if (s.type === 'transport') pairId = s.selectedCandidatePairId; });
  const pair = pairId && report.get(pairId);
  const local = pair && report.get(pair.localCandidateId);
  return {
    configs: window.__pcConfigs,
    local: local && { type: local.candidateType, relayProtocol: local.relayProtocol, url: local.url, address: local.address },
  };
}

describe('TURN with coturn (REST credentials), relay-only pages', () => {
  let coturn, svc, room;

  before(async () => {
    coturn = await startCoturn();
    svc = await startService({ name: 'operator-turn', demoRoom: '',
      env: { TURN_URLS: coturn.urls.join(','), TURN_SECRET: coturn.secret, TURN_TTL: '3600', JANUS_TURN: '1' } });
    const r = await vmrAdmin(svc, { request: 'create_room', name: 'turnroom' });
    assert.equal(r.vmr, 'room', JSON.stringify(r));
    room = r.room;
  });
  after(async () => {
    try { execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' }); } catch (e) { /* not there */ }
    if (svc) await svc.stop();
    if (coturn) await coturn.stop();
  });

  test('turn_credentials and the join answer carry TURN REST credentials for UDP, TCP and TLS that follow the coturn formula', async () => {
    const c = await vmrClient(svc);
    try {
      const t = await c.req({ request: 'turn_credentials' });
      assert.equal(t.vmr, 'turn_credentials', JSON.stringify(t));
      assert.equal(t.ttl, 3600);
      assert.equal(t.ice_servers.length, 1);
      const s = t.ice_servers[0];
      assert.deepEqual(s.urls, coturn.urls);
      const m = s.username.match(/^(\d+):(\d+)$/);
      assert.ok(m, `username <expiry>:<participant id>: ${s.username}`);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(Math.abs(Number(m[1]) - (now + 3600)) <= 5, `expiry ${m[1]} is now + ttl (${now + 3600})`);
      const expected = crypto.createHmac('sha1', coturn.secret).update(s.username).digest('base64');
      assert.equal(s.credential, expected, 'password = base64(HMAC-SHA1(static-auth-secret, username))');
      const j = await c.message(c.handle, { request: 'join', room: room.address, display: 'App' }, OPUS_OFFER);
      assert.equal(j.data.vmr, 'joined', JSON.stringify(j.data));
      assert.ok(Array.isArray(j.data.ice_servers) && j.data.ice_servers[0].username.endsWith(`:${j.data.id}`),
        `the join answer has credentials tagged with the participant id: ${JSON.stringify(j.data.ice_servers)}`);
      await c.req({ request: 'leave' });
    } finally {
      c.close();
    }
  });

  /** A relay-only page joins the room; returns what it decoded and which candidate it used. */
  async function relayJoin(name, colour, opts = {}) {
    const b = await launchBrowser({ fakeVideo: colourClip(colour, colour), fakeAudio: silenceWav('silence-turn', { seconds: 40 }), args: opts.args });
    try {
      await b.page.addInitScript(forceRelay);
      await b.page.goto(`${svc.httpUrl}/?room=${room.address}&name=${name}&autojoin=1`);
      await waitJoined(b.page, 40000);
      // the room's picture, decoded (our encoder's 640x360, not the 640x480 camera)
      let s;
      for (let i = 0; i < 40; i++) {
        s = await b.page.evaluate(pageStats);
        if (s.inbound.video && s.inbound.video.framesDecoded > 10) break;
        await sleep(250);
      }
      const sel = await b.page.evaluate(selectedLocal);
      return { s, sel, logs: b.logs };
    } finally {
      await b.close();
    }
  }

  function assertRelayed(r, protocol) {
    assert.ok(r.s.inbound.video && r.s.inbound.video.framesDecoded > 10, `video decoded through TURN: ${JSON.stringify(r.s.inbound)}`);
    assert.equal(r.s.inbound.video.frameWidth, 640);
    assert.equal(r.s.inbound.video.frameHeight, 360);
    assert.equal(r.sel.configs[0].iceTransportPolicy, 'relay');
    assert.deepEqual(r.sel.configs[0].iceServers[0].urls, coturn.urls, 'the page used the service\'s TURN servers');
    assert.equal(r.sel.local && r.sel.local.type, 'relay', JSON.stringify(r.sel.local));
    assert.equal(r.sel.local.relayProtocol, protocol, JSON.stringify(r.sel.local));
  }

  test('a relay-only page joins through coturn over UDP and decodes the room\'s picture', async () => {
    const r = await relayJoin('UdpUser', 'green');
    assertRelayed(r, 'udp');
    assert.match(coturn.log(), /user <\d+:\d+>/, 'coturn saw the page\'s credential');
  });

  test('a relay-only page whose UDP to the TURN server is dropped (nftables) joins over TURN/TCP', async () => {
    const fw = firewall([`ip daddr ${coturn.ip} udp dport ${coturn.port}`]);
    try {
      const r = await relayJoin('TcpUser', 'blue');
      assertRelayed(r, 'tcp');
      assert.ok(fw.drops()[0] > 0, `the rule dropped the page's UDP to ${coturn.port}: ${fw.drops()}`);
    } finally {
      fw.remove();
    }
  });

  test('a relay-only page that can only reach the TLS port joins over TURN/TLS', async () => {
    const fw = firewall([`ip daddr ${coturn.ip} udp dport ${coturn.port}`, `ip daddr ${coturn.ip} tcp dport ${coturn.port}`]);
    try {
      // (the test's coturn has a self-signed certificate: a real one needs no flag)
      const r = await relayJoin('TlsUser', 'yellow', { args: ['--ignore-certificate-errors'] });
      assertRelayed(r, 'tls');
    } finally {
      fw.remove();
    }
  });

  test('Janus gets its own TURN credentials from the admin listener\'s /turn, which needs the key', async () => {
    const conf = fs.readFileSync(path.join(svc.dir, 'conf', 'janus.transport.tpaasweb.jcfg'), 'utf8');
    const key = conf.match(/turn_rest_key = "([0-9a-f]+)"/)[1];
    const base = `http://127.0.0.1:${svc.adminPort}/turn`;
    assert.equal((await fetch(`${base}?service=turn&key=wrong`)).status, 403);
    assert.equal((await fetch(base)).status, 403);
    assert.equal((await fetch(`${svc.httpUrl}/turn?key=${key}`)).status, 404, 'not on the public port');
    const r = await fetch(`${base}?service=turn&username=janus&key=${key}`);
    assert.equal(r.status, 200);
    const j = await r.json();
    assert.deepEqual(j.uris, coturn.urls);
    assert.match(j.username, /^\d+:janus$/);
    assert.equal(j.password, crypto.createHmac('sha1', coturn.secret).update(j.username).digest('base64'));
    // the joins above made Janus allocate its own relay candidates with such a credential
    assert.match(coturn.log(), /user <\d+:janus>/, 'coturn saw Janus\'s credential');
  });
});
