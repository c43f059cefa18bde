// The street's own basemap, in a real browser against a real binhe-server: an administrator
// uploads a raster PMTiles made here (coloured tiles with their z/x/y drawn by the browser) in
// 底图管理; the map draws its tiles from this server under the grids, with nothing beyond
// loopback; a broken file is refused with the basemap kept; removing it brings back the
// generated basemap.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 basemap.test.mjs
//
// Screenshots go to tests/e2e/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchFromPage, mapIdle, offLoopback, openApp, poll, screenshot } from './harness.mjs';

const MIN_ZOOM = 10;
const MAX_ZOOM = 15;

/** Unsigned LEB128, as PMTiles directories write numbers. */
function varint(n, out) {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** The PMTiles tile id: tiles of the zooms before, then the Hilbert index within the zoom. */
function tileId(z, x, y) {
  let id = 0;
  for (let a = 0; a < z; a++) id += 4 ** a;
  const n = 2 ** z;
  let [px, py, d] = [x, y, 0];
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (px & s) > 0 ? 1 : 0;
    const ry = (py & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        px = n - 1 - px;
        py = n - 1 - py;
      }
      [px, py] = [py, px];
    }
  }
  return id + d;
}

const lonToX = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
const latToY = (lat, z) => {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
};

/**
 * A PMTiles v3 archive (no compression) of `tiles` (`{ z, x, y, data }`): header, root
 * directory, metadata, tile data.
 */
