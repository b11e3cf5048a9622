// Management page (/manage): a device account logs in and manages its personal VMR:
// name, PIN, layout, "receive a call", invitations; live notices when guests join.
// The login token is kept in sessionStorage and `resume`d on reload.
// State for diagnostics and tests: window.vmrManage.
import { connectJanus, attachVmr, RequestQueue, PluginError, copyText } from './janus-common.js';
import { t, applyI18n, setupLangSwitch, onLangChange, formatDateTime } from './i18n.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const TOKEN_KEY = 'tpaas.manage.token';
const NAME_RE = /^[a-z0-9.-]{3,32}$/;
const PIN_RE = /^([0-9]{4})?$/;
const LAYOUT_IDS = { speaker: 'layout-speaker', '1+7': 'layout-1p7', '2x2': 'layout-2x2', '3x3': 'layout-3x3' };

const state = {
  janus: null, handle: null, loggedIn: false, account: null, room: null, invitations: [],
  toasts: [], events: [], lastError: null, notifications: [],
};
window.vmrManage = state;
const queue = new RequestQueue();
let statusKey = null;

// ---------------------------------------------------------------- small helpers

function setStatus(key, vars = {}, isError = false) {
  statusKey = key ? { key, vars, isError } : null;
  const el = $('status');
  el.textContent = key ? t(key, vars) : '';
  el.classList.toggle('error', !!isError);
}

/** A message from the strings table in element e, re-rendered when the language changes. */
function setMsg(e, key, vars = {}) {
  if (!key) { delete e.dataset.msg; e.textContent = ''; return; }
  e.dataset.msg = JSON.stringify({ key, vars });
  e.textContent = t(key, vars);
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'title') e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** A toast; kind "info" or "error" (errors stay longer: 15 s instead of 8 s; both can be closed). */
function toast(text, kind = 'info') {
  state.toasts.push({ text, kind, at: Date.now() });
  const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': t('common.close'), text: '×' });
  const item = el('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, el('span', { text }), close);
  close.addEventListener('click', () => item.remove());
  $('toasts').append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 15000 : 8000);
  return item;
}

/** Confirmation dialog; resolves true on OK. */
function confirmDialog(title, text, okText) {
  const d = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okText;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.showModal();
    $('confirm-cancel').focus();
  });
}

async function request(body) {
  try {
    return await queue.request(body);
  } catch (e) {
    state.lastError = e instanceof PluginError ? e.answer : { error: e.message };
    if (e instanceof PluginError && e.code === 423 && body.request !== 'login' && body.request !== 'resume') {
      // The session expired: back to the login form.
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin();
      setMsg($('login-error'), 'login.expired');
    }
    throw e;
  }
}

// ---------------------------------------------------------------- plugin events

function onPluginMessage(msg) {
  if (queue.feed(msg)) return;
  if (msg.vmr !== 'event') return;
  state.events.push(msg);
  if (msg.guest_joined) {
    const g = msg.guest_joined;
    const text = t('notify.guestJoined', { name: g.display, room: g.room });
    toast(text, 'info');
    if ('Notification' in window && Notification.permission === 'granted') {
      try {
        state.notifications.push(new Notification(t('notify.title'), { body: text, tag: `guest-${g.room}-${g.display}` }));
      } catch (e) { /* some browsers only allow notifications from a service worker */ }
    }
    if (g.invitation) refreshInvitations();
  } else if (msg.pin_locked) {
    // Wrong PINs locked PIN entry to the room (browsers and phones together): the owner
    // still gets in, and invitation links still work.
    const p = msg.pin_locked;
    toast(t('notify.pinLocked', { room: p.room, n: p.failures, min: Math.max(1, Math.round(p.retry_after / 60)) }), 'error');
  } else if (msg.mail) {
    const m = msg.mail;
    const inv = state.invitations.find((i) => i.id === m.invitation);
    const who = inv ? inv.email : `#${m.invitation}`;
    if (m.sent) toast(t('mail.sent', { email: who }), 'info');
    else toast(t('mail.failed', { email: who, error: m.error || '' }), 'error');
    refreshInvitations();
  }
}

