// The grid worker's phone (`/m/`) in headless Chromium as a 390×844 touch phone with its
// position set inside the street: a dispatcher (API) makes a worker account and dispatches a
// ticket to that worker; on the phone the worker signs in, sees it, taps 接单, finds the tel:
// link and the small map, attaches a JPEG (and an 11 MB file and a non-image, refused with their
// messages) and sends the feedback; a patrol report at the phone's position becomes a ticket of
// channel patrol in the micro-grid of that position; a desktop-sized dispatcher page then shows
// the photo on the ticket card. A worker opening `/` on the phone is sent on to `/m/`.
// Everything is tapped (touch), nothing leaves loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 worker_phone.test.mjs
//
// Screenshots go to tests/e2e/artifacts/phone-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launchBrowser, mapIdle, offLoopback, pointInside, screenshot, startCenter,
} from './harness.mjs';

const DISPATCHER = { login: 'e2e-dispatcher', name: '赵调度', password: 'dispatch-pass-2026' };
const WORKER = { login: 'e2e-worker', name: '钱网格', password: 'worker-pass-2026' };
const REPORTER_PHONE = '13800001234';
const PHONE = { width: 390, height: 844 };

let server;
let phone;
let page;
let token;
let ticket;
let micro;
let patrolMicro;
let patrolAt;
let workerId;
const scratch = mkdtempSync(join(tmpdir(), 'binhe-phone-'));

