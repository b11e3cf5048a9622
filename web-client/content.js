// Content sharing on the in-call page (issue #13): "Share screen" (getDisplayMedia), "Stop
// sharing", and the content view (the shared content large, the people picture beside it,
// switchable).
//
// The room's content travels as a second video stream on the same PeerConnection: after each
// join the page adds a recvonly video transceiver and asks the plugin to `receive_content` on
// it; to present, the screen track goes on that transceiver (sendrecv) and the new offer goes
// with `present`; `stop_presenting` takes it off again. The plugin tells every page who
// presents (`content`: {id, display} or null) and a presenter whose floor was taken
// (`floor_lost`). State: window.vmr.content (the presenter or null), .presenting,
// .contentReceiving, .contentMid, .contentNotice.
import { withoutRtxWhenSimulcast } from './janus-common.js';

let ctx = null; // { state, queue, $, t, receive (false: composed picture only, like an old app) }

function pc() {
  const h = ctx.state.handle;
  return h && h.webrtcStuff ? h.webrtcStuff.pc : null;
}

/** A new offer from the PeerConnection as it is now (janus.js: no track changes). */
function renegotiate() {
  const handle = ctx.state.handle;
  return new Promise((resolve, reject) => handle.createOffer({ tracks: [], customizeSdp: withoutRtxWhenSimulcast, success: resolve, error: reject }))
    .then((jsep) => {
      // the camera's simulcast rids are listed smallest first (app.js offerTracks)
      if (ctx.state.simulcast) jsep.rid_order = 'lmh';
      return jsep;
    });
}

function notice(key, vars = {}) {
  ctx.state.contentNotice = key ? { key, vars } : null;
  renderContent();
}

/** Shows or hides the content view and sets the buttons from the state. */
export function renderContent() {
  if (!ctx) return;
  const { state, $, t } = ctx;
  const someone = state.content && state.joined;
  const showView = !!(someone && state.contentReceiving && (!state.presenting || state.content.id !== state.joinedEvent.id));
  $('stage').classList.toggle('with-content', showView);
  $('content').hidden = !showView;
  $('swap-view').hidden = !showView;
  const share = $('share');
  share.disabled = !state.joined || !state.contentTx;
  share.setAttribute('aria-pressed', state.presenting ? 'true' : 'false');
  share.querySelector('.label').textContent = t(state.presenting ? 'content.stop' : 'content.share');
  const n = state.contentNotice;
  $('content-notice').textContent = n ? t(n.key, n.vars)
    : !someone ? ''
      : state.content.id === state.joinedEvent.id ? t('content.youPresent')
        : t('content.presenting', { name: state.content.display || '?' });
}

/** Takes the screen off the content stream locally (no request). */
async function dropScreen() {
  const { state } = ctx;
  const tx = state.contentTx;
  state.presenting = false;
  if (state.screenTrack) { state.screenTrack.stop(); state.screenTrack = null; }
  if (tx) {
    await tx.sender.replaceTrack(null).catch(() => {});
    try { tx.direction = 'recvonly'; } catch (e) { /* closed */ }
  }
}

/**
 * Presents: the screen chosen with getDisplayMedia or, for tests and apps that make their own
 * picture, a given video track.
 */
export async function startSharing(track) {
  const { state, queue } = ctx;
  const tx = state.contentTx;
  if (!tx) throw new Error('no content stream');
  if (!track) {
    // content: up to 1080p at a slide-show frame rate (the room sends it at 5-15 fps)
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 15 } }, audio: false,
    });
    track = stream.getVideoTracks()[0];
  }
  // slides and text: keep the resolution, drop frames rather than pixels
  if ('contentHint' in track && !track.contentHint) track.contentHint = 'detail';
  notice(null);
  state.screenTrack = track;
  track.addEventListener('ended', () => { if (state.presenting && state.screenTrack === track) stopSharing().catch(() => {}); });
  await tx.sender.replaceTrack(track);
  tx.direction = 'sendrecv';
  const jsep = await renegotiate();
  try {
    await queue.request({ request: 'present' }, { jsep });
  } catch (e) {
    await dropScreen();
    renderContent();
    throw e;
  }
  state.presenting = true;
  renderContent();
}

