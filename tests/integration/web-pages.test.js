// The web pages against the real service: the management page (/manage) of a device account
// and the guest join page (/?id=&secret=&name=, /?room=, /join). Real janus, real chromium with
// fake devices; no SMTP server is configured here, so invitation mails are reported as failed.
// Screenshots: tests/out/screenshots/*.png at 1280x800 and 390x844.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startService } = require('./lib/service');
const { launchBrowser, pageStats } = require('./lib/browser');
const { JanusClient } = require('./lib/janus-client');
const { colourClip, toneWav } = require('./lib/media');

const { SHOTS, DESKTOP, PHONE, shot, waitJoined, closeToasts, login, invitationRow } = require('./lib/pages');
const PAGES = { manage: '/manage', join: '/join' };

let svc, owner, guest;
const shared = {};   // what one test leaves for the next (the invitation, ...)

async function admin(request) {
  const c = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await c.request({ janus: 'message_plugin', plugin: 'janus.plugin.vmr', admin_secret: svc.adminSecret, request });
    assert.equal(r.janus, 'success', JSON.stringify(r));
    assert.ok(!r.response.error_code, JSON.stringify(r.response));
    return r.response;
  } finally {
    c.close();
  }
}

/** Nothing sticks out sideways at this width (the page never scrolls horizontally). */
async function assertNoHorizontalOverflow(page, what) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(o.sw <= o.cw + 1, `${what}: page is ${o.sw}px wide in a ${o.cw}px viewport`);
}

before(async () => {
  svc = await startService({ name: 'web-pages', demoRoom: 'demo' });
  await admin({ request: 'create_account', username: 'alice', password: 'alice-secret-1', display_name: 'Alice Smith', email: 'alice@example.org' });
  await admin({ request: 'create_account', username: 'bob', password: 'bob-secret-12', display_name: 'Bob Jones', email: 'bob@example.org' });
});
after(async () => {
  if (guest) await guest.close();
  if (owner) await owner.close();
  if (svc) await svc.stop();
});

test('the transport serves the new pages and scripts', async () => {
  for (const p of ['/manage', '/join', '/manage.html', '/manage.js', '/i18n.js', '/janus-common.js', '/app.js', '/style.css']) {
    const r = await fetch(svc.httpUrl + p);
    assert.equal(r.status, 200, p);
  }
});

