// 民情日记 and 包户 in a real browser against a demo-mode binhe-server: the board's 民情日记 tab
// counts the diaries and the 包户 coverage as the API does; scoped to 承平园社区 it shows the
// workers' early note of the sewage smell, which one click turns into a proactive ticket whose
// card names the worker who answers for that door; the 包户 of a micro-grid found by name are
// changed and saved; and on a phone, against a center with accounts, a worker of 承平园 writes a
// round down and turns its concern into a ticket they follow. Nothing leaves loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 diary.test.mjs
//
// Screenshots go to tests/e2e/artifacts/diary-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callApi, getOk, launchBrowser, offLoopback, openApp, screenshot, sessionToken, startCenter,
} from './harness.mjs';

const DISPATCHER = { login: 'e2e-diary-dispatcher', name: '孙调度', password: 'diary-dispatch-2026' };
const WORKER = { login: 'e2e-diary-worker', name: '承平园网格员', password: 'diary-worker-2026' };
const PHONE = { width: 390, height: 844 };

let server;
let browser;
let page;
let community;
let early;

const api = (path) => getOk(page, path);
const testid = (id) => page.locator(`[data-testid="${id}"]`);

async function openDiaryTab() {
  if (!(await testid('kpi-board').isVisible())) await testid('kpi-open').click();
  await testid('kpi-tab-diary').click();
  await testid('diary').waitFor({ timeout: 60_000 });
}

