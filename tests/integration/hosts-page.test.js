// Hosts and guests on the join page (headless chromium with fake camera and microphone), with
// the owner and extra hosts and guests as plain API clients, and a sipp host with its keypad:
// - a guest with the guest PIN sees "waiting for the host" until the owner joins; then each is
//   in the other's participant list;
// - a host mutes a guest from its page: the host's received audio loses the guest's tone
//   (inbound energy measured), the guest's page shows "Muted by the host" and its mute button
//   cannot unmute it; "Ask to speak" reaches the host; unmuted, the tone is back;
// - locked room: a knocking browser guest is admitted by a host from the page, an API guest is
//   refused by another host (430), unlocking lets the last one in;
// - spotlight: a silent participant takes the main pane of everyone's picture while another
//   talks;
// - *8 from a host's phone switches everyone's picture from 1+7 to 2x2;
// - remove shows the removed guest "You were removed"; end for all shows "The meeting has ended";
// - the owner sets the host PIN, waiting for the host and the end timer on /manage (a host PIN
//   equal to the guest PIN is refused there).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startService, OUT } = require('./lib/service');
const { vmrAdmin, vmrClient } = require('./lib/admin');
const { launchBrowser, pageStats, remoteColour } = require('./lib/browser');
const { waitJoined, diag, login } = require('./lib/pages');
const { colourClip, toneWav, silenceWav } = require('./lib/media');
const { OPUS_OFFER } = require('./lib/sdp');
const { sippRunner, waitForStatus, inRoom } = require('./lib/sip');

const SIP_PORT = 5080;
const DOMAIN = 'vmr.test';
const GUEST_PIN = '2468';
const HOST_PIN = '1357';
const sipp = sippRunner({ domain: DOMAIN, sipPort: SIP_PORT, basePort: 17260 });

const isRed = (c) => c[0] > 150 && c[1] < 90 && c[2] < 90;
const isBlue = (c) => c[2] > 150 && c[0] < 90 && c[1] < 90;
const isGreen = (c) => c[1] > 150 && c[0] < 90 && c[2] < 90;
const MAIN = { x: 0.47, y: 0.4, w: 0.06, h: 0.08 };
const TOP_LEFT = { x: 0.22, y: 0.18, w: 0.06, h: 0.08 };
const TOP_RIGHT = { x: 0.72, y: 0.18, w: 0.06, h: 0.08 };
const BOTTOM_LEFT = { x: 0.22, y: 0.68, w: 0.06, h: 0.08 };

/** Audio energy the page received per second over ms (getStats totalAudioEnergy). */
async function energyRate(page, ms = 2000) {
  const e0 = (await page.evaluate(pageStats)).inbound.audio.totalAudioEnergy || 0;
  await page.waitForTimeout(ms);
  const e1 = (await page.evaluate(pageStats)).inbound.audio.totalAudioEnergy || 0;
  return (e1 - e0) / (ms / 1000);
}

