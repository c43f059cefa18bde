// The dispatch desk in a real browser against a real binhe-server: a ticket taken in through
// the API shows up in the live queue and on the map without a reload, is dragged onto a
// micro-grid (HTML5 drag and drop from the queue) or by its map marker, undone, refused outside
// every grid, dispatched from the keyboard, and its card lists every step.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 ticket_dispatch.test.mjs
//
// Screenshots go to tests/e2e/artifacts/tickets-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fetchFromPage, mapIdle, microPerCommunity, offLoopback, openApp, pointInside, postFromPage, screenshot,
} from './harness.mjs';

// Between MICRO_PICK_ZOOM (14.5) and UNIT_ZOOM (17) of ui/src/map/style.rs: a drop goes to the
// micro-grid, and tickets are single markers (clustered up to z 15).
const MICRO_ZOOM = 15.6;

let server;
let browser;
let page;

const api = (path) => fetchFromPage(page, path);
const post = (path, body) => postFromPage(page, path, body);

/** Centres the map on [lon, lat] at `zoom` and waits until it has drawn. */
async function jump(center, zoom) {
  await page.evaluate(({ center, zoom }) => window.binheMap.jumpTo({ center, zoom }), { center, zoom });
  await mapIdle(page);
}

/** Page pixel of [lon, lat], with the grid MapLibre draws there at the current zoom. */
async function screenPoint(lonLat) {
  return page.evaluate((lonLat) => {
    const m = window.binheMap;
    const p = m.project(lonLat);
    const rect = m.getCanvas().getBoundingClientRect();
    const top = m.queryRenderedFeatures([p.x, p.y], { layers: ['micro-fill', 'community-fill'] })[0];
    return { x: rect.left + p.x, y: rect.top + p.y, code: top?.properties.code ?? null };
  }, lonLat);
}

const row = (id) => page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
const toast = () => page.locator('[data-testid="toast"]');
/** The "dispatched" toast of one ticket: an earlier ticket's toast may still be showing. */
const dispatchedToast = (id) => toast().and(page.locator(`[data-kind="dispatched"][data-ticket-id="${id}"]`));

