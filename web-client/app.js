// Join page.
//   /?id=<id>&secret=<secret>&name=<guest>   an invitation link (invitation_info first, then join)
//   /?room=<name>[&name=<display>]           a room by name (+ PIN when it has one)
//   /join (index.html), / with nothing       a room + PIN form
//   &autojoin=1                              submits the form as soon as the page is ready
//   &lang=en|es, &debug=1
//   &content=0                               no content stream: the shared content only in the
//                                            composed picture (as an old app sees it)
// State for diagnostics and tests: window.vmr (janus, handle, joined, joinedEvent, participants,
// lastError, quality, reconnects, kicked, ...).
import { connectJanus, attachVmr, RequestQueue, PluginError, setIceServers, wsUrlOf, withoutRtxWhenSimulcast } from './janus-common.js';
import { t, applyI18n, setupLangSwitch, onLangChange } from './i18n.js';
import { initContent, contentJoined, contentTrack, contentEvent, contentLeft, renderContent } from './content.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const invitation = params.get('id') && params.get('secret') ? { id: Number(params.get('id')), secret: params.get('secret') } : null;

const state = {
  janus: null, handle: null, joined: false, joinedEvent: null, participants: new Map(), talking: new Set(),
  lastError: null, invitation: null, quality: null, reconnects: 0, reconnecting: false, kicked: false,
  leaving: false, devices: { audio: '', video: '' }, micOn: true, camOn: true,
  // hosts and guests: role 'host'|'guest', waiting (null|'host'|'locked'), locked, mutedByHost,
  // muted (id -> by_host), knocks (id -> {id, display, how}), spotlight, hostActions, hands
  role: null, waiting: null, locked: false, mutedByHost: false, muted: new Map(), knocks: new Map(),
  spotlight: null, hostActions: [], hands: [],
};
window.vmr = state;   // for diagnostics and tests
const queue = new RequestQueue();
let credentials = null;     // what the last join sent: { room, pin } or { id, secret }, and display
let previewStream = null;
let meter = null;
let statsTimer = null;
let lastStats = null;
let disconnectTimer = null;
let statusKey = null;       // { key, vars, error } of the status line, re-rendered on language change

// ---------------------------------------------------------------- status line

function setStatus(text, isError = false) {
  statusKey = null;
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
}
function setStatusT(key, vars = {}, isError = false) {
  setStatus(t(key, vars), isError);
  statusKey = { key, vars, isError };
}

/** Text of an element from the strings table, kept on language changes. */
function setI18n(el, key) {
  el.dataset.i18n = key;
  el.textContent = t(key);
}

function show(panel) {
  for (const id of ['join-panel', 'invalid-panel', 'call-panel', 'ended-panel']) $(id).hidden = id !== panel;
  document.body.classList.toggle('in-call', panel === 'call-panel');
}

// ---------------------------------------------------------------- participants

function renderParticipants() {
  const ul = $('participants');
  const me = state.joinedEvent ? state.joinedEvent.id : null;
  ul.replaceChildren(...[...state.participants.values()].map((p) => {
    const li = document.createElement('li');
    li.dataset.id = String(p.id);
    const talking = state.talking.has(p.id);
    li.classList.toggle('talking', talking);
    const dot = document.createElement('span');
    dot.className = 'talk-dot';
    dot.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = p.display + (p.id === me ? ` ${t('call.you')}` : '');
    li.append(dot, name);
    const m = state.muted.get(p.id);
    if (m !== undefined) {
      const mu = document.createElement('span');
      mu.className = 'muted-mark';
      mu.textContent = ` (${t(m ? 'hosts.mutedByHost' : 'call.unmute')})`;
      if (m) li.append(mu);
    }
    if (state.role === 'host' && p.id !== me) {
      const act = (label, fn) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.textContent = t(label);
        b.addEventListener('click', () => fn().catch((e) => hostNotice(e.message)));
        li.append(b);
      };
      const muted = state.muted.get(p.id) === true;
      act(muted ? 'hosts.unmute' : 'hosts.mute', () => queue.request({ request: 'mute', id: p.id, muted: !muted }));
      act(state.spotlight === p.id ? 'hosts.unspotlight' : 'hosts.spotlight',
        () => queue.request(state.spotlight === p.id ? { request: 'spotlight' } : { request: 'spotlight', id: p.id }));
      act('hosts.remove', () => queue.request({ request: 'remove', id: p.id }));
    }
    if (talking) {
      const sr = document.createElement('span');
      sr.className = 'sr-only';
      sr.textContent = ` ${t('call.talking')}`;
      li.append(sr);
    }
    return li;
  }));
  $('participant-count').textContent = String(state.participants.size);
}

