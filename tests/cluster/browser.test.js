// A browser in the cluster (issue #15): the join page served by node n1 finds the node where
// the room lives (locate), connects there and decodes the MCU's picture; when that node is
// killed (kill -9), the page is back in the room with media by itself, on a live node.
// Run by tests/run-cluster.sh, inside the cluster's network (chromium at 10.77.0.1).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { launchBrowser, pageStats } = require('../integration/lib/browser');
const { waitJoined } = require('../integration/lib/pages');
const { cluster, sql, placements, nodeById, admin, runningRooms, until, killNode, startNode, dispatcher } = require('./lib/cluster');

let c, b;
const ROOM = 'webroom';

before(async () => {
  c = cluster();
  await until(() => Number(sql(c, 'SELECT count(*) FROM cluster_nodes WHERE lease_until > now()')[0][0]) === c.nodes.length,
    20000, 'every node has a lease');
  await admin(c, c.nodes[0], { request: 'create_room', name: ROOM });
  // Plain http:// on a bridge address is not a secure context: let the camera work there.
  b = await launchBrowser({ args: [`--unsafely-treat-insecure-origin-as-secure=${c.nodes.map((n) => n.url).join(',')}`] });
});
after(async () => { if (b) await b.close(); });

async function framesDecoded() {
  const s = await b.page.evaluate(pageStats);
  return (s.inbound.video && s.inbound.video.framesDecoded) || 0;
}

test('the join page of one node joins the room on the node it lives on and decodes its picture; after kill -9 of that node it is back with media on a live node by itself', async () => {
  await b.page.goto(`${c.nodes[0].url}/?room=${ROOM}&name=Web&autojoin=1`);
  await waitJoined(b.page, 60000);
  const home = await until(() => placements(c)[ROOM], 10000, 'the web room placed');
  const running = await runningRooms(nodeById(c, home));
  assert.ok(running[ROOM] >= 1, `${ROOM} runs on ${home}, where it is placed`);
  await until(async () => (await framesDecoded()) > 10, 20000, 'the MCU picture decoded');

  const victim = c.nodes.findIndex((n) => n.id === home) + 1;
  killNode(victim);
  // The page notices (its WebSocket closed), locates the room again and rejoins on a live node.
  const moved = await until(() => { const p = placements(c)[ROOM]; return p && p !== home ? p : null; }, 60000,
    'the room placed again on a live node');
  await waitJoined(b.page, 60000);
  const before = await framesDecoded();
  await until(async () => (await framesDecoded()) > before + 10, 30000, 'the picture decoded again after the move');
  const runningNow = await runningRooms(nodeById(c, moved));
  assert.ok(runningNow[ROOM] >= 1, `${ROOM} now runs on ${moved}`);

  startNode(victim);
  await until(() => (dispatcher(c)[c.nodes[victim - 1].sip] || '').startsWith('A'), 20000, 'the node is back for Kamailio');
  await until(() => Number(sql(c, 'SELECT count(*) FROM cluster_nodes WHERE lease_until > now()')[0][0]) === c.nodes.length,
    20000, 'the node has a lease again');
});
