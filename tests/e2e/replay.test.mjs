// 回放 (issue 17, item 4) in a real browser against a real binhe-server: a street day of more
// than 10,000 events is made through the API (tickets taken in, registered, dispatched and most
// of them handled to the end), then replayed from the event log at 1000× and at 60×. The test
// asserts what must hold — every step applied, as many tickets open as the server says at the
// end, as many markers in the replay's map source — and prints what it cost (lines `REPLAY …`):
// the load (fetch + parse), events drawn per second, and the frame times, measured in the page
// (`window.binheReplayStats`). Nothing is asserted about time.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 replay.test.mjs
//
// Screenshots go to tests/e2e/artifacts/replay-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchFromPage, mapIdle, offLoopback, openApp, pointInside, screenshot } from './harness.mjs';

/** Tickets made: a quarter stop after dispatch, the rest run to 结案 (7 events each); one the
 *  intake merges into an open one stops there. */
const TICKETS = 1_800;
const CATEGORIES = ['违章停车', '井盖破损', '占道经营', '噪音扰民', '私搭乱建', '垃圾堆放', '污水返水', '道路破损', '路灯'];
const HANDLED = [['register', {}], ['dispatch', null], ['start', {}], ['feedback', { outcome: 'solved', note: '已处理' }],
  ['verify', { satisfaction: 'satisfied' }], ['close', {}]];

let server;
let browser;
let page;

/** A call to the server from node with the launch key (faster than through the page). */
function caller(url) {
  const { origin, searchParams } = new URL(url);
  const headers = { authorization: `Bearer ${searchParams.get('key')}`, 'content-type': 'application/json' };
  return async (method, path, body) => {
    const r = await fetch(origin + path, { method, headers, body: body && JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
}

/** Makes the street's day: ticket `i` in the `i`-th micro-grid; returns the events made. */
async function makeDay(call) {
  const micro = (await call('GET', '/api/grids.geojson')).body.features.filter((f) => f.properties.level === 'micro');
  let events = 0;
  const one = async (i) => {
    const grid = micro[i % micro.length];
    const [lon, lat] = pointInside(grid);
    const made = await call('POST', '/api/tickets', {
      channel: 'hotline', external_id: `REPLAY-${i}`, category: CATEGORIES[(i + Math.floor(i / micro.length)) % CATEGORIES.length],
      description: `回放测试诉求 ${i}`, lon: lon + ((i * 7) % 11) * 1e-5, lat,
      reporter_name: '王先生', reporter_phone: '138****1234',
    });
    assert.ok(made.status < 300, JSON.stringify(made.body));
    let ticket = made.body.ticket;
    events += 1;
    // One taken in beside an open one of its kind is merged into it: nothing more to do.
    if (ticket.state !== 'reported') return;
    for (const [action, extra] of HANDLED.slice(0, i % 4 === 0 ? 2 : HANDLED.length)) {
      const body = { action, version: ticket.version, ...(extra ?? { grid: grid.properties.code }) };
      const done = await call('POST', `/api/tickets/${ticket.id}/actions`, body);
      assert.equal(done.status, 200, `${action}: ${JSON.stringify(done.body)}`);
      ticket = done.body.ticket;
      events += 1;
    }
  };
  let next = 0;
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < TICKETS) await one(next++);
  }));
  return events;
}

/** `2026-12-03T08:05`: the minute of `ms` in Beijing time, as a datetime-local field takes it. */
const beijing = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);

const stats = () => page.evaluate(() => window.binheReplayStats);
const testid = (id) => page.locator(`[data-testid="${id}"]`);