// ---------------------------------------------------------------- connection

async function connect() {
  state.janus = await connectJanus({ debug: params.get('debug') === '1', onLost: onSessionLost });
  state.handle = await attachVmr(state.janus, {
    onmessage: (msg) => onPluginMessage(msg),
  });
  queue.handle = state.handle;
}

function onSessionLost() {
  state.janus = null;
  state.handle = null;
  queue.handle = null;
  queue.abort('connection lost');
  setStatus('err.lost', {}, true);
  const retry = async () => {
    try {
      await connect();
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token && state.loggedIn) await resume(token);
      setStatus(null);
    } catch (e) {
      setTimeout(retry, 3000);
    }
  };
  setTimeout(retry, 2000);
}

// ---------------------------------------------------------------- login

function showLogin() {
  state.loggedIn = false;
  $('manage-app').hidden = true;
  $('login-panel').hidden = false;
  $('account-name').hidden = true;
  $('logout').hidden = true;
  $('login').disabled = false;
  $('username').focus();
}

function showApp() {
  state.loggedIn = true;
  $('login-panel').hidden = true;
  $('manage-app').hidden = false;
  $('account-name').hidden = false;
  $('account-name').textContent = state.account.display_name || state.account.username;
  $('logout').hidden = false;
  setupNotifyBox();
}

async function login(e) {
  e.preventDefault();
  const username = $('username').value.trim(), password = $('password').value;
  setMsg($('login-error'), null);
  if (!username || !password) { setMsg($('login-error'), 'login.missing'); return; }
  $('login').disabled = true;
  try {
    const r = await request({ request: 'login', username, password });
    sessionStorage.setItem(TOKEN_KEY, r.token);
    $('password').value = '';
    await loggedIn(r);
  } catch (err) {
    $('login').disabled = false;
    if (err instanceof PluginError && err.code === 425) setMsg($('login-error'), 'login.wrong');
    else if (err instanceof PluginError && err.code === 426) setMsg($('login-error'), 'login.locked', { s: err.retryAfter || 60 });
    else setMsg($('login-error'), 'login.failed', { error: err.message });
    $('password').focus();
  }
}

async function resume(token) {
  const r = await request({ request: 'resume', token });
  await loggedIn(r);
}

async function loggedIn(r) {
  state.account = r.account;
  state.room = r.room || null;
  if (!state.room) {
    try { state.room = (await request({ request: 'get_room' })).room; } catch (e) { /* shown below */ }
  }
  showApp();
  renderRoom();
  await refreshInvitations();
  $('main').focus();
}

async function logout() {
  try { await request({ request: 'logout' }); } catch (e) { /* gone anyway */ }
  sessionStorage.removeItem(TOKEN_KEY);
  state.account = null;
  state.room = null;
  state.invitations = [];
  showLogin();
}

// ---------------------------------------------------------------- the room form

function domain() {
  const sip = state.room && state.room.sip_address;
  return sip && sip.includes('@') ? sip.slice(sip.indexOf('@') + 1) : location.hostname;
}

function renderRoom() {
  const r = state.room;
  if (!r) return;
  $('room-name').value = r.name;
  $('room-pin').value = r.pin || '';
  const id = LAYOUT_IDS[r.layout] || LAYOUT_IDS.speaker;
  $(id).checked = true;
  $('receive-call').checked = !!r.receive_call;
  $('room-host_pin').value = r.host_pin || '';
  $('wait-for-host').checked = !!r.wait_for_host;
  $('end-after').value = String(r.end_after_host_min || 0);
  validateName();
  validatePin();
  $('join-link').value = r.join_url || '';
  $('fact-sip').textContent = r.sip_address || '';
  $('fact-number').textContent = r.meeting_number != null ? String(r.meeting_number) : '';
  $('fact-ip').textContent = r.dial_ip || '';
  $('sip-password').value = (state.account && state.account.sip_password) || '';
  // The join link points at the public host; open it on this one (same path and query).
  try {
    const u = new URL(r.join_url);
    $('open-room').href = `/${u.search}`;
  } catch (e) { $('open-room').href = `/?room=${encodeURIComponent(r.address || r.name)}`; }
}