// ---------------------------------------------------------------- preview and devices

async function startPreview() {
  stopPreview();
  const want = {
    audio: state.devices.audio ? { deviceId: { exact: state.devices.audio } } : true,
    video: state.devices.video ? { deviceId: { exact: state.devices.video } } : true,
  };
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia(want);
  } catch (e) {
    // Maybe one of the two is missing: try each alone.
    const parts = await Promise.all(['audio', 'video'].map((k) =>
      navigator.mediaDevices.getUserMedia({ [k]: want[k] }).catch(() => null)));
    const tracks = parts.filter(Boolean).flatMap((s) => s.getTracks());
    if (tracks.length) stream = new MediaStream(tracks);
    else {
      $('preview-off').hidden = false;
      $('preview-off').textContent = t('join.noDevices', { error: e.message || e.name || String(e) });
      state.previewError = e.name || String(e);
    }
  }
  previewStream = stream;
  state.preview = !!stream;
  if (!stream) return;
  const a = stream.getAudioTracks()[0], v = stream.getVideoTracks()[0];
  if (a) { state.devices.audio = a.getSettings().deviceId || state.devices.audio; a.enabled = state.micOn; }
  if (v) { state.devices.video = v.getSettings().deviceId || state.devices.video; v.enabled = state.camOn; }
  state.hasAudio = !!a;
  state.hasVideo = !!v;
  $('preview').srcObject = stream;
  $('preview').play().catch(() => {});
  $('preview-off').hidden = !!v && state.camOn;
  if (!v) $('preview-off').textContent = t('join.noCamera');
  else if (!state.camOn) $('preview-off').textContent = t('join.cameraIsOff');
  startMeter(stream);
  await listDevices();
}

function stopPreview() {
  if (meter) { meter.stop(); meter = null; }
  if (previewStream) previewStream.getTracks().forEach((tr) => tr.stop());
  previewStream = null;
  $('preview').srcObject = null;
}

function startMeter(stream) {
  if (!stream.getAudioTracks().length || !window.AudioContext) return;
  const ctx = new AudioContext();
  const src = ctx.createMediaStreamSource(stream);
  const an = ctx.createAnalyser();
  an.fftSize = 512;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const timer = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const x of buf) sum += x * x;
    $('mic-level').value = Math.min(1, Math.sqrt(sum / buf.length) * 4);
  }, 100);
  meter = { stop: () => { clearInterval(timer); $('mic-level').value = 0; ctx.close().catch(() => {}); } };
}

async function listDevices() {
  let devices = [];
  try { devices = await navigator.mediaDevices.enumerateDevices(); } catch (e) { /* none */ }
  for (const [kind, sel, labelKey] of [['audioinput', $('mic-select'), 'join.micN'], ['videoinput', $('cam-select'), 'join.camN']]) {
    const list = devices.filter((d) => d.kind === kind && d.deviceId);
    const current = kind === 'audioinput' ? state.devices.audio : state.devices.video;
    sel.replaceChildren(...list.map((d, i) => {
      const o = document.createElement('option');
      o.value = d.deviceId;
      o.textContent = d.label || t(labelKey, { n: i + 1 });
      o.selected = d.deviceId === current;
      return o;
    }));
    if (!list.length) {
      const o = document.createElement('option');
      o.value = '';
      o.textContent = t('join.noneFound');
      sel.append(o);
    }
    sel.disabled = list.length === 0;
  }
  state.deviceList = devices.map((d) => ({ kind: d.kind, deviceId: d.deviceId, label: d.label }));
}

function setMicOn(on) {
  if (on && state.mutedByHost) return;   // a host's mute is the host's to lift
  state.micOn = on;
  if (previewStream) previewStream.getAudioTracks().forEach((tr) => { tr.enabled = on; });
  if (state.joined && state.handle) (on ? state.handle.unmuteAudio() : state.handle.muteAudio());
  renderToggles();
}

function setCamOn(on) {
  state.camOn = on;
  if (previewStream) previewStream.getVideoTracks().forEach((tr) => { tr.enabled = on; });
  if (state.joined && state.handle) (on ? state.handle.unmuteVideo() : state.handle.muteVideo());
  if (state.hasVideo) {
    $('preview-off').hidden = on;
    $('preview-off').textContent = on ? '' : t('join.cameraIsOff');
  }
  $('local').classList.toggle('off', !on);
  renderToggles();
}

