// Cameras, checkpoints and door-access units on the map, in a real browser against a real
// binhe-server: each kind switched on from the legend shows every device the API lists, a click
// on a device opens its card, and a ticket card lists the four nearest cameras, one click away
// from the map.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 devices.test.mjs
//
// Screenshots go to tests/e2e/artifacts/devices-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fetchFromPage, jumpTo, mapIdle, offLoopback, openApp, pagePoint, pointInside, postFromPage, screenshot,
} from './harness.mjs';

// Layer ids of ui/src/map/devices.rs.
const KINDS = ['camera', 'checkpoint', 'door_access'];
const EXPECTED = { camera: 847, checkpoint: 90, door_access: 72 };

let server;
let browser;
let page;

const api = (path) => fetchFromPage(page, path);

const jump = (center, zoom) => jumpTo(page, center, zoom);

/** Devices in a kind's source, counting what its clusters hold. */
function sourceCount(kind) {
  return page.evaluate(async (kind) => {
    const data = await window.binheMap.getSource(`devices-${kind}`).getData();
    return data.features.length;
  }, kind);
}

/** Devices drawn for a kind in the view: single markers plus what the clusters hold. */
function renderedCount(kind) {
  return page.evaluate((kind) => {
    const m = window.binheMap;
    const points = m.queryRenderedFeatures({ layers: [`devices-${kind}-point`] });
    const clusters = m.queryRenderedFeatures({ layers: [`devices-${kind}-cluster`] });
    const ids = new Set(points.map((f) => f.properties.id));
    const clusterIds = new Set();
    let inClusters = 0;
    for (const c of clusters) {
      if (clusterIds.has(c.properties.cluster_id)) continue;
      clusterIds.add(c.properties.cluster_id);
      inClusters += c.properties.point_count;
    }
    return ids.size + inClusters;
  }, kind);
}

function visibility(kind) {
  return page.evaluate((kind) => window.binheMap.getLayoutProperty(`devices-${kind}-point`, 'visibility'), kind);
}

