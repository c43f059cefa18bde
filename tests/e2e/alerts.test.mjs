// 提醒 (issue 18): the desk's alerts in a real browser against a demo-mode binhe-server (without
// its feed, so only this test's tickets and alarms arrive):
//
// - system notifications are asked for once per terminal, at the first click, never again —
//   also not after a reload;
// - a new urgent ticket plays a tone and shows a notification naming it, whose click opens its
//   card; a normal one does neither;
// - a ticket told once when it turns overdue (by the desk's own clock, not at its arrival);
// - a door forced open and a camera alert are told as device alarms;
// - the terminal's settings (提醒设置): sound off still notifies, a kind switched off is not
//   told, and they survive a reload;
// - nothing is told while the replay is open, and what arrived then is not told afterwards.
//
// What the page plays and shows is watched on the browser's own objects: the Notification
// constructor and AudioScheduledSourceNode.start are wrapped (and still called), nothing
// replaced.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test alerts.test.mjs
//
// Screenshots go to tests/e2e/artifacts/alerts-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fetchFromPage, getOk, offLoopback, openApp, pointInside, postFromPage, screenshot,
} from './harness.mjs';

let server;
let browser;
let page;
let micros;
let hotline = 0;

/** Wraps the page's Notification and tone starts, recording each (installed on every load). */
function watchAlerts() {
  const Real = window.Notification;
  window.binheNotified = [];
  window.binheAsked = 0;
  const Watched = function Notification(title, options) {
    const shown = new Real(title, options);
    window.binheNotified.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', shown });
    return shown;
  };
  Watched.prototype = Real.prototype;
  Object.defineProperty(Watched, 'permission', { get: () => Real.permission });
  Watched.requestPermission = (...args) => {
    window.binheAsked += 1;
    return Real.requestPermission(...args);
  };
  window.Notification = Watched;
  window.binheTones = [];
  const start = AudioScheduledSourceNode.prototype.start;
  AudioScheduledSourceNode.prototype.start = function watchedStart(...args) {
    if (this instanceof OscillatorNode) window.binheTones.push(Math.round(this.frequency.value));
    return start.apply(this, args);
  };
}

const notified = () => page.evaluate(() => window.binheNotified.map(({ title, body, tag }) => ({ title, body, tag })));
const tones = () => page.evaluate(() => [...window.binheTones]);

/** Waits for a notification titled `title`; returns it. */
async function notification(title) {
  try {
    await page.waitForFunction((t) => window.binheNotified.some((n) => n.title === t), title, { timeout: 60_000, polling: 250 });
  } catch (e) {
    await screenshot(page, 'alerts-failed');
    throw new Error(`no notification "${title}"; shown: ${JSON.stringify(await notified())} (${e.message})`);
  }
  return (await notified()).find((n) => n.title === title);
}

/** Loads the page again with the watch installed and the desk ready; then clicks once, unless told not to. */
async function reload({ click = true } = {}) {
  await page.reload({ waitUntil: 'load' });
  await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 });
  if (click) await page.locator('.brand').click();
}