function renderToggles() {
  for (const id of ['preview-mic', 'mute']) {
    const b = $(id);
    b.setAttribute('aria-pressed', String(!state.micOn));
    b.classList.toggle('off', !state.micOn);
    b.querySelector('.label').textContent = t(state.mutedByHost ? 'hosts.mutedByHost' : state.micOn ? 'call.mute' : 'call.unmute');
    b.disabled = state.mutedByHost;
  }
  for (const id of ['preview-cam', 'camera']) {
    const b = $(id);
    b.setAttribute('aria-pressed', String(!state.camOn));
    b.classList.toggle('off', !state.camOn);
    b.querySelector('.label').textContent = t(state.camOn ? 'call.cameraOff' : 'call.cameraOn');
  }
}

// ---------------------------------------------------------------- connection quality

function startStats() {
  stopStats();
  lastStats = null;
  statsTimer = setInterval(sampleStats, 2000);
}
function stopStats() {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
}

async function sampleStats() {
  const pc = state.handle && state.handle.webrtcStuff && state.handle.webrtcStuff.pc;
  if (!pc || !state.joined) return;
  let report;
  try { report = await pc.getStats(); } catch (e) { return; }
  let lost = 0, received = 0, rtt = null, remoteLoss = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp') { lost += Math.max(0, s.packetsLost || 0); received += s.packetsReceived || 0; }
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime;
    if (s.type === 'remote-inbound-rtp') {
      if (rtt === null && typeof s.roundTripTime === 'number') rtt = s.roundTripTime;
      if (typeof s.fractionLost === 'number') remoteLoss = Math.max(remoteLoss || 0, s.fractionLost);
    }
  });
  const prev = lastStats;
  lastStats = { lost, received };
  if (!prev) return;
  const dLost = lost - prev.lost, dRecv = received - prev.received;
  let loss = dLost + dRecv > 0 ? dLost / (dLost + dRecv) : 0;
  if (remoteLoss !== null) loss = Math.max(loss, remoteLoss);
  let level;
  if (dRecv <= 0) level = 'poor';
  else if (loss < 0.02 && (rtt === null || rtt < 0.3)) level = 'good';
  else if (loss < 0.08 && (rtt === null || rtt < 0.6)) level = 'fair';
  else level = 'poor';
  state.quality = { level, loss, rtt, packetsReceived: dRecv, at: Date.now() };
  renderQuality();
}

function renderQuality() {
  const q = state.quality;
  const el = $('quality');
  el.dataset.level = q ? q.level : 'unknown';
  if (!q) { $('quality-text').textContent = ''; el.setAttribute('aria-label', t('quality.label')); return; }
  const text = t('quality.text', {
    level: t(`quality.${q.level}`),
    loss: (q.loss * 100).toFixed(q.loss < 0.1 ? 1 : 0),
    rtt: q.rtt === null ? '–' : Math.round(q.rtt * 1000),
  });
  $('quality-text').textContent = text;
  el.setAttribute('aria-label', `${t('quality.label')}: ${text}`);
  el.title = text;
}

// ---------------------------------------------------------------- plugin messages

function onPluginMessage(handle, msg, jsep) {
  if (handle !== state.handle) return;       // a handle we already gave up (reconnect)
  if (jsep) handle.handleRemoteJsep({ jsep });
  if (msg.kicked !== undefined) { onKicked(msg); return; }
  if (queue.feed(msg)) return;
  if (msg.vmr !== 'event') return;
  if (onHostsEvent(msg)) return;
  if (contentEvent(msg)) return;
  if (msg.joined) {
    state.participants.set(msg.joined.id, msg.joined);
    renderParticipants();
  } else if (msg.left !== undefined) {
    state.participants.delete(msg.left);
    state.talking.delete(msg.left);
    renderParticipants();
  } else if (msg.talking) {
    if (msg.talking.talking) state.talking.add(msg.talking.id);
    else state.talking.delete(msg.talking.id);
    renderParticipants();
  } else if (msg.speaker !== undefined) {
    // The participant on the main pane (null when nobody talks).
    state.lastSpeaker = msg.speaker;
    renderParticipants();
  } else if (msg.layout) {
    state.layout = msg.layout;
  } else if (msg.result === 'hangup') {
    if (state.joined && !state.leaving) reconnect('hangup');
  }
}

// ---------------------------------------------------------------- hosts and guests

function hostNotice(text) {
  $('host-notice').textContent = text;
}