/** Stops presenting (the button, the browser's own "Stop sharing" bar, or leaving). */
export async function stopSharing() {
  const { state, queue } = ctx;
  const was = state.presenting;
  await dropScreen();
  renderContent();
  if (!state.handle || !state.joined) return;
  const jsep = await renegotiate();
  await queue.request({ request: was ? 'stop_presenting' : 'configure' }, { jsep }).catch(() => {});
}

/** After each join (and rejoin): the content stream, received on its own transceiver. */
export async function contentJoined(msg) {
  const { state, queue } = ctx;
  state.content = msg.content || null;
  state.presenting = false;
  state.contentReceiving = false;
  state.contentTx = null;
  state.screenTrack = null;
  notice(null);
  renderContent();
  const peer = pc();
  if (!ctx.receive || !peer || typeof peer.addTransceiver !== 'function') return;
  try {
    const tx = peer.addTransceiver('video', { direction: 'recvonly' });
    state.contentTx = tx;
    const jsep = await renegotiate();
    state.contentMid = tx.mid;
    await queue.request({ request: 'receive_content' }, { jsep });
    state.contentReceiving = true;
  } catch (e) {
    state.contentError = String(e.message || e);
  }
  renderContent();
}

/** janus.js onremotetrack: true when the track is the content stream (shown in #content). */
export function contentTrack(track, mid) {
  const { state, $ } = ctx;
  if (!state.contentTx || track.kind !== 'video' || mid !== state.contentTx.mid) return false;
  const v = $('content');
  if (!v.srcObject || v.srcObject.getVideoTracks()[0] !== track) {
    v.srcObject = new MediaStream([track]);
    v.play().catch(() => {});
  }
  return true;
}

/** Plugin events `content` and `floor_lost`: true when msg was one. */
export function contentEvent(msg) {
  const { state } = ctx;
  if (msg.content !== undefined && msg.vmr === 'event' && msg.room) {
    state.content = msg.content;
    // "X took over your presentation" stays while X presents
    const n = state.contentNotice;
    if (!(n && n.key === 'content.takenOver' && msg.content && msg.content.id === n.vars.id)) notice(null);
    renderContent();
    return true;
  }
  if (msg.floor_lost) {
    const by = msg.floor_lost.by;
    state.floorLost = msg.floor_lost;
    if (state.presenting) {
      dropScreen().then(() => {
        renderContent();
        // the screen no longer goes out: tell the server with a new offer
        return renegotiate().then((jsep) => ctx.queue.request({ request: 'configure' }, { jsep }));
      }).catch(() => {});
    }
    notice(by ? 'content.takenOver' : 'content.stopped', { name: by ? by.display : '', id: by ? by.id : 0 });
    renderContent();
    return true;
  }
  return false;
}

/** Leaving: the screen capture ends with the call. */
export function contentLeft() {
  if (!ctx) return;
  const { state } = ctx;
  if (state.screenTrack) { state.screenTrack.stop(); state.screenTrack = null; }
  state.presenting = false;
  state.content = null;
  state.contentReceiving = false;
  state.contentTx = null;
  notice(null);
  renderContent();
}

export function initContent(context) {
  ctx = context;
  const { state, $ } = ctx;
  state.content = null;
  state.presenting = false;
  state.shareTrack = (track) => startSharing(track); // for tests: a canvas track as the "screen"
  $('share').addEventListener('click', () => {
    const p = state.presenting ? stopSharing() : startSharing();
    p.catch((e) => { if (e && e.name !== 'NotAllowedError') notice('content.failed', { error: e.message || String(e) }); });
  });
  $('swap-view').addEventListener('click', () => {
    const swapped = $('stage').classList.toggle('swapped');
    $('swap-view').setAttribute('aria-pressed', swapped ? 'true' : 'false');
  });
  renderContent();
}
