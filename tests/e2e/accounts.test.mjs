// Accounts and roles in a real browser against `binhe-server serve --center`: the page opens on
// the login page; a community commander (made through the API) signs in there and sees only
// their community on the map and in the queue; dispatching outside it is refused with the
// server's 403 message; 退出登录 returns to the login page; a wrong password says so; a
// dispatcher signing in next (no page reload) sees the whole street, 账号管理 and 操作日志.
// On the desktop's standalone server the window is the local dispatcher; 切换账号 shows a
// commander's view and 退出登录 returns to the local dispatcher, with no login page between.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 accounts.test.mjs
//
// Screenshots go to tests/e2e/artifacts/accounts-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sessionToken, fetchFromPage, launchBrowser, mapIdle, offLoopback, openApp, pointInside, postFromPage, screenshot, startCenter,
} from './harness.mjs';

const DISPATCHER = { login: 'e2e-dispatcher', name: '赵调度', password: 'dispatch-pass-2026' };
const COMMANDER = { login: 'e2e-commander', name: '王指挥', password: 'command-pass-2026' };
const TERMINAL = '社区指挥终端（测试）';

let server;
let browser;
let page;

/** A JSON request from outside the browser with a session token: `{ status, body }`. */
async function call(token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(server.origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

const loginPage = () => page.locator('[data-testid="login-page"]');
const row = (id) => page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
const toast = () => page.locator('[data-testid="toast"]');

/** Fills the login page and sends it. */
async function signIn(who, password = who.password) {
  await loginPage().waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="login-login"]').fill(who.login);
  await page.locator('[data-testid="login-password"]').fill(password);
  await page.locator('[data-testid="login-terminal"]').fill(TERMINAL);
  await page.locator('[data-testid="login-submit"]').click();
}

/** Community codes of the community polygons drawn now. */
async function drawnCommunities() {
  await mapIdle(page);
  return page.evaluate(() => [...new Set(window.binheMap
    .queryRenderedFeatures({ layers: ['community-fill'] })
    .map((f) => f.properties.community))]);
}

async function waitForMap() {
  await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 })
    .catch((e) => {
      throw new Error(`${e.message}\nbrowser problems:\n${browser.problems.join('\n')}`);
    });
  await mapIdle(page);
}