function renderHosts() {
  const host = state.role === 'host';
  $('host-bar').hidden = !host;
  $('guest-bar').hidden = !state.mutedByHost;
  const lock = $('lock');
  lock.setAttribute('aria-pressed', String(state.locked));
  setI18n(lock, state.locked ? 'hosts.unlock' : 'hosts.lock');
  if (state.layout) $('layout-select').value = state.layout;
  $('knocks').replaceChildren(...(host ? [...state.knocks.values()] : []).map((k) => {
    const li = document.createElement('li');
    li.dataset.id = String(k.id);
    const text = document.createElement('span');
    text.textContent = t('hosts.knocking', { name: k.display, how: k.how });
    li.append(text);
    for (const [label, request] of [['hosts.admit', 'admit'], ['hosts.refuse', 'refuse']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = request;
      b.textContent = t(label);
      b.addEventListener('click', () => queue.request({ request, id: k.id }).catch((e) => hostNotice(e.message)));
      li.append(b);
    }
    return li;
  }));
  renderToggles();
  renderParticipants();
}

/** The events of vmr_hosts (docs/api.md); true when msg was one. */
function onHostsEvent(msg) {
  const me = state.joinedEvent ? state.joinedEvent.id : null;
  if (msg.waiting) {
    state.waiting = msg.waiting.reason;
    setStatusT(msg.waiting.reason === 'locked' ? 'hosts.waitingLocked' : 'hosts.waitingHost');
  } else if (msg.knock) {
    state.knocks.set(msg.knock.id, msg.knock);
    renderHosts();
  } else if (msg.knock_gone) {
    state.knocks.delete(msg.knock_gone.id);
    renderHosts();
  } else if (msg.locked !== undefined) {
    state.locked = msg.locked;
    if (!msg.locked) state.knocks.clear();
    renderHosts();
  } else if (msg.muted) {
    const m = msg.muted;
    if (m.muted) state.muted.set(m.id, m.by_host); else state.muted.delete(m.id);
    if (m.id === me) {
      state.mutedByHost = m.by_host;
      if (m.by_host) setMicOn(false);
    }
    renderHosts();
  } else if (msg.spotlight !== undefined) {
    state.spotlight = msg.spotlight;
    renderParticipants();
  } else if (msg.hand) {
    state.hands.push(msg.hand);
    hostNotice(t('hosts.hand', { name: msg.hand.display }));
  } else if (msg.host_action) {
    const a = msg.host_action;
    state.hostActions.push(a);
    hostNotice(t('hosts.did', { by: a.by, action: a.action, target: a.target ? ` ${a.target}` : '' }));
  } else if (msg.ended) {
    state.meetingEnded = true;
  } else {
    return false;
  }
  return true;
}

function onKicked(msg) {
  state.kicked = true;
  state.lastError = msg;
  state.joined = false;
  stopStats();
  const h = state.handle;
  state.handle = null;
  queue.abort('removed');
  if (h) { try { h.hangup(); h.detach(); } catch (e) { /* gone */ } }
  const why = msg.kicked === 'the meeting was ended' ? 'ended' : msg.kicked === 'removed by a host' ? 'removed' : null;
  setI18n($('ended-title'), why ? `hosts.${why}Title` : 'kicked.title');
  setI18n($('ended-text'), why ? `hosts.${why}Body` : 'kicked.body');
  $('rejoin').hidden = true;
  $('ended-panel').setAttribute('role', 'alert');
  show('ended-panel');
  if (why) setStatusT(`hosts.${why}Title`, {}, true); else setStatusT('kicked.status', {}, true);
}

// ---------------------------------------------------------------- session and handle

async function newHandle() {
  if (!state.janus) {
    state.server = state.server || pageServer;
    state.janus = await connectJanus({ debug: params.get('debug') === '1', onLost: onSessionLost, server: state.server });
  }
  let handle = null;
  handle = await attachVmr(state.janus, {
    onmessage: (msg, jsep) => onPluginMessage(handle, msg, jsep),
    webrtcState: (up) => {
      if (handle !== state.handle) return;
      state.webrtcUp = up;
      if (!up && state.joined && !state.leaving) reconnect('webrtc down');
    },
    iceState: (s) => {
      if (handle !== state.handle) return;
      state.iceState = s;
      if (s === 'failed' && state.joined && !state.leaving) iceRestart('ice failed');
      else if (s === 'disconnected' && state.joined) {
        setStatusT('call.unstable', {}, true);
        clearTimeout(disconnectTimer);
        disconnectTimer = setTimeout(() => {
          if (handle === state.handle && state.iceState === 'disconnected' && state.joined && !state.leaving) iceRestart('ice disconnected');
        }, 6000);
      } else if ((s === 'connected' || s === 'completed') && state.joined && statusKey && statusKey.key === 'call.unstable') {
        setStatusT('call.inRoom', { room: state.joinedEvent.room });
      }
    },
    onlocaltrack: (track, on) => {
      if (handle !== state.handle || track.kind !== 'video') return;
      const v = $('local');
      v.srcObject = on ? new MediaStream([track]) : null;
      if (on) v.play().catch(() => {});
    },
    onremotetrack: (track, mid, on) => {
      if (handle !== state.handle || !on) return;
      if (contentTrack(track, mid)) return;   // the room's content, on its own stream
      const video = $('remote');
      const stream = video.srcObject || new MediaStream();
      stream.getTracks().filter((tr) => tr.kind === track.kind).forEach((tr) => stream.removeTrack(tr));
      stream.addTrack(track);
      video.srcObject = stream;
      video.play().catch(() => {});
    },
    oncleanup: () => {
      if (handle !== state.handle) return;
      if (state.joined && !state.leaving && !state.kicked) { reconnect('cleanup'); return; }
      state.joined = false;
      stopStats();
    },
  });
  state.handle = handle;
  queue.handle = handle;
  return handle;
}

// ---------------------------------------------------------------- several nodes (docs/api.md, "locate")

// The page may be served by one node and the room live on another: before joining we ask the
// node we talk to where the room is (`locate`) and move our session there; a join for a room
// that moved meanwhile answers 435 with the url to move to. On rejoin after a failure the node we
// were on may be dead: we try it, the page's own node, then the nodes the last locate named.
const pageServer = wsUrlOf(location.origin);

function dropSession() {
  const j = state.janus;
  state.janus = null;
  state.handle = null;
  queue.handle = null;
  if (j) { try { j.destroy({ cleanupHandles: true, notifyDestroyed: false }); } catch (e) { /* gone */ } }
}

/** Points our session at the node of `url` (a new session and handle when it is another node). */
async function moveTo(url) {
  const server = wsUrlOf(url);
  if (server === state.server && state.handle) return;
  if (server !== state.server) dropSession();
  state.server = server;
  await newHandle();
}

function locateBody() {
  const body = { request: 'locate' };
  if (credentials.id) { body.id = credentials.id; body.secret = credentials.secret; } else body.room = credentials.room;
  return body;
}

/** Asks where the room lives and moves there. A server without `locate` (one node) is fine. */
async function followLocate() {
  let msg;
  try {
    msg = await queue.request(locateBody(), { timeoutMs: 10000 });
  } catch (e) {
    if (e instanceof PluginError && e.code === 413) return; // an older, single server
    throw e;
  }
  if (Array.isArray(msg.nodes)) state.knownNodes = msg.nodes;
  if (msg.url) await moveTo(msg.url);
}

/** locate, then offer + join; follows one 435 (the room was placed elsewhere meanwhile). */
async function locateAndJoin() {
  if (!state.handle) await newHandle();
  await followLocate();
  try {
    return await joinOnce();
  } catch (e) {
    if (!(e instanceof PluginError) || e.code !== 435 || !e.answer.url) throw e;
    state.handle = null; // (the refused offer's handle is being torn down)
    await moveTo(e.answer.url);
    return joinOnce();
  }
}

/** The node to try on rejoin attempt n (1-based): the one we were on, the page's, then the others known. */
function rejoinServer(n) {
  const all = [state.server || pageServer, pageServer, ...(state.knownNodes || []).map(wsUrlOf)];
  const unique = all.filter((s, i) => all.indexOf(s) === i);
  return unique[(n - 1) % unique.length];
}

function onSessionLost(reason) {
  state.janus = null;
  state.handle = null;
  queue.handle = null;
  queue.abort('connection lost');
  if (state.joined && !state.leaving && !state.kicked) reconnect('session lost');
  else if (!state.joined && !state.kicked) {
    setStatusT('err.service', { error: reason }, true);
    // come back when the service does
    setTimeout(() => { if (!state.handle && !state.joined) newHandle().then(ready, () => {}); }, 3000);
  }
}

function ready() {
  $('join').disabled = false;
  if (!statusKey || statusKey.key !== 'join.ready') setStatusT('join.ready');
}

// ---------------------------------------------------------------- join / leave / reconnect

function offerTracks() {
  const capture = (kind) => {
    const has = kind === 'audio' ? state.hasAudio !== false : state.hasVideo !== false;
    if (!has) return false;
    const id = state.devices[kind];
    return id ? { deviceId: { exact: id } } : true;
  };
  const video = { type: 'video', capture: capture('video'), recv: true };
  if (video.capture && state.simulcast && window.RTCRtpTransceiver) {
    // Simulcast (the server asks for it): the camera in 3 sizes, smallest first; the room
    // decodes for each tile the smallest that fills it.
    video.simulcast = true;
    video.sendEncodings = [
      { rid: 'q', active: true, scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: 'h', active: true, scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: 'f', active: true, scaleResolutionDownBy: 1, maxBitrate: 1500000 },
    ];
  }
  return [{ type: 'audio', capture: capture('audio'), recv: true }, video];
}

function createOffer(handle) {
  return new Promise((resolve, reject) => handle.createOffer({ tracks: offerTracks(), customizeSdp: withoutRtxWhenSimulcast, success: resolve, error: reject }))
    .then((jsep) => {
      // our rids are listed smallest first (Janus's default order is the reverse)
      if (state.simulcast) jsep.rid_order = 'lmh';
      return jsep;
    });
}

/**
 * TURN credentials from the service (none when it has no TURN server), for the offer about to
 * be made: a page behind a firewall that blocks UDP reaches the room through TURN/TCP or TLS.
 */
async function refreshTurn() {
  try {
    const msg = await queue.request({ request: 'turn_credentials' });
    setIceServers(msg.ice_servers);
    state.simulcast = msg.simulcast === true;
  } catch (e) {
    // an older service without the request: direct ICE only
  }
}

/** Offer + join on the current handle; resolves with the joined answer. */
async function joinOnce() {
  const handle = state.handle;
  await refreshTurn();
  const jsep = await createOffer(handle).catch((e) => { const err = new Error(e.message || e.name || String(e)); err.media = true; throw err; });
  const body = { request: 'join', display: credentials.display, client: 'web' };
  if (credentials.id) { body.id = credentials.id; body.secret = credentials.secret; } else { body.room = credentials.room; if (credentials.pin) body.pin = credentials.pin; }
  // (a guest may wait for a host, or knock on a locked room, for a long time)
  const msg = await queue.request(body, { jsep, timeoutMs: 4 * 3600 * 1000 });
  if (!state.micOn) handle.muteAudio();
  if (!state.camOn) handle.muteVideo();
  return msg;
}

function onJoined(msg) {
  state.joined = true;
  state.joinedEvent = msg;
  state.leaving = false;
  state.participants = new Map(msg.participants.map((p) => [p.id, p]));
  state.talking = new Set();
  state.layout = msg.layout;
  if (msg.speaker !== undefined) state.lastSpeaker = msg.speaker;
  state.waiting = null;
  state.role = msg.role || 'guest';
  const h = msg.hosts || {};
  state.locked = !!h.locked;
  state.spotlight = h.spotlight ?? null;
  state.muted = new Map((h.muted || []).map((m) => [m.id, m.by_host]));
  state.mutedByHost = state.muted.get(msg.id) === true;
  state.knocks = new Map((h.knocking || []).map((k) => [k.id, k]));
  renderHosts();
  show('call-panel');
  state.quality = null;
  renderQuality();
  startStats();
  $('local').classList.toggle('off', !state.camOn);
  contentJoined(msg);
}

async function join() {
  const display = $('display').value.trim() || 'Guest';
  $('form-error').textContent = '';
  if (invitation) {
    credentials = { id: invitation.id, secret: invitation.secret, display };
  } else {
    const room = $('room').value.trim().toLowerCase();
    const pin = $('pin').value.trim();
    if (!/^[a-z0-9.-]{3,32}$/.test(room)) { fieldError('room', t('join.badRoom')); return; }
    if (pin && !/^[0-9]{4}$/.test(pin)) { fieldError('pin', t('join.badPin')); return; }
    credentials = { room, pin, display };
  }
  $('join').disabled = true;
  setStatusT('join.connecting');
  stopPreview();
  try {
    const msg = await locateAndJoin();
    onJoined(msg);
    setStatusT('call.inRoom', { room: msg.room });
  } catch (e) {
    state.lastError = e instanceof PluginError ? e.answer : { error: e.message };
    if (e instanceof PluginError) {
      if (e.code === 422) { showInvalid(); return; }
      if (e.code === 430) setStatusT('hosts.refused', {}, true);
      else if (e.code === 432) setStatusT('join.full', { s: e.retryAfter || 30 }, true);
      else setStatusT('join.failed', { error: e.reason, code: e.code }, true);
      if (e.code === 416 || e.code === 414) fieldError(e.code === 416 && credentials.pin ? 'pin' : 'room', e.reason);
    } else if (e.media) {
      setStatusT('join.mediaError', { error: e.message }, true);
    } else {
      setStatusT('join.failed', { error: e.message, code: '–' }, true);
    }
    // A fresh handle for the next try: janus refuses a new offer on a handle whose last one
    // is still being torn down ("490 Error setting ICE locally").
    const h = state.handle;
    state.handle = null;
    queue.handle = null;
    if (h) { try { h.detach(); } catch (e2) { /* gone */ } }
    $('join').disabled = false;
    startPreview();
  }
}

function fieldError(field, text) {
  const input = $(field);
  input.setAttribute('aria-invalid', 'true');
  $('form-error').textContent = text;
  input.focus();
}

/** The media path died while in the call: rejoin with a fresh handle (the plugin has no renegotiation). */
/** Resolves true once pred() holds, false after timeoutMs. */
function until(pred, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred()) resolve(true);
      else if (Date.now() - t0 > timeoutMs) resolve(false);
      else setTimeout(tick, 200);
    };
    tick();
  });
}

