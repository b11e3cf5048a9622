// Shared by the join page (app.js) and the management page (manage.js): janus.js set-up,
// attaching to janus.plugin.vmr and request/answer pairing over a plugin handle.
// janus.js (Debian's libjs-janus-gateway) is loaded as a classic script and defines window.Janus.
const Janus = window.Janus;

// janus.js consults adapter.js only for browser quirks; describe the browser ourselves.
export function browserDetails() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Firefox|Chrome|Version)\/(\d+)/);
  const browser = /Firefox/.test(ua) ? 'firefox' : /Chrome|Chromium/.test(ua) ? 'chrome' : /Safari/.test(ua) ? 'safari' : 'unknown';
  return { browser, version: m ? parseInt(m[2], 10) : 0 };
}

/**
 * The ICE servers every PeerConnection of this page uses. janus.js keeps a reference to the
 * array it was given, so the TURN credentials the service hands out (request
 * `turn_credentials`) are filled in here, in place, before an offer is made.
 */
export const iceServers = [];
export function setIceServers(list) {
  iceServers.splice(0, iceServers.length, ...(Array.isArray(list) ? list : []));
}

let initialised = null;
function initJanus(debug) {
  if (!initialised) {
    initialised = new Promise((resolve) => Janus.init({
      debug: debug ? 'all' : ['error'],
      dependencies: Janus.useDefaultDependencies({ adapter: { browserDetails: browserDetails() } }),
      callback: resolve,
    }));
  }
  return initialised;
}

/** The WebSocket URL of a node's public URL ("https://10.77.0.11:8443" -> "wss://10.77.0.11:8443/"). */
/**
 * Removes RTX (RFC 4588) from an offer that sends simulcast, in place (janus.js customizeSdp:
 * before setLocalDescription). Janus 1.1 creates the SSRC it retransmits our picture from only
 * for a video m-line whose offer names its RTX SSRC (a=ssrc-group:FID), which a simulcast offer
 * with rids does not: it then sends every retransmission as RTX from SSRC 0, the browser drops
 * them, and a lost packet of the room's picture is never repaired. Without RTX the core resends
 * the packet itself on the picture's SSRC, which the browser takes.
 */
export function withoutRtxWhenSimulcast(jsep) {
  if (!jsep || typeof jsep.sdp !== 'string' || !/\na=simulcast:/.test(jsep.sdp)) return;
  const lines = jsep.sdp.split(/\r?\n/);
  // each line's m-section (-1: the session part), and per video section its RTX payload
  // types and RTX SSRCs
  const section = [];
  const rtx = new Map();
  let m = -1;
  let video = false;
  lines.forEach((l, i) => {
    if (l.startsWith('m=')) {
      m = i;
      video = l.startsWith('m=video ');
      if (video) rtx.set(m, { pts: new Set(), ssrcs: new Set() });
    }
    section.push(m);
    if (!video) return;
    const pt = /^a=rtpmap:(\d+) rtx\//i.exec(l);
    if (pt) rtx.get(m).pts.add(pt[1]);
    const fid = /^a=ssrc-group:FID \d+ (\d+)/.exec(l);
    if (fid) rtx.get(m).ssrcs.add(fid[1]);
  });
  jsep.sdp = lines.flatMap((l, i) => {
    const r = rtx.get(section[i]);
    if (!r || r.pts.size === 0) return [l];
    if (i === section[i]) {
      const f = l.split(' ');
      return [f.slice(0, 3).concat(f.slice(3).filter((x) => !r.pts.has(x))).join(' ')];
    }
    const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /.exec(l);
    const ss = /^a=ssrc:(\d+) /.exec(l);
    if ((pt && r.pts.has(pt[1])) || /^a=ssrc-group:FID /.test(l) || (ss && r.ssrcs.has(ss[1]))) return [];
    return [l];
  }).join('\r\n');
}

export function wsUrlOf(httpUrl) {
  const u = new URL(httpUrl, location.href);
  return `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/`;
}