function pmtiles(tiles, bounds, metadata) {
  tiles.sort((a, b) => tileId(a.z, a.x, a.y) - tileId(b.z, b.x, b.y));
  let offset = 0;
  const entries = tiles.map((t) => {
    const e = { id: tileId(t.z, t.x, t.y), offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const dir = [];
  varint(entries.length, dir);
  let last = 0;
  for (const e of entries) { varint(e.id - last, dir); last = e.id; }
  for (let i = 0; i < entries.length; i++) varint(1, dir);
  for (const e of entries) varint(e.length, dir);
  entries.forEach((e, i) => varint(i > 0 ? 0 : e.offset + 1, dir));
  const meta = Buffer.from(JSON.stringify(metadata));
  const data = Buffer.concat(tiles.map((t) => t.data));
  const header = Buffer.alloc(127);
  header.write('PMTiles', 0, 'latin1');
  header[7] = 3;
  const rootOffset = 127;
  const metaOffset = rootOffset + dir.length;
  const dataOffset = metaOffset + meta.length;
  const u64 = (at, v) => header.writeBigUInt64LE(BigInt(v), at);
  u64(8, rootOffset); u64(16, dir.length);
  u64(24, metaOffset); u64(32, meta.length);
  u64(40, dataOffset); u64(48, 0);
  u64(56, dataOffset); u64(64, data.length);
  u64(72, tiles.length); u64(80, tiles.length); u64(88, tiles.length);
  header[96] = 1; // clustered
  header[97] = 1; // internal compression: none
  header[98] = 1; // tile compression: none
  header[99] = 2; // PNG
  header[100] = MIN_ZOOM;
  header[101] = MAX_ZOOM;
  const e7 = (at, v) => header.writeInt32LE(Math.round(v * 1e7), at);
  e7(102, bounds[0]); e7(106, bounds[1]); e7(110, bounds[2]); e7(114, bounds[3]);
  header[118] = 13;
  e7(119, (bounds[0] + bounds[2]) / 2); e7(123, (bounds[1] + bounds[3]) / 2);
  return Buffer.concat([header, Buffer.from(dir), meta, data]);
}

/** PNG tiles drawn by the page: a colour per zoom, a checker per tile, z/x/y written on it. */
async function drawTiles(page, addresses) {
  const drawn = await page.evaluate(async (addresses) => {
    const out = [];
    for (const { z, x, y } of addresses) {
      const canvas = new OffscreenCanvas(256, 256);
      const g = canvas.getContext('2d');
      const hue = (z * 47) % 360;
      g.fillStyle = `hsl(${hue}, 45%, ${(x + y) % 2 ? 30 : 36}%)`;
      g.fillRect(0, 0, 256, 256);
      g.strokeStyle = 'rgba(255,255,255,0.5)';
      g.lineWidth = 2;
      g.strokeRect(1, 1, 254, 254);
      g.fillStyle = '#fff';
      g.font = 'bold 28px sans-serif';
      g.textAlign = 'center';
      g.fillText(`${z}/${x}/${y}`, 128, 138);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      out.push(btoa(text));
    }
    return out;
  }, addresses);
  return addresses.map((a, i) => ({ ...a, data: Buffer.from(drawn[i], 'base64') }));
}

async function openBasemapDialog(page) {
  const dialog = page.locator('[data-testid="basemap-dialog"]');
  if (!(await dialog.isVisible())) {
    await page.locator('[data-testid="account-menu"]').click();
    await page.locator('[data-testid="basemap-open"]').click();
  }
  await dialog.waitFor({ state: 'visible', timeout: 10_000 });
  return dialog;
}

describe('street basemap', { timeout: 600_000 }, () => {
  let server;
  let browser;
  let page;
  let dir;
  let goodFile;
  let brokenFile;
  const tileAnswers = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'binhe-basemap-'));
    ({ server, browser, page } = await openApp());
    page.on('response', (r) => {
      if (r.url().includes('/api/basemap/tiles/')) tileAnswers.push({ url: r.url(), status: r.status() });
    });
    // The street's extent, from the server's own grids, with a margin.
    const summary = (await fetchFromPage(page, '/api/summary')).body;
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body;
    const coords = grids.features.flatMap((f) => f.geometry.coordinates.flat(Infinity));
    const lons = coords.filter((_, i) => i % 2 === 0);
    const lats = coords.filter((_, i) => i % 2 === 1);
    const bounds = [Math.min(...lons) - 0.01, Math.min(...lats) - 0.01, Math.max(...lons) + 0.01, Math.max(...lats) + 0.01];
    const addresses = [];
    for (let z = MIN_ZOOM; z <= MAX_ZOOM; z++) {
      for (let x = lonToX(bounds[0], z); x <= lonToX(bounds[2], z); x++) {
        for (let y = latToY(bounds[3], z); y <= latToY(bounds[1], z); y++) addresses.push({ z, x, y });
      }
    }
    const tiles = await drawTiles(page, addresses);
    const archive = pmtiles(tiles, bounds, { name: `${summary.street_name}测试影像`, attribution: '测试生成' });
    goodFile = join(dir, '滨河影像.pmtiles');
    writeFileSync(goodFile, archive);
    brokenFile = join(dir, 'cut.pmtiles');
    writeFileSync(brokenFile, archive.subarray(0, archive.length - 500));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an uploaded basemap is drawn under the grids from this server only', async () => {
    const dialog = await openBasemapDialog(page);
    await dialog.locator('[data-testid="basemap-none"]').waitFor();
    await dialog.locator('[data-testid="basemap-file"]').setInputFiles(goodFile);
    await dialog.locator('[data-testid="basemap-start"]').click();
    await dialog.locator('[data-testid="basemap-success"]').waitFor({ timeout: 60_000 });
    const info = dialog.locator('[data-testid="basemap-info"]');
    assert.equal(await info.getAttribute('data-kind'), 'raster');
    assert.match(await dialog.locator('[data-testid="basemap-name"]').textContent(), /测试影像/);
    await page.locator('[data-testid="basemap-close"]').click();

    const drawn = await poll(() => {
      const ok = tileAnswers.filter((a) => a.status === 200);
      return ok.length >= 4 ? ok : undefined;
    }, 250, 60_000, 'the map asked for no basemap tiles');
    await mapIdle(page);
    const layers = await page.evaluate(() => {
      const m = window.binheMap;
      const order = m.getStyle().layers.map((l) => l.id);
      return {
        raster: order.indexOf('street-basemap-raster'),
        communities: order.indexOf('community-fill'),
        generated: m.getLayoutProperty('basemap-road-primary', 'visibility'),
      };
    });
    assert.ok(layers.raster >= 0 && layers.raster < layers.communities, JSON.stringify(layers));
    assert.equal(layers.generated, 'none');
    assert.ok(drawn.every((a) => new URL(a.url).hostname === '127.0.0.1'), JSON.stringify(drawn));
    await screenshot(page, 'basemap-raster');
    await page.evaluate(() => window.binheMap.jumpTo({ zoom: 14.6 }));
    await mapIdle(page);
    await screenshot(page, 'basemap-raster-z14');
    assert.deepEqual(offLoopback(browser), []);
    // Every tile answered (204 where the file has none): no errors from MapLibre.
    assert.deepEqual(tileAnswers.filter((a) => a.status !== 200 && a.status !== 204), []);
    assert.deepEqual(browser.problems.filter((p) => /basemap|tile|AJAXError/i.test(p)), []);
  });

  test('a broken file is refused and the basemap stays', async () => {
    const before = (await fetchFromPage(page, '/api/basemap')).body.basemap.id;
    const dialog = await openBasemapDialog(page);
    await dialog.locator('[data-testid="basemap-file"]').setInputFiles(brokenFile);
    await dialog.locator('[data-testid="basemap-start"]').click();
    const failed = dialog.locator('[data-testid="basemap-failed"]');
    await failed.waitFor({ timeout: 60_000 });
    assert.equal(await failed.getAttribute('data-error-code'), 'BASEMAP_INVALID');
    assert.match(await failed.textContent(), /原有底图保持不变/);
    assert.equal((await fetchFromPage(page, '/api/basemap')).body.basemap.id, before);
    assert.equal(await dialog.locator('[data-testid="basemap-info"]').getAttribute('data-basemap-id'), before);
  });

  test('removing the basemap brings back the generated one', async () => {
    const dialog = await openBasemapDialog(page);
    const remove = dialog.locator('[data-testid="basemap-remove"]');
    await remove.click();
    await remove.click(); // the second click confirms
    await dialog.locator('[data-testid="basemap-removed"]').waitFor({ timeout: 30_000 });
    await dialog.locator('[data-testid="basemap-none"]').waitFor();
    await page.locator('[data-testid="basemap-close"]').click();
    await mapIdle(page);
    const shown = await page.evaluate(() => ({
      raster: window.binheMap.getLayer('street-basemap-raster') !== undefined,
      generated: window.binheMap.getLayoutProperty('basemap-road-primary', 'visibility'),
    }));
    assert.deepEqual(shown, { raster: false, generated: 'visible' });
    assert.equal((await fetchFromPage(page, '/api/basemap')).body.basemap, null);
    await screenshot(page, 'basemap-removed');
  });
});