// The first answer to a network drop: an ICE restart, which keeps us in the room (nobody sees
// us leave). Only when that does not bring the media back do we rejoin with a fresh handle.
async function iceRestart(why) {
  if (state.restarting || state.reconnecting || state.kicked) return;
  const handle = state.handle;
  state.restarting = true;
  state.lastDrop = why;
  setStatusT('call.unstable', {}, true);
  let ok = false;
  try {
    const jsep = await new Promise((resolve, reject) => handle.createOffer({ iceRestart: true, customizeSdp: withoutRtxWhenSimulcast, success: resolve, error: reject }));
    if (state.simulcast) jsep.rid_order = 'lmh'; // as createOffer
    await queue.request({ request: 'configure' }, { jsep });
    ok = await until(() => state.iceState === 'connected' || state.iceState === 'completed', 12000);
  } catch (e) {
    ok = false;
  }
  state.restarting = false;
  if (handle !== state.handle || !state.joined || state.leaving || state.kicked) return;
  if (ok) {
    state.iceRestarts = (state.iceRestarts || 0) + 1;
    setStatusT('call.inRoom', { room: state.joinedEvent.room });
    return;
  }
  reconnect(why);
}

async function reconnect(why) {
  if (state.reconnecting || state.kicked) return;
  state.reconnecting = true;
  state.lastDrop = why;
  state.joined = false;
  stopStats();
  clearTimeout(disconnectTimer);
  const old = state.handle;
  state.handle = null;
  queue.abort('reconnecting');
  if (old) { try { old.detach({ noRequest: !state.janus }); } catch (e) { /* gone */ } }
  $('quality').dataset.level = 'poor';
  for (let attempt = 1; attempt <= 6 && !state.kicked && !state.leaving; attempt++) {
    setStatusT('call.reconnecting', { n: attempt }, true);
    try {
      const server = rejoinServer(attempt);
      if (server !== state.server) dropSession();
      state.server = server;
      const msg = await locateAndJoin();
      onJoined(msg);
      state.reconnects++;
      state.reconnecting = false;
      setStatusT('call.reconnected', { room: msg.room });
      return;
    } catch (e) {
      state.lastError = e instanceof PluginError ? e.answer : { error: e.message };
      if (e instanceof PluginError && (e.code === 422 || e.code === 416)) {
        state.reconnecting = false;
        if (e.code === 422) { onKicked({ kicked: e.reason, error_code: 422 }); return; }
        break;
      }
      const h = state.handle;
      state.handle = null;
      if (h) { try { h.detach(); } catch (e2) { /* gone */ } }
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 15000)));
    }
  }
  state.reconnecting = false;
  if (state.leaving || state.kicked) return;
  ended('ended.lostTitle', 'ended.lostBody');
  setStatusT('call.reconnectFailed', {}, true);
}

