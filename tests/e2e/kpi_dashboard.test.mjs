// 数据看板 in a real browser against a demo-mode binhe-server (two weeks of played history):
// the dashboard opens on this month with the API's figures (also with a cut-off day); a figure lists exactly the tickets
// behind it and a row opens the ticket card; new weights re-rank the communities and a sum
// other than 100 shows the server's Chinese message; 诉求热力 paints the micro-grids the API
// counts, over its own period (a month, a week stepped back and forth, a range of days typed —
// a wrong range said and not asked); the monthly report shows its summary and its XLSX link downloads a workbook; a
// community commander sees only their community (its micro-grids ranked); nothing leaves loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 kpi_dashboard.test.mjs
//
// Screenshots go to tests/e2e/artifacts/kpi-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fetchFromPage, getOk, mapIdle, offLoopback, openApp, screenshot, switchToCommander,
} from './harness.mjs';

const COMMANDER = { login: 'e2e-kpi-commander', name: '刘指挥', password: 'kpi-command-2026' };

let server;
let browser;
let page;

const api = (path) => getOk(page, path);

/** This Beijing month as the API spells it: `2026-11`. */
function beijingMonth() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A rate as the UI writes it. */
const percent = (rate) => (rate.value === null ? '—' : `${(rate.value * 100).toFixed(1)}%`);

const board = () => page.locator('[data-testid="kpi-board"]');
const tile = (key) => page.locator(`.kpi-tile[data-kpi="${key}"]`);
const drillList = () => page.locator('[data-testid="kpi-drill-list"]');

async function openBoard() {
  if (!(await board().isVisible())) await page.locator('[data-testid="kpi-open"]').click();
  await page.locator('[data-testid="kpi-tab-dashboard"]').click();
  await page.locator('[data-testid="kpi-tiles"]').waitFor({ timeout: 60_000 });
}

/** Clicks a figure and waits for the list behind it: `{ total, rows }`. */
async function drill(figure) {
  const value = Number(await figure.getAttribute('data-value'));
  const metric = await figure.getAttribute('data-metric');
  await figure.click();
  const list = page.locator(`[data-testid="kpi-drill-list"][data-metric="${metric}"][data-total]`);
  await list.waitFor({ timeout: 60_000 });
  return {
    value,
    metric,
    total: Number(await list.getAttribute('data-total')),
    rows: await page.locator('[data-testid="kpi-drill-row"]').count(),
  };
}

/** Subjects of the ranking table, top to bottom. */
const tableOrder = () => page.locator('[data-testid="kpi-ranking-row"]').evaluateAll(
  (rows) => rows.map((r) => r.dataset.subject),
);

async function setWeights(weights) {
  for (const [i, w] of weights.entries()) {
    const input = page.locator(`[data-testid="kpi-weight-${i}"]`);
    await input.fill(String(w));
    await input.dispatchEvent('change');
  }
}

