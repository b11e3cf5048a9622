// make bench-cluster: what several nodes cost and give, on the real cluster of scripts/cluster.sh.
// For N = 1..BENCH_NODES (default 3) nodes it starts a fresh cluster with an admission budget of
// NODE_MAX_PARTICIPANTS (default 4) participants per node, and measures inside its network:
//  - locate time: round trip of `locate` on an open Janus API connection (BENCH_LOCATES, default
//    50, for a running room and for unknown names), p50/p95;
//  - placement time: a plain-API join into a room that is not running (locate, placement in
//    PostgreSQL, the MCU room started, the SDP answer) against a join into a running room on the
//    same node (no placement): the difference is what placement adds;
//  - room capacity: one-participant rooms joined through locate until the cluster refuses one
//    (error 432, the node's budget), waiting for the nodes' heartbeat after each join (placement
//    goes by the load the nodes report).
// What this measures on a 2-core machine: that placement fills every node's budget (capacity
// grows N x the per-node budget) and what locate/placement cost. It does NOT measure media
// capacity: the N nodes share the same 2 cores, so more nodes here cannot mean more CPU (the
// per-node media capacity is docs/capacity.md; a cluster's is N times that, this shows the
// placement that makes it so).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const CLUSTER = path.join(ROOT, 'scripts', 'cluster.sh');

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (x) => `${x.toFixed(1)} ms`;

async function measure() {
  const lib = require('./lib/cluster');
  const { OPUS_OFFER } = require('../integration/lib/sdp');
  const c = lib.cluster();
  const n1 = c.nodes[0];
  await lib.until(() => Number(lib.sql(c, 'SELECT count(*) FROM cluster_nodes WHERE lease_until > now()')[0][0]) === c.nodes.length,
    20000, 'every node alive');
  const ROOMS = Number(process.env.BENCH_ROOMS || 8 * c.nodes.length);
  for (let i = 0; i < ROOMS + 2; i++) await lib.admin(c, n1, { request: 'create_room', name: `bench${i}` });

  // Capacity (and placement time of each new room).
  const keep = [];
  const newJoin = [];
  let admitted = 0;
  let refusal = null;
  for (let i = 0; i < ROOMS; i++) {
    const room = `bench${i}`;
    const t0 = process.hrtime.bigint();
    const where = await lib.locate(n1, room);
    const node = lib.nodeById(c, where.node);
    const cl = await lib.apiClient(node.ws);
    const r = (await cl.req({ request: 'join', room, display: 'bench' }, OPUS_OFFER, 15000)).data;
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.vmr !== 'joined') {
      refusal = r;
      cl.close();
      break;
    }
    newJoin.push(dt);
    keep.push({ cl, node });
    admitted++;
    await lib.until(() => Number(lib.sql(c, 'SELECT sum(rooms) FROM cluster_nodes')[0][0]) >= admitted, 10000, 'heartbeat');
  }
  // A second participant into running rooms of node 1 would exceed a full budget: measure joins
  // into a running room before the budget is reached, on a cluster with room to spare.
  const perNode = {};
  for (const p of Object.values(lib.placements(c))) perNode[p] = (perNode[p] || 0) + 1;

  console.error(`bench: ${c.nodes.length} node(s): ${admitted} rooms admitted, then ${JSON.stringify(refusal)}; locating`);
  // Locate round trips on one connection.
  const N = Number(process.env.BENCH_LOCATES || 50);
  const api = await lib.apiClient(n1.ws);
  const running = Object.keys(lib.placements(c))[0];
  const locRunning = [];
  const locUnknown = [];
  for (let i = 0; i < N; i++) {
    let t = process.hrtime.bigint();
    await api.req({ request: 'locate', room: running });
    locRunning.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await api.req({ request: 'locate', room: `nosuch${i}` });
    locUnknown.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  api.close();
  for (const k of keep) k.cl.close();
  return {
    nodes: c.nodes.length, admitted, refusal: refusal && (refusal.error_code || refusal.error), perNode,
    newJoin: { p50: pct(newJoin, 50), p95: pct(newJoin, 95), n: newJoin.length },
    locRunning: { p50: pct(locRunning, 50), p95: pct(locRunning, 95) },
    locUnknown: { p50: pct(locUnknown, 50), p95: pct(locUnknown, 95) },
  };
}

// A join into a room that runs already (no placement): on a cluster of one node with no budget.
async function measureExistingJoin() {
  const lib = require('./lib/cluster');
  const { OPUS_OFFER } = require('../integration/lib/sdp');
  const c = lib.cluster();
  const n1 = c.nodes[0];
  await lib.admin(c, n1, { request: 'create_room', name: 'benchx' });
  const first = await lib.apiJoin(c, n1, 'benchx');
  const xs = [];
  const keep = [first.client];
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    const where = await lib.locate(n1, 'benchx');
    const cl = await lib.apiClient(lib.nodeById(c, where.node).ws);
    const r = (await cl.req({ request: 'join', room: 'benchx', display: `x${i}` }, OPUS_OFFER, 15000)).data;
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    keep.push(cl);
    if (r.vmr !== 'joined') throw new Error(JSON.stringify(r));
  }
  keep.forEach((k) => k.close());
  return { p50: pct(xs, 50), p95: pct(xs, 95) };
}

