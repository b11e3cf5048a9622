// The whole user story in the browser, with a real SMTP server: the owner logs in on /manage,
// sets name, PIN and layout, sends an invitation; the guest opens the link from the mail that
// arrived, previews, joins; the owner's page shows that the guest joined; the owner revokes and
// the guest's page says the access was revoked. Screenshots land in tests/out/screenshots/.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { launchBrowser } = require('./lib/browser');
const { vmrAdmin } = require('./lib/admin');
const { startSmtp, mimeParts } = require('./lib/smtp');
const { colourClip, toneWav } = require('./lib/media');
const { DESKTOP, PHONE, shot, waitJoined, closeToasts, login, invitationRow } = require('./lib/pages');

let svc, smtp, owner, guest, link;

before(async () => {
  smtp = await startSmtp();
  svc = await startService({ name: 'user-story', env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_STARTTLS: '0', SIP_DOMAIN: 'meet.example.org' } });
  await vmrAdmin(svc, { request: 'create_account', username: 'lucia', password: 'lucia-secret-1', display_name: 'Lucía Pérez', email: 'lucia@example.org' });
});
after(async () => {
  if (guest) await guest.close();
  if (owner) await owner.close();
  if (svc) await svc.stop();
  if (smtp) await smtp.close();
});

test('the owner logs in and sets the room name, PIN and layout', async () => {
  owner = await launchBrowser({ viewport: DESKTOP });
  const page = owner.page;
  await page.goto(`${svc.httpUrl}/manage?lang=es`);
  await login(page, 'lucia', 'lucia-secret-1');
  await page.waitForSelector('#manage-app:not([hidden])', { timeout: 10000 });
  await page.fill('#room-name', 'lucia-equipo');
  assert.equal(await page.textContent('#sip-preview'), 'lucia-equipo.join@meet.example.org');
  await page.fill('#room-pin', '2580');
  await page.click('label[for="layout-1p7"]');
  await page.click('#save');
  await page.waitForFunction(() => window.vmrManage.room && window.vmrManage.room.name === 'lucia-equipo' &&
    window.vmrManage.room.pin === '2580' && window.vmrManage.room.layout === '1+7', null, { timeout: 10000 });
  await shot(page, 'story-manage-es-1280x800');
});

test('an invitation sent from the page arrives by mail with the join link', async () => {
  const page = owner.page;
  await page.fill('#invite-email', 'jorge@example.org');
  await page.click('#invite-send');
  const row = await invitationRow(page, 'jorge@example.org');
  const url = await row.locator('.url-field').inputValue();
  const mail = await smtp.waitFor('jorge@example.org');
  const text = mimeParts(mail.raw).find((p) => p.type === 'text/plain').text;
  link = text.match(/https?:\/\/\S+\?id=\S+/)[0];
  assert.equal(link, url, 'the mail carries the link the owner sees');
  assert.ok(text.includes('lucia-equipo.join@meet.example.org'));
  await page.waitForFunction(() => {
    const inv = window.vmrManage.invitations && window.vmrManage.invitations.find((i) => i.email === 'jorge@example.org');
    return inv && inv.mail_status === 'sent';
  }, null, { timeout: 10000 });
  await shot(page, 'story-manage-invited-1280x800');
});

test('the guest opens the link from the mail, previews, joins without PIN, and the owner is told', async () => {
  guest = await launchBrowser({ viewport: PHONE, fakeVideo: colourClip('orange', 'orange'), fakeAudio: toneWav('tone550', 550) });
  const page = guest.page;
  await page.goto(link + '&lang=es');
  await page.waitForFunction(() => window.vmr && window.vmr.invitation && window.vmr.preview, null, { timeout: 15000 });
  assert.match(await page.textContent('#invite-info'), /Lucía Pérez/);
  assert.equal(await page.inputValue('#display'), 'jorge');
  await page.waitForFunction(() => document.getElementById('preview').videoWidth > 0, null, { timeout: 10000 });
  await shot(page, 'story-guest-preview-390x844');
  await page.click('#join');
  await waitJoined(page);
  await owner.page.waitForFunction(() => window.vmrManage.events.some((e) => e.guest_joined && e.guest_joined.display === 'jorge'),
    null, { timeout: 10000 });
  const toasts = await owner.page.locator('.toast').allTextContents();
  assert.ok(toasts.some((x) => /jorge/.test(x)), JSON.stringify(toasts));
  await page.waitForTimeout(1500);
  await shot(page, 'story-guest-call-390x844');
  await shot(owner.page, 'story-manage-toast-1280x800');
});

test('the owner revokes the invitation and the guest\'s page says the access was revoked', async () => {
  const page = owner.page;
  await closeToasts(page);
  const row = await invitationRow(page, 'jorge@example.org');
  await row.locator('button.revoke').click();
  await page.waitForSelector('#confirm-dialog[open]');
  await page.click('#confirm-ok');
  await guest.page.waitForFunction(() => window.vmr.kicked === true, null, { timeout: 10000 });
  await guest.page.waitForSelector('#ended-panel:not([hidden])');
  assert.equal(await guest.page.evaluate(() => window.vmr.joined), false);
  await shot(guest.page, 'story-guest-revoked-390x844');
  // and the link no longer works
  await guest.page.goto(link + '&lang=en');
  await guest.page.waitForFunction(() => document.getElementById('status').classList.contains('error') ||
    /not valid|revoked/i.test(document.body.innerText), null, { timeout: 15000 });
  assert.match(await guest.page.evaluate(() => document.body.innerText), /not valid|revoked/i);
});