describe('KPI dashboard', { timeout: 900_000 }, () => {
  let month;
  let dashboard;

  before(async () => {
    // The history is in; no new requests while figures are compared.
    ({ server, browser, page } = await openApp({ extraArgs: ['--demo-feed'], pauseFeed: true }));
    month = beijingMonth();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the dashboard opens on this month and shows the API\'s figures', async () => {
    await openBoard();
    dashboard = await api(`/api/kpi/dashboard?month=${month}`);
    const k = dashboard.kpis;
    assert.ok(k.received > 0, 'the demo history has requests this month');
    assert.equal(await page.locator('[data-testid="kpi-heading"]').innerText(),
      `${dashboard.scope.name} · ${dashboard.period.label}`);
    assert.equal(await tile('received').locator('.kpi-number.big').innerText(), String(k.received));
    assert.equal(await tile('overdue_open').locator('.kpi-number.big').innerText(), String(k.overdue_open));
    for (const key of ['response', 'resolution', 'satisfaction', 'closure', 'on_time_closure', 'delegated_resolution']) {
      assert.equal(await tile(key).locator('.kpi-number.big').innerText(), percent(k[key]), key);
      assert.equal(await tile(key).locator('[data-testid="kpi-counts"]').innerText(),
        `${k[key].numerator} / ${k[key].denominator}`, key);
    }
    // Every tile explains itself on hover, in the server's words.
    const definition = dashboard.definitions.find((d) => d.key === 'response');
    assert.ok(definition, 'the API defines 响应率');
    assert.match(await tile('response').getAttribute('title'), new RegExp(definition.label_zh));
    const untitled = await page.locator('.kpi-tile').evaluateAll((tiles) => tiles
      .filter((t) => !t.getAttribute('title')).map((t) => t.dataset.kpi));
    assert.deepEqual(untitled, [], 'every tile has its definition');
    // The trend has one entry per month of the year, months to come greyed.
    assert.equal(await page.locator('[data-testid="kpi-trend-month"]').count(), dashboard.trend.length);
    const future = dashboard.trend.filter((m) => m.future).length;
    assert.equal(await page.locator('[data-testid="kpi-trend-month"][data-future="true"]').count(), future);
    const bars = page.locator('[data-testid="kpi-category-bar"]');
    assert.equal(await bars.count(), Math.min(10, k.categories.length));
    if (k.categories.length) {
      assert.equal(await bars.first().getAttribute('data-count'), String(k.categories[0].share.numerator));
    }
    await screenshot(page, 'kpi-01-dashboard');

    // The year's trend; a click on this month's bar opens the month again.
    await page.locator('[data-testid="kpi-period-kind"]').selectOption('year');
    const year = await api(`/api/kpi/dashboard?year=${month.slice(0, 4)}`);
    const heading = (text) => page.waitForFunction((t) => document.querySelector('[data-testid="kpi-heading"]')?.textContent === t,
      text, { timeout: 60_000, polling: 250 });
    await heading(`${year.scope.name} · ${year.period.label}`);
    assert.equal(await tile('received').locator('.kpi-number.big').innerText(), String(year.kpis.received));
    await page.locator(`[data-testid="kpi-trend-month"][data-month="${Number(month.slice(5))}"]`).click();
    await heading(`${dashboard.scope.name} · ${dashboard.period.label}`);
    assert.equal(await page.locator('[data-testid="kpi-period-kind"]').inputValue(), 'month');

    // A cut-off day (截至) counts as things stood at its 00:00 Beijing time; emptied, up to now.
    const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    const cutOff = page.locator('[data-testid="kpi-as-of"]');
    await cutOff.fill(today);
    await cutOff.dispatchEvent('change');
    const cut = await api(`/api/kpi/dashboard?month=${month}&as_of=${today}`);
    await page.waitForFunction((t) => document.querySelector('.board-asof')?.textContent.includes(t),
      `${today} 00:00`, { timeout: 60_000, polling: 250 });
    assert.equal(await tile('received').locator('.kpi-number.big').innerText(), String(cut.kpis.received));
    assert.equal(await tile('response').locator('[data-testid="kpi-counts"]').innerText(),
      `${cut.kpis.response.numerator} / ${cut.kpis.response.denominator}`);
    await cutOff.fill('');
    await cutOff.dispatchEvent('change');
    await page.waitForFunction((t) => !document.querySelector('.board-asof')?.textContent.includes(t),
      `${today} 00:00`, { timeout: 60_000, polling: 250 });
    assert.equal(await tile('received').locator('.kpi-number.big').innerText(), String(dashboard.kpis.received));
  });

  test('a figure lists exactly the tickets behind it, and a row opens the ticket card', async () => {
    const received = await drill(tile('received').locator('[data-testid="kpi-drill"][data-metric="received"]'));
    assert.equal(received.total, received.value, '受理量 and its list agree');
    assert.equal(received.rows, Math.min(received.total, 1000));
    // A rate's misses: the list is as long as the number says.
    const misses = tile('resolution').locator('[data-testid="kpi-drill"]');
    const unsolved = await drill(misses);
    assert.equal(unsolved.metric, 'unsolved');
    assert.equal(unsolved.total, unsolved.value);
    assert.equal(unsolved.total, dashboard.kpis.resolution.denominator - dashboard.kpis.resolution.numerator);
    // A category bar lists that category's tickets.
    const bar = page.locator('[data-testid="kpi-category-bar"]').first();
    const count = Number(await bar.getAttribute('data-count'));
    await bar.click();
    const list = page.locator('[data-testid="kpi-drill-list"][data-metric="category"][data-total]');
    await list.waitFor({ timeout: 60_000 });
    assert.equal(Number(await list.getAttribute('data-total')), count);

    await drill(tile('received').locator('[data-testid="kpi-drill"][data-metric="received"]'));
    await screenshot(page, 'kpi-02-drill');
    const row = page.locator('[data-testid="kpi-drill-row"]').first();
    const id = await row.getAttribute('data-ticket-id');
    await row.click();
    await page.locator(`[data-testid="ticket-card"][data-ticket-id="${id}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await board().count(), 0, 'the board steps aside for the card');
    await mapIdle(page);
    await screenshot(page, 'kpi-03-ticket-card');
    await page.locator('[data-testid="ticket-card-close"]').click();
  });

  test('other weights re-rank the communities; a sum other than 100 shows the server\'s message', async () => {
    await openBoard();
    const assessment = page.locator('[data-testid="kpi-assessment"]');
    await assessment.scrollIntoViewIfNeeded();
    const rows = page.locator('[data-testid="kpi-ranking-row"]');
    await rows.first().waitFor({ timeout: 60_000 });
    const byDefault = await api(`/api/kpi/assessment?month=${month}&kind=community&weights=30,35,35`);
    assert.deepEqual(await tableOrder(), byDefault.rows.map((r) => r.subject));
    const ranks = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.rank ?? null));
    assert.deepEqual(ranks, byDefault.rows.map((r) => (r.rank === null ? null : String(r.rank))), 'ties share a rank');

    await setWeights([100, 0, 0]);
    const byResponse = await api(`/api/kpi/assessment?month=${month}&kind=community&weights=100,0,0`);
    const wanted = byResponse.rows.map((r) => r.subject);
    await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('[data-testid="kpi-ranking-row"]')]
      .map((r) => r.dataset.subject)) === JSON.stringify(w), wanted, { timeout: 30_000, polling: 250 });
    const topScore = await rows.first().getAttribute('data-score');
    assert.equal(topScore, byResponse.rows[0].score === null ? null : byResponse.rows[0].score.toFixed(2));

    await setWeights([50, 35, 35]);
    const error = page.locator('[data-testid="kpi-weights-error"]');
    await error.waitFor({ timeout: 30_000 });
    const refused = await fetchFromPage(page, `/api/kpi/assessment?month=${month}&kind=community&weights=50,35,35`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'WEIGHTS_NOT_100');
    assert.equal(await error.locator('[data-error-code]').getAttribute('data-error-code'), 'WEIGHTS_NOT_100');
    assert.match(await error.innerText(), new RegExp(refused.body.error.message_zh.slice(0, 6)));
    await screenshot(page, 'kpi-04-weights-refused');
    await page.locator('[data-testid="kpi-weights-reset"]').click();
    await error.waitFor({ state: 'detached', timeout: 30_000 });

    // Workers are ranked too.
    await page.locator('[data-testid="kpi-kind-worker"]').click();
    await page.locator('[data-testid="kpi-assessment"][data-kind="worker"]').waitFor();
    const workers = await api(`/api/kpi/assessment?month=${month}&kind=worker&weights=30,35,35`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-ranking-row"]').length === n,
      workers.rows.length, { timeout: 30_000, polling: 250 });
    await page.locator('[data-testid="kpi-kind-community"]').click();
  });

  test('诉求热力 paints the micro-grids that received requests', async () => {
    await page.locator('[data-testid="kpi-close"]').click();
    // The whole street in view (the ticket card flew the map close to one ticket).
    const street = (await fetchFromPage(page, '/api/grids.geojson')).body.features
      .find((f) => f.properties.level === 'street');
    const corners = street.geometry.coordinates.flat(street.geometry.type === 'Polygon' ? 1 : 2);
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    await page.evaluate((b) => window.binheMap.fitBounds(b, { animate: false, padding: 30 }),
      [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]]);
    await page.locator('[data-testid="heat-toggle"]').click();
    const heat = await api(`/api/kpi/heat?month=${month}`);
    assert.ok(heat.cells.length > 0, 'requests fell in micro-grids this month');
    const scale = page.locator(`[data-testid="heat-scale"][data-cells="${heat.cells.length}"]`);
    await scale.waitFor({ timeout: 60_000 });
    await mapIdle(page);
    const painted = await page.evaluate(() => [...new Set(window.binheMap
      .queryRenderedFeatures({ layers: ['micro-heat'] })
      .map((f) => f.properties.code))].sort());
    assert.deepEqual(painted, heat.cells.map((c) => c.code).sort(), 'one painted micro-grid per API cell');
    await screenshot(page, 'kpi-05-heat');
    await page.locator('[data-testid="heat-toggle"]').click();
    await mapIdle(page);
    const after = await page.evaluate(() => window.binheMap.queryRenderedFeatures({ layers: ['micro-heat'] }).length);
    assert.equal(after, 0, 'switched off, nothing is painted');
  });

  test('诉求热力 has its own period: a month, a week stepped back and forth, a range of days', async () => {
    // Beijing days as the API spells them, counted back from today.
    const today = new Date(Date.now() + 8 * 3600 * 1000);
    const dayBack = (n) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
    const monday = (today.getUTCDay() + 6) % 7; // days since this week's Monday
    const heatScale = page.locator('[data-testid="heat-scale"]');
    /** The scale shows the API's answer for `query`, and the map paints its micro-grids. */
    async function shows(query, what) {
      const heat = await api(`/api/kpi/heat?${query}`);
      await page.waitForFunction(([label, total, cells]) => {
        const el = document.querySelector('[data-testid="heat-scale"]');
        return el && el.textContent.includes(label) && el.dataset.total === String(total)
          && el.dataset.cells === String(cells);
      }, [heat.period.label, heat.total, heat.cells.length], { timeout: 60_000, polling: 250 })
        .catch(async (e) => {
          await screenshot(page, 'kpi-heat-failed');
          throw new Error(`${what}: the scale reads ${await heatScale.textContent().catch(() => '—')}, `
            + `the API ${heat.period.label} ${heat.total} (${e.message})`);
        });
      await mapIdle(page);
      const painted = await page.evaluate(() => [...new Set(window.binheMap
        .queryRenderedFeatures({ layers: ['micro-heat'] })
        .map((f) => f.properties.code))].sort());
      assert.deepEqual(painted, heat.cells.map((c) => c.code).sort(), `${what}: one painted micro-grid per cell`);
      return heat;
    }
    const span = page.locator('[data-testid="heat-span"]');
    await page.locator('[data-testid="heat-toggle"]').click();
    assert.equal(await span.inputValue(), 'month', 'this month at first');
    await shows(`month=${month}`, 'this month');

    // Last month, picked in the app's own month picker.
    const [year, m] = month.split('-').map(Number);
    const last = m === 1 ? [year - 1, 12] : [year, m - 1];
    const picker = page.locator('[data-testid="heat-month"]');
    await picker.locator('[data-testid="picker-year"]').selectOption(String(last[0]));
    await picker.locator('[data-testid="picker-month"]').selectOption(String(last[1]));
    await shows(`month=${last[0]}-${String(last[1]).padStart(2, '0')}`, 'last month');

    // This week, Monday to Sunday: the week of the month's last day so far is today's…
    await picker.locator('[data-testid="picker-year"]').selectOption(String(year));
    await picker.locator('[data-testid="picker-month"]').selectOption(String(m));
    await span.selectOption('week');
    const [from, to] = [dayBack(monday), dayBack(monday - 6)];
    const thisYear = (d) => d.slice(0, 4) === String(today.getUTCFullYear());
    const short = thisYear(from) && thisYear(to) ? (d) => d.slice(5) : (d) => d;
    assert.equal(await page.locator('[data-testid="heat-week"]').textContent(), `${short(from)} – ${short(to)}`);
    assert.equal(await page.locator('[data-testid="heat-week-after"]').isDisabled(), true, 'next week has not begun');
    const thisWeek = await shows(`from=${from}&to=${to}`, 'this week');
    // …and the one before, and back.
    await page.locator('[data-testid="heat-week-before"]').click();
    const weekBefore = await shows(`from=${dayBack(monday + 7)}&to=${dayBack(monday + 1)}`, 'the week before');
    assert.ok(weekBefore.total > 0, 'the played history covers last week');
    // Per month per 10,000 residents only over a whole week or more: this week so far is less.
    assert.ok(thisWeek.cells.every((c) => c.per_10k === null), 'not over a week so far');
    assert.ok(weekBefore.cells.some((c) => c.per_10k !== null), 'over a whole week');
    await screenshot(page, 'kpi-06-heat-week');
    await page.locator('[data-testid="heat-week-after"]').click();
    await shows(`from=${from}&to=${to}`, 'this week again');

    // A range of days typed; one ending before it begins is said and not asked.
    await span.selectOption('range');
    const [rangeFrom, rangeTo] = [dayBack(13), dayBack(6)];
    const fromField = page.locator('[data-testid="heat-from"]');
    const toField = page.locator('[data-testid="heat-to"]');
    await fromField.fill(rangeFrom);
    await fromField.dispatchEvent('change');
    await toField.fill(rangeTo);
    await toField.dispatchEvent('change');
    const range = await shows(`from=${rangeFrom}&to=${rangeTo}`, 'a range of days');
    assert.ok(range.total > 0);
    const asked = [];
    const listen = (r) => { if (new URL(r.url()).pathname === '/api/kpi/heat') asked.push(r.url()); };
    page.on('request', listen);
    await fromField.fill(dayBack(2));
    await fromField.dispatchEvent('change');
    await page.locator('[data-testid="heat-range-problem"]', { hasText: '开始日期晚于结束日期' }).waitFor();
    // The change that shows the problem would have asked at once (the layer's effect runs on it).
    await mapIdle(page);
    page.off('request', listen);
    assert.deepEqual(asked, [], 'a wrong range is not asked');
    await shows(`from=${rangeFrom}&to=${rangeTo}`, 'the range before the wrong one');
    await screenshot(page, 'kpi-07-heat-range');
    // The dashboard's own period is untouched.
    await page.locator('[data-testid="kpi-open"]').click();
    await page.locator('[data-testid="kpi-tab-dashboard"]').click();
    assert.equal(await page.locator('[data-testid="kpi-period-kind"]').inputValue(), 'month');
    assert.equal(await page.locator('[data-testid="kpi-month"]').getAttribute('data-value'), month);
    await page.locator('[data-testid="kpi-close"]').click();
    await page.locator('[data-testid="heat-toggle"]').click();
  });

  test('the monthly report shows its summary, prints alone and exports a workbook', async () => {
    await page.locator('[data-testid="kpi-open"]').click();
    await page.locator('[data-testid="kpi-tab-report"]').click();
    const summary = page.locator('[data-testid="report-summary"]');
    await summary.waitFor({ timeout: 60_000 });
    const report = await api(`/api/kpi/report?month=${month}`);
    assert.ok(report.summary_zh.length > 0);
    assert.equal(await summary.innerText(), report.summary_zh);
    if (report.title) assert.equal(await page.locator('[data-testid="report-title"]').innerText(), report.title);
    assert.equal(await page.locator('[data-testid="report-ranking-row"]').count(), report.ranking.length);
    assert.equal(await page.locator('[data-testid="report-category"]').count(),
      report.categories?.length ?? report.month.categories.length);
    await screenshot(page, 'kpi-06-report');

    const href = await page.locator('[data-testid="kpi-xlsx"]').getAttribute('href');
    assert.equal(href, `/api/kpi/report.xlsx?month=${month}`);
    const workbook = await page.evaluate(async (url) => {
      const r = await fetch(url);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return {
        status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'),
        magic: String.fromCharCode(bytes[0], bytes[1]), size: bytes.length,
      };
    }, href);
    assert.equal(workbook.status, 200);
    assert.match(workbook.type, /spreadsheetml|excel|octet-stream/);
    assert.equal(workbook.magic, 'PK', 'an XLSX is a zip file');
    assert.ok(workbook.size > 1000, `a workbook, not an empty file (${workbook.size} bytes)`);

    // In print, only the report is on the page.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.header').isVisible(), false);
    assert.equal(await page.locator('[data-testid="map"]').isVisible(), false);
    assert.equal(await page.locator('[data-testid="kpi-print"]').isVisible(), false);
    assert.equal(await summary.isVisible(), true);
    await screenshot(page, 'kpi-07-report-print');
    await page.emulateMedia({ media: 'screen' });
    await page.locator('[data-testid="kpi-close"]').click();
  });

  test('a commander sees only their community, with no scope to choose', async () => {
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body.features;
    const community = grids.filter((f) => f.properties.level === 'community')
      .sort((a, b) => a.properties.code.localeCompare(b.properties.code))[1];
    await switchToCommander(page, COMMANDER, community.properties.code);

    await openBoard();
    assert.equal(await page.locator('[data-testid="kpi-scope"]').count(), 0, 'a commander has no scope chooser');
    const own = await api(`/api/kpi/dashboard?month=${month}`);
    assert.equal(own.scope.code, community.properties.code);
    await page.locator('[data-testid="kpi-heading"]', { hasText: own.scope.name }).waitFor({ timeout: 30_000 });
    assert.equal(await tile('received').locator('.kpi-number.big').innerText(), String(own.kpis.received));
    const elsewhere = grids.filter((f) => f.properties.level === 'community')
      .find((f) => f.properties.code !== community.properties.code);
    const refused = await fetchFromPage(page, `/api/kpi/dashboard?month=${month}&community=${elsewhere.properties.code}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'OUT_OF_SCOPE');
    // 考核 ranks the community's micro-grids (a ranking of communities would list theirs alone).
    await page.locator('[data-testid="kpi-assessment"][data-kind="micro"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="kpi-kind-community"]').count(), 0);
    const micro = await api(`/api/kpi/assessment?month=${month}&kind=micro&weights=30,35,35`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-ranking-row"]').length === n,
      micro.rows.length, { timeout: 30_000, polling: 250 });
    await screenshot(page, 'kpi-08-commander');
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
