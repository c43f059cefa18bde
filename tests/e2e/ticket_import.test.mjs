// A 12345 hotline export taken as it comes, in a real browser against a real binhe-server: the
// file's description column is headed 情况说明 (not a header the server knows), so the dialog
// shows the file's first rows and a column chooser with 问题描述 missing; once mapped the import
// runs, skips the 合计 row, and takes the order whose category (供暖不热) is not in the catalogue
// in as 其他, listed for the dispatcher and tagged 待分类 in the queue and on the card. A second
// file with the same headers is read with the remembered mapping. An administrator adds an
// alias in 分类别名 and the whole catalogue is otherwise kept; an alias naming another category
// is refused with the server's message.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 ticket_import.test.mjs
//
// Screenshots go to tests/e2e/artifacts/import-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchFromPage, microPerCommunity, offLoopback, openApp, pointInside, screenshot } from './harness.mjs';

let server;
let browser;
let page;
let dir;
let micros;

const api = (path) => fetchFromPage(page, path);
const tid = (id) => page.locator(`[data-testid="${id}"]`);
const HEADERS = '序号,工单号,来电时间,诉求类型,情况说明,经度,纬度,来电人,来电号码';
/** Full-width digits, as some exports write phone numbers. */
const fullWidth = (digits) => [...digits].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');

/** A 12345 export in the test's folder: two orders in different micro-grids and a 合计 row. */
function exportFile(name, prefix) {
  const [lon1, lat1] = pointInside(micros[0]);
  const [lon2, lat2] = pointInside(micros[1]);
  const path = join(dir, name);
  writeFileSync(path, [
    HEADERS,
    `1,${prefix}-1,2021年11月25日 6:25,路灯不亮,小区南门路灯连续三晚不亮,${lon1},${lat1},王先生,${fullWidth('13900000011')}`,
    `2,${prefix}-2,2021年11月25日 7:40,供暖不热,家中暖气片不热，室温只有十五度,${lon2},${lat2},李女士,${fullWidth('13900000022')}`,
    '合计,2 件,,,,,,,',
  ].join('\n'));
  return path;
}

async function openImport() {
  await tid('ticket-import-open').click();
  await tid('ticket-import-dialog').waitFor({ state: 'visible' });
}

async function openTicket(externalId) {
  const list = await api('/api/tickets?scope=all&limit=5000');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const ticket = list.body.tickets.find((t) => t.external_id === externalId);
  assert.ok(ticket, `${externalId} was taken in`);
  return ticket;
}