async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('hosts and guests on the page', () => {
  let svc, owner, gina, hostB, kim;
  const api = [];

  /** Opens the join page of the room, types the PIN and joins (without waiting for the room). */
  async function openAndJoin(b, name, pin) {
    await b.page.goto(`${svc.httpUrl}/?room=pia.join&name=${name}`);
    await b.page.waitForFunction(() => !document.getElementById('join').disabled, null, { timeout: 20000 });
    await b.page.fill('#pin', pin);
    await b.page.click('#join');
  }
  const status = (b) => b.page.evaluate(() => document.getElementById('status').textContent);
  const idOf = (b) => b.page.evaluate(() => window.vmr.joinedEvent.id);
  async function apiJoin(body) {
    const c = await vmrClient(svc);
    api.push(c);
    const tx = c.send({ janus: 'message', session_id: c.sessionId, handle_id: c.handle,
      body: { request: 'join', room: 'pia.join', ...body }, jsep: OPUS_OFFER });
    c.answer = c.waitFor((m) => m.transaction === tx && m.janus !== 'ack', 60000, 'join answer').then((m) => m.plugindata.data);
    return c;
  }
  const picture = (b, box) => b.page.evaluate(remoteColour, box);

  before(async () => {
    svc = await startService({ name: 'hosts-page', demoRoom: '', video: { width: 640, height: 360, fps: 15 },
      env: { SIP_DOMAIN: DOMAIN, SIP_IP: '127.0.0.1', SIP_PORT: String(SIP_PORT) } });
    await vmrAdmin(svc, { request: 'create_account', username: 'pia', password: 'pia-secret-1', pin: GUEST_PIN });
    owner = await vmrClient(svc);
    await owner.req({ request: 'login', username: 'pia', password: 'pia-secret-1' });
    const r = await owner.req({ request: 'update_room', host_pin: HOST_PIN, wait_for_host: true });
    assert.equal(r.room.wait_for_host, true, JSON.stringify(r));
  });
  after(async () => {
    for (const b of [gina, hostB, kim]) if (b) await b.close();
    for (const c of api) c.close();
    if (owner) owner.close();
    if (svc) await svc.stop();
  });

  test('a guest with the guest PIN waits for the host, then owner and guest are in each other\'s list', async () => {
    gina = await launchBrowser({ fakeVideo: colourClip('red', 'red'), fakeAudio: toneWav('tone440-60s', 440, { seconds: 60 }) });
    await openAndJoin(gina, 'Gina', GUEST_PIN);
    await until(async () => /Waiting for the host/.test(await status(gina)), 20000, 'the waiting text');
    assert.equal(await gina.page.evaluate(() => window.vmr.joined), false);
    const oj = await owner.message(owner.handle, { request: 'join', room: 'pia.join', display: 'Pia' }, OPUS_OFFER);
    assert.equal(oj.data.role, 'host');
    await waitJoined(gina.page, 30000);
    const names = await gina.page.evaluate(() => [...window.vmr.participants.values()].map((p) => p.display).sort());
    assert.deepEqual(names, ['Gina', 'Pia']);
    assert.equal(await gina.page.evaluate(() => window.vmr.role), 'guest');
    assert.ok((await owner.req({ request: 'listparticipants' })).participants.some((p) => p.display === 'Gina'));
    await gina.page.screenshot({ path: path.join(OUT, 'hosts-guest-in.png') });
  });

  test('a host mutes a guest: the host no longer hears its tone, the guest\'s page shows it and cannot unmute', async () => {
    hostB = await launchBrowser({ fakeVideo: colourClip('blue', 'blue'), fakeAudio: silenceWav('silence-hosts', { seconds: 60 }) });
    await openAndJoin(hostB, 'Hugo', HOST_PIN);
    await waitJoined(hostB.page, 30000);
    assert.equal(await hostB.page.evaluate(() => window.vmr.role), 'host');
    assert.equal(await hostB.page.isVisible('#host-bar'), true, 'the host sees the host controls');
    assert.equal(await gina.page.isVisible('#host-bar'), false, 'a guest does not');
    const ginaId = await idOf(gina);
    await until(async () => (await energyRate(hostB.page, 1000)) > 1e-4, 20000, 'the host hearing Gina');
    const before = await energyRate(hostB.page);
    await hostB.page.click(`#participants li[data-id="${ginaId}"] button:has-text("Mute")`);
    await until(() => gina.page.evaluate(() => window.vmr.mutedByHost), 10000, 'the guest page told');
    await hostB.page.waitForTimeout(1500);
    const after = await energyRate(hostB.page);
    console.log(`# host's received audio energy/s: ${before.toExponential(2)} with Gina's tone, ${after.toExponential(2)} after muting her`);
    assert.ok(before > 1e-4, `the host heard the tone: ${before}`);
    assert.ok(after < before / 50, `the tone left the mix: ${after} vs ${before}`);
    assert.equal(await gina.page.isVisible('#guest-bar'), true);
    assert.equal(await gina.page.isDisabled('#mute'), true, 'the mute button cannot unmute');
    assert.match(await gina.page.textContent('#mute'), /Muted by the host/);
    // (the button is disabled; a click that reached it anyway would not unmute)
    await gina.page.evaluate(() => document.getElementById('mute').click());
    assert.equal(await gina.page.evaluate(() => window.vmr.micOn), false);
    await gina.page.click('#ask-to-speak');
    await until(async () => /Gina asks to speak/.test(await hostB.page.textContent('#host-notice')), 10000, 'the hand');
    await gina.page.screenshot({ path: path.join(OUT, 'hosts-guest-muted.png') });
    await hostB.page.click(`#participants li[data-id="${ginaId}"] button:has-text("Unmute")`);
    // unmuted by the host, the guest may unmute herself again
    await until(async () => !(await gina.page.isDisabled('#mute')), 10000, 'the mute button free again');
    await gina.page.click('#mute');
    await until(async () => (await energyRate(hostB.page, 1000)) > before / 10, 15000, 'the tone back');
  });

  test('locked room: a knocking page guest is admitted from the page, an API guest refused by another host, unlock lets the last in', async () => {
    const apiHost = await apiJoin({ pin: HOST_PIN, display: 'Ida' });
    assert.equal((await apiHost.answer).role, 'host');
    await hostB.page.click('#lock');
    await until(() => hostB.page.evaluate(() => window.vmr.locked), 10000, 'locked');
    assert.match(await hostB.page.textContent('#lock'), /Unlock/);
    kim = await launchBrowser({ fakeVideo: colourClip('green', 'lime'), fakeAudio: silenceWav('silence-hosts-kim', { seconds: 60 }) });
    await openAndJoin(kim, 'Kim', GUEST_PIN);
    await until(async () => /locked/.test(await status(kim)), 20000, 'Kim knocking');
    const refusedGuest = await apiJoin({ pin: GUEST_PIN, display: 'Rolf' });
    const lastGuest = await apiJoin({ pin: GUEST_PIN, display: 'Lena' });
    // every host hears the knocks
    const rolf = await apiHost.event((d) => d.knock && d.knock.display === 'Rolf', 10000, 'knock of Rolf');
    await until(() => hostB.page.isVisible('#knocks li:has-text("Kim wants to join (PIN)")'), 10000, 'Kim in the host page\'s knocks');
    await hostB.page.click('#knocks li:has-text("Kim") button.admit');
    await waitJoined(kim.page, 30000);
    assert.equal((await apiHost.req({ request: 'refuse', id: rolf.knock.id })).result, 'ok');
    const no = await refusedGuest.answer;
    assert.equal(no.error_code, 430, JSON.stringify(no));
    await until(async () => !(await hostB.page.isVisible('#knocks li:has-text("Rolf")')), 5000, 'Rolf gone from the knocks');
    await hostB.page.click('#lock');
    const yes = await lastGuest.answer;
    assert.equal(yes.vmr, 'joined', JSON.stringify(yes));
  });

  test('spotlight: a silent participant takes everyone\'s main pane while another talks', async () => {
    await kim.page.waitForTimeout(2000);
    assert.ok(isRed(await picture(kim, MAIN)), `Gina (talking) on the main pane first: ${await picture(kim, MAIN)}`);
    const kimId = await idOf(kim);
    await hostB.page.click(`#participants li[data-id="${kimId}"] button:has-text("Spotlight")`);
    await until(async () => isGreen(await picture(gina, MAIN)) && isGreen(await picture(kim, MAIN)), 10000,
      'Kim on everyone\'s main pane').catch(async (e) => {
      throw new Error(`${e.message}: Gina's main pane ${await picture(gina, MAIN)}, Kim's ${await picture(kim, MAIN)}, ` +
        `Kim's page says spotlight ${await kim.page.evaluate(() => JSON.stringify(window.vmr.spotlight))}`);
    });
    await gina.page.screenshot({ path: path.join(OUT, 'hosts-spotlight.png') });
    await hostB.page.click(`#participants li[data-id="${kimId}"] button:has-text("End spotlight")`);
    await until(async () => isRed(await picture(kim, MAIN)), 10000, 'the talker back on the main pane');
  });

  test('*8 from a host\'s phone switches the picture everyone receives from 1+7 to 2x2', async () => {
    // 1+7: the talker (Gina, red) on a main pane over the top 7/8 of the picture
    assert.ok(!isBlue(await picture(kim, BOTTOM_LEFT)), `no tile of Hugo there before: ${await picture(kim, BOTTOM_LEFT)}`);
    const call = sipp('hosts_keypad.xml', { ruri: `sip:pia.join@${DOMAIN}`, who: 'sipphost', dtmf: `${HOST_PIN}#`, dtmf2: '*8' }, { duration: 5000 });
    await waitForStatus(svc, inRoom('pia.join'), 15000, 'the phone in the room');
    await until(() => kim.page.evaluate(() => window.vmr.layout === '2x2'), 15000, 'the layout event');
    await kim.page.waitForTimeout(1500);
    for (const b of [kim, gina]) {
      // 2x2 in join order: Pia (the owner's API client, no video: a name tile), Gina, Hugo, Ida
      const tl = await picture(b, TOP_LEFT), tr = await picture(b, TOP_RIGHT), bl = await picture(b, BOTTOM_LEFT);
      assert.ok(!isRed(tl) && isRed(tr) && isBlue(bl), `2x2 in join order: ${tl} ${tr} ${bl}`);
    }
    await kim.page.screenshot({ path: path.join(OUT, 'hosts-keypad-2x2.png') });
    assert.equal(await call, 0);
  });

  test('remove shows the guest it was removed; end for all shows everyone the meeting ended', async () => {
    const kimId = await idOf(kim);
    await hostB.page.click(`#participants li[data-id="${kimId}"] button:has-text("Remove")`);
    await until(() => kim.page.isVisible('#ended-panel'), 10000, `Kim's ended panel: ${await diag(kim.page)}`);
    assert.match(await kim.page.textContent('#ended-title'), /removed from the meeting/);
    await hostB.page.click('#end-meeting');
    await until(() => gina.page.isVisible('#ended-panel'), 10000, 'Gina\'s ended panel');
    assert.match(await gina.page.textContent('#ended-title'), /The meeting has ended/);
    await gina.page.screenshot({ path: path.join(OUT, 'hosts-ended.png') });
    assert.equal((await owner.req({ request: 'listparticipants' })).error_code, 420);
  });

  test('the owner sets the host PIN, waiting for the host and the end timer on the management page', async () => {
    const page = gina.page;
    await page.goto(`${svc.httpUrl}/manage?lang=en`);
    await login(page, 'pia', 'pia-secret-1');
    await page.waitForSelector('#room-host_pin', { state: 'visible', timeout: 20000 });
    assert.equal(await page.inputValue('#room-host_pin'), HOST_PIN);
    assert.equal(await page.isChecked('#wait-for-host'), true);
    await page.fill('#room-host_pin', GUEST_PIN);
    await page.click('#save');
    await until(async () => /differ/.test(await page.textContent('#room-host_pin-error')), 10000, 'the equal PIN refused');
    await page.fill('#room-host_pin', '9753');
    await page.uncheck('#wait-for-host');
    await page.fill('#end-after', '15');
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('save-status').textContent === 'Saved', null, { timeout: 10000 });
    const r = (await owner.req({ request: 'get_room' })).room;
    assert.equal(r.host_pin, '9753');
    assert.equal(r.pin, GUEST_PIN);
    assert.equal(r.wait_for_host, false);
    assert.equal(r.end_after_host_min, 15);
  });
});
