// The grid map in a real browser against a real binhe-server.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1
//
// Screenshots go to tests/e2e/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, offLoopback, screenshot, startServer, withTimeout, mapIdle, fetchFromPage, openApp } from './harness.mjs';

const READY_TIMEOUT = 120_000;
// Between MICRO_PICK_ZOOM (14.5) and UNIT_ZOOM (17) of ui/src/map/style.rs: clicks pick micro-grids.
const MICRO_ZOOM = 15.5;

let server;
let browser;
let page;

/** GET from the page, with its session cookie: `{ status, body }`. */
const api = (path) => fetchFromPage(page, path);

function distinctCodes(features) {
  return new Set(features.map((f) => f.properties.code));
}

/** Text of a field of the grid card. */
async function cardField(field) {
  return (await page.locator(`[data-testid="grid-card"] [data-field="${field}"]`).innerText()).trim();
}

async function waitCardCode(code) {
  await page.locator(`[data-testid="grid-card"] [data-field="code"]`, { hasText: code }).waitFor({ timeout: 30_000 });
}

/**
 * A point inside `code`'s micro-grid where that micro-grid is the topmost grid feature, in
 * page coordinates (for the mouse) — `project` answers in map-container pixels.
 */
async function pixelInside(code, bbox) {
  return page.evaluate(({ code, bbox }) => {
    const m = window.binheMap;
    const a = m.project([bbox[0], bbox[1]]);
    const b = m.project([bbox[2], bbox[3]]);
    const [x0, x1] = [Math.min(a.x, b.x), Math.max(a.x, b.x)];
    const [y0, y1] = [Math.min(a.y, b.y), Math.max(a.y, b.y)];
    for (const fy of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
        const p = [x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy];
        const top = m.queryRenderedFeatures(p, { layers: ['micro-fill'] })[0];
        if (top && top.properties.code === code) {
          const rect = m.getCanvas().getBoundingClientRect();
          return { x: rect.left + p[0], y: rect.top + p[1], id: top.id };
        }
      }
    }
    return null;
  }, { code, bbox });
}

