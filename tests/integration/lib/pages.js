// Helpers for driving our own web pages (the join page and /manage) in tests.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { OUT } = require('./service');

const SHOTS = path.join(OUT, 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Saves a full-page screenshot as tests/out/screenshots/<name>.png, at the viewport size given
 *  (the desktop's 1280x800 when none is; browsers start smaller, see lib/browser.js). */
async function shot(page, name, viewport = DESKTOP) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  if (!size || size.width !== viewport.width || size.height !== viewport.height) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(300);
  }
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** What the join page says about itself, for failure messages. */
async function diag(page) {
  return page.evaluate(() => JSON.stringify({
    status: document.getElementById('status').textContent,
    lastError: window.vmr && window.vmr.lastError,
    joined: window.vmr && window.vmr.joined,
    pc: window.vmr && window.vmr.handle && window.vmr.handle.webrtcStuff.pc && window.vmr.handle.webrtcStuff.pc.connectionState,
  })).catch((e) => String(e));
}

/** Waits until the join page is in the room with its PeerConnection connected. */
async function waitJoined(page, timeout = 30000) {
  try {
    await page.waitForFunction(() => window.vmr && window.vmr.joined && window.vmr.handle && window.vmr.handle.webrtcStuff.pc &&
      window.vmr.handle.webrtcStuff.pc.connectionState === 'connected', null, { timeout, polling: 200 });
  } catch (e) {
    throw new Error(`not joined: ${await diag(page)}\n${e.message}`);
  }
}

/** Closes the toasts (they sit over the bottom right corner of the page). */
async function closeToasts(page) {
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
}

/** Fills and submits the login form of /manage. */
async function login(page, username, password) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login');
}

/** The row of the invitations table for an e-mail address. */
async function invitationRow(page, email) {
  const row = page.locator('#invitations tbody tr', { has: page.locator('td.inv-email', { hasText: email }) });
  await row.first().waitFor({ timeout: 10000 });
  return row.first();
}

module.exports = { SHOTS, DESKTOP, PHONE, shot, diag, waitJoined, closeToasts, login, invitationRow };