test('the favicon: /favicon.ico is an image (no 404 on every page load), and both pages link it', async () => {
  for (const p of ['/favicon.ico', '/favicon.svg']) {
    const r = await fetch(svc.httpUrl + p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /^image\//, p);
    assert.match(await r.text(), /<svg[\s>]/, p);
  }
  for (const p of ['/join', '/manage']) {
    const html = await (await fetch(svc.httpUrl + p)).text();
    assert.match(html, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">/, p);
  }
});

test('management page: a wrong password shows an error and no management form', async () => {
  owner = await launchBrowser({ viewport: DESKTOP });
  const page = owner.page;
  await page.goto(`${svc.httpUrl}${PAGES.manage}?lang=en`);
  await page.waitForSelector('#login-panel:not([hidden])');
  await login(page, 'alice', 'not-the-password');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  assert.match(await page.textContent('#login-error'), /Wrong user name or password/);
  assert.equal(await page.isVisible('#manage-app'), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tpaas.manage.token')), null);
  await shot(page, 'manage-login-error-1280x800');
});

test('management page: logs in, validates live, saves name/PIN/layout/receive-call; reload resumes with the stored values', async () => {
  const page = owner.page;
  await login(page, 'alice', 'alice-secret-1');
  await page.waitForSelector('#manage-app:not([hidden])', { timeout: 10000 });
  assert.match(await page.textContent('#account-name'), /Alice Smith/);
  assert.equal(await page.inputValue('#room-name'), 'alice');
  assert.equal(await page.textContent('#sip-preview'), 'alice.join@localhost');
  assert.match(await page.inputValue('#join-link'), /\?room=alice\.join$/);
  assert.ok(await page.evaluate(() => sessionStorage.getItem('tpaas.manage.token')), 'the token is kept in sessionStorage');

  // live validation of the name, and the SIP address it gives
  await page.fill('#room-name', 'Bad Name');
  assert.match(await page.textContent('#room-name-error'), /lower-case/);
  assert.equal(await page.getAttribute('#room-name', 'aria-invalid'), 'true');
  await page.fill('#room-name', 'al');
  assert.match(await page.textContent('#room-name-error'), /3 to 32/);
  await page.fill('#room-name', 'alice-room');
  assert.equal(await page.textContent('#room-name-error'), '');
  assert.equal(await page.textContent('#sip-preview'), 'alice-room.join@localhost');
  await page.fill('#room-pin', '12a');
  assert.match(await page.textContent('#room-pin-error'), /4 digits/);
  // an invalid form is not sent
  await page.click('#save');
  assert.equal(await page.textContent('#save-status'), '');
  await page.fill('#room-pin', '4321');
  await page.click('label[for="layout-2x2"]');
  await page.check('#receive-call');
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('save-status').textContent === 'Saved');
  const room = await page.evaluate(() => window.vmrManage.room);
  assert.equal(room.name, 'alice-room');
  assert.equal(room.pin, '4321');
  assert.equal(room.layout, '2x2');
  assert.equal(room.receive_call, true);
  assert.equal(room.sip_address, 'alice-room.join@localhost');

  // a server-side refusal is shown next to its field: bob's room name is taken
  await page.fill('#room-name', 'bob');
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('room-name-error').textContent.length > 0);
  assert.match(await page.textContent('#room-name-error'), /already taken/);
  await page.fill('#room-name', 'alice-room');

  await page.reload();
  await page.waitForSelector('#manage-app:not([hidden])', { timeout: 10000 });
  assert.equal(await page.isVisible('#login-panel'), false, 'resumed without the login form');
  assert.equal(await page.inputValue('#room-name'), 'alice-room');
  assert.equal(await page.inputValue('#room-pin'), '4321');
  assert.equal(await page.isChecked('#layout-2x2'), true);
  assert.equal(await page.isChecked('#receive-call'), true);
  assert.equal(await page.textContent('#fact-sip'), 'alice-room.join@localhost');
  assert.match(await page.inputValue('#join-link'), /\?room=alice-room\.join$/);

  // remove the PIN again, through the page
  await page.fill('#room-pin', '');
  await page.click('label[for="layout-speaker"]');
  await page.click('#save');
  await page.waitForFunction(() => window.vmrManage.room.pin === null && window.vmrManage.room.layout === 'speaker');
  await page.fill('#room-pin', '4321');
  await page.click('label[for="layout-2x2"]');
  await page.click('#save');
  await page.waitForFunction(() => window.vmrManage.room.pin === '4321' && window.vmrManage.room.layout === '2x2');
});

test('management page: shows the account\'s own SIP password for its devices, and a new one on request', async () => {
  const page = owner.page;
  await page.waitForSelector('#manage-app:not([hidden])', { timeout: 10000 });
  const first = await page.inputValue('#sip-password');
  assert.match(first, /^[0-9a-f]{24,}$/, 'a service-generated SIP password is shown');
  assert.notEqual(first, 'alice-secret-1');
  await page.click('#new-sip-password');
  await page.waitForSelector('#confirm-dialog[open]');
  assert.match(await page.textContent('#confirm-text'), /device/);
  await page.click('#confirm-ok');
  await page.waitForFunction((old) => document.getElementById('sip-password').value !== old, first, { timeout: 10000 });
  const fresh = await page.inputValue('#sip-password');
  assert.match(fresh, /^[0-9a-f]{24,}$/);
  // the same one after a reload (it is the account's, not the page's)
  await page.reload();
  await page.waitForSelector('#manage-app:not([hidden])', { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById('sip-password').value.length > 0);
  assert.equal(await page.inputValue('#sip-password'), fresh);
  await shot(page, 'manage-sip-password-1280x800');
});

test('management page: an invitation sent from the page appears in the table with its URL; no SMTP → mail failed', async () => {
  const page = owner.page;
  await page.fill('#invite-email', 'not an address');
  await page.click('#invite-send');
  assert.match(await page.textContent('#invite-error'), /valid email/);
  await page.fill('#invite-email', 'maria@example.org');
  await page.click('#invite-send');
  const row = await invitationRow(page, 'maria@example.org');
  const url = await row.locator('.url-field').inputValue();
  assert.match(url, /\/\?id=\d+&secret=[0-9a-f]{16,}&name=maria$/);
  assert.match(await row.locator('.inv-state').textContent(), /Active/);
  assert.match(await row.locator('.inv-created').textContent(), /\d/);
  // the keypad code a room system enters instead of the PIN, the same the API gives the owner
  const code = (await row.locator('.inv-code').textContent()).trim();
  assert.match(code, /^\d{10}$/);
  assert.equal(code, await page.evaluate(() => window.vmrManage.invitations.find((i) => i.email === 'maria@example.org').code));
  const mail = row.locator('.inv-mail');
  assert.match(await mail.getAttribute('data-status'), /^failed/);
  assert.match(await mail.textContent(), /Failed: .*SMTP/);
  assert.match(await page.textContent('#invite-error'), /maria@example\.org was created, but its mail could not be sent \(no SMTP server configured\)/);
  shared.mariaUrl = url;
  shared.mariaId = Number(new URL(url).searchParams.get('id'));

  // a second one, to delete later
  await page.fill('#invite-email', 'pedro@example.org');
  await page.click('#invite-send');
  await invitationRow(page, 'pedro@example.org');
  const emails = await page.locator('#invitations tbody td.inv-email').allTextContents();
  assert.deepEqual(emails.slice(0, 2), ['pedro@example.org', 'maria@example.org'], 'newest first');

  // A mail that fails later (SMTP answers in the background) comes as an event: an error toast.
  // Without an SMTP server here, feed the event through the page's own message path.
  await page.evaluate((id) => window.vmrManage.handle.onmessage(
    { vmr: 'event', mail: { invitation: id, sent: false, error: '550 mailbox unavailable' } }), shared.mariaId);
  await page.waitForSelector('.toast.error');
  assert.match(await page.textContent('.toast.error'), /mail to maria@example\.org could not be sent: 550 mailbox unavailable/);
});

test('guest page from an invitation URL: room and owner, preview with device pickers, editable name, joins', async () => {
  guest = await launchBrowser({ viewport: DESKTOP, fakeVideo: colourClip('green', 'green'), fakeAudio: toneWav('tone660', 660) });
  const page = guest.page;
  const u = new URL(shared.mariaUrl);
  await page.goto(`${svc.httpUrl}/${u.search}&lang=en`);
  await page.waitForFunction(() => window.vmr && window.vmr.invitation && window.vmr.preview, null, { timeout: 15000 });
  const info = await page.textContent('#invite-info');
  assert.match(info, /Alice Smith/);
  assert.match(info, /alice-room/);
  assert.match(await page.textContent('#join-title'), /alice-room/);
  assert.equal(await page.inputValue('#display'), 'maria');
  assert.equal(await page.isVisible('#pin'), false, 'no PIN for an invitation');
  assert.equal(await page.isVisible('#room'), false);
  // the preview shows the camera and the pickers list the devices
  await page.waitForFunction(() => document.getElementById('preview').videoWidth > 0, null, { timeout: 10000 });
  const devices = await page.evaluate(() => ({
    mics: [...document.querySelectorAll('#mic-select option')].map((o) => o.value).filter(Boolean),
    cams: [...document.querySelectorAll('#cam-select option')].map((o) => o.value).filter(Boolean),
    chosen: window.vmr.devices,
  }));
  assert.ok(devices.mics.length >= 1 && devices.cams.length >= 1, JSON.stringify(devices));
  assert.ok(devices.mics.includes(devices.chosen.audio) && devices.cams.includes(devices.chosen.video), JSON.stringify(devices));
  await shot(page, 'join-invitation-1280x800');
  await shot(page, 'join-invitation-390x844', PHONE);
  await assertNoHorizontalOverflow(page, 'join page at 390');
  await page.setViewportSize(DESKTOP);

  // the name is editable
  await page.fill('#display', 'María López');
  await page.click('#join');
  await waitJoined(page);
  assert.equal(await page.isVisible('#call-panel'), true);
  assert.equal(await page.isVisible('#join-panel'), false);
  const joined = await page.evaluate(() => window.vmr.joinedEvent);
  assert.match(joined.room, /^alice-room/);
  assert.equal(joined.display, 'María López');
  assert.match(await page.textContent('#participants'), /María López/);
  // the chosen devices were used for the call
  const sent = await page.evaluate(() => window.vmr.handle.webrtcStuff.pc.getSenders()
    .filter((s) => s.track).map((s) => ({ kind: s.track.kind, id: s.track.getSettings().deviceId })));
  assert.deepEqual(sent.find((s) => s.kind === 'audio').id, devices.chosen.audio);
  assert.deepEqual(sent.find((s) => s.kind === 'video').id, devices.chosen.video);

  // the owner's page tells about the guest
  await owner.page.waitForFunction(() => window.vmrManage.events.some((e) => e.guest_joined), null, { timeout: 10000 });
  const toasts = await owner.page.locator('.toast').allTextContents();
  assert.ok(toasts.some((x) => /María López joined your room/.test(x)), JSON.stringify(toasts));
  await shot(owner.page, 'manage-toast-1280x800');
  await closeToasts(owner.page);
  await shot(owner.page, 'manage-1280x800');
  await shot(owner.page, 'manage-390x844', PHONE);
  await assertNoHorizontalOverflow(owner.page, 'manage page at 390');
  await owner.page.setViewportSize(DESKTOP);

  // in the call: the picture decodes, the quality indicator fills in, mute and camera toggle
  await page.waitForFunction(() => window.vmr.quality && window.vmr.quality.level === 'good', null, { timeout: 20000 });
  assert.match(await page.textContent('#quality-text'), /Good · loss [\d.]+% · RTT \d+ ms/);
  const st = await page.evaluate(pageStats);
  assert.ok(st.inbound.video && st.inbound.video.framesDecoded > 0, JSON.stringify(st.inbound));
  await page.click('#mute');
  assert.equal(await page.getAttribute('#mute', 'aria-pressed'), 'true');
  assert.equal(await page.evaluate(() => window.vmr.handle.isAudioMuted()), true);
  await page.click('#mute');
  assert.equal(await page.evaluate(() => window.vmr.handle.isAudioMuted()), false);
  await page.click('#camera');
  assert.equal(await page.evaluate(() => window.vmr.handle.isVideoMuted()), true);
  assert.match(await page.textContent('#camera'), /Camera on/);
  await page.click('#camera');
  assert.equal(await page.evaluate(() => window.vmr.handle.isVideoMuted()), false);
  await page.waitForTimeout(1500);
  await shot(page, 'call-1280x800');
  await shot(page, 'call-390x844', PHONE);
  await assertNoHorizontalOverflow(page, 'call view at 390');
  await page.setViewportSize(DESKTOP);
});

test('talking events light up the participant in the list, and go out when the microphone is muted', async () => {
  const page = guest.page;
  const id = await page.evaluate(() => window.vmr.joinedEvent.id);
  // The guest's fake microphone plays a tone: the MCU hears her talk.
  await page.waitForSelector(`#participants li.talking[data-id="${id}"]`, { timeout: 10000 });
  assert.match(await page.textContent(`#participants li[data-id="${id}"]`), /talking/);
  await page.click('#mute');
  await page.waitForSelector(`#participants li.talking[data-id="${id}"]`, { state: 'detached', timeout: 10000 });
  await page.click('#mute');
});

test('after the PeerConnection dies the page rejoins with a fresh handle and says so', async () => {
  const page = guest.page;
  const before = await page.evaluate(() => ({ handle: window.vmr.handle.getId(), session: window.vmr.janus.getSessionId() }));
  // Take the media path down: janus.js tears down the PeerConnection as on a failure.
  await page.evaluate(() => window.vmr.handle.hangup(true));
  await page.waitForFunction(() => window.vmr.reconnects >= 1, null, { timeout: 30000, polling: 200 });
  await waitJoined(page);
  const afterIds = await page.evaluate(() => ({ handle: window.vmr.handle.getId(), session: window.vmr.janus.getSessionId() }));
  assert.notEqual(afterIds.handle, before.handle, 'a fresh handle');
  assert.match(await page.textContent('#status'), /Reconnected to alice-room/);
  assert.equal(await page.isVisible('#call-panel'), true);
  const names = await page.evaluate(() => [...window.vmr.participants.values()].map((p) => p.display));
  assert.deepEqual(names, ['María López'], 'the old participant is gone, the new one is in');
});

test('revoke needs a confirmation; the guest is told the access was revoked; the table shows it', async () => {
  const page = owner.page;
  await closeToasts(page);
  const row = await invitationRow(page, 'maria@example.org');
  // cancel first: nothing changes
  await row.locator('button.revoke').click();
  await page.waitForSelector('#confirm-dialog[open]');
  assert.match(await page.textContent('#confirm-title'), /Revoke this invitation/);
  assert.match(await page.textContent('#confirm-text'), /maria@example\.org/);
  await shot(page, 'manage-confirm-1280x800');
  await page.click('#confirm-cancel');
  await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
  assert.match(await row.locator('.inv-state').textContent(), /Active/);
  // Escape also cancels
  await row.locator('button.revoke').click();
  await page.waitForSelector('#confirm-dialog[open]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
  assert.match(await row.locator('.inv-state').textContent(), /Active/);
  // now confirm
  await row.locator('button.revoke').click();
  await page.waitForSelector('#confirm-dialog[open]');
  await page.click('#confirm-ok');
  await page.waitForFunction((id) => {
    const inv = window.vmrManage.invitations.find((i) => i.id === id);
    return inv && inv.state === 'revoked';
  }, shared.mariaId, { timeout: 10000 });
  const revokedRow = await invitationRow(page, 'maria@example.org');
  assert.match(await revokedRow.locator('.inv-state').textContent(), /Revoked/);
  assert.equal(await revokedRow.locator('button.revoke').count(), 0, 'no Revoke button on a revoked invitation');

  const g = guest.page;
  await g.waitForFunction(() => window.vmr.kicked, null, { timeout: 10000 });
  assert.equal(await g.isVisible('#ended-panel'), true);
  assert.match(await g.textContent('#ended-panel'), /Your access was revoked/);
  assert.equal(await g.isVisible('#rejoin'), false);
  assert.equal(await g.evaluate(() => window.vmr.reconnects), 1, 'no reconnect after being removed');
  await shot(g, 'call-revoked-1280x800');
});

test('delete needs a confirmation and removes the row', async () => {
  const page = owner.page;
  await closeToasts(page);
  const row = await invitationRow(page, 'pedro@example.org');
  await row.locator('button.delete').click();
  await page.waitForSelector('#confirm-dialog[open]');
  assert.match(await page.textContent('#confirm-title'), /Delete this invitation/);
  await page.click('#confirm-ok');
  await page.waitForFunction(() => !window.vmrManage.invitations.some((i) => i.email === 'pedro@example.org'), null, { timeout: 10000 });
  const emails = await page.locator('#invitations tbody td.inv-email').allTextContents();
  assert.deepEqual(emails, ['maria@example.org']);
});

test('an invalid or revoked invitation link shows a clear message, not a blank page', async () => {
  const page = guest.page;
  for (const search of ['?id=999999&secret=00112233445566778899aabbccddeeff&name=eve', new URL(shared.mariaUrl).search]) {
    await page.goto(`${svc.httpUrl}/${search}&lang=en`);
    await page.waitForSelector('#invalid-panel:not([hidden])', { timeout: 15000 })
      .catch(async (e) => { throw new Error(`${search}: ${await diag(page)}\n${e.message}`); });
    assert.match(await page.textContent('#invalid-panel'), /This invitation link does not work/);
    assert.match(await page.textContent('#invalid-panel'), /revoked or deleted/);
    assert.equal(await page.isVisible('#join-panel'), false);
    assert.equal(await page.evaluate(() => window.vmr.lastError.error_code), 422);
  }
  await shot(page, 'join-invalid-390x844', PHONE);
  await page.setViewportSize(DESKTOP);
});

test('/join: by room name and PIN; a wrong PIN is refused with the server\'s reason', async () => {
  const page = guest.page;
  await page.goto(`${svc.httpUrl}${PAGES.join}?lang=en`);
  await page.waitForFunction(() => window.vmr && window.vmr.handle && !document.getElementById('join').disabled, null, { timeout: 15000 });
  assert.equal(await page.isVisible('#room'), true);
  assert.equal(await page.isVisible('#pin'), true);
  assert.match(await page.textContent('#join-title'), /Join a meeting/);
  await page.fill('#room', 'alice-room.join');
  await page.fill('#display', 'Walk-in');
  await page.fill('#pin', '0000');
  await page.click('#join');
  await page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: 15000 });
  assert.match(await page.textContent('#status'), /no such room/);
  await page.fill('#pin', '4321');
  await page.click('#join');
  await waitJoined(page);
  assert.match((await page.evaluate(() => window.vmr.joinedEvent)).room, /^alice-room/);
  await page.click('#leave');
  await page.waitForSelector('#ended-panel:not([hidden])');
  assert.match(await page.textContent('#ended-panel'), /You left the meeting/);
});

test('Spanish: ?lang=es and the language switch on both pages', async () => {
  const g = guest.page;
  await g.goto(`${svc.httpUrl}/?room=demo&lang=es`);
  await g.waitForFunction(() => window.vmr && window.vmr.handle);
  assert.equal(await g.getAttribute('html', 'lang'), 'es');
  assert.equal((await g.textContent('#join')).trim(), 'Unirse');
  assert.match(await g.textContent('label[for="display"]'), /Su nombre/);
  await g.selectOption('#lang', 'en');
  assert.equal((await g.textContent('#join')).trim(), 'Join');
  assert.match(g.url(), /lang=en/);

  const m = owner.page;
  await m.selectOption('#lang', 'es');
  assert.match(await m.textContent('#room-title'), /Gestión de VMR/);
  assert.match(await m.textContent('#invite-send'), /Enviar invitación/);
  assert.match(await m.textContent('#invitations tbody .inv-state'), /Revocada/);
  await shot(m, 'manage-es-390x844', PHONE);
  await m.selectOption('#lang', 'en');
  await m.setViewportSize(DESKTOP);
});

test('keyboard: the layout chooser and the login form work without a mouse', async () => {
  const m = owner.page;
  await m.focus('#layout-2x2');
  await m.keyboard.press('ArrowRight');
  assert.equal(await m.isChecked('#layout-3x3'), true);
  const outline = await m.evaluate(() => getComputedStyle(document.querySelector('label[for="layout-3x3"]')).outlineStyle);
  assert.equal(outline, 'solid', 'the focused layout shows a visible focus ring');
  await m.keyboard.press('ArrowLeft');
  assert.equal(await m.isChecked('#layout-2x2'), true);
  // every form control has a label
  const unlabelled = await m.evaluate(() => [...document.querySelectorAll('input, select')]
    .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && e.type !== 'hidden').map((e) => e.id || e.name));
  assert.deepEqual(unlabelled, []);
  // logout forgets the token
  await m.click('#logout');
  await m.waitForSelector('#login-panel:not([hidden])');
  assert.equal(await m.evaluate(() => sessionStorage.getItem('tpaas.manage.token')), null);
});