describe('12345 import as the hotline writes it', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'binhe-import-'));
    ({ server, browser, page } = await openApp());
    const grids = (await api('/api/grids.geojson')).body.features;
    // Two micro-grids of different communities: the two orders are never duplicates.
    micros = microPerCommunity(grids).slice(0, 2);
    assert.equal(micros.length, 2);
    await tid('side-tab-tickets').click();
    await tid('ticket-queue').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown description header asks for the column, then the import runs', async () => {
    await openImport();
    await tid('ticket-import-file').setInputFiles(exportFile('12345导出-11月.csv', 'BJ12345-IMP'));
    const columns = page.locator('[data-testid="ticket-import-columns"][data-missing="description"]');
    await columns.waitFor({ timeout: 30_000 });
    assert.equal(await columns.getAttribute('data-remembered'), 'false');
    assert.match(await tid('ticket-import-missing').innerText(), /问题描述/);
    assert.ok(await tid('ticket-import-start').isDisabled(), 'no import while a required field has no column');
    // The file's header and first rows, each header with the field it fills.
    const head = await page.locator('[data-testid="ticket-import-sample"] thead th').allInnerTexts();
    assert.equal(head.length, HEADERS.split(',').length);
    assert.match(head[1], /工单号\s*工单编号/);
    assert.match(head[4], /情况说明\s*不读取/);
    const firstRow = await page.locator('[data-testid="ticket-import-sample"] tbody tr').first().innerText();
    assert.match(firstRow, /小区南门路灯连续三晚不亮/);
    // What was recognised is chosen already; the required fields are marked.
    assert.equal(await tid('ticket-import-map-external_id').inputValue(), '工单号');
    assert.equal(await tid('ticket-import-map-category').inputValue(), '诉求类型');
    assert.equal(await tid('ticket-import-map-description').inputValue(), '');
    assert.equal(await page.locator('.mapping-row.missing').getAttribute('data-field'), 'description');
    // Longitude/latitude as WGS84 unless the operator says the hotline wrote GCJ-02 or BD-09.
    assert.equal(await tid('ticket-import-crs').inputValue(), 'wgs84');
    await screenshot(page, 'import-01-mapping');

    await tid('ticket-import-map-description').selectOption('情况说明');
    await page.locator('[data-testid="ticket-import-columns"][data-missing=""]').waitFor({ timeout: 30_000 });
    assert.equal(await tid('ticket-import-map-description').inputValue(), '情况说明');
    assert.match((await page.locator('[data-testid="ticket-import-sample"] thead th').allInnerTexts())[4], /情况说明\s*问题描述/);
    await page.locator('[data-testid="ticket-import-start"]:enabled').waitFor();
    await screenshot(page, 'import-02-mapped');

    await tid('ticket-import-start').click();
    await page.locator('[data-testid="ticket-import-progress"][data-finished="true"]').waitFor({ timeout: 60_000 });
    const stat = (key) => page.locator(`[data-testid="ticket-import-progress"] [data-stat="${key}"] .stat-value`).innerText();
    assert.equal(await stat('created'), '2');
    assert.equal(await stat('rejected'), '0');
    assert.equal(await tid('ticket-import-skipped').getAttribute('data-count'), '1');
    assert.match(await tid('ticket-import-skipped').innerText(), /跳过 1 行非工单行/);
    assert.equal(await tid('ticket-import-unclassified').getAttribute('data-count'), '1');
    assert.match(await tid('ticket-import-unclassified').innerText(), /1 条按“其他”受理，待调度员确定类别/);
    const notices = await page.locator('[data-testid="ticket-import-notice-rows"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.deepEqual(notices[0].slice(0, 3), ['3', '诉求类型', 'UNCLASSIFIED_CATEGORY']);
    assert.match(notices[0][3], /供暖不热/);
    assert.equal(await tid('ticket-import-rejected').count(), 0);
    await screenshot(page, 'import-03-result');
    await tid('ticket-import-close').click();

    // What was taken in: 年月日 time in Beijing time, full-width digits read, the hotline's name.
    const light = await openTicket('BJ12345-IMP-1');
    assert.equal(light.category, 'street_light');
    assert.equal(light.description, '小区南门路灯连续三晚不亮');
    assert.equal(light.reporter_phone, '13900000011');
    assert.equal(new Date(light.received_at).toISOString(), '2021-11-24T22:25:00.000Z');
    const heating = await openTicket('BJ12345-IMP-2');
    assert.equal(heating.category, 'other');
    assert.match(heating.description, /供暖不热/);
  });

  test('an order taken in as 其他 is tagged 待分类 in the queue and on its card', async () => {
    const heating = await openTicket('BJ12345-IMP-2');
    const light = await openTicket('BJ12345-IMP-1');
    const row = (id) => page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
    await row(heating.id).waitFor({ timeout: 30_000 });
    await row(heating.id).locator('[data-testid="unclassified-tag"]', { hasText: '待分类' }).waitFor();
    assert.equal(await row(light.id).locator('[data-testid="unclassified-tag"]').count(), 0);
    await row(heating.id).scrollIntoViewIfNeeded();
    await row(heating.id).click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${heating.id}"]`);
    await card.locator('[data-testid="unclassified-tag"]').waitFor({ timeout: 15_000 });
    assert.match(await card.locator('[data-testid="unclassified-tag"]').getAttribute('title'), /请调度员确定类别/);
    await screenshot(page, 'import-04-unclassified');
    await tid('ticket-card-close').click();
  });

  test('a file with the same headers is read with the remembered columns', async () => {
    await openImport();
    await tid('ticket-import-file').setInputFiles(exportFile('12345导出-12月.csv', 'BJ12345-DEC'));
    const columns = page.locator('[data-testid="ticket-import-columns"][data-remembered="true"]');
    await columns.waitFor({ timeout: 30_000 });
    assert.equal(await columns.getAttribute('data-missing'), '');
    assert.match(await tid('ticket-import-remembered').innerText(), /已按上次的列对应关系读取/);
    const readAs = await page.locator('[data-testid="ticket-import-read-as"] li').allInnerTexts();
    assert.ok(readAs.some((t) => /情况说明\s*→\s*问题描述/.test(t)), JSON.stringify(readAs));
    assert.equal(await tid('ticket-import-sample').count(), 0, 'the summary, not the table');
    await page.locator('[data-testid="ticket-import-start"]:enabled').waitFor();
    await screenshot(page, 'import-05-remembered');
    // The operator may still look at the table.
    await tid('ticket-import-adjust').click();
    await tid('ticket-import-mapping').waitFor();
    assert.equal(await tid('ticket-import-map-description').inputValue(), '情况说明');
    await tid('ticket-import-close').click();
  });

  test('an administrator edits a category\'s aliases and the rest of the catalogue is kept', async () => {
    const before = (await api('/api/catalogue')).body.categories;
    const light = before.find((c) => c.code === 'street_light');
    await tid('account-menu').click();
    await tid('aliases-open').click();
    await tid('aliases-dialog').waitFor({ state: 'visible' });
    const input = tid('aliases-input-street_light');
    await input.waitFor();
    assert.equal(await input.inputValue(), light.aliases.join('，'));
    await input.fill(`${await input.inputValue()}，路灯全灭、 路灯全灭`);
    await screenshot(page, 'import-06-aliases');
    await tid('aliases-save').click();
    await tid('aliases-saved').waitFor({ timeout: 15_000 });
    // The field shows what was stored: the repeat left out.
    assert.equal(await input.inputValue(), [...light.aliases, '路灯全灭'].join('，'));
    const after = (await api('/api/catalogue')).body.categories;
    assert.deepEqual(after.find((c) => c.code === 'street_light').aliases, [...light.aliases, '路灯全灭']);
    const rest = (list) => list.map((c) => (c.code === 'street_light' ? { ...c, aliases: [] } : c));
    assert.deepEqual(rest(after), rest(before), 'every other field and category is unchanged');

    // Another category's name as an alias is refused by the server, in its words, and nothing
    // is changed.
    const noise = before.find((c) => c.code === 'noise');
    await input.fill(`${await input.inputValue()}，${noise.name_zh}`);
    await tid('aliases-save').click();
    const error = page.locator('[data-testid="aliases-error"] [data-error-code="BAD_REQUEST"]');
    await error.waitFor({ timeout: 15_000 });
    assert.match(await error.innerText(), new RegExp(`别名“${noise.name_zh}”已是分类“${noise.name_zh}”的名称或别名`));
    await screenshot(page, 'import-07-alias-refused');
    assert.deepEqual((await api('/api/catalogue')).body.categories, after);
    await tid('aliases-close').click();
  });

  test('no request leaves loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
    assert.deepEqual(browser.problems.filter((p) => !/Failed to load resource/.test(p)), []);
  });
});
