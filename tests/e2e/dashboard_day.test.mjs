// 数据看板 as a new user meets it, on a street whose figures are known: the reference years
// (`binhe-server reference-years`: January–November 2020 and 2021, the seed's results).
//
// - 年 2021 截至 2021-11-30 → 月报 is November's (never December's, which the server refuses),
//   its XLSX link says so, and 月↔年 keeps the year and month asked;
// - two days into a month the volume figures are counted to date (本月至今（2 天）), not scaled
//   up to a month; a week in they are per month again;
// - the report's rows read rate（solved / counted）, 下交 too, and the workbook the 下载 link
//   gives explains each row by its own definition;
// - the month, year and day fields are the app's own, in Chinese (no native month/date
//   pickers, which Chromium draws in the OS locale), the replay bar's too;
// - a community commander's 考核 ranks their micro-grids (and workers), not their community
//   alone at rank 1.
//
//   cd tests/e2e && BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist \
//     node --test --test-concurrency=1 dashboard_day.test.mjs
//
// Screenshots go to tests/e2e/artifacts/day-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import {
  fetchFromPage, freshDatabase, getOk, launchBrowser, offLoopback, requiredPath, screenshot,
  startServer, switchToCommander,
} from './harness.mjs';

const COMMANDER = { login: 'e2e-day-commander', name: '周指挥', password: 'day-command-2026' };

let server;
let browser;
let page;

const api = (path) => getOk(page, path);
const testid = (id) => page.locator(`[data-testid="${id}"]`);
const board = () => testid('kpi-board');
const tile = (key) => page.locator(`.kpi-tile[data-kpi="${key}"]`);
const oneDecimal = (v) => (v === null ? '—' : v.toFixed(1));

/** Waits until `selector`'s text is `text` (or matches it). */
async function textIs(selector, text) {
  const wanted = typeof text === 'string' ? { exact: text } : { pattern: text.source };
  try {
    await page.waitForFunction(([s, w]) => {
      const found = document.querySelector(s)?.textContent ?? '';
      return w.exact !== undefined ? found === w.exact : new RegExp(w.pattern).test(found);
    }, [selector, wanted], { timeout: 60_000, polling: 250 });
  } catch (e) {
    const found = await page.locator(selector).first().textContent({ timeout: 1_000 }).catch(() => null);
    await screenshot(page, 'day-failed');
    throw new Error(`${selector}: waited for ${JSON.stringify(wanted)}, found ${JSON.stringify(found)} (${e.message})`);
  }
}

async function openBoard() {
  if (!(await board().isVisible())) await testid('kpi-open').click();
  await testid('kpi-tab-dashboard').click();
  await testid('kpi-tiles').waitFor({ timeout: 60_000 });
}

/** Types a cut-off day (截至) as a person does: the text, then leaving the field. */
async function cutOff(day) {
  const field = testid('kpi-as-of');
  await field.fill(day);
  await field.dispatchEvent('change');
}

/** Every request the page made that the server refused (status ≥ 400), from now on. */
function refusals() {
  const seen = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/api/kpi/')) seen.push(`${r.status()} ${r.url()}`);
  });
  return seen;
}

