// Errors in the words of the person who reads them (issue 18, item 8): what the server refuses
// is said in Chinese beside the field it is about, with the English code only in the tooltip
// and the element's data; required fields are marked before anyone sends; a greyed 确定 says
// what is missing; the new-account form names every wrong field at once.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test plain_errors.test.mjs
//
// Screenshots go to tests/e2e/artifacts/plain-errors-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fetchFromPage, launchBrowser, offLoopback, openApp, pointInside, postFromPage, screenshot, startCenter,
} from './harness.mjs';

const ADMIN = { login: 'e2e-admin', name: '孙管理', password: 'admin-pass-2026' };

let server;
let browser;
let page;

/** Text a person reads: no error code and no English field name in it. */
function assertPlain(text, what) {
  assert.doesNotMatch(text, /[A-Z]{2,}_[A-Z_]+/, `${what} shows no error code: ${text}`);
  assert.doesNotMatch(text, /\b(description|external_id|login|password|name|reason)\b/, `${what} names no field in English: ${text}`);
}

/** The labels marked required in `scope`, as their texts. */
const requiredLabels = (scope) => scope.locator('.form-label.required').allInnerTexts();

describe('errors a person can read', { timeout: 600_000 }, () => {
  before(async () => {
    ({ server, browser, page } = await openApp());
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (browser) assert.deepEqual(offLoopback(browser), [], 'no request left loopback');
  });

  test('the intake form marks what it needs and names a missing field in Chinese', async () => {
    await page.locator('[data-testid="intake-open"]').click();
    const form = page.locator('[data-testid="intake-form"]');
    await form.waitFor({ timeout: 30_000 });
    await form.locator('[data-input="channel"]').selectOption('hotline');
    const marked = await requiredLabels(form);
    for (const label of ['来源渠道', '问题类别', '问题描述', '工单编号']) {
      assert.ok(marked.some((m) => m.includes(label)), `${label} is marked required: ${marked}`);
    }
    // A patrol's report has no order number to give.
    await form.locator('[data-input="channel"]').selectOption('patrol');
    assert.ok(!(await requiredLabels(form)).some((m) => m.includes('工单编号')), '工单编号 is optional for a patrol');
    await form.locator('[data-input="channel"]').selectOption('hotline');

    await form.locator('[data-input="description"]').fill('');
    await page.locator('[data-testid="intake-submit"]').click();
    const missing = form.locator('.field-error[data-problem-field="description"]');
    await missing.waitFor({ timeout: 30_000 });
    const text = await missing.innerText();
    assert.equal(text.trim(), '请填写问题描述');
    assertPlain(text, 'the description error');
    assert.equal(await missing.getAttribute('data-problem-code'), 'MISSING_FIELD');
    assert.match(await missing.getAttribute('title'), /错误代码：MISSING_FIELD/, 'the code is in the tooltip');
    const order = form.locator('.field-error[data-problem-field="external_id"]');
    assert.equal((await order.innerText()).trim(), '请填写工单编号');
    await screenshot(page, 'plain-errors-01-intake');
    await page.locator('[data-testid="intake-close"]').click();
  });

  test('上交 marks its reason required and says why 确定 is greyed', async () => {
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body.features;
    const [lon, lat] = pointInside(grids.find((f) => f.properties.level === 'micro'));
    const made = await postFromPage(page, '/api/tickets', {
      channel: 'resident', category: 'noise', description: '夜间施工噪音扰民', lon, lat,
      reporter_name: '李女士', reporter_phone: '13800000000', urgency: 'normal',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = String(made.body.ticket.id);
    const row = page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    // 上交 comes once the request is registered (受理).
    await card.locator('[data-testid="ticket-actions"] button[data-action="register"]').click();
    await card.locator('[data-testid="action-form"][data-action="register"] [data-testid="action-submit"]').click();
    await card.locator('[data-testid="ticket-actions"] button[data-action="escalate"]').click({ timeout: 30_000 });
    const form = card.locator('[data-testid="action-form"][data-action="escalate"]');
    await form.waitFor({ timeout: 15_000 });
    assert.ok((await requiredLabels(form)).some((m) => m.includes('原因')), 'the reason is marked required');
    const submit = form.locator('[data-testid="action-submit"]');
    assert.equal(await submit.isDisabled(), true);
    assert.equal((await form.locator('[data-testid="action-missing"]').innerText()).trim(), '请填写原因');
    await screenshot(page, 'plain-errors-02-escalate');
    await form.locator('[data-input="text"]').fill('涉及多个社区，需街道协调');
    await form.locator('[data-testid="action-missing"]').waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal(await submit.isDisabled(), false, 'filled in, 确定 can be pressed');
    await form.locator('.btn.quiet').click();
  });

  test('the new-account form names every wrong field at once, in Chinese', async () => {
    // Accounts are a center's: its administrator signs in there.
    const center = await startCenter([{ ...ADMIN, role: 'administrator' }]);
    const other = await launchBrowser();
    try {
      await accountsForm(other.page, center);
    } finally {
      await other.close();
      await center.stop();
      assert.deepEqual(offLoopback(other), [], 'no request left loopback');
    }
  });
});

async function accountsForm(page, center) {
    await page.goto(center.url, { waitUntil: 'load' });
    await page.locator('[data-testid="login-page"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="login-login"]').fill(ADMIN.login);
    await page.locator('[data-testid="login-password"]').fill(ADMIN.password);
    await page.locator('[data-testid="login-terminal"]').fill('管理终端（测试）');
    await page.locator('[data-testid="login-submit"]').click();
    await page.locator('[data-testid="account-menu"]').click({ timeout: 60_000 });
    await page.locator('[data-testid="accounts-open"]').click();
    const form = page.locator('[data-testid="account-form"]');
    await form.waitFor({ timeout: 30_000 });
    const marked = await requiredLabels(form);
    assert.ok(marked.length >= 4, `login, name, role and password are marked required: ${marked}`);
    await form.locator('[data-input="login"]').fill('local-dispatcher');
    await form.locator('[data-input="name"]').fill('');
    await form.locator('[data-input="password"]').fill('short');
    await page.locator('[data-testid="account-create"]').click();
    const errors = form.locator('.field-error');
    await form.locator('.field-error[data-problem-field="password"]').waitFor({ timeout: 30_000 });
    const byField = Object.fromEntries(await errors.evaluateAll((list) => list.map((e) => [e.dataset.problemField, e.innerText])));
    assert.deepEqual(Object.keys(byField).sort(), ['login', 'name', 'password'], JSON.stringify(byField));
    assert.match(byField.login, /本机调度员/);
    assert.equal(byField.name.trim(), '请填写姓名');
    assert.match(byField.password, /密码须为 \d+–\d+ 个字符/);
    for (const [field, text] of Object.entries(byField)) {
      assert.doesNotMatch(text, /BAD_REQUEST/, `${field}: no code`);
    }
    assert.equal(await form.locator('[data-testid="account-form-error"]').count(), 0, 'nothing left over for the whole form');
    await screenshot(page, 'plain-errors-03-accounts');
}
