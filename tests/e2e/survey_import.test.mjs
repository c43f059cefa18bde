// Importing a survey as surveyors deliver it, through the UI, in a real browser against a real
// binhe-server: the street outline as loose shapefile parts without a .prj, the communities as
// a zipped GBK shapefile projected to CGCS2000 3° Gauss–Krüger (written by GDAL's ogr2ogr), the
// micro-grids as GeoJSON in CGCS2000 (EPSG:4490) with the surveyor's own property names and no
// codes. The dialog previews it with the mapping pre-filled; the operator chooses the missing
// coordinate system and the unrecognised name attribute, sees the preview on the map, imports,
// and the map, tree and header follow.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 survey_import.test.mjs
//
// Needs gdal-bin (ogr2ogr) and zip, as scripts/setup.sh installs. Screenshots go to
// tests/e2e/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchFromPage, mapIdle, offLoopback, openApp, repoRoot, screenshot } from './harness.mjs';

const READY_TIMEOUT = 120_000;
/** The zh label of a micro-grid kind, as a surveyor writes it. */
const KIND_ZH = { street_lane: '主要街巷', compound: '小区' };

let server;
let browser;
let page;
let dir;
let demo;

const api = (path) => fetchFromPage(page, path);

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.error ?? ''}${result.stderr}`);
}

function collection(features, extra = {}) {
  return { type: 'FeatureCollection', ...extra, features };
}

/** Writes `features` (WGS84) as a shapefile `stem` in `dir` with ogr2ogr, in `srs` and `encoding`. */
function shapefile(stem, features, { srs, encoding }) {
  const source = join(dir, `${stem}-source.geojson`);
  writeFileSync(source, JSON.stringify(collection(features)));
  run('ogr2ogr', ['-f', 'ESRI Shapefile', '-s_srs', 'EPSG:4326', '-t_srs', srs,
    '-lco', `ENCODING=${encoding}`, join(dir, `${stem}.shp`), source], dir);
  return ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((ext) => join(dir, `${stem}.${ext}`));
}

const byLevel = (level) => demo.features.filter((f) => f.properties.level === level);
const layer = (part) => page.locator(`[data-testid="survey-layer"][data-layer*="${part}"]`);
const field = (part, name) => layer(part).locator(`[data-testid="survey-field"][data-field="${name}"]`);

/** The problem codes of the preview, `layer|code` each. */
async function problems() {
  return page.locator('[data-testid="survey-problems"] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => `${tr.dataset.layer ?? ''}|${tr.dataset.problemCode}`));
}

/** Waits until a preview run has answered and its panel is shown. */
async function previewSettled() {
  await page.locator('[data-testid="survey-preview"]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="survey-previewing"]').waitFor({ state: 'detached', timeout: 60_000 });
}

describe('survey import', { timeout: 600_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'binhe-survey-'));
    demo = JSON.parse(readFileSync(join(repoRoot, 'assets', 'demo', 'grids.geojson'), 'utf8'));
    ({ server, browser, page } = await openApp({ readyTimeoutMs: READY_TIMEOUT }));
    await page.locator('[data-testid="side-tab-grids"]').click();
    await page.evaluate(() => { window.surveyTestMap = window.binheMap; });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a survey in three layers is mapped, fixed, previewed on the map and imported', async () => {
    const [street] = byLevel('street');
    const communities = byLevel('community');
    const micros = byLevel('micro');
    const communityName = new Map(communities.map((c) => [c.properties.code, c.properties.name]));

    // The street outline: loose parts in WGS84 whose .prj went missing.
    const streetParts = shapefile('street_outline', [{ ...street, properties: { JDMC: street.properties.name } }],
      { srs: 'EPSG:4326', encoding: 'UTF-8' });
    unlinkSync(streetParts[3]);
    const streetFiles = streetParts.filter((p) => existsSync(p));
    // The communities: projected CGCS2000 GK CM 117°E, GBK text with its .cpg, zipped.
    const communityParts = shapefile('communities', communities.map((c) => ({
      ...c, properties: { SQBM: c.properties.code, SQMC: c.properties.name, RK: c.properties.population },
    })), { srs: 'EPSG:4548', encoding: 'GBK' });
    assert.equal(readFileSync(communityParts[4], 'utf8').trim(), 'GBK');
    const zip = join(dir, '社区.zip');
    run('zip', ['-j', '-q', zip, ...communityParts], dir);
    // The micro-grids: GeoJSON in CGCS2000 with the surveyor's names and no codes; their
    // names under an attribute no suggestion knows.
    const microFile = join(dir, '微网格.geojson');
    writeFileSync(microFile, JSON.stringify(collection(micros.map((m) => ({
      type: 'Feature',
      geometry: m.geometry,
      properties: {
        标注名称: m.properties.name,
        社区名称: communityName.get(m.properties.code.slice(0, 12) + '000'),
        类型: KIND_ZH[m.properties.kind],
        人口: m.properties.population,
      },
    })), { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4490' } } })));

    await page.locator('[data-testid="import-open"]').click();
    const dialog = page.locator('[data-testid="import-dialog"]');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await dialog.innerText(), /Shapefile/);
    await page.locator('[data-testid="import-file"]').setInputFiles([...streetFiles, zip, microFile]);
    await previewSettled();
    assert.match(await dialog.getAttribute('class'), /survey-dialog/);
    assert.match(await page.locator('[data-testid="import-file-name"]').innerText(), /社区\.zip/);

    // Three layers, each with its level and the suggested mapping.
    assert.equal(await page.locator('[data-testid="survey-layer"]').count(), 3);
    assert.equal(await layer('street_outline').locator('[data-testid="survey-level"]').inputValue(), 'street');
    assert.equal(await field('street_outline', 'name').inputValue(), 'JDMC');
    assert.equal(await layer('communities').locator('[data-testid="survey-level"]').inputValue(), 'community');
    assert.equal(await field('communities', 'code').inputValue(), 'SQBM');
    assert.equal(await field('communities', 'name').inputValue(), 'SQMC');
    assert.equal(await field('communities', 'population').inputValue(), 'RK');
    // The GBK names were read as such: the first community's name shows beside SQMC.
    assert.match(await field('communities', 'name').locator('option[value="SQMC"]').innerText(),
      new RegExp(communities[0].properties.name.slice(0, 4)));
    assert.equal(await layer('微网格').locator('[data-testid="survey-level"]').inputValue(), 'micro');
    assert.equal(await field('微网格', 'parent_name').inputValue(), '社区名称');
    assert.equal(await field('微网格', 'kind').inputValue(), '类型');
    assert.equal(await field('微网格', 'population').inputValue(), '人口');
    assert.equal(await field('微网格', 'name').inputValue(), '', 'no suggestion knows 标注名称');
    assert.equal(await field('微网格', 'code').inputValue(), '', 'the survey has no codes');

    // Coordinate systems: declared by the .prj and the crs, to be chosen for the outline.
    const crs = (part) => layer(part).locator('[data-testid="survey-crs"]');
    assert.equal(await crs('communities').inputValue(), 'cgcs2000_gk3');
    assert.ok(await crs('communities').isDisabled(), 'a declared system is not for choosing');
    assert.equal(await crs('微网格').inputValue(), 'cgcs2000');
    assert.equal(await crs('street_outline').inputValue(), '');
    assert.equal(await crs('street_outline').locator('option:checked').innerText(), '请选择坐标系');

    // Every problem named by layer; import waits.
    const before = await problems();
    assert.ok(before.some((p) => /street_outline.*\|CRS_UNKNOWN$/.test(p)), before.join('\n'));
    assert.ok(before.some((p) => /微网格.*\|UNMAPPED_FIELD$/.test(p)), before.join('\n'));
    assert.match(await page.locator('[data-testid="survey-problems"]').innerText(), /请选择坐标系/);
    assert.ok(await page.locator('[data-testid="import-start"]').isDisabled(), 'no import with problems');
    await mapIdle(page);
    await screenshot(page, 'survey-01-mapping');

    // The operator chooses the outline's system, then the micro-grids' name attribute.
    await crs('street_outline').selectOption('wgs84');
    await previewSettled();
    await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="survey-problems"] tbody tr')]
      .some((tr) => tr.dataset.problemCode === 'CRS_UNKNOWN'), null, { timeout: 60_000 });
    assert.equal(await crs('street_outline').inputValue(), 'wgs84');
    await field('微网格', 'name').selectOption('标注名称');
    await page.locator('[data-testid="survey-ready"]').waitFor({ timeout: 60_000 });
    await previewSettled();
    assert.equal(await field('微网格', 'name').inputValue(), '标注名称');
    assert.equal(await page.locator('[data-testid="survey-problems"]').count(), 0);

    const stat = (key) => page.locator(`[data-testid="survey-counts"] [data-stat="${key}"] .stat-value`).innerText();
    assert.equal(await stat('streets'), '1');
    assert.equal(await stat('communities'), String(communities.length));
    assert.equal(await stat('micro_grids'), micros.length.toLocaleString('en-US'));
    // Every micro-grid's code is generated, and the outline's from the current street's code.
    const streetCode = (await api('/api/summary')).body.street_code;
    assert.equal(await stat('generated'), (micros.length + 1).toLocaleString('en-US'));
    const rows = await page.locator('[data-testid="survey-generated"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.dataset.layer, tr.querySelector('td[data-code]').dataset.code]));
    const generated = rows.filter(([layerName]) => layerName.includes('微网格')).map(([, code]) => code);
    assert.deepEqual(rows.filter(([layerName]) => layerName.includes('street_outline')).map(([, code]) => code), [streetCode]);
    assert.equal(generated.length, micros.length);
    // Generated codes sit under the community the name points to.
    const communityCodes = new Set(communities.map((c) => c.properties.code));
    assert.ok(generated.every((c) => /^\d{15}$/.test(c) && communityCodes.has(c.slice(0, 12) + '000')), generated.slice(0, 5).join());

    // The preview is on the map, over the current grids, and the map fits it beside the dialog.
    await mapIdle(page);
    const onMap = await page.evaluate(() => {
      const m = window.binheMap;
      const lines = m.queryRenderedFeatures({ layers: ['survey-preview-line'] });
      const style = m.getStyle().layers.map((l) => l.id);
      return {
        lines: lines.length,
        levels: [...new Set(lines.map((f) => f.properties.level))].sort(),
        above: style.indexOf('survey-preview-line') > style.indexOf('street-line'),
        colour: m.getPaintProperty('survey-preview-line', 'line-color'),
        bounds: m.getBounds().toArray(),
      };
    });
    assert.ok(onMap.lines > 0, 'the previewed grids are drawn');
    assert.deepEqual(onMap.levels, ['community', 'micro', 'street']);
    assert.ok(onMap.above, 'the preview is drawn over the grids');
    const [[west, south], [east, north]] = onMap.bounds;
    const ring = street.geometry.type === 'Polygon' ? street.geometry.coordinates[0] : street.geometry.coordinates[0][0];
    const lons = ring.map((p) => p[0]);
    const lats = ring.map((p) => p[1]);
    assert.ok(west <= Math.min(...lons) && east >= Math.max(...lons) && south <= Math.min(...lats)
      && north >= Math.max(...lats), `the map shows the whole street: ${JSON.stringify(onMap.bounds)}`);
    await screenshot(page, 'survey-02-preview-on-map');

    // Import: the same files and mapping, all or nothing.
    const start = page.locator('[data-testid="import-start"]');
    assert.ok(await start.isEnabled(), 'import is offered once the preview has no problem');
    await start.click();
    const success = page.locator('[data-testid="import-success"]');
    await success.waitFor({ timeout: 120_000 });
    assert.equal(await success.locator('[data-stat="communities"] .stat-value').innerText(), String(communities.length));
    assert.equal(await success.locator('[data-stat="micro_grids"] .stat-value').innerText(), micros.length.toLocaleString('en-US'));
    assert.equal(await success.locator('[data-stat="units"] .stat-value').innerText(), '0');
    assert.equal(await page.locator('[data-testid="survey-preview"]').count(), 0);
    await page.waitForFunction(() => !window.binheMap.getSource('survey-preview'), null, { timeout: 30_000 });

    const summary = (await api('/api/summary')).body;
    assert.equal(summary.micro_grids, micros.length);
    assert.equal(summary.units, 0);
    assert.equal(summary.source, 'import');

    await page.locator('[data-testid="import-close"]').click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    // Tree and map follow, without a page reload: a generated code is a grid of the new data.
    const someCode = generated[0];
    const communityOfIt = someCode.slice(0, 12) + '000';
    await page.locator(`.tree-row[data-code="${communityOfIt}"] .tree-name`, { hasText: communityName.get(communityOfIt) })
      .waitFor({ timeout: 30_000 });
    const card = (await api(`/api/grids/${someCode}`));
    assert.equal(card.status, 200);
    await page.waitForFunction((code) => window.binheMap.querySourceFeatures('grids')
      .some((f) => f.properties.code === code), someCode, { timeout: 60_000, polling: 250 });
    assert.ok(await page.evaluate(() => window.surveyTestMap === window.binheMap), 'the map was not rebuilt');
    await mapIdle(page);
    await screenshot(page, 'survey-03-imported');
  });

  test('closing the dialog takes the preview off the map', async () => {
    const microFile = join(dir, 'micro_nocrs.geojson');
    // Micro-grids with neither names nor parents: a preview with problems.
    writeFileSync(microFile, JSON.stringify(collection(byLevel('micro').slice(0, 20).map((m) => ({
      type: 'Feature', geometry: m.geometry, properties: { BZ: 'x' },
    })))));
    await page.locator('[data-testid="import-open"]').click();
    await page.locator('[data-testid="import-file"]').setInputFiles(microFile);
    await previewSettled();
    assert.ok((await problems()).length > 0);
    assert.ok(await page.locator('[data-testid="import-start"]').isDisabled());
    await page.waitForFunction(() => !!window.binheMap.getSource('survey-preview'), null, { timeout: 30_000 });
    await page.locator('[data-testid="import-close"]').click();
    await page.waitForFunction(() => !window.binheMap.getSource('survey-preview')
      && !window.binheMap.getLayer('survey-preview-line'), null, { timeout: 30_000 });
    // Reopened, the dialog still holds the preview, and the map shows it again.
    await page.locator('[data-testid="import-open"]').click();
    await page.locator('[data-testid="survey-preview"]').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => !!window.binheMap.getSource('survey-preview'), null, { timeout: 30_000 });
    await page.locator('[data-testid="import-close"]').click();
  });

  test('no request leaves loopback and the page logged no errors', () => {
    assert.deepEqual(offLoopback(browser), []);
    // A plain server answers the desktop's own GET /api/desktop/center with 404, as expected.
    assert.deepEqual(browser.problems.filter((p) => !/status of 404\b/.test(p)), []);
  });
});