describe('grid map', { timeout: 600_000 }, () => {
  let microCode;
  let micro;
  let target;

  before(async () => {
    ({ server, browser, page } = await openApp({ readyTimeoutMs: READY_TIMEOUT }));
    // The side panel opens on the ticket queue; these tests read the grid directory.
    await page.locator('[data-testid="side-tab-grids"]').click();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('map shows all 15 communities and 312 micro-grids', async () => {
    const counts = await page.evaluate(() => {
      const m = window.binheMap;
      const codes = (layer) => [...new Set(m.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.code))];
      return {
        community: codes('community-fill').length,
        micro: codes('micro-fill').length,
        street: codes('street-line').length,
      };
    });
    assert.equal(counts.community, 15, 'community-fill features');
    assert.equal(counts.micro, 312, 'micro-fill features');
    assert.equal(counts.street, 1, 'street outline');
    const summary = await api('/api/summary');
    assert.equal(summary.status, 200);
    const stats = await page.locator('[data-testid="stats"]').innerText();
    assert.match(stats, /312/);
    assert.match(stats, new RegExp(summary.body.population.toLocaleString('en-US')));
    if (summary.body.synthetic) {
      assert.equal(await page.locator('[data-testid="synthetic-badge"]').innerText(), '演示数据（合成）');
    }
    await screenshot(page, '01-initial-view');
  });

  test('at street zoom a click selects the community, not the micro-grid under it', async () => {
    const rendered = await page.evaluate(() =>
      window.binheMap.queryRenderedFeatures({ layers: ['micro-fill'] }).map((f) => f.properties.code));
    const codes = [...new Set(rendered)].sort();
    microCode = codes[Math.floor(codes.length / 3)];
    const detail = await api(`/api/grids/${microCode}`);
    assert.equal(detail.status, 200);
    micro = detail.body;
    assert.match(await page.locator('[data-testid="pick-level"]').innerText(), /社区/);
    const spot = await pixelInside(microCode, micro.bbox);
    assert.ok(spot, `no pixel found inside micro-grid ${microCode}`);
    await page.mouse.click(spot.x, spot.y);
    await waitCardCode(micro.parent.code);
    assert.equal(await cardField('level'), '社区');
  });

  test('hovering a micro-grid highlights it', async () => {
    const [x0, y0, x1, y1] = micro.bbox;
    await page.evaluate(({ center, zoom }) => window.binheMap.jumpTo({ center, zoom }), {
      center: [(x0 + x1) / 2, (y0 + y1) / 2],
      zoom: MICRO_ZOOM,
    });
    await mapIdle(page);
    assert.match(await page.locator('[data-testid="pick-level"]').innerText(), /微网格/);
    target = await pixelInside(microCode, micro.bbox);
    assert.ok(target, `no pixel found inside micro-grid ${microCode}`);
    await page.mouse.move(target.x - 30, target.y - 30);
    await page.mouse.move(target.x, target.y, { steps: 4 });
    await page.waitForFunction(
      (id) => window.binheMap.getFeatureState({ source: 'grids', id }).hover === true,
      target.id,
      { timeout: 15_000 },
    );
    const cursor = await page.evaluate(() => window.binheMap.getCanvas().style.cursor);
    assert.equal(cursor, 'pointer');
  });

  test('clicking a micro-grid opens its card with code, name, parent and population', async () => {
    await page.mouse.click(target.x, target.y);
    await waitCardCode(microCode);
    assert.match(await cardField('code'), /^\d{15}$/);
    assert.equal(await cardField('code'), micro.code);
    assert.equal(await cardField('name'), micro.name);
    assert.equal(await cardField('parent'), micro.parent.name);
    assert.equal((await cardField('population')).replace(/[^\d]/g, ''), String(micro.population));
    const selected = await page.evaluate(
      (id) => window.binheMap.getFeatureState({ source: 'grids', id }).selected === true, target.id);
    assert.ok(selected, 'clicked micro-grid has the selected feature-state');
    // The tree has opened the micro-grid's community and marks the micro-grid.
    await page.locator(`.tree-row.selected[data-code="${microCode}"]`).waitFor({ timeout: 10_000 });
    await mapIdle(page);
    await screenshot(page, '02-micro-grid-card');
  });

  test('searching a community by name flies to it and opens its card', async () => {
    const tree = await api('/api/grids/tree');
    const community = tree.body.children[tree.body.children.length - 1];
    const zoomBefore = await page.evaluate(() => window.binheMap.getZoom());
    await page.locator('[data-testid="search-input"]').fill(community.name);
    await page.locator(`[data-testid="search-results"] [data-code="${community.code}"]`).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="search-input"]').press('Enter');
    await waitCardCode(community.code);
    const detail = (await api(`/api/grids/${community.code}`)).body;
    assert.equal(await cardField('name'), detail.name);
    assert.equal(await cardField('parent'), detail.parent.name);
    assert.equal((await cardField('population')).replace(/[^\d]/g, ''), String(detail.population));
    // The camera ends over the community.
    await page.waitForFunction(() => !window.binheMap.isMoving(), null, { timeout: 30_000 });
    await mapIdle(page);
    const center = await page.evaluate(() => window.binheMap.getCenter().toArray());
    const [x0, y0, x1, y1] = detail.bbox;
    assert.ok(center[0] > x0 && center[0] < x1 + (x1 - x0) && center[1] > y0 && center[1] < y1,
      `map centre ${center} is not over ${detail.bbox}`);
    assert.notEqual(await page.evaluate(() => window.binheMap.getZoom()), zoomBefore);
    await screenshot(page, '03-community-search');
  });

  test('English toggle translates the interface and the map labels', async () => {
    await page.locator('[data-testid="lang-toggle"]').click();
    await page.locator('h1', { hasText: 'Smart Binhe · Grid Command Center' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="lang-toggle"]').innerText(), '中文');
    assert.match(await page.locator('[data-testid="grid-card"]').innerText(), /Grid code/);
    assert.match(await page.locator('[data-testid="pick-level"]').innerText(), /Click selects/);
    const field = await page.evaluate(() => JSON.stringify(window.binheMap.getLayoutProperty('community-label', 'text-field')));
    assert.match(field, /name_en/);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await mapIdle(page);
    await screenshot(page, '04-english');
  });

  test('no request leaves loopback', () => {
    assert.ok(browser.requests.length > 0, 'requests were recorded');
    assert.ok(browser.requests.some((u) => u.includes('maplibre-gl-worker')), 'the map worker loaded from the server');
    assert.deepEqual(offLoopback(browser), []);
  });
});