describe('accounts and roles on a center server', { timeout: 600_000 }, () => {
  let dispatcherToken;
  let home;
  let away;
  let homeTicket;
  let awayTicket;

  before(async () => {
    server = await startCenter([{ ...DISPATCHER, role: 'dispatcher' }]);
    dispatcherToken = await sessionToken(server, DISPATCHER);

    // Two communities with micro-grids: the commander's, and one beyond it.
    const grids = (await call(dispatcherToken, 'GET', '/api/grids.geojson')).body.features;
    const communities = grids.filter((f) => f.properties.level === 'community')
      .sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    const microOf = (c) => grids.find((f) => f.properties.level === 'micro' && f.properties.community === c.properties.code);
    [home, away] = [communities[1], communities[4]].map((c) => ({ community: c, micro: microOf(c) }));

    const made = await call(dispatcherToken, 'POST', '/api/accounts', {
      login: COMMANDER.login, name: COMMANDER.name, role: 'commander',
      community: home.community.properties.code, password: COMMANDER.password,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.community_name, home.community.properties.name);

    const category = (await call(dispatcherToken, 'GET', '/api/catalogue')).body.categories[0].code;
    const intake = async (place, n) => {
      const [lon, lat] = pointInside(place.micro);
      const r = await call(dispatcherToken, 'POST', '/api/tickets', {
        channel: 'hotline', external_id: `BJ12345-E2E-ACC-${n}`, category, urgency: 'normal',
        description: `账号测试工单 ${n}：${place.micro.properties.name}`, lon, lat,
        reporter_name: '李女士', reporter_phone: '13800000000',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.ticket;
    };
    homeTicket = await intake(home, 1);
    awayTicket = await intake(away, 2);
    assert.equal(homeTicket.routing.community.code, home.community.properties.code);

    browser = await launchBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a center server opens on the login page, and nothing else loads', async () => {
    await page.goto(server.url, { waitUntil: 'load' });
    await loginPage().waitFor({ timeout: 60_000 });
    assert.equal(await loginPage().getAttribute('data-reason'), 'required');
    assert.equal(await page.locator('#login-heading').innerText(), '账号登录');
    assert.match(await loginPage().innerText(), /账号[\s\S]*密码[\s\S]*终端名称（选填）/);
    assert.ok(await page.evaluate(() => window.binheMap === undefined), 'no map before a login');
    assert.equal((await fetchFromPage(page, '/api/session')).status, 401);
    await screenshot(page, 'accounts-01-login');
  });

  test('a commander signs in and sees only their community, in the map and in the queue', async () => {
    await page.evaluate(() => { window.accountsTestPage = true; });
    await signIn(COMMANDER);
    await waitForMap();
    assert.ok(await page.evaluate(() => window.accountsTestPage), 'the page was not reloaded');
    assert.equal(await loginPage().count(), 0);

    // Who is signed in, in the header.
    assert.equal(await page.locator('[data-testid="account-name"]').innerText(), COMMANDER.name);
    assert.equal(await page.locator('[data-testid="account-role"]').innerText(), '社区指挥');
    assert.equal(await page.locator('[data-testid="account-community"]').innerText(), home.community.properties.name);
    const session = (await fetchFromPage(page, '/api/session')).body;
    assert.equal(session.account.login, COMMANDER.login);
    assert.equal(session.terminal, TERMINAL, 'the terminal name reached the server');

    // The map: this community's grids only, and the camera on it.
    const code = home.community.properties.code;
    const shown = await page.evaluate(() => window.binheMap
      .queryRenderedFeatures({ layers: ['community-fill', 'micro-fill'] })
      .map((f) => f.properties.community));
    assert.ok(shown.length > 0, 'grids are drawn');
    assert.deepEqual([...new Set(shown)], [code]);
    const [lon, lat] = await page.evaluate(() => window.binheMap.getCenter().toArray());
    const ring = home.community.geometry.type === 'Polygon'
      ? home.community.geometry.coordinates[0] : home.community.geometry.coordinates[0][0];
    const [xs, ys] = [ring.map((p) => p[0]), ring.map((p) => p[1])];
    assert.ok(lon > Math.min(...xs) && lon < Math.max(...xs) && lat > Math.min(...ys) && lat < Math.max(...ys),
      `the map is centred on the community (${lon}, ${lat})`);

    // The queue: the community's ticket, not the other one.
    await row(homeTicket.id).waitFor({ timeout: 30_000 });
    assert.equal(await row(awayTicket.id).count(), 0, 'a ticket of another community is not listed');

    // What a commander may not do is not offered.
    for (const id of ['import-open', 'ticket-import-open', 'demo-feed', 'accounts-open', 'audit-open']) {
      assert.equal(await page.locator(`[data-testid="${id}"]`).count(), 0, `${id} is hidden from a commander`);
    }
    assert.equal(await page.locator('[data-testid="intake-open"]').count(), 1);
    // Their menu holds this terminal's 提醒设置 and nothing of an administrator's.
    await page.locator('[data-testid="account-menu"]').click();
    const offered = await page.locator('[data-testid="account-dropdown"] .menu-item').evaluateAll((items) => items.map((i) => i.dataset.testid));
    assert.deepEqual(offered, ['alerts-open'], 'a commander\'s menu');
    await page.locator('[data-testid="account-menu"]').click();
    await screenshot(page, 'accounts-02-commander');
  });

  test('dispatching outside the community is refused with the server\'s 403 message', async () => {
    const target = pointInside(away.micro);
    await page.evaluate((center) => window.binheMap.jumpTo({ center, zoom: 15 }), target);
    await mapIdle(page);
    const to = await page.evaluate((lonLat) => {
      const m = window.binheMap;
      const p = m.project(lonLat);
      const rect = m.getCanvas().getBoundingClientRect();
      return { x: rect.left + p.x, y: rect.top + p.y };
    }, target);
    const box = await row(homeTicket.id).boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2, { steps: 3 });
    await page.mouse.move(to.x, to.y, { steps: 15 });
    await page.locator('[data-testid="drop-hint"].outside').waitFor({ timeout: 10_000 });
    await page.mouse.up();

    const refused = toast().and(page.locator('[data-kind="refused"]'));
    await refused.waitFor({ timeout: 30_000 });
    assert.equal(await refused.getAttribute('data-error-code'), 'OUT_OF_SCOPE');
    assert.match(await refused.innerText(), /超出您的管辖范围/);
    const after = (await call(dispatcherToken, 'GET', `/api/tickets/${homeTicket.id}`)).body.ticket;
    assert.equal(after.version, homeTicket.version, 'nothing changed');
    await screenshot(page, 'accounts-03-refused');
  });

  test('退出登录 returns to the login page', async () => {
    await page.locator('[data-testid="logout"]').click();
    await loginPage().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.app.locked').count(), 1, 'the workspace is hidden');
    assert.equal((await fetchFromPage(page, '/api/session')).status, 401);
    assert.ok(await page.evaluate(() => window.accountsTestPage), 'the page was not reloaded');
  });

  test('a wrong password is refused as 账号或密码错误', async () => {
    await signIn(COMMANDER, 'not-the-password');
    const error = page.locator('[data-testid="login-error"]');
    await error.waitFor({ timeout: 30_000 });
    assert.equal(await error.getAttribute('data-error-code'), 'LOGIN_FAILED');
    assert.match(await error.innerText(), /账号或密码错误/);
    assert.equal(await page.locator('[data-testid="login-password"]').inputValue(), '', 'the password is cleared');
    await screenshot(page, 'accounts-04-login-failed');
  });

  test('a dispatcher signing in next sees the whole street, the accounts and the audit log', async () => {
    await signIn(DISPATCHER);
    await loginPage().waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-testid="account-role"]', { hasText: '调度员' }).waitFor({ timeout: 30_000 });
    assert.ok(await page.evaluate(() => window.accountsTestPage), 'the page was not reloaded');
    // The other community's ticket is in the queue now, and the street's grids on the map.
    await row(awayTicket.id).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => new Set(window.binheMap
      .queryRenderedFeatures({ layers: ['community-fill'] })
      .map((f) => f.properties.community)).size > 1, null, { timeout: 30_000, polling: 250 });
    assert.equal(await page.locator('[data-testid="import-open"]').count(), 1, 'a dispatcher imports grids');

    // 账号管理: the commander is listed; a short password is refused beside its field.
    await page.locator('[data-testid="account-menu"]').click();
    await page.locator('[data-testid="accounts-open"]').click();
    const dialog = page.locator('[data-testid="accounts-dialog"]');
    const commanderRow = dialog.locator(`tr[data-login="${COMMANDER.login}"]`);
    await commanderRow.waitFor({ timeout: 30_000 });
    assert.match(await commanderRow.innerText(), new RegExp(`社区指挥[\\s\\S]*${home.community.properties.name}`));
    await dialog.locator('[data-input="login"]').fill('e2e-short');
    await dialog.locator('[data-input="name"]').fill('短密码');
    await dialog.locator('[data-input="password"]').fill('short');
    await dialog.locator('[data-testid="account-create"]').click();
    const fieldError = dialog.locator('[data-problem-field="password"]');
    await fieldError.waitFor({ timeout: 30_000 });
    assert.match(await fieldError.innerText(), /密码/);
    await screenshot(page, 'accounts-05-accounts');
    await page.locator('[data-testid="accounts-close"]').click();

    // 操作日志: the failed login is there, with the terminal's address.
    await page.locator('[data-testid="account-menu"]').click();
    await page.locator('[data-testid="audit-open"]').click();
    const audit = page.locator('[data-testid="audit-dialog"]');
    await audit.locator('[data-input="action"]').fill('login_failed');
    await audit.locator('[data-testid="audit-search"]').click();
    const failed = audit.locator('[data-testid="audit-table"] tr[data-action="login_failed"]');
    await failed.first().waitFor({ timeout: 30_000 });
    assert.match(await failed.first().innerText(), new RegExp(`登录失败[\\s\\S]*${COMMANDER.login}[\\s\\S]*401`));
    await audit.locator('[data-input="action"]').fill('');
    await audit.locator('[data-input="account"]').fill(COMMANDER.login);
    await audit.locator('[data-testid="audit-search"]').click();
    await audit.locator('[data-testid="audit-table"] tr[data-action="ticket.drop"]').first().waitFor({ timeout: 30_000 });
    assert.match(await audit.locator('tr[data-action="ticket.drop"]').first().innerText(), /403/);
    await screenshot(page, 'accounts-06-audit');

    assert.deepEqual(offLoopback(browser), [], 'no request left the machine');
  });
});