/** A JSON request with the dispatcher's session token: `{ status, body }`. */
async function call(method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(server.origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function ok(method, path, body) {
  const r = await call(method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A JPEG photo made by ffmpeg from its test picture. */
function jpegPhoto() {
  const path = join(scratch, 'site.jpg');
  const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=1',
    '-frames:v', '1', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffmpeg: ${r.stderr}`);
  return readFileSync(path);
}

const testid = (id) => page.locator(`[data-testid="${id}"]`);

/** No part of the page reaches beyond the screen's width. */
async function noSideways(label) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth, body: document.body.scrollWidth, screen: window.innerWidth,
  }));
  assert.ok(widths.page <= widths.screen && widths.body <= widths.screen, `${label}: ${JSON.stringify(widths)}`);
}

/** Every visible button and link of the phone view is at least 44 px tall. */
async function touchTargets(label) {
  const small = await page.evaluate(() => [...document.querySelectorAll('.phone button, .phone a, .phone label.m-btn')]
    .filter((e) => e.offsetParent !== null)
    .map((e) => ({ text: e.textContent.trim().slice(0, 20), h: e.getBoundingClientRect().height }))
    .filter((e) => e.h < 44));
  assert.deepEqual(small, [], `${label}: touch targets under 44 px`);
}

describe('the grid worker\'s phone', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startCenter([{ ...DISPATCHER, role: 'dispatcher' }]);
    const login = await fetch(`${server.origin}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: DISPATCHER.login, password: DISPATCHER.password, terminal: 'e2e 脚本' }),
    });
    token = (await login.json()).token;

    // Two micro-grids of the street, taken at run time: the ticket's, and where the patrol is.
    const grids = (await ok('GET', '/api/grids.geojson')).features;
    const micros = grids.filter((f) => f.properties.level === 'micro');
    let worker;
    for (const f of micros) {
      const detail = await ok('GET', `/api/grids/${encodeURIComponent(f.properties.code)}`);
      worker = detail.workers.find((w) => w.grid === f.properties.code);
      if (worker) {
        micro = f;
        break;
      }
    }
    assert.ok(worker, 'a micro-grid with its own worker');
    patrolMicro = micros.find((f) => f.properties.code !== micro.properties.code
      && f.properties.community !== micro.properties.community);
    patrolAt = pointInside(patrolMicro);

    const account = await ok('POST', '/api/accounts', {
      login: WORKER.login, name: WORKER.name, role: 'worker', worker_id: worker.id, password: WORKER.password,
    });
    assert.equal(account.role, 'worker');
    workerId = worker.id;

    const category = (await ok('GET', '/api/catalogue')).categories[0].code;
    const [lon, lat] = pointInside(micro);
    const created = await ok('POST', '/api/tickets', {
      channel: 'hotline', external_id: 'BJ12345-E2E-PHONE-1', category, urgency: 'urgent',
      description: `手机端测试工单：${micro.properties.name} 路灯不亮`, lon, lat,
      reporter_name: '孙女士', reporter_phone: REPORTER_PHONE,
    });
    let t = created.ticket;
    t = (await ok('POST', `/api/tickets/${t.id}/actions`, { action: 'register', version: t.version })).ticket;
    t = (await ok('POST', `/api/tickets/${t.id}/actions`, {
      action: 'dispatch', version: t.version, grid: micro.properties.code, worker_id: worker.id,
    })).ticket;
    assert.equal(t.state, 'dispatched');
    ticket = t;

    phone = await launchBrowser({
      viewport: PHONE,
      device: {
        isMobile: true, hasTouch: true, deviceScaleFactor: 1,
        geolocation: { longitude: patrolAt[0], latitude: patrolAt[1], accuracy: 10 },
        permissions: ['geolocation'],
      },
    });
    page = phone.page;
  });

  after(async () => {
    await phone?.close();
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the worker signs in on the phone and sees the ticket dispatched to them', async () => {
    await page.goto(`${server.origin}/m/`, { waitUntil: 'load' });
    await testid('login-page').waitFor({ timeout: 60_000 });
    await noSideways('login');
    await screenshot(page, 'phone-01-login');
    await testid('login-login').fill(WORKER.login);
    await testid('login-password').fill(WORKER.password);
    await testid('login-submit').tap();
    const row = page.locator(`[data-testid="m-ticket"][data-ticket-id="${ticket.id}"]`);
    await row.waitFor({ timeout: 60_000 });
    assert.equal(await testid('m-ticket').count(), 1, 'only the worker\'s own tickets');
    assert.match(await testid('m-who').innerText(), new RegExp(WORKER.name));
    assert.match(await row.innerText(), /办结时限 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await noSideways('list');
    await touchTargets('list');
    await screenshot(page, 'phone-02-list');

    // English is one tap away, and back.
    await testid('m-lang').tap();
    await page.getByText('My tickets').waitFor();
    await testid('m-lang').tap();
    await page.getByText('我的工单').waitFor();

    // A ticket dispatched to the worker meanwhile appears by itself (the live stream), no 刷新.
    const category = (await ok('GET', '/api/catalogue')).categories[1].code;
    const [lon, lat] = pointInside(micro);
    let second = (await ok('POST', '/api/tickets', {
      channel: 'hotline', external_id: 'BJ12345-E2E-PHONE-2', category,
      description: `手机端测试工单：${micro.properties.name} 楼道堆物`, lon, lat,
    })).ticket;
    second = (await ok('POST', `/api/tickets/${second.id}/actions`, { action: 'register', version: second.version })).ticket;
    await ok('POST', `/api/tickets/${second.id}/actions`, {
      action: 'dispatch', version: second.version, grid: micro.properties.code, worker_id: workerId,
    });
    await page.locator(`[data-testid="m-ticket"][data-ticket-id="${second.id}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await testid('m-ticket').count(), 2, 'both tickets dispatched to the worker, no other');
  });

  test('接单, the reporter\'s number, the small map with the phone\'s position', async () => {
    await page.locator(`[data-testid="m-ticket"][data-ticket-id="${ticket.id}"]`).tap();
    await testid('m-ticket-page').waitFor();
    assert.equal(await testid('m-call').getAttribute('href'), `tel:${REPORTER_PHONE}`);
    const geo = await testid('m-geo').getAttribute('href');
    assert.match(geo, /^geo:40\.\d+,117\.\d+\?q=/);
    await testid('m-start').tap();
    await testid('m-feedback').waitFor({ timeout: 30_000 });
    assert.equal((await ok('GET', `/api/tickets/${ticket.id}`)).ticket.state, 'handling');
    await page.locator('[data-testid="m-map"][data-map-state="ready"]').waitFor({ timeout: 90_000 });
    // The map drew the ticket and the phone's own position.
    const drawn = await page.evaluate(() => document.querySelector('[data-testid="m-map"] canvas')?.width ?? 0);
    assert.ok(drawn > 300, `map canvas ${drawn} px wide`);
    await noSideways('ticket');
    await touchTargets('ticket');
    await screenshot(page, 'phone-03-ticket');
  });

  test('photos: an 11 MB file and a non-image are refused, a JPEG goes with the feedback', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 0);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    await testid('m-photo-input').setInputFiles([
      { name: 'site.jpg', mimeType: 'image/jpeg', buffer: jpegPhoto() },
      { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: big },
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('这不是照片，只是一段文字。') },
    ]);
    const row = (name) => page.locator('[data-testid="m-photo"]', { hasText: name });
    await row('site.jpg').and(page.locator('[data-status="sent"]')).waitFor({ timeout: 60_000 });
    const huge = row('huge.jpg');
    assert.equal(await huge.getAttribute('data-status'), 'refused');
    assert.match(await huge.innerText(), /照片 11\.0 MB，超过 10 MB 上限，未上传/);
    const notes = row('notes.jpg');
    assert.equal(await notes.getAttribute('data-status'), 'refused');
    assert.match(await notes.innerText(), /不是照片[\s\S]*JPEG、PNG、HEIC/);
    await noSideways('photos');
    await testid('m-photos').scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-04-photos');

    await testid('m-note').fill('已更换路灯灯泡，恢复照明');
    await testid('m-feedback-submit').tap();
    await testid('ticket-photo').waitFor({ timeout: 30_000 });
    const card = await ok('GET', `/api/tickets/${ticket.id}`);
    assert.equal(card.ticket.state, 'fed_back');
    assert.equal(card.photos.length, 1, JSON.stringify(card.photos));
    const feedback = card.events.find((e) => e.type === 'fed_back');
    assert.equal(feedback.change.photos.length, 1);
    assert.equal(feedback.actor.name, WORKER.name);
    await screenshot(page, 'phone-05-fed-back');
  });

  test('a patrol report at the phone\'s position lands in that micro-grid', async () => {
    await testid('m-back').tap();
    await testid('m-patrol').tap();
    await testid('m-patrol-form').waitFor();
    await page.locator('[data-testid="m-position"]', { hasText: '当前位置' }).waitFor({ timeout: 30_000 });
    await testid('m-category').selectOption({ index: 1 });
    await testid('m-description').fill('巡查发现：人行道井盖松动');
    await testid('m-photo-input').setInputFiles([{ name: 'patrol.jpg', mimeType: 'image/jpeg', buffer: jpegPhoto() }]);
    await page.locator('[data-testid="m-photo"][data-status="waiting"]').waitFor();
    await noSideways('patrol');
    await screenshot(page, 'phone-06-patrol');
    await testid('m-patrol-submit').tap();
    const done = testid('m-patrol-done');
    await done.waitFor({ timeout: 60_000 });
    assert.equal(await done.getAttribute('data-grid'), patrolMicro.properties.code);
    const id = Number(await done.getAttribute('data-ticket-id'));
    const card = await ok('GET', `/api/tickets/${id}`);
    assert.equal(card.ticket.channel, 'patrol');
    assert.equal(card.ticket.routing.micro.code, patrolMicro.properties.code);
    assert.ok(Math.abs(card.ticket.lon - patrolAt[0]) < 1e-6 && Math.abs(card.ticket.lat - patrolAt[1]) < 1e-6);
    assert.equal(card.photos.length, 1, 'the patrol photo is kept with its ticket');
    await screenshot(page, 'phone-07-patrol-done');
  });

  test('at 360 px wide nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await testid('m-back').tap();
    await testid('m-ticket').first().waitFor();
    await noSideways('list at 360');
    await screenshot(page, 'phone-08-list-360');
    await page.locator(`[data-testid="m-ticket"][data-ticket-id="${ticket.id}"]`).tap();
    await page.locator('[data-testid="m-map"][data-map-state="ready"]').waitFor({ timeout: 90_000 });
    await noSideways('ticket at 360');
    await screenshot(page, 'phone-09-ticket-360');
    await page.setViewportSize(PHONE);
    // A worker who opens the center's address on the phone is sent on to the phone view.
    await page.goto(`${server.origin}/`, { waitUntil: 'load' });
    await page.waitForURL(/\/m\/$/, { timeout: 60_000 });
    await testid('m-tickets').waitFor();
    assert.deepEqual(offLoopback(phone), [], 'nothing beyond loopback');
    assert.deepEqual(phone.problems.filter((p) => !/status of 4\d\d/.test(p)), [], 'no page errors');
  });

  test('the dispatcher\'s desktop shows the photo on the ticket card', async () => {
    const desk = await launchBrowser();
    try {
      const p = desk.page;
      await p.goto(server.url, { waitUntil: 'load' });
      await p.locator('[data-testid="login-page"]').waitFor({ timeout: 60_000 });
      await p.locator('[data-testid="login-login"]').fill(DISPATCHER.login);
      await p.locator('[data-testid="login-password"]').fill(DISPATCHER.password);
      await p.locator('[data-testid="login-submit"]').click();
      await p.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 });
      await mapIdle(p);
      await p.locator('[data-testid="side-tab-tickets"]').click();
      await p.locator('.queue-tab[data-tab="in-progress"]').click();
      const row = p.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${ticket.id}"]`);
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      const card = p.locator(`[data-testid="ticket-card"][data-ticket-id="${ticket.id}"]`);
      const thumb = card.locator('[data-testid="ticket-photo"] img');
      await thumb.waitFor({ timeout: 30_000 });
      await p.waitForFunction((el) => el.complete && el.naturalWidth === 640, await thumb.elementHandle(), { timeout: 30_000 });
      await screenshot(p, 'phone-10-desktop-card');
      await card.locator('[data-testid="ticket-photo"]').click();
      await p.locator('[data-testid="photo-enlarged"] img').waitFor();
      await screenshot(p, 'phone-11-desktop-photo');
      assert.deepEqual(offLoopback(desk), [], 'nothing beyond loopback');
    } finally {
      await desk.close();
    }
  });
});
