// Join page: /?room=<name>[&name=<display>] joins a VMR room through janus.plugin.vmr.
// janus.js (Debian's libjs-janus-gateway) is loaded as a classic script and defines window.Janus.
const Janus = window.Janus;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// janus.js consults adapter.js only for browser quirks; describe the browser ourselves.
function browserDetails() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Firefox|Chrome|Version)\/(\d+)/);
  const browser = /Firefox/.test(ua) ? 'firefox' : /Chrome|Chromium/.test(ua) ? 'chrome' : /Safari/.test(ua) ? 'safari' : 'unknown';
  return { browser, version: m ? parseInt(m[2], 10) : 0 };
}

const state = { janus: null, handle: null, joined: false, participants: new Map() };
window.vmr = state;   // for diagnostics and tests

function setStatus(text, isError = false) {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
}

function renderParticipants() {
  const ul = $('participants');
  ul.replaceChildren(...[...state.participants.values()].map((p) => {
    const li = document.createElement('li');
    li.textContent = p.display;
    return li;
  }));
}

function onPluginMessage(msg, jsep) {
  if (msg.error_code) {
    setStatus(`Could not join: ${msg.error} (${msg.error_code})`, true);
    state.lastError = msg;
    if (!state.joined) {
      $('join').disabled = false;
      state.handle.hangup();
    }
    return;
  }
  if (msg.vmr === 'joined') {
    state.joined = true;
    state.joinedEvent = msg;
    state.participants = new Map(msg.participants.map((p) => [p.id, p]));
    renderParticipants();
    $('join-panel').hidden = true;
    $('call-panel').hidden = false;
    setStatus(`In room ${msg.room}`);
  } else if (msg.joined) {
    state.participants.set(msg.joined.id, msg.joined);
    renderParticipants();
  } else if (msg.left !== undefined) {
    state.participants.delete(msg.left);
    renderParticipants();
  }
  if (jsep) state.handle.handleRemoteJsep({ jsep });
}

function join(room, display, pin) {
  $('join').disabled = true;
  setStatus('Connecting…');
  state.handle.createOffer({
    tracks: [
      { type: 'audio', capture: true, recv: true },
      { type: 'video', capture: true, recv: true },
    ],
    success: (jsep) => {
      const message = { request: 'join', room, display };
      if (pin) message.pin = pin;
      state.handle.send({ message, jsep });
    },
    error: (err) => {
      setStatus(`Camera/microphone unavailable: ${err.message || err}`, true);
      $('join').disabled = false;
    },
  });
}

function attach() {
  state.janus.attach({
    plugin: 'janus.plugin.vmr',
    success: (handle) => {
      state.handle = handle;
      $('join').disabled = false;
      setStatus('Ready');
      if (params.get('autojoin') === '1') $('join-form').requestSubmit();
    },
    error: (err) => setStatus(`Cannot reach the meeting service: ${err}`, true),
    onmessage: onPluginMessage,
    webrtcState: (up) => { state.webrtcUp = up; if (!up && state.joined) setStatus('Media disconnected', true); },
    onremotetrack: (track, mid, on) => {
      const video = $('remote');
      if (!on) return;
      const stream = video.srcObject || new MediaStream();
      stream.getTracks().filter((t) => t.kind === track.kind).forEach((t) => stream.removeTrack(t));
      stream.addTrack(track);
      video.srcObject = stream;
      video.play().catch(() => {});
    },
    oncleanup: () => {
      state.joined = false;
      $('call-panel').hidden = true;
      $('join-panel').hidden = false;
      $('join').disabled = false;
    },
  });
}

function setupForm() {
  const room = params.get('room') || '';
  $('room').value = room;
  $('room-label').textContent = room;
  $('display').value = params.get('name') || '';
  $('join').disabled = true;
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join($('room').value.trim(), $('display').value.trim() || 'Guest', $('pin').value.trim());
  });
  $('leave').addEventListener('click', () => {
    state.handle.send({ message: { request: 'leave' } });
    setStatus('You left the meeting');
  });
  $('mute').addEventListener('click', (e) => {
    const muted = state.handle.isAudioMuted();
    muted ? state.handle.unmuteAudio() : state.handle.muteAudio();
    e.target.textContent = muted ? 'Mute' : 'Unmute';
    e.target.setAttribute('aria-pressed', String(!muted));
  });
  $('camera').addEventListener('click', (e) => {
    const off = state.handle.isVideoMuted();
    off ? state.handle.unmuteVideo() : state.handle.muteVideo();
    e.target.textContent = off ? 'Camera off' : 'Camera on';
    e.target.setAttribute('aria-pressed', String(!off));
  });
}

setupForm();
Janus.init({
  debug: params.get('debug') === '1' ? 'all' : ['error'],
  dependencies: Janus.useDefaultDependencies({ adapter: { browserDetails: browserDetails() } }),
  callback: () => {
    const server = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
    state.janus = new Janus({
      server,
      iceServers: [],
      success: attach,
      error: (err) => setStatus(`Cannot reach the meeting service: ${err}`, true),
      destroyed: () => setStatus('Session closed'),
    });
  },
});
