// A small Janus API client over WebSocket (ws), for tests that talk to the plugins directly.
// Buffers every message: an asynchronous plugin event may arrive before the "ack" of its request.
'use strict';
const WebSocket = require('ws');

class JanusClient {
  /**
   * Opens a WebSocket to url; opts.localAddress makes it come from that address (127.0.0.x).
   * A server that accepts the connection but never answers the upgrade fails it after
   * handshakeTimeout (10 s) instead of leaving the caller waiting forever.
   */
  static async connect(url, protocol = 'janus-protocol', opts = {}) {
    const c = new JanusClient();
    c.ws = new WebSocket(url, protocol, { maxPayload: 16 * 1024 * 1024, handshakeTimeout: 10000, ...opts });
    c.messages = [];
    c.waiters = [];
    c.closed = false;
    c.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      c.messages.push(msg);
      c.waiters = c.waiters.filter((w) => !w.check());
    });
    c.ws.on('close', (code) => { c.closed = true; c.closeCode = code; c.waiters.forEach((w) => w.check()); });
    await new Promise((resolve, reject) => { c.ws.once('open', resolve); c.ws.once('error', reject); });
    return c;
  }

  /** Resolves with the first buffered/future message matching pred (and removes it). */
  waitFor(pred, timeoutMs = 10000, what = 'message') {
    return new Promise((resolve, reject) => {
      const w = {
        check: () => {
          const i = this.messages.findIndex(pred);
          if (i >= 0) { clearTimeout(w.timer); resolve(this.messages.splice(i, 1)[0]); return true; }
          if (this.closed) { clearTimeout(w.timer); reject(new Error(`connection closed while waiting for ${what}`)); return true; }
          return false;
        },
      };
      w.timer = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error(`timeout waiting for ${what}`)); }, timeoutMs);
      if (!w.check()) this.waiters.push(w);
    });
  }

  send(msg) {
    const transaction = Math.random().toString(36).slice(2);
    this.ws.send(JSON.stringify({ transaction, ...msg }));
    return transaction;
  }

  /** Sends a request and waits for its final answer (skips "ack"). */
  async request(msg, timeoutMs = 10000) {
    const tx = this.send(msg);
    return this.waitFor((m) => m.transaction === tx && m.janus !== 'ack', timeoutMs, `answer to ${msg.janus}`);
  }

  async createSession() {
    const r = await this.request({ janus: 'create' });
    if (r.janus !== 'success') throw new Error('create failed: ' + JSON.stringify(r));
    this.sessionId = r.data.id;
    this.keepalive = setInterval(() => this.send({ janus: 'keepalive', session_id: this.sessionId }), 15000);
    return this.sessionId;
  }

  async attach(plugin) {
    const r = await this.request({ janus: 'attach', session_id: this.sessionId, plugin });
    if (r.janus !== 'success') throw new Error('attach failed: ' + JSON.stringify(r));
    return r.data.id;
  }

  /** Sends a plugin message; resolves with the plugin's answer { data, jsep, janus }. */
  async message(handleId, body, jsep, timeoutMs = 10000) {
    const msg = { janus: 'message', session_id: this.sessionId, handle_id: handleId, body };
    if (jsep) msg.jsep = jsep;
    const r = await this.request(msg, timeoutMs);
    return { janus: r.janus, data: r.plugindata && r.plugindata.data, jsep: r.jsep, error: r.error, raw: r };
  }

  close() {
    clearInterval(this.keepalive);
    try { this.ws.close(); } catch (e) { /* already closed */ }
  }
}

module.exports = { JanusClient };
