// A BFCP (RFC 8855) client for tests, as a room system speaks it: TCP (version 1, framed by the
// header's payload length) or UDP (version 2, one message per datagram). Enough of the codec to
// send Hello, FloorRequest, FloorRelease and Goodbye, and to read what the floor control server
// sends back (primitive, ids, the request status and the beneficiary of FLOOR-REQUEST-INFORMATION).
'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

const PRIM = { FloorRequest: 1, FloorRelease: 2, FloorRequestStatus: 4, FloorStatus: 8, Hello: 11, HelloAck: 12,
  Error: 13, FloorRequestStatusAck: 14, FloorStatusAck: 15, Goodbye: 16, GoodbyeAck: 17 };
const STATUS = { Granted: 3, Released: 6, Revoked: 7 };
const GROUPED = new Set([14, 15, 16, 17, 18]);

/** Encodes a message; attrs: [{ type, u16 }] (mandatory). */
function encode({ version, primitive, confid, tid, userid, attrs = [] }) {
  const body = [];
  for (const a of attrs) {
    const b = Buffer.alloc(4);
    b[0] = (a.type << 1) | 1;
    b[1] = 4;
    b.writeUInt16BE(a.u16, 2);
    body.push(b);
  }
  const payload = Buffer.concat(body);
  const h = Buffer.alloc(12);
  h[0] = version << 5;
  h[1] = primitive;
  h.writeUInt16BE(payload.length / 4, 2);
  h.writeUInt32BE(confid, 4);
  h.writeUInt16BE(tid, 8);
  h.writeUInt16BE(userid, 10);
  return Buffer.concat([h, payload]);
}

function parseAttrs(b) {
  const out = [];
  for (let off = 0; off + 2 <= b.length;) {
    const type = b[off] >> 1;
    const len = b[off + 1];
    if (len < 2 || off + len > b.length) break;
    const v = b.subarray(off + 2, off + len);
    const a = { type, value: v };
    if (GROUPED.has(type) && v.length >= 2) {
      a.u16 = v.readUInt16BE(0);
      a.children = parseAttrs(v.subarray(2));
    } else if (type === 5 && v.length >= 1) {
      a.status = v[0];
    } else if (v.length >= 2) {
      a.u16 = v.readUInt16BE(0);
    }
    out.push(a);
    off += (len + 3) & ~3;
  }
  return out;
}

/** -> { version, responder, primitive, confid, tid, userid, attrs, status, beneficiary, beneficiaryName } */
function decode(b) {
  const m = { version: b[0] >> 5, responder: !!(b[0] & 0x10), primitive: b[1], confid: b.readUInt32BE(4),
    tid: b.readUInt16BE(8), userid: b.readUInt16BE(10), attrs: parseAttrs(b.subarray(12)) };
  const fri = m.attrs.find((a) => a.type === 15);
  if (fri) {
    const ors = fri.children.find((a) => a.type === 18);
    const rs = ors && ors.children.find((a) => a.type === 5);
    m.status = rs ? rs.status : undefined;
    m.requestId = fri.u16;
    const ben = fri.children.find((a) => a.type === 14);
    m.beneficiary = ben ? ben.u16 : undefined;
    const name = ben && ben.children.find((a) => a.type === 12); // USER-DISPLAY-NAME
    m.beneficiaryName = name ? name.value.toString('utf8') : undefined;
  }
  return m;
}

/**
 * bfcpClient({ udp, host, port, confid, userid, drop }): resolves once connected (TCP) or bound
 * (UDP). drop(m), when given, is asked about every message received: true loses it, as a lossy
 * network would (UDP: the client neither sees nor acks it).
 * client.received lists every message that arrived, lost or not (for counting retransmissions).
 * client.send(primitive, { floor, request, t }) (request: a FLOOR-REQUEST-ID, for FloorRelease), client.next(pred, timeoutMs) resolves with the first
 * message (received from now on or earlier and not yet taken) that pred accepts, null after
 * timeoutMs; client.close().
 */
async function bfcpClient({ udp = false, host = '127.0.0.1', port, confid, userid, drop = null, localAddress = '127.0.0.1' }) {
  const inbox = [];
  const received = [];
  let waiters = [];
  let tid = 100;
  const version = udp ? 2 : 1;
  const take = (m) => {
    received.push({ ...m, at: Date.now() });
    if (drop && drop(m)) return;
    inbox.push(m);
    waiters = waiters.filter((w) => !w());
  };
  let write, close;
  let closed = false;
  if (udp) {
    const s = dgram.createSocket('udp4');
    await new Promise((r, j) => { s.once('error', j); s.bind(0, localAddress, r); });
    s.on('message', (b) => { if (b.length >= 12) take(decode(b)); });
    write = (b) => s.send(b, port, host);
    close = () => s.close();
  } else {
    const s = await new Promise((resolve, reject) => {
      const c = net.connect({ host, port, localAddress }, () => resolve(c));
      c.once('error', reject);
    });
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4) {
        const len = 12 + buf.readUInt16BE(2) * 4;
        if (buf.length < len) break;
        take(decode(buf.subarray(0, len)));
        buf = buf.subarray(len);
      }
    });
    s.on('error', () => {});
    s.on('close', () => { closed = true; });
    write = (b) => s.write(b);
    close = () => s.destroy();
  }
  return {
    inbox,
    received,
    /** TCP: the server closed the connection (or we did). */
    get closed() { return closed; },
    send(primitive, { floor, request, t } = {}) {
      const id = t || ++tid;
      const attrs = [...(floor ? [{ type: 2, u16: floor }] : []), ...(request ? [{ type: 3, u16: request }] : [])];
      write(encode({ version, primitive, confid, tid: id, userid, attrs }));
      return id;
    },
    /** Acks a server-initiated message over UDP (RFC 8855 §6.2.2), as room systems do. */
    ack(m) {
      if (!udp || m.responder) return;
      const prim = m.primitive === PRIM.FloorStatus ? PRIM.FloorStatusAck : PRIM.FloorRequestStatusAck;
      const b = encode({ version, primitive: prim, confid, tid: m.tid, userid });
      b[0] |= 0x10;
      write(b);
    },
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve) => {
        const t = setTimeout(() => { waiters = waiters.filter((x) => x !== w); resolve(null); }, timeoutMs);
        const w = () => {
          const i = inbox.findIndex(pred);
          if (i < 0) return false;
          const [m] = inbox.splice(i, 1);
          clearTimeout(t);
          resolve(m);
          return true;
        };
        if (!w()) waiters.push(w);
      });
    },
    close: () => close(),
  };
}

module.exports = { bfcpClient, encode, decode, PRIM, STATUS };
