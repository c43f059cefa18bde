// An offline-first commander terminal in headless Chromium against `binhe-server serve --center`:
// a community commander (made through the API) signs in with 20 new tickets of their community
// in the queue; the browser goes offline (`context.setOffline`): the 离线 banner shows the time
// of the last update, the queue stays. The commander registers (立案) all 20 tickets from their
// cards: each is kept in IndexedDB with its own Idempotency-Key and the version it was based on,
// marked 待同步, and nothing reaches the server. Meanwhile a dispatcher (API) cancels 3 of them
// and relocates 2. Then the page is reloaded while the action route is cut off (the page and
// its reads load, every POST of an action fails as if the center did not answer): the 20
// actions come back from IndexedDB after the fresh page load, still unsent. Once the center
// answers again the outbox is replayed in order: 15 applied exactly once (each ticket's event
// log shows one 立案), 5 shown as conflicts (STALE_VERSION) with what the ticket is now, 0
// lost, 0 doubled. 按当前版本重试 applies the 2 relocated ones; 放弃 drops the 3 cancelled.
// Last, an action sent online whose answer is lost (the center did it) is kept under the key it
// was sent with and sent again: the center answers it from its idempotency record
// (`Idempotent-Replayed: true`) and the ticket's log shows it once.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 offline_terminal.test.mjs
//
// Screenshots go to tests/e2e/artifacts/offline-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callApi, launchBrowser, offLoopback, poll, screenshot, sessionToken, startCenter,
} from './harness.mjs';

const DISPATCHER = { login: 'e2e-dispatcher', name: '赵调度', password: 'dispatch-pass-2026' };
const COMMANDER = { login: 'e2e-commander', name: '王指挥', password: 'command-pass-2026' };
const TICKETS = 20;
const CANCELLED = 3;
const RELOCATED = 2;

let server;
let browser;
let page;
let token;
let home;
let tickets = [];

const call = (method, path, body) => callApi(server, token, method, path, body);

async function ok(method, path, body) {
  const r = await call(method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const testid = (id) => page.locator(`[data-testid="${id}"]`);
const row = (id) => page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);

/** How many times each ticket's event log shows it registered (立案), by ticket id. */
async function registrations() {
  const counts = new Map();
  for (const t of tickets) {
    const detail = await ok('GET', `/api/tickets/${t.id}`);
    counts.set(t.id, detail.events.filter((e) => e.type === 'registered').length);
  }
  return counts;
}

/** The outbox as stored in the page's IndexedDB (read by the page itself). */
function storedOutbox() {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('smart-binhe-offline');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('outbox')) {
        db.close();
        resolve([]);
        return;
      }
      const all = db.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => {
        db.close();
        resolve(all.result.sort((a, b) => a.seq - b.seq));
      };
      all.onerror = () => reject(all.error);
    };
  }));
}

async function waitForWorkspace() {
  await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 })
    .catch((e) => {
      throw new Error(`${e.message}\nbrowser problems:\n${browser.problems.join('\n')}`);
    });
}