/** Plays the loaded stretch at `speed` from its start to its end; the page's figures. */
async function playThrough(speed) {
  await testid('replay-speed').selectOption(String(speed));
  await testid('replay-slider').evaluate((el) => {
    el.value = '0';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await testid('replay-play').click();
  await page.waitForFunction(() => window.binheReplayStats?.playing === true, null, { timeout: 10_000 });
  await page.waitForFunction(() => window.binheReplayStats?.playing === false && window.binheReplayStats.ended,
    null, { timeout: 90_000, polling: 100 });
  return stats();
}

function report(label, s) {
  const wall = s.ended - s.started;
  console.log(`REPLAY ${label}: ${s.steps} steps in ${wall} ms wall over ${s.frames} frames = `
    + `${Math.round((s.steps / wall) * 1000)} events/s drawn; frame work p50 ${s.work_p50.toFixed(2)} ms, `
    + `p95 ${s.work_p95.toFixed(2)} ms; frame interval p50 ${s.interval_p50.toFixed(1)} ms, p95 ${s.interval_p95.toFixed(1)} ms`);
}

describe('replay of a recorded day', () => {
  let from;
  let until;
  let made;
  let truth;

  before(async () => {
    ({ server, browser, page } = await openApp());
    const call = caller(server.url);
    const started = Date.now();
    from = beijing(started - 60_000);
    made = await makeDay(call);
    console.log(`REPLAY day made: ${made} events of ${TICKETS} tickets in ${Date.now() - started} ms`);
    until = beijing(Date.now() + 120_000);
    const q = (a, b) => `/api/replay?from=${encodeURIComponent(a.replace('T', ' '))}&until=${encodeURIComponent(b.replace('T', ' '))}`;
    const whole = await call('GET', q(from, until));
    assert.equal(whole.status, 200, JSON.stringify(whole.body));
    // What is open at `until`: the start of a stretch beginning there.
    const atEnd = await call('GET', q(until, beijing(Date.parse(`${until}:00Z`) - 8 * 3_600_000 + 60_000)));
    assert.equal(atEnd.status, 200, JSON.stringify(atEnd.body));
    const { steps } = whole.body;
    // The second of the stretch where its middle step happened.
    const middle = Math.ceil((Date.parse(steps[steps.length >> 1].at) - Date.parse(whole.body.from)) / 1000);
    truth = { steps: steps.length, open: atEnd.body.start.length, middle };
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a day of more than 10,000 events plays to its end with every step applied and the map holding what is open', async () => {
    assert.ok(truth.steps >= 10_000, `the day holds ${truth.steps} events`);
    await testid('replay-open').click();
    await testid('replay-bar').waitFor();
    await testid('replay-from').fill(from);
    await testid('replay-until').fill(until);
    await testid('replay-load').click();
    await page.locator('[data-testid="replay-bar"][data-loaded="true"]').waitFor({ timeout: 60_000 });
    const loaded = await stats();
    assert.equal(loaded.total, truth.steps);
    console.log(`REPLAY load: ${truth.steps} steps, fetch + parse ${loaded.load_ms.toFixed(0)} ms`);
    // The live layer steps aside while the replay is shown.
    assert.equal(await page.evaluate(() => window.binheMap.getLayoutProperty('tickets-point', 'visibility')), 'none');

    for (const speed of [1000, 60]) {
      const s = await playThrough(speed);
      report(`${speed}x`, s);
      assert.equal(s.applied, truth.steps, 'every step applied');
      assert.equal(s.open, truth.open, 'as many open as the server says at the end');
      const count = await testid('replay-count');
      assert.equal(await count.getAttribute('data-applied'), String(truth.steps));
      await page.waitForFunction(async (n) => {
        const data = await window.binheMap.getSource('replay-tickets').getData();
        return data.features.length === n;
      }, truth.open, { timeout: 10_000, polling: 200 });
    }
    assert.equal(await page.locator('[data-testid="replay-queue"] li.replay-row').count(), Math.min(truth.open, 200));
  });

  test('a moment of the day shows its queue and the events just before it, in Chinese and English', async () => {
    // Half way through the making of the day: the street busy, many tickets not yet closed.
    await testid('replay-slider').evaluate((el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, truth.middle);
    await page.waitForFunction((total) => document.querySelector('[data-testid="replay-count"]').dataset.applied !== String(total), truth.steps);
    const applied = Number(await testid('replay-count').getAttribute('data-applied'));
    assert.ok(applied > truth.steps / 2 - 1 && applied < truth.steps, `${applied} of ${truth.steps} steps half way`);
    assert.ok(await page.locator('[data-testid="replay-ticker"] li').count() > 0);
    assert.match(await testid('replay-clock').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await mapIdle(page);
    await screenshot(page, 'replay-moment');
    await testid('replay-ticker').screenshot({ path: new URL('./artifacts/replay-ticker.png', import.meta.url).pathname });
    await testid('lang-toggle').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-exit"]').textContent.includes('Exit'));
    await mapIdle(page);
    await screenshot(page, 'replay-en');
    await testid('lang-toggle').click();
  });

  test('退出回放 while it plays brings the live tickets back', async () => {
    await testid('replay-speed').selectOption('1');
    await testid('replay-play').click();
    await page.waitForFunction(() => window.binheReplayStats?.playing === true);
    await testid('replay-exit').click();
    await testid('replay-bar').waitFor({ state: 'detached' });
    await page.waitForFunction(() => window.binheMap.getLayoutProperty('tickets-point', 'visibility') === 'visible');
    assert.equal(await page.evaluate(() => window.binheMap.getLayoutProperty('replay-point', 'visibility')), 'none');
    assert.deepEqual(offLoopback(browser), []);
    // A frame asked for before the bar closed stops quietly.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(browser.problems.filter((p) => /panicked|closure|disposed/i.test(p)), []);
    // The live API answers the same as before the replay.
    assert.equal((await fetchFromPage(page, '/api/replay?from=x&until=y')).status, 400);
  });
});