async function newTicket(fields) {
  hotline += 1;
  // Each in its own micro-grid: the same request twice at one place would be merged as a duplicate.
  const [lon, lat] = pointInside(micros[(hotline * 37) % micros.length]);
  const made = await postFromPage(page, '/api/tickets', {
    channel: 'hotline', external_id: `BJ12345-ALERT-${hotline}`, category: 'street_light',
    description: `提醒测试 ${hotline}：路灯不亮`, lon, lat, urgency: 'normal', ...fields,
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body.ticket;
}

/** Waits until the desk's queue holds ticket `id` (what the alerts look at has it). */
async function onDesk(id) {
  await page.waitForFunction(async (wanted) => {
    const r = await fetch('/api/tickets?limit=500');
    return r.ok && (await r.json()).tickets.some((t) => t.id === wanted);
  }, id, { timeout: 30_000, polling: 500 });
  await page.locator(`.queue-row[data-ticket-id="${id}"]`).waitFor({ state: 'attached', timeout: 30_000 })
    .catch(() => { /* in another tab of the queue: the desk still holds it */ });
}

async function openSettings() {
  await page.locator('[data-testid="account-menu"]').click();
  await page.locator('[data-testid="alerts-open"]').click();
  await page.locator('[data-testid="alerts-dialog"]').waitFor();
}

async function closeSettings() {
  await page.locator('[data-testid="alerts-close"]').click();
  await page.locator('[data-testid="alerts-dialog"]').waitFor({ state: 'hidden' });
}

describe('alerts', { timeout: 900_000 }, () => {
  before(async () => {
    ({ server, browser, page } = await openApp());
    micros = (await fetchFromPage(page, '/api/grids.geojson')).body.features.filter((f) => f.properties.level === 'micro');
    await page.addInitScript(watchAlerts);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (browser) assert.deepEqual(offLoopback(browser), [], 'no request left loopback');
  });

  test('notifications are asked for once, at the first click', async () => {
    await reload({ click: false });
    assert.equal(await page.evaluate(() => Notification.permission), 'default');
    assert.equal(await page.evaluate(() => window.binheAsked), 0, 'not asked before a click');
    await page.locator('.brand').click();
    await page.waitForFunction(() => window.binheAsked === 1, null, { timeout: 10_000 });
    // Headless Chromium answers the question itself (with 'denied'). Put back to undecided, the
    // terminal still does not ask again — not at another click, not after a reload.
    const origin = new URL(server.url).origin;
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'prompt', origin });
    await reload({ click: false });
    assert.equal(await page.evaluate(() => Notification.permission), 'default');
    await page.locator('.brand').click();
    await page.locator('.brand').click();
    assert.equal(await page.evaluate(() => window.binheAsked), 0, 'not asked again after a reload');
    await openSettings();
    // Not granted: the dialog says so and how to allow.
    const line = page.locator('[data-testid="alerts-permission"]');
    assert.match(await line.getAttribute('data-permission'), /^(default|denied)$/);
    await screenshot(page, 'alerts-01-settings-not-allowed');
    await closeSettings();
    await browser.context.grantPermissions(['notifications'], { origin });
    await reload();
    assert.equal(await page.evaluate(() => Notification.permission), 'granted');
  });

  test('a new urgent ticket: a tone and a notification that opens its card', async () => {
    const plain = await newTicket({});
    const urgent = await newTicket({ urgency: 'urgent', description: '小区门口路灯全部不亮，老人夜间摔倒' });
    const shown = await notification(`新的紧急工单 #${urgent.id}`);
    assert.match(shown.body, /^路灯 · .+\n小区门口路灯全部不亮，老人夜间摔倒$/);
    assert.ok((await tones()).includes(880), `the urgent tone: ${await tones()}`);
    assert.ok(!(await notified()).some((n) => n.title.includes(`#${plain.id}`)), 'a normal ticket is no alert');
    await page.evaluate((t) => window.binheNotified.find((n) => n.title === t).shown.onclick(), shown.title);
    await page.locator(`[data-testid="ticket-card"][data-ticket-id="${urgent.id}"]`).waitFor({ timeout: 30_000 });
    await screenshot(page, 'alerts-02-urgent-opened');
  });

  test('a ticket is told once, when it turns overdue', async () => {
    // A received time that leaves 40 s to the deadline (the category's time to resolve, measured).
    const probe = await newTicket({});
    const span = Date.parse(probe.due_at) - Date.parse(probe.received_at);
    const received = new Date(Date.now() - span + 40_000);
    const due = await newTicket({ received_at: received.toISOString() });
    const left = Date.parse(due.due_at) - Date.now();
    assert.ok(left > 5_000 && left < 60_000, `the deadline is under a minute away: ${left} ms`);
    await onDesk(due.id);
    assert.ok(!(await notified()).some((n) => n.title.includes(`#${due.id}`)), 'not before its deadline');
    await notification(`工单超期 #${due.id}`);
    assert.ok(Date.now() >= Date.parse(due.due_at), 'told after the deadline');
    assert.ok((await tones()).includes(587));
    await page.waitForTimeout(16_000); // one more tick of the desk's clock (15 s)
    assert.equal((await notified()).filter((n) => n.title === `工单超期 #${due.id}`).length, 1, 'told once');
  });

  test('a door forced open and a camera alert are device alarms', async () => {
    const devices = (await getOk(page, '/api/devices.geojson')).features.map((f) => f.properties);
    const door = devices.find((d) => d.kind === 'door_access');
    const reported = await postFromPage(page, '/api/door-access/events', { unit: door.id, kind: 'forced', detail: '2 号门' });
    assert.equal(reported.status, 201, JSON.stringify(reported.body));
    const shown = await notification(`门禁告警：${door.name}`);
    assert.equal(shown.body, '门被强行打开 · 2 号门');
    assert.ok((await tones()).includes(1046));
    // Back to normal is no alarm.
    await postFromPage(page, '/api/door-access/events', { unit: door.id, kind: 'restored' });
    const camera = devices.find((d) => d.kind === 'camera');
    const category = (await getOk(page, '/api/catalogue')).categories[0].code;
    const made = await postFromPage(page, '/api/tickets', {
      channel: 'camera', source_ref: camera.id, category, description: '视频分析告警：占道经营', urgency: 'normal',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await notification(`视频告警 #${made.body.ticket.id}`);
    assert.ok(!(await notified()).some((n) => n.body.startsWith('已恢复')), 'restored is not told');
  });

  test('the settings: sound off still notifies, a kind off is not told, kept after a reload', async () => {
    await openSettings();
    await page.locator('[data-testid="alerts-sound"]').uncheck();
    await screenshot(page, 'alerts-03-settings');
    await closeSettings();
    const before = (await tones()).length;
    const quiet = await newTicket({ urgency: 'urgent' });
    await notification(`新的紧急工单 #${quiet.id}`);
    assert.equal((await tones()).length, before, 'no tone with the sound off');

    await openSettings();
    await page.locator('[data-testid="alerts-urgent"]').uncheck();
    await closeSettings();
    await reload();
    await openSettings();
    assert.equal(await page.locator('[data-testid="alerts-sound"]').isChecked(), false, 'kept on this terminal');
    assert.equal(await page.locator('[data-testid="alerts-urgent"]').isChecked(), false);
    await closeSettings();
    const unheard = await newTicket({ urgency: 'urgent' });
    const door = (await getOk(page, '/api/devices.geojson')).features.map((f) => f.properties)
      .find((d) => d.kind === 'door_access');
    await onDesk(unheard.id);
    await postFromPage(page, '/api/door-access/events', { unit: door.id, kind: 'held_open' });
    await notification(`门禁告警：${door.name}`); // told after the ticket reached the desk
    assert.ok(!(await notified()).some((n) => n.title.includes(`#${unheard.id}`)), 'urgent tickets are switched off');
    await openSettings();
    await page.locator('[data-testid="alerts-sound"]').check();
    await page.locator('[data-testid="alerts-urgent"]').check();
    await closeSettings();
  });

  test('nothing is told while the replay is open, nor afterwards for what came then', async () => {
    await page.locator('[data-testid="replay-open"]').click();
    await openSettings();
    assert.equal(await page.locator('[data-testid="alerts-paused"]').innerText(), '回放期间暂停提醒');
    await closeSettings();
    const during = await newTicket({ urgency: 'urgent' });
    await onDesk(during.id);
    await page.waitForTimeout(1_000); // the desk's effect has run on the new list
    await page.locator('[data-testid="replay-open"]').click();
    const later = await newTicket({ urgency: 'urgent' });
    await notification(`新的紧急工单 #${later.id}`);
    assert.ok(!(await notified()).some((n) => n.title.includes(`#${during.id}`)), 'not told during the replay, nor after');
  });
});