// Every step is bounded: a cluster that does not start or stop, or a measurement that does not
// finish (BENCH_STEP_SECONDS, default 300), is reported with the nodes' last log lines and the
// bench goes on with the next cluster size; it never waits forever.
const STEP_MS = Number(process.env.BENCH_STEP_SECONDS || 300) * 1000;
function cluster(args, env) {
  return execFileSync(CLUSTER, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], timeout: STEP_MS })
    .toString();
}
function lastJson(out) {
  return JSON.parse(out.trim().split('\n').pop());
}
function logTails() {
  const dir = path.join(process.env.CLUSTER_DIR || path.join(ROOT, '_run', 'cluster'), 'logs');
  let text = '';
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((x) => /^(node\d+|kamailio|supervisor)\.log$/.test(x)) : []) {
    const lines = fs.readFileSync(path.join(dir, f), 'utf8').trimEnd().split('\n');
    text += `--- ${f} (last lines)\n${lines.slice(-8).join('\n')}\n`;
  }
  return text;
}
/** Runs a measurement (--measure, --existing) on a fresh cluster of n nodes; null if it failed. */
function onCluster(n, env, mode) {
  try {
    cluster(['stop']);
    cluster(['start', '-n', String(n)], env);
    return lastJson(cluster(['exec', 'node', __filename, mode]));
  } catch (e) {
    console.log(`BENCH cluster nodes=${n} ${mode.slice(2)} failed: ${String(e.message).split('\n')[0]}`);
    console.log(logTails());
    return null;
  } finally {
    try { cluster(['stop']); } catch (e) { console.log(`bench: stop failed: ${e.message}`); }
  }
}

async function main() {
  if (process.argv[2] === '--measure' || process.argv[2] === '--existing') {
    // Inside the cluster: a measurement that cannot finish says so instead of waiting forever.
    // (before the step's own timeout, which would leave this process behind)
    const limit = Math.max(STEP_MS - 10000, 1000);
    setTimeout(() => { console.error(`bench: ${process.argv[2]} not done after ${limit} ms`); process.exit(2); }, limit).unref();
    const r = process.argv[2] === '--measure' ? await measure() : await measureExistingJoin();
    console.log(JSON.stringify(r));
    process.exit(0);
  }
  const maxNodes = Number(process.env.BENCH_NODES || 3);
  const budget = process.env.NODE_MAX_PARTICIPANTS || '4';
  const rows = [];
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  for (let n = 1; n <= maxNodes; n++) {
    const r = onCluster(n, { NODE_MAX_PARTICIPANTS: budget }, '--measure');
    if (!r) continue;
    rows.push(r);
    console.log(`BENCH cluster nodes=${n} budget=${budget} rooms_admitted=${r.admitted} refused_with=${r.refusal || '-'} `
      + `rooms_per_node=${Object.keys(r.perNode).sort().map((k) => `${k}:${r.perNode[k]}`).join(',')} `
      + `join_new_room_p50_ms=${r.newJoin.p50.toFixed(1)} join_new_room_p95_ms=${r.newJoin.p95.toFixed(1)} `
      + `locate_running_p50_ms=${r.locRunning.p50.toFixed(1)} locate_running_p95_ms=${r.locRunning.p95.toFixed(1)} `
      + `locate_unknown_p50_ms=${r.locUnknown.p50.toFixed(1)} locate_unknown_p95_ms=${r.locUnknown.p95.toFixed(1)} load=${load()}`);
  }
  const existing = onCluster(1, {}, '--existing');
  console.log(`\ncluster bench (budget ${budget} participants per node, one participant per room; all nodes share this machine's ${os.cpus().length} cores)`);
  console.log('nodes  rooms admitted  refused with  rooms per node            join new room p50/p95   locate running p50/p95  locate unknown p50/p95');
  for (const r of rows) {
    console.log(`${String(r.nodes).padEnd(7)}${String(r.admitted).padEnd(16)}${String(r.refusal || '-').padEnd(14)}${JSON.stringify(r.perNode).padEnd(26)}` +
      `${ms(r.newJoin.p50)} / ${ms(r.newJoin.p95)}`.padEnd(24) + `${ms(r.locRunning.p50)} / ${ms(r.locRunning.p95)}`.padEnd(24) +
      `${ms(r.locUnknown.p50)} / ${ms(r.locUnknown.p95)}`);
  }
  const base = rows.find((r) => r.nodes === 1);
  if (base) {
    console.log(`BENCH cluster-capacity ${rows.map((r) => `nodes${r.nodes}=${r.admitted}`).join(' ')} `
      + `${rows.map((r) => `x${r.nodes}=${(r.admitted / base.admitted).toFixed(2)}`).join(' ')}`);
  }
  if (existing) {
    console.log(`BENCH cluster-join-running-room p50_ms=${existing.p50.toFixed(1)} p95_ms=${existing.p95.toFixed(1)}`);
    if (base) console.log(`BENCH cluster-placement adds_p50_ms=${(base.newJoin.p50 - existing.p50).toFixed(1)} (join new room - join running room, 1 node: placement row + MCU room start)`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
