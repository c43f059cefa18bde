// A dispatcher's day at the desk with the demo street alive (the demo feed on, its simulated
// grid workers answering after 1 s instead of 20 s: `--demo-worker-delay 1`): what the undo
// toast offers the server still accepts (the simulated worker waits out the undo window, a
// change by anyone else ends the offer, the countdown is the server's window whatever the
// browser's clock says); D acts on the open card; the queue puts what needs action first and
// holds still under the pointer; places name their community; 下交 and 上交 speak of what they do.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 dispatcher_day.test.mjs
//
// Screenshots go to tests/e2e/artifacts/day-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchFromPage, offLoopback, openApp, poll, postFromPage, screenshot } from './harness.mjs';

let server;
let browser;
let page;

const api = (path) => fetchFromPage(page, path);
const post = (path, body) => postFromPage(page, path, body);

const queueRows = () => page.locator('[data-testid="ticket-queue"] .queue-row');
const row = (id) => page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
const card = (id) => page.locator(`[data-testid="ticket-card"][data-ticket-id="${id}"]`);
const dispatchedToast = (id) => page.locator(`[data-testid="toast"][data-kind="dispatched"][data-ticket-id="${id}"]`);

async function ticket(id) {
  const r = await api(`/api/tickets/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

let serial = 0;
/** Takes a 12345 order in for micro-grid `grid` (no point: never a duplicate of the feed's). */
async function intake(grid, { category, urgency = 'normal', description = '楼道堆放杂物' } = {}) {
  serial += 1;
  const r = await post('/api/tickets', {
    channel: 'hotline', external_id: `BJ12345-DAY-${serial}`, category, description, grid_code: grid,
    reporter_name: '李女士', reporter_phone: '13800000000', urgency,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.ticket;
}

async function act(id, body) {
  const { ticket: t } = await ticket(id);
  const r = await post(`/api/tickets/${id}/actions`, { version: t.version, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The pointer off the queue (over the map), so the queue shows what arrived. */
async function pointerAway() {
  const box = await page.locator('.maplibregl-canvas').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
}

async function closeCard() {
  const close = page.locator('[data-testid="ticket-card-close"]');
  if (await close.isVisible()) await close.click();
}

/** Opens the card of `id` from its queue row, then D from the queue list and the grid `code`. */
async function dispatchByKeyboard(id, code) {
  await row(id).click();
  await card(id).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="queue-list"]').focus();
  await page.keyboard.press('d');
  const chooser = page.locator('[data-testid="chooser-dialog"]');
  await chooser.waitFor({ state: 'visible', timeout: 10_000 });
  await page.locator('[data-testid="chooser-input"]').fill(code);
  await page.locator(`[data-testid="chooser-results"] [data-code="${code}"]`).waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await chooser.waitFor({ state: 'hidden', timeout: 10_000 });
  await dispatchedToast(id).waitFor({ timeout: 30_000 });
}

describe('a dispatcher\'s day with the demo street alive', { timeout: 900_000 }, () => {
  let micros;
  let communityName;
  let categories;

  before(async () => {
    ({ server, browser, page } = await openApp({
      extraArgs: ['--demo-feed', '--feed-rate', '0.1', '--demo-worker-delay', '1'],
    }));
    const grids = (await api('/api/grids.geojson')).body.features;
    communityName = new Map(grids.filter((f) => f.properties.level === 'community')
      .map((f) => [f.properties.code, f.properties.name]));
    micros = grids.filter((f) => f.properties.level === 'micro');
    categories = (await api('/api/catalogue')).body.categories.map((c) => c.code);
    await page.locator('[data-testid="side-tab-tickets"]').click();
    // Loaded: rows, or the empty tab's note (the history may have left no request waiting).
    await page.locator('[data-testid="ticket-queue"] .queue-row, [data-testid="queue-empty"]').first().waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the simulated worker leaves a dispatch alone while its undo is offered, and the undo is accepted', async () => {
    const [mx, my] = [micros[3], micros[8]];
    const x = await intake(mx.properties.code, { category: categories[0] });
    const y = await intake(my.properties.code, { category: categories[1] });
    await act(y.id, { action: 'register' });
    await pointerAway();
    await row(x.id).waitFor({ timeout: 30_000 });

    await dispatchByKeyboard(x.id, mx.properties.code);
    const dispatched = await ticket(x.id);
    assert.equal(dispatched.ticket.state, 'dispatched');
    await dispatchedToast(x.id).locator('[data-testid="undo"]').waitFor();

    // Another order handed over now is taken up by its simulated worker after 1 s and reported
    // back 2 s later: once that happened, a worker answering dispatches as fast would have
    // taken up #x long ago.
    await act(y.id, { action: 'escalate', level: 'community', reason: '需社区协调' });
    await poll(async () => ((await ticket(y.id)).ticket.state === 'fed_back' ? true : undefined),
      250, 30_000, 'the simulated worker did not answer the escalated order');

    const still = await ticket(x.id);
    assert.equal(still.ticket.version, dispatched.ticket.version,
      `nobody touched #${x.id} inside its undo window: ${still.events.map((e) => `${e.type} by ${e.actor.name}`).join(', ')}`);
    const undo = dispatchedToast(x.id).locator('[data-testid="undo"]');
    assert.ok(await undo.isVisible(), 'the toast still offers 撤销');
    await screenshot(page, 'day-01-undo-still-offered');
    await undo.click();
    await page.locator('[data-testid="toast"][data-kind="undone"]').waitFor({ timeout: 15_000 });
    assert.equal((await ticket(x.id)).ticket.state, 'registered');
    await closeCard();
  });

  test('a change by anyone else ends the undo offer, as the server ends the undo', async () => {
    const mz = micros[5];
    const z = await intake(mz.properties.code, { category: categories[2] });
    await pointerAway();
    await row(z.id).waitFor({ timeout: 30_000 });
    await dispatchByKeyboard(z.id, mz.properties.code);
    const toast = dispatchedToast(z.id);
    await toast.locator('[data-testid="undo"]').waitFor();
    // The card offers 撤销 as long as the toast does.
    await card(z.id).locator('[data-action="undo_dispatch"]').waitFor({ timeout: 15_000 });

    // A step on the ticket from elsewhere (here: a contact note sent straight to the API).
    await act(z.id, { action: 'contact', note: '已电话联系诉求人' });
    await toast.waitFor({ state: 'detached', timeout: 15_000 });
    await card(z.id).locator('[data-action="undo_dispatch"]').waitFor({ state: 'detached', timeout: 15_000 });
    // And indeed the server would have refused it.
    const { ticket: t } = await ticket(z.id);
    const refused = await post(`/api/tickets/${z.id}/actions`, { action: 'undo_dispatch', version: t.version });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'UNDO_UNAVAILABLE');
    await closeCard();
  });

  test('the undo countdown is the server\'s window, whatever the browser\'s clock says', async () => {
    const mw = micros[6];
    const w = await intake(mw.properties.code, { category: categories[3] });
    await pointerAway();
    await row(w.id).waitFor({ timeout: 30_000 });
    // This browser's clock runs two minutes behind the server's.
    await page.evaluate(() => {
      window.realDateNow = Date.now;
      Date.now = () => window.realDateNow.call(Date) - 120_000;
    });
    try {
      await dispatchByKeyboard(w.id, mw.properties.code);
      const left = Number((await dispatchedToast(w.id).locator('[data-testid="undo"] .mono').innerText()).match(/\d+/)[0]);
      assert.ok(left > 0 && left <= 30, `the toast offers undo for ${left} s of the server's 30 s`);
      await screenshot(page, 'day-02-countdown');
    } finally {
      await page.evaluate(() => { Date.now = window.realDateNow; });
    }
    await closeCard();
  });

  test('D acts on the open card, not on the row the arrows reached', async () => {
    await pointerAway();
    for (const m of [micros[12], micros[13]]) {
      const t = await intake(m.properties.code, { category: categories[4] });
      await row(t.id).waitFor({ timeout: 30_000 });
    }
    const rows = await queueRows().evaluateAll((els) => els.map((el) => Number(el.dataset.ticketId)));
    assert.ok(rows.length >= 2, 'two new tickets in the queue');
    await row(rows[0]).click();
    await card(rows[0]).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="queue-list"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.locator(`.queue-row.cursor[data-ticket-id="${rows[1]}"]`).waitFor();
    await page.keyboard.press('d');
    const chooser = page.locator('[data-testid="chooser-dialog"]');
    await chooser.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.locator('[data-testid="chooser-for"]').innerText(), new RegExp(`#${rows[0]}\\b`));
    await page.keyboard.press('Escape');
    await chooser.waitFor({ state: 'hidden', timeout: 10_000 });
    await closeCard();
  });

  test('the queue puts what needs action first; newest first on request', async () => {
    await pointerAway();
    const urgent = await intake(micros[9].properties.code, { category: categories[0], urgency: 'urgent', description: '燃气泄漏气味明显' });
    await row(urgent.id).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="queue-sort"]').inputValue(), 'action');
    const shown = () => queueRows().evaluateAll((els) => els.map((el) => ({
      id: Number(el.dataset.ticketId),
      due: Date.parse(el.dataset.due),
      received: Date.parse(el.dataset.received),
      rank: el.classList.contains('tone-overdue') ? 0
        : (el.classList.contains('tone-due-soon') || el.dataset.urgent === 'true') ? 1 : 2,
    })));
    const byAction = await shown();
    for (let i = 1; i < byAction.length; i++) {
      const [a, b] = [byAction[i - 1], byAction[i]];
      assert.ok(a.rank < b.rank || (a.rank === b.rank && a.due <= b.due),
        `row ${i}: #${a.id} (rank ${a.rank}) before #${b.id} (rank ${b.rank})`);
    }
    const at = byAction.findIndex((r) => r.id === urgent.id);
    assert.ok(byAction.every((r, i) => r.rank !== 2 || i > at), 'the urgent request sits above every ticket on time');
    assert.ok(byAction.some((r, i) => i > at && r.rank === 2), 'tickets on time follow it');
    await screenshot(page, 'day-03-action-first');

    await page.locator('[data-testid="queue-sort"]').selectOption('newest');
    await pointerAway();
    await poll(async () => {
      const rows = await shown();
      return rows.every((r, i) => i === 0 || rows[i - 1].received >= r.received) ? true : undefined;
    }, 250, 15_000, 'newest first');
  });

  test('rows hold still under the pointer; new tickets wait behind 条新工单', async () => {
    // Newest first (the last test's choice, kept): a new ticket would land on top.
    assert.equal(await page.locator('[data-testid="queue-sort"]').inputValue(), 'newest');
    const second = queueRows().nth(1);
    const id = Number(await second.getAttribute('data-ticket-id'));
    const box = await second.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('[data-testid="queue-hold"][data-held="true"]').waitFor();

    const fresh = await intake(micros[10].properties.code, { category: categories[1] });
    const arrivals = page.locator('[data-testid="queue-arrivals"]');
    await arrivals.waitFor({ timeout: 30_000 });
    // (The demo feed may have sent one of its own meanwhile.)
    assert.ok(Number(await arrivals.getAttribute('data-count')) >= 1);
    assert.match(await arrivals.innerText(), /\d+ 条新工单/);
    assert.equal(await row(fresh.id).count(), 0, 'the new ticket waits');
    const under = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('.queue-row')?.dataset.ticketId,
      { x: box.x + box.width / 2, y: box.y + box.height / 2 });
    assert.equal(Number(under), id, 'the row under the pointer is still there');
    assert.deepEqual(await row(id).boundingBox(), box, 'and has not moved');
    await screenshot(page, 'day-04-held');

    await arrivals.click();
    await row(fresh.id).waitFor({ timeout: 10_000 });
    const order = await queueRows().evaluateAll((els) => els.map((el) => Number(el.dataset.ticketId)));
    assert.ok(order.indexOf(fresh.id) < order.indexOf(id), 'shown, the new ticket is on top');
    await pointerAway();
    await page.locator('[data-testid="queue-sort"]').selectOption('action');
  });

  test('places name their community: a row, and the grid chooser for a name several communities share', async () => {
    await pointerAway();
    const byName = new Map();
    for (const m of micros) byName.set(m.properties.name, [...(byName.get(m.properties.name) ?? []), m]);
    const shared = [...byName.values()].find((ms) => new Set(ms.map((m) => m.properties.community)).size > 1);
    assert.ok(shared, 'the demo street has a micro-grid name in two communities');
    const m = shared[0];
    const t = await intake(m.properties.code, { category: categories[2] });
    await row(t.id).waitFor({ timeout: 30_000 });
    assert.equal(await row(t.id).locator('[data-field="place"]').innerText(),
      `${communityName.get(m.properties.community)} · ${m.properties.name}`);

    await row(t.id).click();
    await card(t.id).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="queue-list"]').focus();
    await page.keyboard.press('d');
    await page.locator('[data-testid="chooser-dialog"]').waitFor({ state: 'visible' });
    await page.locator('[data-testid="chooser-input"]').fill(m.properties.name);
    const hits = page.locator('[data-testid="chooser-results"] .search-hit');
    await hits.first().waitFor({ timeout: 15_000 });
    const parents = await hits.evaluateAll((lis) => lis.map((li) => [li.dataset.code, li.querySelector('.hit-parent').innerText]));
    for (const s of shared) {
      const hit = parents.find(([code]) => code === s.properties.code);
      assert.ok(hit, `${s.properties.code} offered`);
      assert.equal(hit[1], communityName.get(s.properties.community));
    }
    await screenshot(page, 'day-05-chooser-communities');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="chooser-dialog"]').waitFor({ state: 'hidden' });
    await closeCard();
  });

  test('下交 speaks of handing down, and 上交 offers only the levels above the dispatcher', async () => {
    const m = micros[11];
    const t = await intake(m.properties.code, { category: categories[3] });
    await pointerAway();
    await row(t.id).waitFor({ timeout: 30_000 });
    await dispatchByKeyboard(t.id, m.properties.code);
    // A contact from elsewhere: the simulated worker stands back, the ticket stays dispatched.
    await act(t.id, { action: 'contact', note: '已联系' });
    await dispatchedToast(t.id).waitFor({ state: 'detached', timeout: 15_000 });
    const c = card(t.id);

    await c.locator('[data-action="escalate"]').click();
    const form = page.locator('[data-testid="action-form"][data-action="escalate"]');
    await form.waitFor();
    const levels = await form.locator('input[type="radio"]').evaluateAll((inputs) => inputs.map((i) => i.value));
    assert.deepEqual(levels, ['district'], 'the street\'s dispatcher hands up to the district only');
    await screenshot(page, 'day-06-escalate-levels');
    await form.locator('button', { hasText: '取消' }).click();

    await c.locator('[data-action="delegate"]').click();
    const chooser = page.locator('[data-testid="chooser-dialog"]');
    await chooser.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#chooser-title').innerText(), '选择下交网格');
    const units = (await api('/api/grids.geojson')).body.features
      .filter((f) => f.properties.level === 'unit' && f.properties.code.startsWith(m.properties.code));
    const target = units[0]?.properties.code ?? m.properties.code;
    await page.locator('[data-testid="chooser-input"]').fill(target);
    await page.locator(`[data-testid="chooser-results"] [data-code="${target}"]`).waitFor({ timeout: 15_000 });
    await screenshot(page, 'day-07-delegate-chooser');
    await page.keyboard.press('Enter');
    await chooser.waitFor({ state: 'hidden' });
    const toast = dispatchedToast(t.id);
    await toast.waitFor({ timeout: 15_000 });
    assert.match(await toast.locator('[data-testid="toast-text"]').innerText(), /^已下交至 /);
    assert.equal(await toast.locator('[data-testid="undo"]').count(), 0, 'a hand-down has no undo');
    await closeCard();
  });

  test('no request leaves loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