function ended(titleKey, textKey) {
  setI18n($('ended-title'), titleKey);
  setI18n($('ended-text'), textKey);
  $('ended-panel').removeAttribute('role');
  $('rejoin').hidden = false;
  show('ended-panel');
  $('rejoin').focus();
}

async function leave() {
  state.leaving = true;
  stopStats();
  contentLeft();
  try { await queue.request({ request: 'leave' }, { timeoutMs: 5000 }); } catch (e) { /* hang up anyway */ }
  const h = state.handle;
  state.joined = false;
  state.handle = null;
  queue.handle = null;
  if (h) { try { h.detach(); } catch (e) { /* gone */ } }   // a fresh handle for "Join again"
  ended('ended.leftTitle', 'ended.leftBody');
  setStatusT('ended.leftStatus');
}

function showInvalid() {
  stopPreview();
  show('invalid-panel');
  setStatusT('invalid.status', {}, true);
  $('invalid-title').focus();
}

// ---------------------------------------------------------------- page set-up

function setupForm() {
  const room = params.get('room') || '';
  $('room').value = room;
  $('display').value = params.get('name') || '';
  $('join').disabled = true;
  if (invitation) {
    $('room-field').hidden = true;
    $('pin-field').hidden = true;
    $('room').required = false;
  } else if (room) {
    $('room-label').textContent = room;
  }
  $('join-form').addEventListener('submit', (e) => { e.preventDefault(); join(); });
  for (const id of ['room', 'pin']) $(id).addEventListener('input', () => { $(id).removeAttribute('aria-invalid'); $('form-error').textContent = ''; });
  $('leave').addEventListener('click', leave);
  initContent({ state, queue, $, t, receive: params.get('content') !== '0' });
  $('rejoin').addEventListener('click', () => {
    show('join-panel');
    $('join').disabled = false;
    startPreview();
    $('display').focus();
  });
  $('mute').addEventListener('click', () => setMicOn(!state.micOn));
  $('ask-to-speak').addEventListener('click', () => queue.request({ request: 'ask_to_speak' })
    .then(() => hostNotice(t('hosts.asked'))).catch((e) => hostNotice(e.message)));
  $('lock').addEventListener('click', () => queue.request({ request: 'lock', locked: !state.locked }).catch((e) => hostNotice(e.message)));
  $('mute-guests').addEventListener('click', () => queue.request({ request: 'mute_guests', muted: true }).catch((e) => hostNotice(e.message)));
  $('layout-select').addEventListener('change', (e) => queue.request({ request: 'set_layout', layout: e.target.value }).catch((x) => hostNotice(x.message)));
  $('end-meeting').addEventListener('click', () => queue.request({ request: 'end_meeting' }).catch((e) => hostNotice(e.message)));
  $('preview-mic').addEventListener('click', () => setMicOn(!state.micOn));
  $('camera').addEventListener('click', () => setCamOn(!state.camOn));
  $('preview-cam').addEventListener('click', () => setCamOn(!state.camOn));
  $('mic-select').addEventListener('change', (e) => { state.devices.audio = e.target.value; startPreview(); });
  $('cam-select').addEventListener('change', (e) => { state.devices.video = e.target.value; startPreview(); });
  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', () => { if (previewStream) listDevices(); });
  }
}