// A new SIP password: the old one stops working, so ask first.
async function newSipPassword() {
  const ok = await confirmDialog(t('sip.newTitle'), t('sip.newText'), t('sip.new'));
  if (!ok) return;
  try {
    const r = await request({ request: 'new_sip_password' });
    state.account.sip_password = r.sip_password;
    $('sip-password').value = r.sip_password;
  } catch (err) {
    toast(t('sip.newFailed', { error: err.message }), 'error');
  }
}

function fieldMessage(field, text) {
  $(`room-${field}-error`).textContent = text || '';
  const input = field === 'layout' ? null : $(`room-${field}`);
  if (input) {
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function validateName() {
  const v = $('room-name').value;
  let msg = '';
  if (v.length < 3 || v.length > 32) msg = t('room.nameLength');
  else if (!NAME_RE.test(v)) msg = t('room.nameChars');
  fieldMessage('name', msg);
  $('sip-preview').textContent = msg ? '—' : `${v}.join@${domain()}`;
  return !msg;
}

function validatePin() {
  const ok = PIN_RE.test($('room-pin').value);
  fieldMessage('pin', ok ? '' : t('room.pinBad'));
  return ok;
}

function selectedLayout() {
  const c = document.querySelector('input[name="layout"]:checked');
  return c ? c.value : null;
}

async function save(e) {
  e.preventDefault();
  setMsg($('save-error'), null);
  setMsg($('save-status'), null);
  const okName = validateName(), okPin = validatePin();
  if (!okName || !okPin) { (okName ? $('room-pin') : $('room-name')).focus(); return; }
  const hostPinOk = PIN_RE.test($('room-host_pin').value);
  fieldMessage('host_pin', hostPinOk ? '' : t('room.pinBad'));
  if (!hostPinOk) { $('room-host_pin').focus(); return; }
  const r = state.room || {};
  const body = { request: 'update_room' };
  const name = $('room-name').value, pin = $('room-pin').value, layout = selectedLayout(), rc = $('receive-call').checked;
  if (name !== r.name) body.name = name;
  if (pin !== (r.pin || '')) body.pin = pin;
  if (layout && layout !== r.layout) body.layout = layout;
  if (rc !== !!r.receive_call) body.receive_call = rc;
  const hostPin = $('room-host_pin').value, wait = $('wait-for-host').checked;
  const endAfter = Math.max(0, Math.min(1440, parseInt($('end-after').value, 10) || 0));
  if (hostPin !== (r.host_pin || '')) body.host_pin = hostPin;
  if (wait !== !!r.wait_for_host) body.wait_for_host = wait;
  if (endAfter !== (r.end_after_host_min || 0)) body.end_after_host_min = endAfter;
  if (Object.keys(body).length === 1) { setMsg($('save-status'), 'room.nothing'); return; }
  $('save').disabled = true;
  try {
    const ans = await request(body);
    state.room = ans.room;
    renderRoom();
    setMsg($('save-status'), 'room.saved');
  } catch (err) {
    const reason = err instanceof PluginError ? err.reason : err.message;
    if (err instanceof PluginError && err.code === 427) { fieldMessage('name', t('room.nameTaken')); $('room-name').focus(); }
    else if (/^name/i.test(reason)) { fieldMessage('name', reason); $('room-name').focus(); }
    else if (/^host_pin/i.test(reason)) { fieldMessage('host_pin', reason); $('room-host_pin').focus(); }
    else if (/^pin/i.test(reason)) { fieldMessage('pin', reason); $('room-pin').focus(); }
    else if (/^layout/i.test(reason)) fieldMessage('layout', reason);
    else setMsg($('save-error'), 'room.saveFailed', { error: reason });
  } finally {
    $('save').disabled = false;
  }
}

// ---------------------------------------------------------------- invitations

async function refreshInvitations() {
  try {
    const r = await request({ request: 'list_invitations' });
    state.invitations = r.invitations || [];
    renderInvitations();
  } catch (e) { /* shown by request() when the session expired */ }
}

function mailStatusText(s) {
  if (!s) return '';
  if (s === 'queued') return t('mail.queued');
  if (s === 'sent') return t('mail.statusSent');
  if (s.startsWith('failed')) return t('mail.statusFailed', { error: s.replace(/^failed:?\s*/, '') });
  return s;
}

function renderInvitations() {
  const tbody = document.querySelector('#invitations tbody');
  tbody.replaceChildren(...state.invitations.map((inv) => {
    const urlInput = el('input', { readOnly: true, value: inv.url, class: 'url-field', 'aria-label': t('inv.urlFor', { email: inv.email }) });
    const copy = el('button', { type: 'button', class: 'secondary small copy', text: t('common.copy'), 'aria-label': t('inv.copyFor', { email: inv.email }) });
    copy.addEventListener('click', async () => {
      const ok = await copyText(inv.url, urlInput);
      copy.textContent = ok ? t('common.copied') : t('common.copyFailed');
      setTimeout(() => { copy.textContent = t('common.copy'); }, 2000);
    });
    const actions = el('td', { class: 'inv-actions' });
    if (inv.state === 'active') {
      const revoke = el('button', { type: 'button', class: 'secondary small revoke', text: t('inv.revoke'), 'aria-label': t('inv.revokeFor', { email: inv.email }) });
      revoke.addEventListener('click', () => revokeInvitation(inv));
      actions.append(revoke);
    }
    const del = el('button', { type: 'button', class: 'danger small delete', text: t('inv.delete'), 'aria-label': t('inv.deleteFor', { email: inv.email }) });
    del.addEventListener('click', () => deleteInvitation(inv));
    actions.append(del);
    const failed = (inv.mail_status || '').startsWith('failed');
    return el('tr', { 'data-id': String(inv.id), 'data-state': inv.state },
      el('td', { class: 'inv-email', 'data-label': t('inv.email') }, el('span', { class: 'email', text: inv.email })),
      el('td', { class: 'inv-url', 'data-label': t('inv.url') }, el('div', { class: 'copy-row' }, urlInput, copy)),
      // the digits a room system keys after the meeting number instead of the PIN
      el('td', { class: 'inv-code', 'data-label': t('inv.code'), title: t('inv.codeHint'), text: inv.code || '—' }),
      el('td', { class: 'inv-created', 'data-label': t('inv.created'), text: formatDateTime(inv.created_at) }),
      el('td', { class: 'inv-state', 'data-label': t('inv.state') }, el('span', { class: `pill ${inv.state}`, text: t(`inv.state.${inv.state}`) })),
      el('td', { class: `inv-mail${failed ? ' failed' : ''}`, 'data-label': t('inv.mail'), 'data-status': inv.mail_status || '', text: mailStatusText(inv.mail_status) }),
      actions);
  }));
  $('invitations-empty').hidden = state.invitations.length > 0;
  $('invitations').hidden = state.invitations.length === 0;
}

async function invite(e) {
  e.preventDefault();
  const input = $('invite-email');
  const email = input.value.trim();
  setMsg($('invite-error'), null);
  input.removeAttribute('aria-invalid');
  if (!email || !input.checkValidity()) {
    setMsg($('invite-error'), 'inv.badEmail');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  $('invite-send').disabled = true;
  try {
    const r = await request({ request: 'invite', email });
    input.value = '';
    const inv = r.invitation;
    if ((inv.mail_status || '').startsWith('failed')) {
      // The table shows it too; say here what to do about it.
      setMsg($('invite-error'), 'inv.mailNotSent', { email: inv.email, error: inv.mail_status.replace(/^failed:?\s*/, '') });
    } else {
      toast(t('inv.createdToast', { email: inv.email }), 'info');
    }
    await refreshInvitations();
  } catch (err) {
    const reason = err instanceof PluginError ? err.reason : err.message;
    setMsg($('invite-error'), 'inv.failed', { error: reason });
    input.setAttribute('aria-invalid', 'true');
  } finally {
    $('invite-send').disabled = false;
  }
}

async function revokeInvitation(inv) {
  const ok = await confirmDialog(t('inv.revokeTitle'), t('inv.revokeText', { email: inv.email }), t('inv.revoke'));
  if (!ok) return;
  try {
    await request({ request: 'revoke_invitation', id: inv.id });
    toast(t('inv.revoked', { email: inv.email }));
  } catch (err) {
    toast(t('inv.actionFailed', { error: err instanceof PluginError ? err.reason : err.message }), 'error');
  }
  await refreshInvitations();
}

async function deleteInvitation(inv) {
  const ok = await confirmDialog(t('inv.deleteTitle'), t('inv.deleteText', { email: inv.email }), t('inv.delete'));
  if (!ok) return;
  try {
    await request({ request: 'delete_invitation', id: inv.id });
    toast(t('inv.deleted', { email: inv.email }));
  } catch (err) {
    toast(t('inv.actionFailed', { error: err instanceof PluginError ? err.reason : err.message }), 'error');
  }
  await refreshInvitations();
}

// ---------------------------------------------------------------- notifications

function setupNotifyBox() {
  const box = $('notify-box');
  box.hidden = !('Notification' in window) || Notification.permission !== 'default';
}

// ---------------------------------------------------------------- page set-up

function retranslate() {
  if (statusKey) setStatus(statusKey.key, statusKey.vars, statusKey.isError);
  for (const e of document.querySelectorAll('[data-msg]')) { const m = JSON.parse(e.dataset.msg); e.textContent = t(m.key, m.vars); }
  if (state.room) { validateName(); if ($('room-pin-error').textContent) validatePin(); }
  renderInvitations();
}

async function main() {
  applyI18n();
  setupLangSwitch($('lang'));
  onLangChange(retranslate);
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('room-form').addEventListener('submit', save);
  $('room-name').addEventListener('input', validateName);
  $('room-pin').addEventListener('input', validatePin);
  for (const r of document.querySelectorAll('input[name="layout"]')) r.addEventListener('change', () => fieldMessage('layout', ''));
  $('invite-form').addEventListener('submit', invite);
  $('copy-join-link').addEventListener('click', async () => {
    const b = $('copy-join-link');
    const ok = await copyText($('join-link').value, $('join-link'));
    b.textContent = ok ? t('common.copied') : t('common.copyFailed');
    setTimeout(() => { b.textContent = t('common.copy'); }, 2000);
  });
  $('copy-sip-password').addEventListener('click', async () => {
    const b = $('copy-sip-password');
    const ok = await copyText($('sip-password').value, $('sip-password'));
    b.textContent = ok ? t('common.copied') : t('common.copyFailed');
    setTimeout(() => { b.textContent = t('common.copy'); }, 2000);
  });
  $('new-sip-password').addEventListener('click', newSipPassword);
  $('notify-enable').addEventListener('click', async () => {
    try { await Notification.requestPermission(); } catch (e) { /* old API */ }
    setupNotifyBox();
  });
  renderInvitations();
  setStatus('manage.connecting');
  try {
    await connect();
  } catch (e) {
    setStatus('err.service', { error: e.message }, true);
    return;
  }
  setStatus(null);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try {
      await resume(token);
      return;
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin();
      setMsg($('login-error'), 'login.expired');   // the kept session is no longer valid
      return;
    }
  }
  showLogin();
}

main();