async function ticket(id) {
  const r = await api(`/api/tickets/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.ticket;
}

/** Takes a request in through the API, as another channel would. */
async function intake(category, [lon, lat], description) {
  const r = await post('/api/tickets', {
    channel: 'hotline', external_id: `BJ12345-E2E-${category}`, category, description, lon, lat,
    reporter_name: '李女士', reporter_phone: '13800000000', urgency: 'normal',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.duplicate, null, 'test tickets must not be duplicates of each other');
  return r.body.ticket;
}

/** Drags a queue row with the real mouse to a page pixel; `before` runs while it hovers there. */
async function dragRow(id, to, beforeDrop = async () => {}) {
  const box = await row(id).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 15 });
  await beforeDrop();
  await page.mouse.up();
}

async function closeCards() {
  for (const id of ['ticket-card-close', 'card-close']) {
    const close = page.locator(`[data-testid="${id}"]`);
    if (await close.isVisible()) await close.click();
  }
}

describe('ticket dispatch', { timeout: 600_000 }, () => {
  let micros;
  let categories;
  let first;
  let second;
  let target;
  let dir;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'binhe-tickets-'));
    ({ server, browser, page } = await openApp());
    const grids = (await api('/api/grids.geojson')).body.features;
    // Three micro-grids in different communities, so the test tickets are never duplicates.
    micros = microPerCommunity(grids).slice(2, 5);
    categories = (await api('/api/catalogue')).body.categories.map((c) => c.code);
    await page.locator('[data-testid="side-tab-tickets"]').click();
    await page.locator('[data-testid="ticket-queue"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a ticket taken in elsewhere appears in the queue and on the map without a reload', async () => {
    await page.evaluate(() => { window.ticketTestPage = true; });
    target = { feature: micros[0], point: pointInside(micros[0]) };
    first = await intake(categories[0], target.point, '小区门口垃圾堆放三天无人清运');
    await row(first.id).waitFor({ timeout: 30_000 });
    assert.match(await row(first.id).innerText(), new RegExp(first.category_zh));
    assert.match(await row(first.id).locator('[data-field="place"]').innerText(), new RegExp(micros[0].properties.name));
    assert.ok(await page.evaluate(() => window.ticketTestPage), 'the page was not reloaded');

    await jump(target.point, MICRO_ZOOM);
    await page.waitForFunction((id) => window.binheMap
      .queryRenderedFeatures({ layers: ['tickets-point'] })
      .some((f) => f.properties.id === id), first.id, { timeout: 30_000, polling: 250 });
    // A click on the marker opens the ticket's card.
    const marker = await screenPoint(target.point);
    await page.mouse.click(marker.x, marker.y);
    await page.locator(`[data-testid="ticket-card"][data-ticket-id="${first.id}"] [data-field="category"]`,
      { hasText: first.category_zh }).waitFor({ timeout: 15_000 });
    // The legend explains the colours.
    assert.match(await page.locator('[data-testid="ticket-legend"]').innerText(), /超期.*临期.*待分派/s);
    await mapIdle(page);
    await screenshot(page, 'tickets-01-queue-and-map');
  });

  test('dragging the queue row onto a micro-grid dispatches it there', async () => {
    await closeCards();
    const to = await screenPoint(target.point);
    assert.equal(to.code, micros[0].properties.code, 'the drop pixel shows the target micro-grid');
    await dragRow(first.id, to, async () => {
      await page.locator('[data-testid="drop-hint"]', { hasText: micros[0].properties.name }).waitFor({ timeout: 10_000 });
      const highlighted = await page.evaluate((id) =>
        window.binheMap.getFeatureState({ source: 'grids', id }).drop === true, micros[0].id);
      assert.ok(highlighted, 'the micro-grid under the dragged ticket is highlighted');
      await screenshot(page, 'tickets-02-dragging');
    });
    const done = dispatchedToast(first.id);
    await done.waitFor({ timeout: 30_000 });

    const t = await ticket(first.id);
    assert.equal(t.state, 'dispatched');
    assert.equal(t.assignment.grid, micros[0].properties.code);
    assert.ok(t.assignment.worker_id, 'a worker was assigned');
    assert.match(await done.innerText(), new RegExp(`已分派至 ${t.assignment.grid_name}.*网格员 ${t.assignment.worker_name}`));
    assert.equal(await page.evaluate((id) => window.binheMap.getFeatureState({ source: 'grids', id }).drop, micros[0].id), undefined,
      'the highlight is gone after the drop');

    // Dispatched, the ticket has left the new tickets; the message strip opens its card.
    assert.equal(await row(first.id).count(), 0);
    await done.locator('[data-testid="toast-open"]').click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${first.id}"]`);
    await card.locator(`[data-field="assignment-grid"][data-code="${t.assignment.grid}"]`).waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('[data-field="assignment-worker"]').innerText(), t.assignment.worker_name);
    assert.equal(await card.locator('[data-field="state"]').innerText(), '已分派');
    await mapIdle(page);
    await screenshot(page, 'tickets-03-dispatched');
  });

  test('undo within the window restores the ticket', async () => {
    await toast().locator('[data-testid="undo"]').click();
    await toast().and(page.locator('[data-kind="undone"]')).waitFor({ timeout: 15_000 });
    const t = await ticket(first.id);
    assert.notEqual(t.state, 'dispatched');
    assert.equal(t.assignment, null);
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${first.id}"]`);
    await card.locator('[data-field="state"]', { hasText: t.state_zh }).waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('[data-field="assignment"]').count(), 0);
    await screenshot(page, 'tickets-04-undone');
  });

  test('a drop outside every grid is refused and changes nothing', async () => {
    await closeCards();
    second = await intake(categories[1], pointInside(micros[1]), '路灯不亮，夜间行人不便');
    await row(second.id).waitFor({ timeout: 30_000 });
    // Zoomed out, the street leaves open ground at the canvas' left edge.
    const street = (await api('/api/grids.geojson')).body.features.find((f) => f.properties.level === 'street');
    const west = Math.min(...street.geometry.coordinates.flat(Infinity).filter((_, i) => i % 2 === 0));
    const outside = [west - 0.004, target.point[1]];
    await jump(outside, 14);
    const to = await screenPoint(outside);
    assert.equal(to.code, null, 'no grid is drawn at the drop point');
    const before = await ticket(second.id);
    await dragRow(second.id, to, async () => {
      await page.locator('[data-testid="drop-hint"].outside').waitFor({ timeout: 10_000 });
    });
    const refused = toast().and(page.locator('[data-kind="refused"]'));
    await refused.waitFor({ timeout: 30_000 });
    await screenshot(page, 'tickets-05-refused-outside');
    const after = await ticket(second.id);
    assert.equal(after.version, before.version, 'nothing changed');
    assert.equal(after.state, before.state);
    assert.equal(await refused.getAttribute('data-error-code'), 'DROP_OUTSIDE_GRID');
    assert.match(await refused.innerText(), /不在本街道任何网格内/);
  });

  test('the keyboard dispatches: select, D, type the grid, Enter', async () => {
    const third = await intake(categories[2], pointInside(micros[2]), '楼道堆放杂物堵塞消防通道');
    await row(third.id).waitFor({ timeout: 30_000 });
    await row(third.id).click();
    await page.locator(`[data-testid="ticket-card"][data-ticket-id="${third.id}"]`).waitFor();
    await page.locator('[data-testid="queue-list"]').focus();
    await page.keyboard.press('d');
    const chooser = page.locator('[data-testid="chooser-dialog"]');
    await chooser.waitFor({ state: 'visible', timeout: 10_000 });
    const code = micros[2].properties.code;
    await page.locator('[data-testid="chooser-input"]').fill(code);
    await page.locator(`[data-testid="chooser-results"] [data-code="${code}"]`).waitFor({ timeout: 15_000 });
    await screenshot(page, 'tickets-06-grid-chooser');
    await page.keyboard.press('Enter');
    await chooser.waitFor({ state: 'hidden', timeout: 10_000 });
    await dispatchedToast(third.id).waitFor({ timeout: 30_000 });
    const t = await ticket(third.id);
    assert.equal(t.state, 'dispatched');
    assert.equal(t.assignment.grid, code);
    await page.locator(`[data-testid="ticket-card"] [data-field="assignment-grid"][data-code="${code}"]`).waitFor({ timeout: 15_000 });
  });

  test('dragging a ticket marker onto a neighbouring micro-grid dispatches it there', async () => {
    await closeCards();
    const from = pointInside(micros[1]);
    const grids = (await api('/api/grids.geojson')).body.features;
    // The nearest other micro-grid of the same community, so both fit on the screen.
    const neighbour = grids
      .filter((f) => f.properties.level === 'micro' && f.properties.community === micros[1].properties.community
        && f.properties.code !== micros[1].properties.code)
      .map((f) => ({ f, p: pointInside(f) }))
      .sort((a, b) => Math.hypot(a.p[0] - from[0], a.p[1] - from[1]) - Math.hypot(b.p[0] - from[0], b.p[1] - from[1]))[0];
    await jump([(from[0] + neighbour.p[0]) / 2, (from[1] + neighbour.p[1]) / 2], MICRO_ZOOM);
    await page.waitForFunction((id) => window.binheMap
      .queryRenderedFeatures({ layers: ['tickets-point'] })
      .some((f) => f.properties.id === id), second.id, { timeout: 30_000, polling: 250 });
    const start = await screenPoint(from);
    const to = await screenPoint(neighbour.p);
    assert.equal(to.code, neighbour.f.properties.code, 'the drop pixel shows the neighbouring micro-grid');
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 20 });
    await page.locator('[data-testid="drop-hint"]', { hasText: neighbour.f.properties.name }).waitFor({ timeout: 10_000 });
    await page.mouse.up();
    await dispatchedToast(second.id).waitFor({ timeout: 30_000 });
    const t = await ticket(second.id);
    assert.equal(t.state, 'dispatched');
    assert.equal(t.assignment.grid, neighbour.f.properties.code, 'the grid under the drop took it, not the one it lies in');
    await mapIdle(page);
    await screenshot(page, 'tickets-07-marker-dropped');
  });

  test('the card lists every step of the loop in its timeline', async () => {
    await row(first.id).click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${first.id}"]`);
    await card.locator('[data-testid="ticket-timeline"] .tl-item[data-type="dispatch_undone"]').waitFor({ timeout: 15_000 });
    const { body } = await api(`/api/tickets/${first.id}`);
    const shown = await card.locator('[data-testid="ticket-timeline"] .tl-item').evaluateAll((items) =>
      items.map((li) => li.getAttribute('data-type')));
    assert.deepEqual(shown, [...body.events].sort((a, b) => a.version - b.version).map((e) => e.type));
    assert.ok(['received', 'registered', 'dispatched', 'dispatch_undone'].every((t) => shown.includes(t)), shown.join());
    const text = await card.locator('[data-testid="ticket-timeline"]').innerText();
    assert.match(text, /待分派 → 已分派/);
    assert.match(text, /调度员/);
    // Times are Beijing time: the received event's minute as Asia/Shanghai shows it.
    const received = new Date(body.events.find((e) => e.type === 'received').at);
    const beijing = received.toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai', hour12: false });
    assert.match(text, new RegExp(beijing));
    await card.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await screenshot(page, 'tickets-08-timeline');
  });

  test('a 12345 export is imported with progress, an unknown category taken in as 其他', async () => {
    const csv = join(dir, '12345工单.csv');
    const [lon, lat] = pointInside(micros[1]);
    writeFileSync(csv, [
      '工单编号,受理时间,问题类别,问题描述,经度,纬度,反映人,联系电话,紧急程度',
      `BJ12345-E2E-1,2026-11-28 09:00:00,${categories[3]},小区东门井盖松动,${lon},${lat},王先生,13900000000,一般`,
      'BJ12345-E2E-2,2026-11-28 09:05:00,不存在的类别,描述,117.1,40.1,赵女士,13900000001,一般',
    ].join('\n'));
    await page.locator('[data-testid="ticket-import-open"]').click();
    await page.locator('[data-testid="ticket-import-dialog"]').waitFor({ state: 'visible' });
    await page.locator('[data-testid="ticket-import-file"]').setInputFiles(csv);
    await page.locator('[data-testid="ticket-import-start"]').click();
    await page.locator('[data-testid="ticket-import-progress"][data-finished="true"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('[data-testid="ticket-import-count"]').innerText(), /2 \/ 2/);
    // No row refused: the category the catalogue does not know is taken in as 其他 and listed.
    assert.equal(await page.locator('[data-testid="ticket-import-problems"]').count(), 0);
    assert.equal(await page.locator('[data-testid="ticket-import-unclassified"]').getAttribute('data-count'), '1');
    const rows = await page.locator('[data-testid="ticket-import-notice-rows"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0][0], '3', 'the order taken in as 其他 is the file\'s third line');
    assert.equal(rows[0][1], '问题类别', 'named by the file\'s column');
    await screenshot(page, 'tickets-09-import');
    await page.locator('[data-testid="ticket-import-close"]').click();
  });

  test('without the stream (an older server) the queue asks every few seconds', async () => {
    // The stream opens from the list's event (`/api/stream?after=N`).
    const stream = /\/api\/stream(\?|$)/;
    await page.route(stream, (route) => route.fulfill({ status: 404, body: '' }));
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 });
    await page.locator('[data-testid="side-tab-tickets"][aria-selected="true"]').waitFor();
    await page.locator('[data-testid="live-state"].polling').waitFor({ timeout: 15_000 });
    const late = await intake(categories[4], pointInside(micros[2]), '夜间施工噪音扰民');
    await row(late.id).waitFor({ timeout: 10_000 });
    await page.unroute(stream);
  });

  test('no request leaves loopback', () => {
    assert.ok(browser.requests.some((u) => u.includes('/api/stream')), 'the live stream was opened');
    assert.deepEqual(offLoopback(browser), []);
  });
});