test('an expired or forged session token on /manage brings back the login form with a clear message', async () => {
  const b = await launchBrowser({ viewport: DESKTOP });
  try {
    await b.page.goto(`${svc.httpUrl}${PAGES.manage}?lang=en`);
    await b.page.waitForSelector('#login-panel:not([hidden])');
    await b.page.evaluate(() => sessionStorage.setItem('tpaas.manage.token', 'f'.repeat(48)));
    await b.page.reload();
    await b.page.waitForSelector('#login-panel:not([hidden])');
    await b.page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
    assert.match(await b.page.textContent('#login-error'), /session expired/i);
    assert.equal(await b.page.isVisible('#manage-app'), false);
    assert.equal(await b.page.evaluate(() => sessionStorage.getItem('tpaas.manage.token')), null);
  } finally {
    await b.close();
  }
});

test('the old /?room=<name>&autojoin=1 path still joins', async () => {
  const page = guest.page;
  await page.goto(`${svc.httpUrl}/?room=demo&name=Legacy&autojoin=1`);
  await waitJoined(page);
  assert.equal((await page.evaluate(() => window.vmr.joinedEvent)).room, 'demo');
});

// for the eyes: a summary of the screenshots made
test('screenshots were written', () => {
  const files = fs.readdirSync(SHOTS).filter((f) => f.endsWith('.png'));
  for (const f of ['manage-1280x800.png', 'manage-390x844.png', 'join-invitation-1280x800.png', 'join-invitation-390x844.png', 'call-1280x800.png', 'call-390x844.png']) {
    assert.ok(files.includes(f), f);
  }
});

// Last: bad links count as failed guesses from this address (the address is then locked for a while).
test('garbled invitation links show the clear message, not a blank page', async () => {
  const b = await launchBrowser({ viewport: PHONE });
  try {
    for (const q of ['?id=abc&secret=zz&name=x', '?id=99999999999&secret=00&name=x', '?id=1&secret=%ff%fe&name=%3Cscript%3Ealert(1)%3C%2Fscript%3E']) {
      await b.page.goto(`${svc.httpUrl}/${q}&lang=en`);
      await b.page.waitForSelector('#invalid-panel:not([hidden])', { timeout: 15000 });
      assert.ok((await b.page.textContent('#invalid-panel')).trim().length > 20, q);
    }
  } finally {
    await b.close();
  }
});