/** The files of a zip by name (stored or deflated). */
function unzip(bytes) {
  let end = bytes.length - 22;
  while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'a zip has an end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + size);
    files.set(name, method === 0 ? data : inflateRawSync(data));
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The first sheet of an XLSX as rows of cell texts (shared strings resolved), by row number. */
function firstSheet(bytes) {
  const files = unzip(bytes);
  const shared = [...(files.get('xl/sharedStrings.xml')?.toString('utf8') ?? '')
    .matchAll(/<si>(.*?)<\/si>/gs)].map((m) => unescape(m[1].replace(/<[^>]+>/g, '')));
  const xml = files.get('xl/worksheets/sheet1.xml')?.toString('utf8');
  assert.ok(xml, 'the workbook has a first sheet');
  const rows = new Map();
  for (const row of xml.matchAll(/<row r="(\d+)"[^>]*>(.*?)<\/row>/gs)) {
    const cells = new Map();
    for (const c of row[2].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const value = /<v>(.*?)<\/v>/s.exec(c[3] ?? '')?.[1] ?? /<t[^>]*>(.*?)<\/t>/s.exec(c[3] ?? '')?.[1] ?? '';
      cells.set(c[1], /t="s"/.test(c[2]) ? shared[Number(value)] : unescape(value));
    }
    rows.set(Number(row[1]), cells);
  }
  return rows;
}

describe('the dashboard on a known street', { timeout: 900_000 }, () => {
  let refused;

  before(async () => {
    const database = freshDatabase();
    execFileSync(requiredPath('BINHE_SERVER_BIN'), ['reference-years', '--db', database.db], { stdio: 'pipe', timeout: 300_000 });
    server = await startServer({ database });
    browser = await launchBrowser();
    page = browser.page;
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 })
      .catch((e) => {
        throw new Error(`${e.message}\nbrowser problems:\n${browser.problems.join('\n')}`);
      });
    refused = refusals();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('年 2021 截至 2021-11-30: the report is November\'s, and 月↔年 keeps the time asked', async () => {
    await openBoard();
    await testid('kpi-period-kind').selectOption('year');
    await testid('kpi-year').selectOption('2021');
    await cutOff('2021-11-30');
    const year = await api('/api/kpi/dashboard?year=2021&as_of=2021-11-30');
    await textIs('[data-testid="kpi-heading"]', `${year.scope.name} · 2021年`);
    await textIs('.board-asof', /2021-11-30 00:00/);
    await textIs('.kpi-tile[data-kpi="received"] .kpi-number.big', String(year.kpis.received));
    assert.equal(year.kpis.received, 2214);

    // 月报 from the year: the cut-off's month, and the link asks the server for the same.
    await testid('kpi-tab-report').click();
    await testid('report-summary').waitFor({ timeout: 60_000 });
    await textIs('[data-testid="report-title"]', '滨河街道2021年11月接诉即办工作月报');
    assert.equal(await testid('kpi-xlsx').getAttribute('href'), '/api/kpi/report.xlsx?month=2021-11&as_of=2021-11-30');
    assert.equal(await board().locator('[data-testid="kpi-error"]').count(), 0);
    await screenshot(page, 'day-01-report-from-year');

    // 年 → 月: November 2021 (the cut-off's month), not this month; 月 → 年: 2021 again.
    await testid('kpi-tab-dashboard').click();
    await testid('kpi-period-kind').selectOption('month');
    await textIs('[data-testid="kpi-heading"]', `${year.scope.name} · 2021年11月`);
    assert.equal(await testid('kpi-month').getAttribute('data-value'), '2021-11');
    // December lies after the cut-off: offered, it would be refused.
    assert.equal(await testid('kpi-month').locator('[data-testid="picker-month"] option[value="12"]').isDisabled(), true);
    await testid('kpi-period-kind').selectOption('year');
    await textIs('[data-testid="kpi-heading"]', `${year.scope.name} · 2021年`);
    assert.equal(await testid('kpi-year').inputValue(), '2021');
    await textIs('.board-asof', /2021-11-30 00:00/);
    assert.deepEqual(refused, [], 'the server refused nothing the board asked');
  });

  test('two days into a month the figures are counted to date; a week in, per month', async () => {
    await openBoard();
    // A cut-off of 3 November counts 1–2 November; the year's month view follows it.
    await cutOff('2021-11-03');
    await testid('kpi-period-kind').selectOption('month');
    const early = await api('/api/kpi/dashboard?month=2021-11&as_of=2021-11-03');
    await textIs('[data-testid="kpi-heading"]', `${early.scope.name} · 2021年11月`);
    await textIs('.board-asof', /2021-11-03 00:00/);
    const k = early.kpis;
    assert.ok(k.received > 0, 'requests came in on 1–2 November');
    assert.equal(k.monthly_received, null, 'two days are not averaged');
    await textIs('.kpi-tile[data-kpi="monthly_received"] .kpi-number.big', String(k.received));
    assert.equal(await tile('monthly_received').getAttribute('data-to-date'), '2');
    assert.equal(await tile('monthly_received').locator('[data-testid="kpi-to-date"]').innerText(), '本月至今（2 天）');
    assert.equal(await tile('per_10k_residents').locator('.kpi-number.big').innerText(), oneDecimal(k.received_per_10k));
    assert.equal(await tile('per_10k_residents').locator('[data-testid="kpi-to-date"]').innerText(), '本月至今（2 天）');
    // The rule is on hover.
    assert.match(await tile('monthly_received').getAttribute('title'), /不足 7 天/);
    assert.match(await tile('per_10k_residents').getAttribute('title'), /不足 7 天/);
    await screenshot(page, 'day-02-month-to-date');

    // A week of data: per month again, and no to-date label.
    await cutOff('2021-11-08');
    const week = await api('/api/kpi/dashboard?month=2021-11&as_of=2021-11-08');
    assert.notEqual(week.kpis.monthly_received, null);
    await textIs('.kpi-tile[data-kpi="monthly_received"] .kpi-number.big', oneDecimal(week.kpis.monthly_received));
    assert.equal(await tile('monthly_received').locator('[data-testid="kpi-to-date"]').count(), 0);
    assert.equal(await tile('per_10k_residents').locator('.kpi-number.big').innerText(), oneDecimal(week.kpis.per_10k_residents));
    assert.deepEqual(refused, []);
  });

  test('the report reads rate（solved / counted）, 下交 too, and its workbook explains each row by its own definition', async () => {
    await openBoard();
    await cutOff('2021-11-30');
    await textIs('.board-asof', /2021-11-30 00:00/);
    await testid('kpi-tab-report').click();
    await textIs('[data-testid="report-title"]', '滨河街道2021年11月接诉即办工作月报');
    const row = (label) => page.locator(`[data-testid="report-figure"][data-label="${label}"] td`);
    await row('下交解决率').first().waitFor({ timeout: 60_000 });
    assert.equal(await row('下交解决率').nth(1).innerText(), '88.9%（16 / 18）');
    assert.equal(await row('解决率').nth(1).innerText(), '99.0%（2192 / 2214）');
    assert.equal(await row('下交件数').nth(1).innerText(), '18');
    const texts = await page.locator('[data-testid="report-figure"] td').allInnerTexts();
    assert.ok(!texts.some((t) => t.includes('18 / 16')), texts.join(' | '));

    // The 下载 link's workbook.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), testid('kpi-xlsx').click()]);
    const rows = firstSheet(readFileSync(await download.path()));
    const byLabel = new Map([...rows.values()].map((cells) => [cells.get('A'), cells]));
    const definitions = (await api('/api/kpi/dashboard?month=2021-11&as_of=2021-11-30')).definitions;
    const defined = (key) => definitions.find((d) => d.key === key)?.definition_zh;
    for (const [label, key] of [['满意率', 'satisfaction'], ['基本满意（件）', 'basically_satisfied'],
      ['受理量（件）', 'received'], ['在办（件）', 'open'], ['下交解决率', 'delegated_resolution']]) {
      assert.ok(defined(key), `the API defines ${key}`);
      assert.equal(byLabel.get(label)?.get('F'), defined(key), label);
    }
    assert.equal(byLabel.get('下交解决率').get('E'), '16/18', '下交 reads solved / counted like the other rates');
    assert.equal(byLabel.get('解决率').get('E'), '2192/2214');
    const explained = ['受理量（件）', '满意率', '基本满意（件）', '在办（件）'].map((l) => byLabel.get(l).get('F'));
    assert.equal(new Set(explained).size, explained.length, 'no row borrows another\'s definition');
    await screenshot(page, 'day-03-report');
  });

  test('month, year and day fields are the app\'s own, in Chinese; the replay bar\'s too', async () => {
    await openBoard();
    const native = 'input[type="month"], input[type="date"], input[type="datetime-local"], input[type="week"], input[type="time"]';
    for (const kind of ['month', 'year', 'range']) {
      await testid('kpi-period-kind').selectOption(kind);
      assert.equal(await page.locator(native).count(), 0, `no native picker (${kind})`);
    }
    // 区间: days typed as YYYY-MM-DD, labelled in Chinese.
    assert.equal(await testid('kpi-from').getAttribute('placeholder'), '年-月-日');
    assert.match(await testid('kpi-from').getAttribute('title'), /年-月-日/);
    await testid('kpi-from').fill('2021-11-01');
    await testid('kpi-from').dispatchEvent('change');
    await testid('kpi-to').fill('2021/11/7');
    await testid('kpi-to').dispatchEvent('change');
    await textIs('[data-testid="kpi-heading"]', /2021-11-01 至 2021-11-07/);
    assert.equal(await testid('kpi-to').inputValue(), '2021-11-07', 'a day typed with slashes is written back as YYYY-MM-DD');
    await testid('kpi-period-kind').selectOption('month');
    const months = await testid('kpi-month').locator('[data-testid="picker-month"] option').allInnerTexts();
    assert.deepEqual(months, Array.from({ length: 12 }, (_, i) => `${i + 1}月`));
    assert.equal(await testid('kpi-month').locator('[data-testid="picker-year"] option[value="2021"]').innerText(), '2021年');
    // A day in another spelling is marked, and the cut-off stays what it was.
    await cutOff('11/30/2021');
    assert.equal(await testid('kpi-as-of').getAttribute('aria-invalid'), 'true');
    await textIs('.board-asof', /2021-11-30 00:00/);
    await cutOff('2021-11-30');
    assert.equal(await testid('kpi-as-of').getAttribute('aria-invalid'), 'false');
    await screenshot(page, 'day-04-pickers');
    await testid('kpi-close').click();

    // The replay bar: its from/until are typed as 年-月-日 时:分 (24 hours).
    await testid('replay-open').click();
    await testid('replay-bar').waitFor();
    assert.equal(await page.locator(native).count(), 0, 'no native picker in the replay bar');
    assert.match(await testid('replay-from').inputValue(), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.equal(await testid('replay-from').getAttribute('placeholder'), '年-月-日 时:分');
    await screenshot(page, 'day-05-replay-fields');
  });

  test('a community commander\'s 考核 ranks their micro-grids and workers', async () => {
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body.features;
    const community = grids.filter((f) => f.properties.level === 'community')
      .sort((a, b) => a.properties.code.localeCompare(b.properties.code))[0];
    await switchToCommander(page, COMMANDER, community.properties.code);
    await openBoard();
    const assessment = testid('kpi-assessment');
    await assessment.scrollIntoViewIfNeeded();
    await page.locator('[data-testid="kpi-assessment"][data-kind="micro"]').waitFor({ timeout: 30_000 });
    assert.equal(await testid('kpi-kind-community').count(), 0, 'no ranking of their community alone');
    const month = await testid('kpi-month').getAttribute('data-value');
    const micro = await api(`/api/kpi/assessment?month=${month}&kind=micro&weights=30,35,35`);
    assert.ok(micro.rows.length > 1, 'the community has several micro-grids');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-ranking-row"]').length === n,
      micro.rows.length, { timeout: 30_000, polling: 250 });
    const shown = await page.locator('[data-testid="kpi-ranking-row"]').evaluateAll((rs) => rs.map((r) => r.dataset.subject));
    assert.deepEqual([...shown].sort(), micro.rows.map((r) => r.subject).sort());
    await screenshot(page, 'day-06-commander-assessment');
    await testid('kpi-kind-worker').click();
    await page.locator('[data-testid="kpi-assessment"][data-kind="worker"]').waitFor();
    const workers = await api(`/api/kpi/assessment?month=${month}&kind=worker&weights=30,35,35`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-ranking-row"]').length === n,
      workers.rows.length, { timeout: 30_000, polling: 250 });
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