describe('devices on the map', { timeout: 600_000 }, () => {
  let byKind;
  let home;

  before(async () => {
    ({ server, browser, page } = await openApp());
    const devices = (await api('/api/devices.geojson')).body.features;
    byKind = Object.fromEntries(KINDS.map((k) => [k, devices.filter((f) => f.properties.kind === k)]));
    home = await page.evaluate(() => ({ center: window.binheMap.getCenter().toArray(), zoom: window.binheMap.getZoom() }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the API lists the demo street\'s devices by kind', () => {
    for (const kind of KINDS) assert.equal(byKind[kind].length, EXPECTED[kind], kind);
  });

  test('devices are off until switched on, and each switch shows all of its kind', async () => {
    for (const kind of KINDS) assert.equal(await visibility(kind), 'none', `${kind} starts hidden`);
    assert.match(await page.locator('[data-testid="device-legend"]').innerText(), /摄像头.*卡口.*门禁/s);
    for (const kind of KINDS) {
      await page.locator(`[data-testid="device-toggle-${kind}"]`).click();
      await page.waitForFunction((kind) => window.binheMap.getLayoutProperty(`devices-${kind}-point`, 'visibility') === 'visible',
        kind, { timeout: 10_000 });
      assert.equal(await page.locator(`[data-testid="device-toggle-${kind}"]`).getAttribute('aria-pressed'), 'true');
      assert.equal(await sourceCount(kind), EXPECTED[kind], `${kind} in its source`);
      await mapIdle(page);
      assert.equal(await renderedCount(kind), EXPECTED[kind], `${kind} drawn at street zoom`);
    }
    await screenshot(page, 'devices-01-street');
    // Switched off again, the kind's layers go.
    await page.locator('[data-testid="device-toggle-door_access"]').click();
    await page.waitForFunction(() => window.binheMap.getLayoutProperty('devices-door_access-point', 'visibility') === 'none',
      null, { timeout: 10_000 });
    await page.locator('[data-testid="device-toggle-door_access"]').click();
  });

  test('a click on a camera opens its card with its live picture, stopped when the card closes', async () => {
    const camera = byKind.camera[0];
    await jump(camera.geometry.coordinates, 18);
    const at = await pagePoint(page, camera.geometry.coordinates);
    await page.mouse.click(at.x, at.y);
    const card = page.locator('[data-testid="device-card"]');
    await card.waitFor({ timeout: 10_000 });
    assert.equal(await card.getAttribute('data-kind'), 'camera');
    assert.equal((await card.locator('[data-field="name"]').innerText()).trim(), camera.properties.name);
    const micro = (await api('/api/grids.geojson')).body.features.find((f) => f.properties.code === camera.properties.grid);
    assert.equal((await card.locator('[data-field="grid"]').innerText()).trim(), `${micro.properties.name} · ${camera.properties.grid}`);
    // The card follows the server's health of the camera (the first patrol finds it online).
    await page.waitForFunction((id) => fetch('/api/cameras/health').then((r) => r.json()).then((h) => {
      const shown = document.querySelector('[data-testid="device-card"] [data-field="health"]');
      return shown && shown.dataset.health === h.cameras.find((c) => c.id === id).health && shown.dataset.health !== 'unknown';
    }), camera.properties.id, { timeout: 30_000, polling: 500 });
    assert.match(await card.locator('[data-field="health"]').innerText(), /在线/);
    // The gateway's MJPEG plays in the card: pictures arrive and keep changing.
    await page.waitForFunction(() => {
      const img = document.querySelector('img[data-testid="camera-live"]');
      return img && img.complete !== undefined && img.naturalWidth > 0;
    }, null, { timeout: 20_000 });
    const open = (await api('/api/cameras/status')).body.open;
    assert.deepEqual(open, [{ camera: camera.properties.id, viewers: 1 }]);
    assert.match(await card.locator('[data-field="video"] figcaption').innerText(), /实时画面/);
    await mapIdle(page);
    await screenshot(page, 'devices-02-camera-card');
    await page.locator('[data-testid="device-card-close"]').click();
    // Closing the card drops the stream; the gateway stops the camera with its last viewer.
    let stopped = false;
    for (let i = 0; i < 50 && !stopped; i += 1) {
      stopped = (await api('/api/cameras/status')).body.open.length === 0;
      if (!stopped) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(stopped, 'the camera stream stopped after the card closed');
    await jump(home.center, home.zoom);
  });

  test('a ticket card lists the four nearest cameras; a click flies to one and rings it', async () => {
    const grids = (await api('/api/grids.geojson')).body.features;
    const micro = grids.find((f) => f.properties.level === 'micro');
    const category = (await api('/api/catalogue')).body.categories[0].code;
    const point = pointInside(micro);
    const created = await postFromPage(page, '/api/tickets', {
      channel: 'hotline', external_id: 'BJ12345-E2E-CAMERAS', category, description: '路口积水，需查看监控',
      lon: point[0], lat: point[1], reporter_name: '张先生', reporter_phone: '13900000000', urgency: 'normal',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.ticket.id;
    const detail = (await api(`/api/tickets/${id}`)).body;
    assert.equal(detail.cameras.length, 4);

    await page.locator('[data-testid="side-tab-tickets"]').click();
    const row = page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${id}"]`);
    const rows = card.locator('[data-field="cameras"] .camera-row');
    await rows.first().waitFor({ timeout: 15_000 });
    assert.equal(await rows.count(), 4);
    for (let i = 0; i < 4; i++) {
      const c = detail.cameras[i];
      assert.equal(await rows.nth(i).getAttribute('data-camera-id'), String(c.id));
      assert.match(await rows.nth(i).innerText(), new RegExp(`${Math.round(c.distance_m)}\\s*米`));
    }

    const nearest = detail.cameras[0];
    await rows.first().click();
    await page.waitForFunction(([lon, lat]) => {
      const m = window.binheMap;
      const c = m.getCenter();
      return !m.isMoving() && Math.abs(c.lng - lon) < 1e-5 && Math.abs(c.lat - lat) < 1e-5 && m.getZoom() >= 17;
    }, [nearest.lon, nearest.lat], { timeout: 15_000 });
    await mapIdle(page);
    const ringed = await page.evaluate(() => window.binheMap.queryRenderedFeatures({ layers: ['device-focus'] }).length);
    assert.equal(ringed, 1);
    assert.equal(await rows.first().evaluate((el) => el.classList.contains('focused')), true);
    await screenshot(page, 'devices-03-ticket-cameras');
  });

  test('no request leaves loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