describe('民情日记 and 包户', { timeout: 900_000 }, () => {
  before(async () => {
    ({ server, browser, page } = await openApp({ extraArgs: ['--demo-feed'], pauseFeed: true }));
    const grids = (await api('/api/grids.geojson')).features;
    community = grids.find((f) => f.properties.level === 'community' && f.properties.name === '承平园社区');
    assert.ok(community, 'the demo street has 承平园社区');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the tab counts the diaries and the units with a worker as the API does', async () => {
    await openDiaryTab();
    const diary = await api('/api/diary');
    const wards = await api('/api/wards');
    assert.ok(diary.total >= 300, `a round for each part-time worker: ${diary.total}`);
    assert.ok(wards.units - wards.unassigned > 500, JSON.stringify({ units: wards.units, unassigned: wards.unassigned }));
    const summary = testid('diary-summary');
    await summary.filter({ hasText: `民情日记 ${diary.total} 条` }).waitFor({ timeout: 30_000 });
    const text = await summary.innerText();
    assert.ok(text.includes(`走访 ${diary.households} 户`), text);
    assert.ok(text.includes(`包户单元 ${wards.units - wards.unassigned}/${wards.units}`), text);
    assert.equal(await testid('diary-entry').count(), diary.entries.length);
    await screenshot(page, 'diary-01-street');
  });

  test('承平园\'s early note becomes a proactive ticket whose card names who answers for the door', async () => {
    await testid('kpi-scope').selectOption(community.properties.code);
    const scoped = await api(`/api/diary?community=${community.properties.code}`);
    early = scoped.entries.find((e) => e.category === 'sewage_backflow' && e.unit);
    assert.ok(early, 'a diary of 承平园小区 noted the sewage smell');
    // The calls of the seed's case come over the history's last three days.
    assert.ok(Date.parse(early.visited_at) < Date.now() - 3 * 86_400_000, 'noted before the calls began');
    const card = page.locator(`[data-testid="diary-entry"][data-id="${early.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await testid('diary-entry').count(), scoped.entries.length);
    assert.equal(await card.locator('[data-input="diary-category"]').inputValue(), 'sewage_backflow');
    await card.locator('[data-testid="diary-to-ticket"]').click();
    const link = card.locator('[data-testid="diary-ticket-open"]');
    await link.waitFor({ timeout: 30_000 });
    const entry = (await api(`/api/diary?unit=${early.unit.code}`)).entries.find((e) => e.id === early.id);
    assert.ok(entry.ticket, 'the entry names its ticket');
    assert.equal(await link.innerText(), `已转工单 #${entry.ticket}`);
    const { ticket } = await api(`/api/tickets/${entry.ticket}`);
    assert.equal(ticket.channel, 'proactive');
    assert.equal(ticket.category, 'sewage_backflow');
    assert.equal(ticket.routing.unit.code, early.unit.code);
    assert.ok(ticket.description.startsWith(`民情日记（${early.worker_name}，`), ticket.description);
    await screenshot(page, 'diary-02-ticket-made');

    // The ticket's card: who answers for that unit.
    const ward = (await api(`/api/wards/${early.unit.code}`)).ward;
    assert.ok(ward, 'the unit has its worker');
    await link.click();
    if (await testid('kpi-board').isVisible()) await testid('kpi-close').click();
    const line = page.locator('[data-field="ward"]');
    await line.locator(`[data-ward="${ward.worker}"]`).waitFor({ timeout: 30_000 });
    assert.match(await line.innerText(), new RegExp(`${ward.worker_name}.*${ward.households} 户`));
    await screenshot(page, 'diary-03-ward-on-card');
  });

  test('the 包户 of a micro-grid found by name are changed and saved', async () => {
    const grids = (await api('/api/grids.geojson')).features;
    const micro = grids.find((f) => f.properties.level === 'micro' && f.properties.code === early.micro.code);
    if (await testid('ticket-card-close').isVisible()) await testid('ticket-card-close').click();
    await testid('side-tab-grids').click();
    await testid('search-input').fill(micro.properties.name);
    await page.locator(`[data-testid="search-results"] [data-code="${micro.properties.code}"]`).waitFor({ timeout: 15_000 });
    await testid('search-input').press('Enter');
    await openDiaryTab();
    await testid('wards-micro').filter({ hasText: micro.properties.name }).waitFor({ timeout: 30_000 });
    const before = await api(`/api/wards?micro=${micro.properties.code}`);
    const rows = testid('ward-row');
    await rows.first().waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), before.units);
    const first = before.wards[0];
    const row = page.locator(`[data-testid="ward-row"][data-unit="${first.unit.code}"]`);
    assert.equal(await row.locator('[data-input="ward-worker"]').inputValue(), first.worker);
    const households = row.locator('[data-input="ward-households"]');
    await households.fill(String(first.households + 7));
    await households.dispatchEvent('change');
    await testid('wards-save').click();
    await testid('wards-saved').waitFor({ timeout: 30_000 });
    const after = await api(`/api/wards/${first.unit.code}`);
    assert.equal(after.ward.households, first.households + 7);
    assert.equal(after.ward.worker, first.worker);
    const audit = await api('/api/audit?action=wards.set');
    assert.ok(audit.entries.length >= 1, 'on the record');
    await screenshot(page, 'diary-04-wards');
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});

describe('民情日记 on a worker\'s phone', { timeout: 900_000 }, () => {
  let center;
  let token;
  let phone;
  let noted;
  let mine;
  const call = (method, path, body) => callApi(center, token, method, path, body);

  before(async () => {
    center = await startCenter([{ ...DISPATCHER, role: 'dispatcher' }], { extraArgs: ['--demo-feed'] });
    token = await sessionToken(center, DISPATCHER);
    const paused = await call('POST', '/api/demo/feed', { running: false, rate_per_minute: 2 });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    const grids = (await call('GET', '/api/grids.geojson')).body.features;
    const chengpingyuan = grids.find((f) => f.properties.level === 'community' && f.properties.name === '承平园社区');
    const diary = (await call('GET', `/api/diary?community=${chengpingyuan.properties.code}`)).body;
    noted = diary.entries.find((e) => e.category === 'sewage_backflow');
    assert.ok(noted, 'a worker of 承平园 noted the sewage smell');
    mine = (await call('GET', `/api/wards?worker=${noted.worker}`)).body;
    assert.ok(mine.wards.length > 0, 'the worker answers for units');
    const made = await call('POST', '/api/accounts', {
      login: WORKER.login, name: WORKER.name, role: 'worker', worker_id: noted.worker, password: WORKER.password,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    phone = await launchBrowser({
      viewport: PHONE, device: { isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
    });
  });

  after(async () => {
    await phone?.close();
    await center?.stop();
  });

  test('a worker of 承平园 writes a round down and turns it into a ticket they follow', async () => {
    const m = phone.page;
    const id = (name) => m.locator(`[data-testid="${name}"]`);
    await m.goto(`${center.origin}/m/`, { waitUntil: 'load' });
    await id('login-page').waitFor({ timeout: 60_000 });
    await id('login-login').fill(WORKER.login);
    await id('login-password').fill(WORKER.password);
    await id('login-submit').tap();
    await id('m-diary-open').waitFor({ timeout: 60_000 });
    await id('m-diary-open').tap();
    await id('m-diary-form').waitFor({ timeout: 30_000 });
    // Their own diary only: the early note is theirs.
    await m.locator(`[data-testid="m-diary-entry"][data-id="${noted.id}"]`).waitFor({ timeout: 30_000 });
    const own = (await call('GET', `/api/diary?worker=${noted.worker}`)).body.total;
    assert.equal(await id('m-diary-entry').count(), own);

    const unit = mine.wards[0].unit.code;
    await id('m-diary-unit').selectOption(unit);
    await id('m-diary-households').fill('4');
    await id('m-diary-concerns').fill('5号楼电动车在楼道飞线充电，住户担心起火');
    await id('m-diary-follow-up').fill('已劝导，周五复查');
    await id('m-diary-category').selectOption('ebike_charging');
    await screenshot(m, 'diary-05-phone-form');
    await id('m-diary-save').tap();
    const entry = m.locator('[data-testid="m-diary-entry"]', { hasText: '5号楼电动车' });
    await entry.waitFor({ timeout: 30_000 });
    const written = (await call('GET', `/api/diary?unit=${unit}`)).body.entries[0];
    assert.equal(written.worker, noted.worker);
    assert.equal(written.households, 4);
    assert.equal(written.kind, 'visit');
    assert.equal(written.written_by, WORKER.login);
    await entry.locator('[data-testid="m-diary-to-ticket"]').tap();
    const open = entry.locator('[data-testid="m-diary-ticket"]');
    await open.waitFor({ timeout: 30_000 });
    const ticketId = Number((await open.innerText()).match(/#(\d+)/)[1]);
    const { ticket } = (await call('GET', `/api/tickets/${ticketId}`)).body;
    assert.equal(ticket.channel, 'proactive');
    assert.equal(ticket.category, 'ebike_charging');
    assert.equal(ticket.routing.unit.code, unit);
    assert.equal(ticket.source_ref, noted.worker, 'the worker follows it as their report');
    await open.tap();
    await m.locator(`[data-testid="m-ticket-page"][data-ticket-id="${ticketId}"]`).waitFor({ timeout: 30_000 });
    await screenshot(m, 'diary-06-phone-ticket');
  });

  test('nothing left loopback on the phone', () => {
    assert.deepEqual(offLoopback(phone), []);
  });
});
