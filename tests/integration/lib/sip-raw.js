// A SIP peer on one UDP socket (or one TLS connection) speaking just enough SIP for tests that
// need requests sipp cannot write (broken Request-URIs, odd bodies, chosen Expires values; TLS,
// which Debian's sipp is built without): send a request, wait for the final answer by Call-ID
// and CSeq; REGISTER with digest; keys typed in a call as SIP INFO.
'use strict';
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const tls = require('node:tls');

/** One SIP message (latin1 text) -> { first, status, method, headers (lower-case name -> [values]), body }. */
function parseSip(text) {
  const i = text.indexOf('\r\n\r\n');
  const head = i >= 0 ? text.slice(0, i) : text;
  const body = i >= 0 ? text.slice(i + 4) : '';
  const lines = head.split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c < 0) continue;
    const k = l.slice(0, c).trim().toLowerCase();
    (headers[k] = headers[k] || []).push(l.slice(c + 1).trim());
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(lines[0]);
  return { first: lines[0], status: m ? Number(m[1]) : 0, method: m ? null : lines[0].split(' ')[0], headers, body };
}

const md5 = (x) => crypto.createHash('md5').update(x).digest('hex');
/** An Authorization value answering a Digest challenge (RFC 2617, qop=auth). */
function digestAnswer(www, user, pass, method, uri) {
  const p = {};
  for (const m of www.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1]] = m[2] !== undefined ? m[2] : m[3];
  const cnonce = crypto.randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = md5(`${user}:${p.realm}:${pass}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", `
    + `algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

const rand = (n) => crypto.randomBytes(n).toString('hex');

/**
 * rawSipPeer({ ip, bridgePort, domain, tls }): resolves with a peer bound to ip (any free port),
 * or with tls ({ ca }: the certificate to check the bridge's against) connected over TLS to
 * bridgePort. peer.request({ method, ruri, headers: [...], body, contentType, keep, ackBody })
 * sends a request outside a dialog and resolves with the final response (or null after
 * timeoutMs); contentType null sends the body without a Content-Type. A 2xx to an INVITE is
 * ACKed (with ackBody as SDP, if given) and, unless keep, ended with BYE at once; with keep,
 * response.bye() ends it and response.reinvite(sdp) sends a re-INVITE in the dialog. peer.register(user, pass, { expiresHeader, contact }) does the 401
 * round and resolves with the final response.
 */
async function rawSipPeer({ ip = '127.0.0.1', bridgePort, domain, tls: tlsOpts = null }) {
  const responses = [];
  const requests = [];
  let waiters = [];
  let sendText, port, transport, close;
  const onMessage = (text) => {
    const msg = parseSip(text);
    if (msg.status) responses.push(msg);
    else {
      requests.push(msg);
      if (msg.method !== 'ACK') {
        const h = msg.headers;
        const reply = ['SIP/2.0 200 OK', ...(h.via || []).map((v) => `Via: ${v}`), `From: ${h.from}`, `To: ${h.to}`,
          `Call-ID: ${h['call-id']}`, `CSeq: ${h.cseq}`, 'Content-Length: 0', '', ''].join('\r\n');
        sendText(reply);
      }
    }
    waiters = waiters.filter((w) => !w());
  };
  if (tlsOpts) {
    const sock = await new Promise((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port: bridgePort, ca: tlsOpts.ca }, () => resolve(c));
      c.once('error', reject);
    });
    port = sock.localPort;
    transport = 'TLS';
    // a stream: messages are framed by their Content-Length
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        buf = buf.replace(/^(\r\n)+/, '');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const m = /\r\n(?:Content-Length|l)\s*:\s*(\d+)/i.exec(buf.slice(0, end));
        const len = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + len) break;
        const text = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        onMessage(text);
      }
    });
    sock.on('error', () => {});
    sendText = (text) => new Promise((r) => sock.write(Buffer.from(text, 'latin1'), r));
    close = () => sock.destroy();
  } else {
    const sock = dgram.createSocket('udp4');
    await new Promise((r, j) => { sock.once('error', j); sock.bind(0, ip, r); });
    port = sock.address().port;
    transport = 'UDP';
    sock.on('message', (b) => onMessage(b.toString('latin1')));
    sendText = (text) => new Promise((r) => sock.send(Buffer.from(text, 'latin1'), bridgePort, '127.0.0.1', r));
    close = () => sock.close();
  }
  const contactParams = tlsOpts ? ';transport=tls' : '';
  const via = () => `Via: SIP/2.0/${transport} ${ip}:${port};branch=z9hG4bK${rand(6)};rport`;
  const waitFor = (pred, timeoutMs) => new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), timeoutMs);
    const w = () => { const v = pred(); if (v) { clearTimeout(t); resolve(v); return true; } return false; };
    if (!w()) waiters.push(w);
  });
  const peer = { ip, port, responses, requests };
  peer.request = async ({ method, ruri, headers = [], body = '', contentType = 'application/sdp', callId = rand(8),
    cseq = 1, fromUser = 'raw', toUri = ruri, timeoutMs = 5000, keep = false, ackBody = '' }) => {
    const tag = rand(4);
    const lines = [`${method} ${ruri} SIP/2.0`, via(),
      `From: <sip:${fromUser}@${domain}>;tag=${tag}`, `To: <${toUri}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`,
      `Contact: <sip:${fromUser}@${ip}:${port}${contactParams}>`, 'Max-Forwards: 70', ...headers,
      ...(body && contentType ? [`Content-Type: ${contentType}`] : []),
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body];
    await sendText(lines.join('\r\n'));
    const r = await waitFor(() => responses.find((x) => x.status >= 200 && x.headers['call-id'] && x.headers['call-id'][0] === callId
      && x.headers.cseq[0] === `${cseq} ${method}`), timeoutMs);
    if (r && r.status < 300 && method === 'INVITE') {
      const to = r.headers.to[0];
      const target = r.headers.contact ? /<([^>]+)>/.exec(r.headers.contact[0])[1] : ruri;
      const inDialog = (m, n, b = '', type = 'application/sdp') => [`${m} ${target} SIP/2.0`, via(),
        `From: <sip:${fromUser}@${domain}>;tag=${tag}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${n} ${m}`, 'Max-Forwards: 70',
        ...(m === 'INVITE' ? [`Contact: <sip:${fromUser}@${ip}:${port}${contactParams}>`] : []),
        ...(b ? [`Content-Type: ${type}`] : []), `Content-Length: ${Buffer.byteLength(b, 'latin1')}`, '', b].join('\r\n');
      await sendText(inDialog('ACK', cseq, ackBody));
      let n = cseq;
      r.bye = () => sendText(inDialog('BYE', ++n));
      /** A re-INVITE with body in the dialog: resolves with its final response (a 2xx is ACKed,
       * with ackBody when given: the answer to an offer in the 200 when body is ''). */
      r.reinvite = async (b, { ackBody: reAck = '' } = {}) => {
        const my = ++n;
        await sendText(inDialog('INVITE', my, b));
        const rr = await waitFor(() => responses.find((x) => x.status >= 200 && x.headers['call-id']
          && x.headers['call-id'][0] === callId && x.headers.cseq[0] === `${my} INVITE`), timeoutMs);
        if (rr && rr.status < 300) await sendText(inDialog('ACK', my, reAck));
        return rr;
      };
      /** Keys typed in the call as SIP INFO (application/dtmf-relay), one INFO per key. */
      r.keys = async (keys) => {
        for (const k of keys) await sendText(inDialog('INFO', ++n, `Signal=${k}\r\nDuration=160\r\n`, 'application/dtmf-relay'));
      };
      if (!keep) await r.bye();
    }
    return r;
  };
  peer.register = async (user, pass, { expiresHeader, contact = `<sip:${user}@${ip}:${port}>` } = {}) => {
    const callId = rand(8);
    const headers = [`Contact: ${contact}`, ...(expiresHeader !== undefined ? [`Expires: ${expiresHeader}`] : [])];
    const reg = (cseq, extra) => {
      const lines = [`REGISTER sip:${domain} SIP/2.0`, via(),
        `From: <sip:${user}@${domain}>;tag=${rand(4)}`, `To: <sip:${user}@${domain}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`,
        ...headers, ...extra, 'Max-Forwards: 70', 'Content-Length: 0', '', ''];
      return sendText(lines.join('\r\n')).then(() => waitFor(() => responses.find((x) => x.status >= 200
        && x.headers['call-id'][0] === callId && x.headers.cseq[0] === `${cseq} REGISTER`), 5000));
    };
    const first = await reg(1, []);
    if (!first || first.status !== 401) return first;
    return reg(2, [`Authorization: ${digestAnswer(first.headers['www-authenticate'][0], user, pass, 'REGISTER', `sip:${domain}`)}`]);
  };
  /** Sends text as it is (a request the helpers above would not write). */
  peer.sendRaw = (text) => sendText(text);
  peer.waitFor = waitFor;
  peer.close = () => close();
  return peer;
}

module.exports = { rawSipPeer, parseSip, digestAnswer };