/**
 * A new Janus session on `server` (a WebSocket URL; default: this page's own origin). onLost(reason)
 * is called if the session dies later (the WebSocket dropped, the server restarted): the caller
 * decides whether to reconnect.
 */
export async function connectJanus({ debug = false, onLost = () => {}, server = wsUrlOf(location.origin) } = {}) {
  await initJanus(debug);
  return new Promise((resolve, reject) => {
    let up = false;
    const janus = new Janus({
      server,
      iceServers,
      success: () => { up = true; resolve(janus); },
      error: (err) => { if (up) onLost(String(err)); else reject(new Error(String(err))); },
      destroyed: () => {},
    });
  });
}

/** Messages the plugin sends on its own (not answers to a request). */
export function isAsyncEvent(msg) {
  if (!msg || msg.vmr !== 'event') return false;
  return 'joined' in msg || 'left' in msg || 'talking' in msg || 'kicked' in msg || 'mail' in msg ||
    'guest_joined' in msg || 'pin_locked' in msg || 'layout' in msg || 'speaker' in msg || msg.result === 'hangup' ||
    // hosts and guests
    'waiting' in msg || 'knock' in msg || 'knock_gone' in msg || 'locked' in msg || 'muted' in msg ||
    'spotlight' in msg || 'ended' in msg || 'hand' in msg || 'host_action' in msg ||
    // content sharing
    ('content' in msg && 'room' in msg) || 'floor_lost' in msg;
}

/** An error answer of the plugin, as an Error with .code and .reason (the server's text). */
export class PluginError extends Error {
  constructor(msg) {
    super(msg.error || `error ${msg.error_code}`);
    this.code = msg.error_code;
    this.reason = msg.error || '';
    this.retryAfter = msg.retry_after;
    this.answer = msg;
  }
}

/**
 * Pairs requests with answers on one plugin handle. The plugin answers asynchronously and
 * janus.js does not tell which request an event answers, so requests go one at a time.
 */
export class RequestQueue {
  constructor() {
    this.handle = null;
    this.chain = Promise.resolve();
    this.pending = null;
  }

  /** Sends body (and an optional jsep); resolves with the answer, rejects with PluginError. */
  request(body, { jsep, timeoutMs = 20000 } = {}) {
    const run = () => new Promise((resolve, reject) => {
      const handle = this.handle;
      if (!handle) { reject(new Error('not connected')); return; }
      const timer = setTimeout(() => { this.pending = null; reject(new Error('no answer from the server')); }, timeoutMs);
      this.pending = {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      const msg = { message: body };
      if (jsep) msg.jsep = jsep;
      msg.error = (err) => {
        if (!this.pending) return;
        this.pending.reject(new Error(String(err)));
        this.pending = null;
      };
      handle.send(msg);
    });
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  /** Feeds a plugin message in: true when it answered the request in flight. */
  feed(msg) {
    if (!this.pending || isAsyncEvent(msg)) return false;
    const p = this.pending;
    this.pending = null;
    if (msg.error_code) p.reject(new PluginError(msg));
    else p.resolve(msg);
    return true;
  }

  /** Fails the request in flight (the handle went away). */
  abort(reason) {
    if (this.pending) { this.pending.reject(new Error(reason)); this.pending = null; }
  }
}

/** Attaches to janus.plugin.vmr; resolves with the handle. callbacks as in janus.js attach(). */
export function attachVmr(janus, callbacks) {
  return new Promise((resolve, reject) => {
    janus.attach({
      plugin: 'janus.plugin.vmr',
      ...callbacks,
      success: resolve,
      error: (err) => reject(new Error(String(err))),
    });
  });
}

/** Copies text to the clipboard; falls back to selecting a field and execCommand. */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    if (field) {
      field.focus();
      field.select();
      try { return document.execCommand('copy'); } catch (e2) { return false; }
    }
    return false;
  }
}