function renderInvitation() {
  const inv = state.invitation;
  if (!inv) return;
  setI18n($('join-title-text'), 'join.titleInvited');
  $('room-label').textContent = inv.room;
  const p = $('invite-info');
  p.hidden = false;
  p.textContent = t('join.invitedBy', { owner: inv.owner, room: inv.room });
}

function retranslate() {
  if (statusKey) setStatusT(statusKey.key, statusKey.vars, statusKey.isError);
  renderToggles();
  renderParticipants();
  renderQuality();
  if (state.joined) renderHosts();
  renderContent();
  renderInvitation();
  if (!$('preview-off').hidden && state.hasVideo && !state.camOn) $('preview-off').textContent = t('join.cameraIsOff');
}

async function main() {
  applyI18n();
  setupLangSwitch($('lang'));
  onLangChange(retranslate);
  setupForm();
  renderToggles();
  if (!invitation && !params.get('room')) setI18n($('join-title-text'), 'join.titleByName');
  setStatusT('join.connectingService');
  try {
    await newHandle();
  } catch (e) {
    setStatusT('err.service', { error: e.message }, true);
    return;
  }
  if (invitation) {
    try {
      const info = await queue.request({ request: 'invitation_info', id: invitation.id, secret: invitation.secret });
      state.invitation = info;
      renderInvitation();
      if (!$('display').value && info.guest_name) $('display').value = info.guest_name;
    } catch (e) {
      state.lastError = e instanceof PluginError ? e.answer : { error: e.message };
      if (e instanceof PluginError && (e.code === 422 || e.code === 414 || e.code === 415)) { showInvalid(); return; }
      setStatusT('err.service', { error: e.message }, true);
      return;
    }
  }
  ready();
  if (params.get('autojoin') === '1') {
    $('join-form').requestSubmit();
  } else {
    await startPreview();
  }
}

main();
