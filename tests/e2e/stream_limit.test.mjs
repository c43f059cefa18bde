// A watcher's live streams are counted: on a server that lets the desk hold two at once
// (BINHE_STREAM_QUOTA), a wall of four tiles plays two and says on the other two, in Chinese
// first, that the limit is reached; a closed tile gives its place back, which a refused tile's
// retry takes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { fetchFromPage, openApp, pointInside, poll, postFromPage, screenshot } from './harness.mjs';

let app = {};
const page = () => app.page;
const api = (path) => fetchFromPage(page(), path);
/** What `check` answers once it answers something truthy, asking every 250 ms. */
const eventually = (check, { timeout = 20_000, message = 'condition' } = {}) =>
  poll(async () => (await check()) || undefined, 250, timeout, message);

describe('live stream limit', { timeout: 600_000 }, () => {
  before(async () => {
    process.env.BINHE_STREAM_QUOTA = 'desk=2/2';
    try {
      app = await openApp();
    } finally {
      delete process.env.BINHE_STREAM_QUOTA;
    }
  });

  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
  });

  test('tiles past the limit say so; a freed place plays again', async () => {
    // The patrol's first round: wait until every camera has a health, then a place whose four
    // nearest cameras are online.
    const online = await eventually(async () => {
      const { counts, cameras } = (await api('/api/cameras/health')).body;
      return counts.unknown === 0 && new Set(cameras.filter((c) => c.health === 'online').map((c) => c.id));
    }, { timeout: 60_000, message: 'the first patrol' });
    const grids = (await api('/api/grids.geojson')).body.features.filter((f) => f.properties.level === 'micro');
    const category = (await api('/api/catalogue')).body.categories[0].code;
    let id;
    for (let i = 0; i < 12 && !id; i++) {
      const point = pointInside(grids[i * 5]);
      const created = await postFromPage(page(), '/api/tickets', {
        channel: 'hotline', external_id: `BJ12345-E2E-LIMIT-${i}`, category, description: '查看监控',
        lon: point[0], lat: point[1], reporter_name: '赵先生', reporter_phone: '13900000003', urgency: 'normal',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const detail = (await api(`/api/tickets/${created.body.ticket.id}`)).body;
      if (detail.cameras.length === 4 && detail.cameras.every((c) => online.has(String(c.id)))) id = created.body.ticket.id;
    }
    assert.ok(id, 'a ticket with four online cameras nearby');

    await page().locator('[data-testid="side-tab-tickets"]').click();
    const row = page().locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const card = page().locator(`[data-testid="ticket-card"][data-ticket-id="${id}"]`);
    await card.locator('[data-testid="wall-add-all"]').click();
    const wall = page().locator('[data-testid="video-wall"]');
    const tiles = wall.locator('[data-testid="wall-tile"]');
    const states = () => tiles.locator('.camera-live').evaluateAll((els) => els.map((e) => e.dataset.state));
    await eventually(async () => {
      const now = await states();
      return now.filter((s) => s === 'playing').length === 2 && now.filter((s) => s === 'limit').length === 2 && now;
    }, { timeout: 30_000, message: 'two playing, two at the limit' });
    const refused = tiles.filter({ has: page().locator('.camera-live[data-state="limit"]') });
    const said = await refused.first().innerText();
    assert.match(said, /已达同时观看上限/);
    assert.match(said, /2 路实时视频/, 'the server says how many');
    await screenshot(page(), 'stream-limit-01-two-of-four');

    // A playing tile closed gives its place back; a refused tile's retry takes it, the other
    // refused tile stays as it is (no stream is taken behind the watcher's back).
    const playing = tiles.filter({ has: page().locator('.camera-live[data-state="playing"]') });
    await playing.first().locator('[data-testid="wall-tile-close"]').click();
    assert.equal(await tiles.count(), 3);
    await eventually(async () => (await api('/api/cameras/status')).body.open.length === 1,
      { timeout: 10_000, message: 'one stream open' });
    const waiting = await refused.first().getAttribute('data-camera-id');
    await refused.first().locator('[data-testid="live-retry"]').click();
    const retried = wall.locator(`[data-testid="wall-tile"][data-camera-id="${waiting}"] .camera-live`);
    await eventually(async () => (await retried.getAttribute('data-state')) === 'playing',
      { timeout: 30_000, message: `${waiting} plays once a place is free` });
    assert.deepEqual((await states()).sort(), ['limit', 'playing', 'playing']);
    assert.equal((await api('/api/cameras/status')).body.open.length, 2);
  });
});
