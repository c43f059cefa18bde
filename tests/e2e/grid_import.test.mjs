// Importing surveyed grids through the UI, in a real browser against a real binhe-server:
// a broken file is rejected with every problem listed and nothing changed; a valid one
// replaces the grids and the map, tree and header follow without a page reload.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 grid_import.test.mjs
//
// Screenshots go to tests/e2e/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, offLoopback, repoRoot, screenshot, startServer, withTimeout, mapIdle, fetchFromPage, openApp } from './harness.mjs';

const READY_TIMEOUT = 120_000;
const RENAMED_COMMUNITY = '110117001003000';
const NEW_NAME = '测绘社区';

let server;
let browser;
let page;
let dir;

/** GET from the page, with its session cookie: `{ status, body }`. */
const api = (path) => fetchFromPage(page, path);


function demoGrids() {
  return JSON.parse(readFileSync(join(repoRoot, 'assets', 'demo', 'grids.geojson'), 'utf8'));
}

function writeGeojson(name, value) {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function openDialog() {
  const dialog = page.locator('[data-testid="import-dialog"]');
  if (!(await dialog.isVisible())) {
    await page.locator('[data-testid="import-open"]').click();
  }
  await dialog.waitFor({ state: 'visible', timeout: 10_000 });
  return dialog;
}

async function closeDialog() {
  await page.locator('[data-testid="import-close"]').click();
  await page.locator('[data-testid="import-dialog"]').waitFor({ state: 'hidden', timeout: 10_000 });
}

describe('grid import', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'binhe-import-'));
    ({ server, browser, page } = await openApp({ readyTimeoutMs: READY_TIMEOUT }));
    // The side panel opens on the ticket queue; these tests read the grid directory.
    await page.locator('[data-testid="side-tab-grids"]').click();
    // Marks that must survive the import: no page reload, the same MapLibre map.
    await page.evaluate(() => {
      window.importTestPage = true;
      window.importTestMap = window.binheMap;
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a broken file lists every problem and changes nothing', async () => {
    const summaryBefore = (await api('/api/summary')).body;
    const grids = demoGrids();
    const micro = grids.features.flatMap((f, i) => (f.properties.level === 'micro' ? [i] : []));
    const [pointAt, badCodeAt] = [micro[5], micro[20]];
    const pointCode = grids.features[pointAt].properties.code;
    grids.features[pointAt].geometry = { type: 'Point', coordinates: [117.11, 40.14] };
    grids.features[badCodeAt].properties.code = '11011700100X006';
    const file = writeGeojson('broken-survey.geojson', grids);

    const dialog = await openDialog();
    assert.match(await dialog.innerText(), /FeatureCollection/);
    assert.match(await dialog.innerText(), /WGS84/);
    await page.locator('[data-testid="import-file"]').setInputFiles(file);
    assert.equal(await page.locator('[data-testid="import-file-name"]').innerText(), 'broken-survey.geojson');
    assert.match(await page.locator('[data-testid="import-file-size"]').innerText(), /KiB（[\d,]+ 字节）/);

    // Hold the upload to see the busy state.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/api/grids/import', async (route) => {
      await held;
      await route.continue();
    });
    const start = page.locator('[data-testid="import-start"]');
    await start.click();
    await start.filter({ hasText: '正在校验并导入…' }).waitFor({ timeout: 10_000 });
    assert.ok(await start.isDisabled(), 'import button is disabled while busy');
    assert.ok(await page.locator('[data-testid="import-file"]').isDisabled(), 'file chooser is disabled while busy');
    assert.equal(await start.locator('.spinner').count(), 1);
    release();

    const rejected = page.locator('[data-testid="import-rejected"]');
    await rejected.waitFor({ timeout: 60_000 });
    await page.unroute('**/api/grids/import');
    assert.equal(
      (await page.locator('[data-testid="import-rejected-summary"]').innerText()).trim(),
      '网格文件未导入：发现 2 个问题，现有数据未作任何改动',
    );
    const rows = await page.locator('[data-testid="import-problems"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
    assert.equal(rows.length, 2, JSON.stringify(rows));
    const notPolygon = rows.find((r) => r[2] === 'NOT_POLYGON');
    const badCode = rows.find((r) => r[2] === 'MALFORMED_CODE');
    assert.deepEqual(notPolygon.slice(0, 3), [String(pointAt), pointCode, 'NOT_POLYGON']);
    assert.match(notPolygon[3], /Point/);
    assert.deepEqual(badCode.slice(0, 3), [String(badCodeAt), '11011700100X006', 'MALFORMED_CODE']);
    assert.match(badCode[3], /网格编码格式错误/);

    // Nothing changed on the server or on the page.
    assert.deepEqual((await api('/api/summary')).body, summaryBefore);
    assert.equal(await page.locator('[data-testid="synthetic-badge"]').count(), summaryBefore.synthetic ? 1 : 0);
    await screenshot(page, 'import-01-rejected');

    // The table follows the language switch (the dialog is modal: switch from the page's state).
    await page.evaluate(() => document.querySelector('[data-testid="lang-toggle"]').click());
    await page.locator('[data-testid="import-problems"] th', { hasText: 'Feature #' }).waitFor({ timeout: 10_000 });
    assert.match(await rejected.innerText(), /geometry is Point/);
    assert.match(await rejected.innerText(), /existing grids, workers and devices are unchanged/);
    await page.evaluate(() => document.querySelector('[data-testid="lang-toggle"]').click());
    await page.locator('[data-testid="import-problems"] th', { hasText: '要素序号' }).waitFor({ timeout: 10_000 });
    await closeDialog();
  });

  test('a file over 64 MiB is refused before upload', async () => {
    const file = join(dir, 'too-big.geojson');
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024 + 1);
    await openDialog();
    await page.locator('[data-testid="import-file"]').setInputFiles(file);
    const failed = page.locator('[data-testid="import-failed"][data-error-code="FILE_TOO_LARGE"]');
    await failed.waitFor({ timeout: 10_000 });
    assert.match(await failed.innerText(), /超过导入上限 64 MiB，未上传/);
    assert.ok(await page.locator('[data-testid="import-start"]').isDisabled(), 'import button is disabled');
    await closeDialog();
  });

  test('a valid file replaces the grids; map, tree, card and header follow without reload', async () => {
    // A card open on the renamed community must show the new name afterwards.
    await page.locator(`.tree-row[data-code="${RENAMED_COMMUNITY}"] .tree-label`).click();
    await page.locator('[data-testid="grid-card"] [data-field="code"]', { hasText: RENAMED_COMMUNITY })
      .waitFor({ timeout: 30_000 });
    const grids = demoGrids();
    const before = grids.features.find((f) => f.properties.code === RENAMED_COMMUNITY).properties.name;
    await page.locator('[data-testid="grid-card"] [data-field="name"]', { hasText: before })
      .waitFor({ timeout: 30_000 });

    for (const f of grids.features) {
      f.properties.synthetic = false;
      if (f.properties.code === RENAMED_COMMUNITY) f.properties.name = NEW_NAME;
    }
    const file = writeGeojson('surveyed-grids.geojson', grids);

    await openDialog();
    await page.locator('[data-testid="import-file"]').setInputFiles(file);
    await page.locator('[data-testid="import-start"]').click();
    const success = page.locator('[data-testid="import-success"]');
    await success.waitFor({ timeout: 60_000 });
    assert.match(await success.innerText(), /导入成功/);
    assert.equal(await success.locator('[data-stat="communities"] .stat-value').innerText(), '15');
    assert.equal(await success.locator('[data-stat="micro_grids"] .stat-value').innerText(), '312');
    assert.equal(await success.locator('[data-stat="units"] .stat-value').innerText(), '1,073');

    const summary = (await api('/api/summary')).body;
    assert.equal(summary.synthetic, false);
    assert.equal(summary.source, 'import');

    // Tree, header and card reload from the server.
    await page.locator(`.tree-row[data-code="${RENAMED_COMMUNITY}"] .tree-name`, { hasText: NEW_NAME })
      .waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="synthetic-badge"]').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid="grid-card"] [data-field="name"]', { hasText: NEW_NAME })
      .waitFor({ timeout: 30_000 });

    // The same map shows the new data: label and grid features carry the new name. The card
    // flew the map close to the community, past the zoom of community labels: back to the street.
    const street = (await api(`/api/grids/${summary.street_code}`)).body;
    await page.evaluate((bbox) => window.binheMap.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]],
      { padding: 48, animate: false }), street.bbox);
    await page.waitForFunction((name) => {
      const m = window.binheMap;
      return m.queryRenderedFeatures({ layers: ['community-label'] }).some((f) => f.properties.name === name);
    }, NEW_NAME, { timeout: 60_000, polling: 250 });
    const onMap = await page.evaluate((name) => {
      const m = window.binheMap;
      const fill = m.queryRenderedFeatures({ layers: ['community-fill'] }).filter((f) => f.properties.name === name);
      return { fill: fill.length, communities: new Set(m.queryRenderedFeatures({ layers: ['community-fill'] })
        .map((f) => f.properties.code)).size };
    }, NEW_NAME);
    assert.ok(onMap.fill > 0, 'community-fill has the renamed community');
    assert.equal(onMap.communities, 15);
    assert.ok(await page.evaluate(() => window.importTestPage === true), 'the page was not reloaded');
    assert.ok(await page.evaluate(() => window.importTestMap === window.binheMap), 'the map was not rebuilt');
    await mapIdle(page);
    await screenshot(page, 'import-02-imported');

    await closeDialog();
    await mapIdle(page);
    await screenshot(page, 'import-03-map-after-import');
  });

  test('a selected grid that the new file drops is deselected', async () => {
    const grids = demoGrids();
    const unit = grids.features.find((f) => f.properties.level === 'unit').properties.code;
    const micro = unit.slice(0, 15);
    // A micro-grid without units is valid: only grids with children must be covered by them.
    grids.features = grids.features.filter((f) => !(f.properties.level === 'unit' && f.properties.code.startsWith(micro)));
    const dropped = demoGrids().features.length - grids.features.length;
    const file = writeGeojson('fewer-units.geojson', grids);

    await page.locator('[data-testid="search-input"]').fill(unit);
    await page.locator(`[data-testid="search-results"] [data-code="${unit}"]`).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="search-input"]').press('Enter');
    await page.locator('[data-testid="grid-card"] [data-field="code"]', { hasText: unit }).waitFor({ timeout: 30_000 });
    await page.locator(`.tree-row.selected[data-code="${unit}"]`).waitFor({ timeout: 10_000 });

    await openDialog();
    await page.locator('[data-testid="import-file"]').setInputFiles(file);
    await page.locator('[data-testid="import-start"]').click();
    const success = page.locator('[data-testid="import-success"]');
    await success.waitFor({ timeout: 60_000 });
    assert.equal(await success.locator('[data-stat="units"] .stat-value').innerText(), (1073 - dropped).toLocaleString('en-US'));
    await closeDialog();

    await page.locator('[data-testid="grid-card"]').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator(`.tree-row[data-code="${unit}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    // The search hit of the dropped unit went with it.
    await page.locator(`[data-testid="search-results"] [data-code="${unit}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    const selectedOnMap = await page.evaluate(() => {
      const m = window.binheMap;
      return m.querySourceFeatures('grids').filter((f) => m.getFeatureState({ source: 'grids', id: f.id }).selected).length;
    });
    assert.equal(selectedOnMap, 0, 'no grid is marked selected on the map');
    assert.equal(await page.locator('.notice').count(), 0, 'a dropped selection is no error');
  });

  test('no request leaves loopback and the page logged no errors', () => {
    assert.deepEqual(offLoopback(browser), []);
    // The browser itself logs the rejected upload (422) and the reload of the dropped
    // selected grid (404); both are expected answers.
    assert.deepEqual(browser.problems.filter((p) => !/status of (422|404)\b/.test(p)), []);
  });
});