describe('switching accounts on the desktop (standalone)', { timeout: 600_000 }, () => {
  let community;

  before(async () => {
    ({ server, browser, page } = await openApp());
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body.features;
    community = grids.filter((f) => f.properties.level === 'community')
      .sort((a, b) => a.properties.code.localeCompare(b.properties.code))[2];
    const made = await postFromPage(page, '/api/accounts', {
      login: COMMANDER.login, name: COMMANDER.name, role: 'commander',
      community: community.properties.code, password: COMMANDER.password,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the window is the local dispatcher, with no login page', async () => {
    assert.equal(await loginPage().count(), 0);
    assert.equal(await page.locator('[data-testid="account-name"]').innerText(), '本机调度员');
    assert.equal(await page.locator('[data-testid="logout"]').count(), 0, 'the launch key cannot sign out');
    assert.ok((await drawnCommunities()).length > 1, 'the whole street is drawn');
  });

  test('切换账号 shows a commander\'s view, 退出登录 returns to the local dispatcher', async () => {
    await page.evaluate(() => { window.accountsTestPage = true; });
    await page.locator('[data-testid="switch-account"]').click();
    await loginPage().waitFor({ timeout: 10_000 });
    assert.equal(await loginPage().getAttribute('data-reason'), 'switch');
    assert.equal(await page.locator('.app.locked').count(), 0, 'the workspace stays behind the form');
    // Cancelling keeps the local dispatcher.
    await page.locator('[data-testid="login-cancel"]').click();
    await loginPage().waitFor({ state: 'detached', timeout: 10_000 });

    await page.locator('[data-testid="switch-account"]').click();
    await signIn(COMMANDER);
    await page.locator('[data-testid="account-name"]', { hasText: COMMANDER.name }).waitFor({ timeout: 30_000 });
    await page.waitForFunction((code) => {
      const drawn = window.binheMap.queryRenderedFeatures({ layers: ['community-fill'] });
      return drawn.length > 0 && drawn.every((f) => f.properties.community === code);
    }, community.properties.code, { timeout: 30_000, polling: 250 });
    assert.deepEqual(await drawnCommunities(), [community.properties.code]);
    assert.equal(await page.locator('[data-testid="account-community"]').innerText(), community.properties.name);
    assert.equal(await page.locator('[data-testid="import-open"]').count(), 0);
    await screenshot(page, 'accounts-07-standalone-commander');

    await page.locator('[data-testid="logout"]').click();
    await page.locator('[data-testid="account-name"]', { hasText: '本机调度员' }).waitFor({ timeout: 30_000 });
    assert.equal(await loginPage().count(), 0, 'no login page on the desktop');
    await page.waitForFunction(() => new Set(window.binheMap
      .queryRenderedFeatures({ layers: ['community-fill'] })
      .map((f) => f.properties.community)).size > 1, null, { timeout: 30_000, polling: 250 });
    assert.equal(await page.locator('[data-testid="import-open"]').count(), 1);
    assert.ok(await page.evaluate(() => window.accountsTestPage), 'the page was not reloaded');
    assert.deepEqual(offLoopback(browser), [], 'no request left the machine');
  });
});