describe('an offline-first commander terminal', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startCenter([{ ...DISPATCHER, role: 'dispatcher' }]);
    token = await sessionToken(server, DISPATCHER);

    // A community of the street, taken at run time, and a commander for it.
    const grids = (await ok('GET', '/api/grids.geojson')).features;
    const communities = grids.filter((f) => f.properties.level === 'community')
      .sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    home = communities[0];
    await ok('POST', '/api/accounts', {
      login: COMMANDER.login, name: COMMANDER.name, role: 'commander',
      community: home.properties.code, password: COMMANDER.password,
    });

    // 20 new tickets in it, far enough apart (or of other categories) not to be duplicates.
    const categories = (await ok('GET', '/api/catalogue')).categories.map((c) => c.code);
    const ring = home.geometry.type === 'Polygon' ? home.geometry.coordinates[0] : home.geometry.coordinates[0][0];
    const [xs, ys] = [ring.map((p) => p[0]), ring.map((p) => p[1])];
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const metres = ([ax, ay], [bx, by]) => Math.hypot((ax - bx) * 85_000, (ay - by) * 111_000);
    const placed = [];
    const steps = 16;
    for (let i = 1; i < steps && tickets.length < TICKETS; i++) {
      for (let j = 1; j < steps && tickets.length < TICKETS; j++) {
        const at = [x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * j) / steps];
        const category = categories[tickets.length % categories.length];
        if (placed.some((p) => p.category === category && metres(p.at, at) < 120)) continue;
        const r = await call('POST', '/api/tickets', {
          channel: 'hotline', external_id: `BJ12345-E2E-OFFLINE-${i}-${j}`, category, urgency: 'normal',
          description: `离线终端测试工单 ${i}-${j}`, lon: at[0], lat: at[1],
          reporter_name: '周女士', reporter_phone: '13800000000',
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const t = r.body.ticket;
        placed.push({ category, at });
        if (t.routing.community?.code === home.properties.code && !r.body.duplicate && t.state === 'reported') {
          tickets.push(t);
        } else if (t.state === 'reported') {
          // Outside the community (its bbox reaches beyond it): out of the way.
          await ok('POST', `/api/tickets/${t.id}/actions`, { action: 'cancel', version: t.version, reason: '测试范围外' });
        }
      }
    }
    assert.equal(tickets.length, TICKETS, `${TICKETS} new tickets in ${home.properties.name}`);

    browser = await launchBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the commander signs in and sees the 20 tickets online', async () => {
    await page.goto(server.url, { waitUntil: 'load' });
    await testid('login-page').waitFor({ timeout: 60_000 });
    await testid('login-login').fill(COMMANDER.login);
    await testid('login-password').fill(COMMANDER.password);
    await testid('login-terminal').fill('社区指挥终端（离线测试）');
    await testid('login-submit').click();
    await waitForWorkspace();
    for (const t of tickets) await row(t.id).waitFor({ timeout: 30_000 });
    assert.equal(await testid('offline-banner').count(), 0, 'no banner while the center answers');
  });

  test('offline: the banner, the last state kept, 20 actions kept with their keys and versions', async () => {
    await browser.context.setOffline(true);
    const banner = testid('offline-banner');
    await banner.waitFor({ timeout: 15_000 });
    assert.equal(await banner.getAttribute('data-state'), 'offline');
    assert.match(await banner.innerText(), /离线/);
    assert.match(await testid('offline-last-update').innerText(), /最后更新 \d{2}:\d{2}:\d{2}（北京时间）/);

    for (const [n, t] of tickets.entries()) {
      await row(t.id).click();
      const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${t.id}"]`);
      await card.waitFor({ timeout: 15_000 });
      const register = card.locator('[data-testid="ticket-actions"] button[data-action="register"]');
      await register.click({ timeout: 15_000 });
      await card.locator('[data-testid="action-submit"]').click({ timeout: 15_000 });
      await row(t.id).and(page.locator('[data-pending="true"]')).waitFor({ timeout: 15_000 });
      await testid('offline-waiting').and(page.locator(`[data-count="${n + 1}"]`)).waitFor({ timeout: 15_000 });
    }
    assert.match(await testid('offline-waiting').innerText(), new RegExp(`待同步 ${TICKETS} 项`));
    assert.equal(await page.locator('.queue-row [data-testid="pending-tag"]').count(), TICKETS, 'every card marked 待同步');
    // Still shown as they were (pending, not done): the queue keeps all 20 as new tickets.
    for (const t of tickets) assert.equal(await row(t.id).getAttribute('data-state'), 'reported');
    assert.equal(await page.locator('.notices [data-error-code="NETWORK_ERROR"]').count(), 0, 'no error notices');

    const kept = await storedOutbox();
    assert.equal(kept.length, TICKETS);
    assert.deepEqual(kept.map((k) => k.ticket), tickets.map((t) => t.id), 'kept in the order made');
    assert.equal(new Set(kept.map((k) => k.key)).size, TICKETS, 'a key of its own for each');
    for (const [i, k] of kept.entries()) {
      assert.match(k.key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(k.method, 'POST');
      assert.equal(k.path, `/api/tickets/${tickets[i].id}/actions`);
      assert.equal(k.version, tickets[i].version, 'based on the version seen');
      assert.deepEqual(JSON.parse(k.body), { action: 'register', version: tickets[i].version });
      assert.equal(k.status, 'queued');
      assert.equal(k.account, COMMANDER.login, 'sent only under the session of who did it');
      assert.ok(!Number.isNaN(Date.parse(k.made_at)));
    }
    const counts = await registrations();
    assert.deepEqual([...counts.values()].filter((n) => n > 0), [], 'nothing reached the server');
    await screenshot(page, 'offline-01-banner');
  });

  test('meanwhile the center changes 5 of them', async () => {
    for (const t of tickets.slice(0, CANCELLED)) {
      await ok('POST', `/api/tickets/${t.id}/actions`, { action: 'cancel', version: t.version, reason: '中心已核实为重复来电' });
    }
    for (const t of tickets.slice(CANCELLED, CANCELLED + RELOCATED)) {
      await ok('POST', `/api/tickets/${t.id}/actions`, { action: 'relocate', version: t.version, lon: t.lon, lat: t.lat, address: '中心更正地址' });
    }
  });

  test('the outbox survives a reload: read from IndexedDB after a fresh page load, still unsent', async () => {
    // The page and its reads load; every action POST fails as if the center did not answer.
    const cut = (route) => route.abort('connectionrefused');
    await page.route('**/api/tickets/*/actions', cut);
    let refused = 0;
    const failed = (r) => {
      if (/\/api\/tickets\/\d+\/actions$/.test(r.url())) refused += 1;
    };
    page.on('requestfailed', failed);
    await browser.context.setOffline(false);
    await page.evaluate(() => { window.offlineTestBeforeReload = true; });
    await page.reload({ waitUntil: 'load' });
    await waitForWorkspace();
    assert.equal(await page.evaluate(() => window.offlineTestBeforeReload), undefined, 'a fresh page');
    await testid('offline-waiting').and(page.locator(`[data-count="${TICKETS}"]`)).waitFor({ timeout: 30_000 });
    const kept = await storedOutbox();
    assert.equal(kept.length, TICKETS, 'all 20 read back from IndexedDB');
    assert.ok(kept.every((k) => k.status === 'queued'));
    // The replay was tried and failed without an answer: nothing applied, nothing lost.
    await poll(async () => (refused > 0 ? true : undefined), 250, 30_000, 'the replay was tried');
    const counts = await registrations();
    assert.deepEqual([...counts.values()].filter((n) => n > 0), [], 'nothing applied while the actions were cut off');
    for (const t of tickets.slice(CANCELLED)) await row(t.id).and(page.locator('[data-pending="true"]')).waitFor();
    page.off('requestfailed', failed);
    console.log(`after the reload: ${kept.length} actions read back from IndexedDB; ${refused} replay attempt(s) cut off`);
    await page.unroute('**/api/tickets/*/actions', cut);
  });

  test('the center answers again: 15 applied exactly once, 5 conflicts, 0 lost, 0 doubled', async () => {
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="conflict"]').length === n,
      CANCELLED + RELOCATED, { timeout: 60_000, polling: 250 });
    await poll(async () => ((await storedOutbox()).every((k) => k.status === 'conflict') ? true : undefined), 250, 60_000,
      'the outbox holds only conflicts');
    await page.locator('[data-testid="offline-banner"]').waitFor({ state: 'detached', timeout: 30_000 });

    const counts = await registrations();
    const changed = new Set(tickets.slice(0, CANCELLED + RELOCATED).map((t) => t.id));
    const applied = tickets.filter((t) => counts.get(t.id) === 1 && !changed.has(t.id)).length;
    const doubled = tickets.filter((t) => counts.get(t.id) > 1).length;
    const conflicts = await page.locator('[data-testid="conflict"]').evaluateAll((rows) => rows.map((r) => ({
      ticket: Number(r.dataset.ticketId), code: r.dataset.errorCode, text: r.innerText,
    })));
    const conflictIds = new Set(conflicts.map((c) => c.ticket));
    const lost = tickets.filter((t) => counts.get(t.id) === 0 && !conflictIds.has(t.id)).length;
    console.log(`offline replay: ${TICKETS} actions kept; applied once ${applied}, conflicts ${conflicts.length}, lost ${lost}, doubled ${doubled}`);
    assert.equal(applied, TICKETS - CANCELLED - RELOCATED);
    assert.equal(conflicts.length, CANCELLED + RELOCATED);
    assert.deepEqual([...conflictIds].sort(), [...changed].sort(), 'the conflicts are the tickets the center changed');
    assert.equal(lost, 0);
    assert.equal(doubled, 0);
    for (const t of tickets.slice(0, CANCELLED + RELOCATED)) assert.equal(counts.get(t.id), 0);
    for (const c of conflicts) {
      assert.equal(c.code, 'STALE_VERSION');
      assert.match(c.text, /立案 · 基于版本 \d+/, 'what the commander did');
      assert.match(c.text, /工单现为：(已注销|待受理) · 版本 \d+/, 'what the ticket is now');
    }
    // The applied ones left the pending state and the new tickets' tab.
    for (const t of tickets.slice(CANCELLED + RELOCATED)) {
      await row(t.id).and(page.locator('[data-pending="true"]')).waitFor({ state: 'detached', timeout: 30_000 });
    }
    await screenshot(page, 'offline-02-conflicts');
  });

  test('按当前版本重试 applies the relocated ones, 放弃 drops the cancelled ones', async () => {
    for (const t of tickets.slice(CANCELLED, CANCELLED + RELOCATED)) {
      await page.locator(`[data-testid="conflict"][data-ticket-id="${t.id}"] [data-testid="conflict-retry"]`).click();
      await page.locator(`[data-testid="conflict"][data-ticket-id="${t.id}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    }
    for (const t of tickets.slice(0, CANCELLED)) {
      await page.locator(`[data-testid="conflict"][data-ticket-id="${t.id}"] [data-testid="conflict-discard"]`).click();
    }
    await testid('conflicts').waitFor({ state: 'detached', timeout: 30_000 });
    await poll(async () => ((await storedOutbox()).length === 0 ? true : undefined), 250, 30_000, 'the outbox is empty');
    const counts = await registrations();
    for (const t of tickets.slice(CANCELLED)) assert.equal(counts.get(t.id), 1, `#${t.id} registered once`);
    for (const t of tickets.slice(0, CANCELLED)) {
      assert.equal(counts.get(t.id), 0);
      assert.equal((await ok('GET', `/api/tickets/${t.id}`)).ticket.state, 'cancelled');
    }
    console.log(`after the decisions: registered once ${[...counts.values()].filter((n) => n === 1).length}, discarded ${CANCELLED}`);
  });

  test('an online action whose answer is lost is kept under its key and done once', async () => {
    // A new ticket where a cancelled one stood (a closed ticket is nobody's duplicate).
    const spot = tickets[0];
    const t = (await ok('POST', '/api/tickets', {
      channel: 'hotline', external_id: 'BJ12345-E2E-OFFLINE-LOST', category: spot.category, urgency: 'normal',
      description: '离线终端测试工单：应答丢失', lon: spot.lon, lat: spot.lat, reporter_name: '周女士', reporter_phone: '13800000000',
    })).ticket;
    await row(t.id).waitFor({ timeout: 30_000 });
    const path = `/api/tickets/${t.id}/actions`;
    const sent = [];
    page.on('request', (r) => {
      if (r.url().endsWith(path)) sent.push(r.headers()['idempotency-key']);
    });
    const answers = [];
    page.on('response', async (r) => {
      if (r.url().endsWith(path)) answers.push({ status: r.status(), replayed: (await r.allHeaders())['idempotent-replayed'] });
    });
    // The first send reaches the center, which does it; its answer never comes back.
    let reached;
    await page.route(`**${path}`, async (route) => {
      reached = (await route.fetch()).status();
      await route.abort('connectionreset');
    }, { times: 1 });
    await row(t.id).click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${t.id}"]`);
    await card.locator('[data-testid="ticket-actions"] button[data-action="register"]').click();
    await card.locator('[data-testid="action-submit"]').click();
    await poll(async () => (answers.length > 0 ? true : undefined), 250, 60_000, 'the kept action was sent again');
    await poll(async () => ((await storedOutbox()).length === 0 ? true : undefined), 250, 30_000, 'the outbox is empty');
    assert.equal(reached, 200, 'the center did it the first time');
    assert.equal(sent.length, 2, 'sent twice');
    assert.equal(sent[0], sent[1], 'with the same Idempotency-Key');
    assert.deepEqual(answers, [{ status: 200, replayed: 'true' }], 'the second answer is the first one again');
    const events = (await ok('GET', `/api/tickets/${t.id}`)).events.filter((e) => e.type === 'registered');
    console.log(`lost answer: sent ${sent.length} times with one key, registered ${events.length} time(s)`);
    assert.equal(events.length, 1, 'done once');
    assert.deepEqual(offLoopback(browser), []);
  });
});
