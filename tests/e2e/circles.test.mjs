// 三圈议事 in a real browser against a demo-mode binhe-server: the board's 三圈议事 tab lists the
// seed's three meetings of the 居民议事厅 as the API keeps them; 渔阳大厦's roof was shared equally
// among its six merchants, 5,000.00 each, all paid; a share of 承平园's sewage works marked paid
// changes the totals and is still paid after a reload; the 费用分摊公示 is all that prints, on one
// A4 page; a member with a wrong phone is refused at the phone field and kept once it is right,
// then leaves the circle; a meeting whose agreed amounts miss the total is refused at the total
// and kept once they add up; the dashboard's 三圈解决 counts the cases the API counts and opens
// their meeting; the street desk sees residents masked (李**) and 承平园's commander sees them
// in full. Nothing leaves loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 circles.test.mjs
//
// Screenshots go to tests/e2e/artifacts/circles-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getOk, offLoopback, openApp, screenshot, switchToCommander,
} from './harness.mjs';

const COMMANDER = { login: 'e2e-circles-commander', name: '承平园指挥长', password: 'circles-command-2026' };
const TOPICS = {
  chengpingyuan: '底商排水管道改造及费用分摊标准',
  yuyang: '渔阳大厦屋面漏水维修费用由谁出',
  jianxi: '建西小区“六个点”道路修复共建',
};

let server;
let browser;
let page;
let chengpingyuan;
let courtyard;

const api = (path) => getOk(page, path);
const testid = (id) => page.locator(`[data-testid="${id}"]`);
const within = (parent, id) => parent.locator(`[data-testid="${id}"]`);
const meetingRow = (topic) => page.locator('[data-testid="deliberation-row"]', { hasText: topic });
const detail = () => testid('deliberation-detail');
const yuan = (fen) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** This Beijing month as the API spells it: `2026-12`. */
function beijingMonth() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function openTab() {
  if (!(await testid('kpi-board').isVisible())) await testid('kpi-open').click();
  await testid('kpi-tab-circles').click();
  await testid('circles').waitFor({ timeout: 60_000 });
}

/** Opens the meeting of `topic` in the tab and waits for its detail. */
async function openMeeting(topic) {
  await testid('circles-pane-meetings').click();
  await meetingRow(topic).click();
  await detail().filter({ hasText: topic }).waitFor({ timeout: 30_000 });
}

/** The seed's meeting of `topic`, as the API keeps it. */
async function seeded(topic) {
  const list = await api('/api/deliberations');
  const found = list.deliberations.find((d) => d.topic === topic);
  assert.ok(found, `the demo street keeps the meeting ${topic}`);
  return found;
}

describe('三圈议事', { timeout: 900_000 }, () => {
  before(async () => {
    ({ server, browser, page } = await openApp({ extraArgs: ['--demo-feed'], pauseFeed: true }));
    const grids = (await api('/api/grids.geojson')).features;
    chengpingyuan = grids.find((f) => f.properties.level === 'community' && f.properties.name === '承平园社区');
    assert.ok(chengpingyuan, 'the demo street has 承平园社区');
    courtyard = grids.find((f) => f.properties.level === 'micro' && f.properties.name === '承平园小区1号院');
    assert.ok(courtyard, 'the demo street has 承平园小区1号院');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the tab lists the seed\'s three meetings as the API keeps them', async () => {
    await openTab();
    const list = await api('/api/deliberations');
    assert.ok(list.total >= 3, JSON.stringify({ total: list.total }));
    for (const topic of Object.values(TOPICS)) {
      assert.ok(list.deliberations.some((d) => d.topic === topic), `the API keeps ${topic}`);
    }
    const rows = testid('deliberation-row');
    await rows.nth(list.deliberations.length - 1).waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), list.deliberations.length);
    // Newest first, as the API answers.
    const ids = await rows.evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
    assert.deepEqual(ids, list.deliberations.map((d) => d.id));
    const summary = await testid('circles-summary').innerText();
    assert.ok(summary.includes(`议事 ${list.total} 次`), summary);
    assert.ok(summary.includes(`三圈解决 ${list.solved} 件`), summary);
    for (const topic of Object.values(TOPICS)) await meetingRow(topic).waitFor();
    assert.equal(await meetingRow(TOPICS.yuyang).getAttribute('data-solved'), 'true');
    assert.equal(await meetingRow(TOPICS.jianxi).getAttribute('data-solved'), 'true');
    assert.equal(await meetingRow(TOPICS.chengpingyuan).getAttribute('data-solved'), 'false');
    assert.match(await meetingRow(TOPICS.chengpingyuan).innerText(), /已缴 2\/5/);
    await screenshot(page, 'circles-01-meetings');
  });

  test('渔阳大厦\'s roof: six equal shares of 5,000.00, all paid, solved', async () => {
    const yuyang = await seeded(TOPICS.yuyang);
    await openMeeting(TOPICS.yuyang);
    const shares = within(detail(), 'share-row');
    assert.equal(await shares.count(), 6);
    const amounts = await shares.evaluateAll((rows) => rows.map((r) => [
      r.querySelector('[data-field="amount"]').innerText, r.dataset.paid,
    ]));
    assert.deepEqual(amounts, Array(6).fill(['5,000.00', 'true']));
    const totals = within(detail(), 'share-totals');
    assert.equal(await totals.innerText(), '已缴 6/6 · ¥30,000.00 / ¥30,000.00');
    assert.equal(yuyang.sharing.rule, 'equal');
    assert.match(await detail().locator('[data-field="sharing"]').innerText(), /30,000\.00.*平均分摊/);
    assert.equal(await detail().getAttribute('data-solved'), 'true');
    await within(detail(), 'solved-badge').waitFor();
    assert.equal(await within(detail(), 'solved-toggle').innerText(), '取消已解决');
    assert.match(await detail().locator('[data-field="votes"]').innerText(), /赞成 11 · 反对 0 · 弃权 1/);
    assert.ok((await detail().locator('[data-field="decision"]').innerText()).includes('6 家商户平均分摊'));
    await screenshot(page, 'circles-02-yuyang');

    // Its ticket opens on the ticket card, as the diary's does.
    assert.ok(yuyang.ticket, 'the meeting names the request that raised it');
    await within(detail(), 'deliberation-ticket').click();
    await testid('kpi-close').click();
    await page.locator(`[data-testid="ticket-card"][data-ticket-id="${yuyang.ticket}"]`).waitFor({ timeout: 30_000 });
    if (await testid('ticket-card-close').isVisible()) await testid('ticket-card-close').click();
  });

  test('承平园: a share marked paid changes the totals and is still paid after a reload', async () => {
    const before = await seeded(TOPICS.chengpingyuan);
    assert.equal(before.sharing.rule, 'by_area');
    assert.equal(before.sharing.total_fen, 2_400_000);
    assert.equal(before.sharing.paid, 2);
    await openTab();
    await openMeeting(TOPICS.chengpingyuan);
    const shares = within(detail(), 'share-row');
    assert.equal(await shares.count(), 5);
    // Each share as the API reckoned it by area.
    for (const share of before.sharing.shares) {
      const row = detail().locator(`[data-testid="share-row"][data-member="${share.member.id}"]`);
      assert.equal(await row.locator('[data-field="amount"]').innerText(), yuan(share.amount_fen));
      assert.match(await row.locator('[data-field="basis"]').innerText(), new RegExp(`${share.basis.area_m2} ㎡`));
    }
    const totals = within(detail(), 'share-totals');
    const paidFen = before.sharing.paid_fen;
    assert.equal(await totals.innerText(), `已缴 2/5 · ¥${yuan(paidFen)} / ¥24,000.00`);

    const unpaid = before.sharing.shares.find((s) => !s.paid_at);
    const row = detail().locator(`[data-testid="share-row"][data-member="${unpaid.member.id}"]`);
    await row.locator('[data-testid="share-paid"]').click();
    await detail().locator('[data-testid="share-totals"][data-paid="3"]').waitFor({ timeout: 30_000 });
    const nowPaid = paidFen + unpaid.amount_fen;
    assert.equal(await within(detail(), 'share-totals').innerText(), `已缴 3/5 · ¥${yuan(nowPaid)} / ¥24,000.00`);
    assert.equal(await row.getAttribute('data-paid'), 'true');
    const kept = await api(`/api/deliberations/${before.id}`);
    assert.equal(kept.sharing.paid, 3);
    assert.equal(kept.sharing.paid_fen, nowPaid);
    assert.ok(kept.sharing.shares.find((s) => s.member.id === unpaid.member.id).paid_at);
    assert.match(await meetingRow(TOPICS.chengpingyuan).innerText(), /已缴 3\/5/);

    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 });
    await openTab();
    await openMeeting(TOPICS.chengpingyuan);
    await detail().locator('[data-testid="share-totals"][data-paid="3"]').waitFor({ timeout: 30_000 });
    assert.equal(
      await detail().locator(`[data-testid="share-row"][data-member="${unpaid.member.id}"]`).getAttribute('data-paid'),
      'true',
    );

    // Agreed but not solved yet: marked solved, then not after all.
    assert.equal(await detail().getAttribute('data-solved'), 'false');
    const toggle = within(detail(), 'solved-toggle');
    assert.equal(await toggle.innerText(), '标记为已解决');
    await toggle.click();
    await page.locator('[data-testid="deliberation-detail"][data-solved="true"]').waitFor({ timeout: 30_000 });
    assert.ok((await api(`/api/deliberations/${before.id}`)).solved_at, 'solved on the record');
    await within(detail(), 'solved-toggle').click();
    await page.locator('[data-testid="deliberation-detail"][data-solved="false"]').waitFor({ timeout: 30_000 });
    assert.equal((await api(`/api/deliberations/${before.id}`)).solved_at, null);
    await screenshot(page, 'circles-03-chengpingyuan-paid');
  });

  test('the 费用分摊公示 is all that prints, on one A4 page', async () => {
    const meeting = await seeded(TOPICS.chengpingyuan);
    // Headless Chromium would start a print job of its own (and refuse page.pdf while it runs):
    // the button's call of window.print() is counted instead, and the PDF below is the print.
    await page.evaluate(() => {
      window.print = () => { window.binhePrinted = (window.binhePrinted ?? 0) + 1; };
    });
    await within(detail(), 'print-open').click();
    const notice = testid('print-notice');
    await notice.waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => window.binhePrinted === 1, null, { timeout: 30_000 });
    const text = await notice.innerText();
    for (const part of ['费用分摊公示', '承平园社区', TOPICS.chengpingyuan, meeting.decision, '社区居委会（盖章）', '公示日期', '24,000.00']) {
      assert.ok(text.includes(part), `the notice says ${part}:\n${text}`);
    }
    assert.equal(await within(notice, 'notice-row').count(), 5);
    for (const share of meeting.sharing.shares) {
      assert.ok(text.includes(share.member.name) && text.includes(yuan(share.amount_fen)), share.member.name);
    }
    await screenshot(page, 'circles-04-notice-screen');

    await page.emulateMedia({ media: 'print' });
    try {
      assert.equal(await notice.isVisible(), true);
      assert.equal(await page.locator('.header').isVisible(), false);
      assert.equal(await page.locator('[data-testid="map"]').isVisible(), false);
      assert.equal(await page.locator('.board-head').isVisible(), false);
      assert.equal(await page.locator('.circles-screen').isVisible(), false);
      assert.equal(await testid('print-notice-print').isVisible(), false);
      // Nothing else shows on the printed page: every visible leaf is inside the notice.
      const outside = await page.evaluate(() => [...document.body.querySelectorAll('*')]
        .filter((e) => e.children.length === 0 && e.getClientRects().length > 0 && e.offsetParent !== null)
        .filter((e) => !e.closest('[data-testid="print-notice"]') && (e.innerText || '').trim() !== '')
        .map((e) => e.outerHTML.slice(0, 120)));
      assert.deepEqual(outside, []);
      await screenshot(page, 'circles-05-notice-print');
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      const raw = pdf.toString('latin1');
      const pages = raw.match(/\/Type\s*\/Page[^s]/g) ?? [];
      assert.equal(pages.length, 1, 'the notice fits one page');
      const box = raw.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
      assert.ok(box, 'the page has its size');
      // A4: 210 × 297 mm = 595 × 842 pt.
      assert.ok(Math.abs(Number(box[1]) - 595) < 2 && Math.abs(Number(box[2]) - 842) < 2, box[0]);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    await testid('print-notice-close').click();
    await notice.waitFor({ state: 'detached', timeout: 30_000 });
  });

  test('a member with a wrong phone is refused at the phone field, kept once it is right, and leaves', async () => {
    await testid('kpi-scope').selectOption(chengpingyuan.properties.code);
    await testid('circles-pane-members').click();
    const before = await api(`/api/circles?community=${chengpingyuan.properties.code}`);
    const merchantsBefore = before.counts.find((c) => c.circle === 'merchants').members;
    await page.locator(`[data-testid="circle-chip-merchants"][data-count="${merchantsBefore}"]`).waitFor({ timeout: 30_000 });
    const rows = testid('circle-member-row');
    await rows.nth(before.members.length - 1).waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), before.members.length);

    // The desk sees a resident masked, with no phone, and is told why.
    const resident = before.members.find((m) => m.circle === 'neighbours');
    assert.ok(resident, '承平园 has residents in its circle');
    assert.equal(resident.personal, false);
    assert.match(resident.name, /^.\*+$/, resident.name);
    const residentRow = page.locator(`[data-testid="circle-member-row"][data-id="${resident.id}"]`);
    assert.equal(await residentRow.locator('[data-field="name"]').innerText(), resident.name);
    assert.equal(await residentRow.locator('[data-field="phone"]').innerText(), '');
    assert.equal(await residentRow.getAttribute('data-personal'), 'false');
    await testid('circles-masked').waitFor();
    assert.match(await testid('circles-masked').innerText(), /个人信息已隐去/);

    // By circle.
    await testid('circle-chip-merchants').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="circle-member-row"]').length === n,
      merchantsBefore, { timeout: 30_000 });
    const circles = await rows.evaluateAll((els) => [...new Set(els.map((e) => e.dataset.circle))]);
    assert.deepEqual(circles, ['merchants']);

    await testid('circles-new-member').click();
    const form = testid('member-form');
    await form.waitFor();
    await form.locator('[data-input="circle"]').selectOption('merchants');
    await form.locator('[data-input="community"]').selectOption(chengpingyuan.properties.code);
    await form.locator(`[data-input="micro"] option[value="${courtyard.properties.code}"]`).waitFor({ state: 'attached' });
    await form.locator('[data-input="micro"]').selectOption(courtyard.properties.code);
    await form.locator('[data-input="name"]').fill('承平园五金店');
    await form.locator('[data-input="contact"]').fill('钱立新');
    await form.locator('[data-input="phone"]').fill('138-电话');
    await form.locator('[data-input="address"]').fill('承平园小区1号院底商6号');
    await form.locator('[data-input="area_m2"]').fill('75');
    await testid('member-save').click();
    const phoneError = form.locator('.field-error[data-problem-field="phone"]');
    await phoneError.waitFor({ timeout: 30_000 });
    assert.equal(await phoneError.getAttribute('data-problem-code'), 'INVALID_PHONE');
    assert.doesNotMatch(await phoneError.innerText(), /INVALID_PHONE/, 'the code is for the tooltip, not the text');
    // At the phone field, not somewhere else.
    assert.equal(await form.locator('label:has([data-input="phone"]) .field-error').count(), 1);
    assert.equal(await form.locator('.field-error').count(), 1);
    await screenshot(page, 'circles-06-member-phone-refused');

    await form.locator('[data-input="phone"]').fill('138 0000 0199');
    await testid('member-save').click();
    await form.waitFor({ state: 'detached', timeout: 30_000 });
    const added = page.locator('[data-testid="circle-member-row"]', { hasText: '承平园五金店' });
    await added.waitFor({ timeout: 30_000 });
    const after = await api(`/api/circles?community=${chengpingyuan.properties.code}`);
    const kept = after.members.find((m) => m.name === '承平园五金店');
    assert.ok(kept, 'the member is kept');
    assert.equal(kept.circle, 'merchants');
    assert.equal(kept.micro?.code, courtyard.properties.code);
    assert.equal(kept.area_m2, 75);
    assert.equal(after.counts.find((c) => c.circle === 'merchants').members, merchantsBefore + 1);
    await page.locator(`[data-testid="circle-chip-merchants"][data-count="${merchantsBefore + 1}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await added.locator('[data-field="area"]').innerText(), '75');
    await screenshot(page, 'circles-07-members');

    // 移出: asked once more, then gone from the list (and kept as having left).
    await added.locator('[data-testid="member-remove"]').click();
    await added.locator('[data-testid="member-remove-confirm"]').click();
    await added.waitFor({ state: 'detached', timeout: 30_000 });
    const left = await api(`/api/circles?community=${chengpingyuan.properties.code}`);
    assert.equal(left.members.some((m) => m.id === kept.id), false);
    await page.locator(`[data-testid="circle-chip-merchants"][data-count="${merchantsBefore}"]`).waitFor({ timeout: 30_000 });
  });

  test('a meeting whose agreed amounts miss the total is refused at the total, then kept', async () => {
    await testid('circles-new-meeting').click();
    const form = testid('meeting-form');
    await form.waitFor();
    await form.locator('[data-input="community"]').selectOption(chengpingyuan.properties.code);
    await form.locator('[data-input="micro"]').selectOption(courtyard.properties.code);
    await form.locator('[data-input="topic"]').fill('1号院底商门前照明改造');
    await form.locator('[data-input="place"]').fill('承平园社区居民议事厅');
    const shops = ['承平园便民超市', '承平园洗衣店'];
    const participants = form.locator('[data-testid="meeting-participants"]');
    for (const shop of shops) {
      const box = participants.locator('label', { hasText: shop }).locator('[data-testid="meeting-participant"]');
      await box.waitFor({ timeout: 30_000 });
      await box.check();
    }
    await form.locator('[data-input="attendees"]').fill('6');
    await form.locator('[data-input="votes-for"]').fill('5');
    await form.locator('[data-input="votes-against"]').fill('0');
    await form.locator('[data-input="votes-abstain"]').fill('1');
    await form.locator('[data-input="minutes"]').fill('两家底商提出门前照明不足，夜间顾客与居民出行不便。');
    await form.locator('[data-input="decision"]').fill('更换门前路灯 4 盏，费用 3,000 元由两家商户按约定金额承担。');
    await form.locator('[data-input="sharing"]').check();
    await form.locator('[data-testid="meeting-sharing"]').waitFor();
    await form.locator('[data-input="item"]').fill('底商门前路灯更换');
    await form.locator('[data-input="total"]').fill('三千');
    await form.locator('[data-testid="share-total-unreadable"]').waitFor();
    await form.locator('[data-input="total"]').fill('¥3,000');
    assert.equal(await form.locator('[data-testid="share-total-unreadable"]').count(), 0);
    await form.locator('[data-input="rule"]').selectOption('agreed');
    const sharer = (shop) => form.locator('[data-testid="meeting-sharer"]', { hasText: shop });
    for (const shop of shops) await sharer(shop).locator('[data-input="sharer"]').check();
    await sharer(shops[0]).locator('[data-input="sharer-agreed"]').fill('1000');
    await sharer(shops[1]).locator('[data-input="sharer-agreed"]').fill('1500');
    const previewError = form.locator('[data-testid="share-preview-error"]');
    await previewError.waitFor();
    assert.match(await previewError.innerText(), /2500\.00.*3000\.00/);

    await testid('meeting-save').click();
    const totalError = form.locator('.field-error[data-problem-field="total_fen"]');
    await totalError.waitFor({ timeout: 30_000 });
    assert.equal(await form.locator('label:has([data-input="total"]) .field-error[data-problem-field="total_fen"]').count(), 1);
    await screenshot(page, 'circles-08-meeting-refused');

    await sharer(shops[1]).locator('[data-input="sharer-agreed"]').fill('2,000');
    await previewError.waitFor({ state: 'detached' });
    assert.equal(await sharer(shops[0]).locator('[data-field="share"]').innerText(), '1,000.00');
    assert.equal(await sharer(shops[1]).locator('[data-field="share"]').innerText(), '2,000.00');
    await screenshot(page, 'circles-09-meeting-form');
    await testid('meeting-save').click();
    await form.waitFor({ state: 'detached', timeout: 30_000 });
    await detail().filter({ hasText: '1号院底商门前照明改造' }).waitFor({ timeout: 30_000 });
    await meetingRow('1号院底商门前照明改造').waitFor({ timeout: 30_000 });
    const list = await api(`/api/deliberations?community=${chengpingyuan.properties.code}`);
    const kept = list.deliberations.find((d) => d.topic === '1号院底商门前照明改造');
    assert.ok(kept, 'the meeting is kept');
    assert.equal(kept.outcome, 'agreed');
    assert.equal(kept.micro?.code, courtyard.properties.code);
    assert.deepEqual(kept.votes, { for: 5, against: 0, abstain: 1 });
    assert.equal(kept.participants.length, 2);
    assert.equal(kept.sharing.rule, 'agreed');
    assert.equal(kept.sharing.total_fen, 300_000);
    assert.deepEqual(kept.sharing.shares.map((s) => s.amount_fen), [100_000, 200_000]);
    assert.equal(await detail().getAttribute('data-id'), String(kept.id));
    assert.equal(await within(detail(), 'share-row').count(), 2);
    assert.equal(await within(detail(), 'share-totals').innerText(), '已缴 0/2 · ¥0.00 / ¥3,000.00');
    await screenshot(page, 'circles-10-meeting-kept');
  });

  test('the dashboard\'s 三圈解决 counts the cases the API counts and opens their meeting', async () => {
    await testid('kpi-scope').selectOption('');
    await testid('kpi-tab-dashboard').click();
    const dashboard = await api(`/api/kpi/dashboard?month=${beijingMonth()}`);
    const tile = page.locator('.kpi-tile[data-kpi="circles"]');
    await tile.waitFor({ timeout: 60_000 });
    assert.equal(await tile.locator('[data-testid="kpi-value"]').innerText(), String(dashboard.circles.solved));
    assert.ok(dashboard.circles.solved >= 1, '建西\'s roads were solved a day ago, in this month');
    const cases = tile.locator('[data-testid="kpi-circle-case"]');
    assert.equal(await cases.count(), dashboard.circles.cases.length);
    for (const c of dashboard.circles.cases) {
      const item = tile.locator(`[data-testid="kpi-circle-case"][data-id="${c.id}"]`);
      const text = await item.innerText();
      assert.ok(text.includes(c.topic), text);
      if (c.ticket) assert.ok(text.includes(`#${c.ticket}`), text);
    }
    assert.ok(dashboard.circles.cases.some((c) => c.topic === TOPICS.jianxi));
    const definition = dashboard.definitions.find((d) => d.key === 'circles');
    assert.ok(definition, 'the API defines 三圈解决');
    const title = await tile.getAttribute('title');
    assert.ok(title.includes(definition.label_zh) && title.includes(definition.definition_zh), title);
    await screenshot(page, 'circles-11-dashboard');

    const first = dashboard.circles.cases[0];
    await tile.locator(`[data-testid="kpi-circle-case"][data-id="${first.id}"]`).click();
    await page.locator(`[data-testid="deliberation-detail"][data-id="${first.id}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="kpi-board"]').getAttribute('data-view'), 'circles');
  });

  test('承平园\'s commander sees their residents in full, where the desk saw them masked', async () => {
    const desk = await api(`/api/circles?community=${chengpingyuan.properties.code}`);
    const masked = desk.members.filter((m) => m.circle === 'neighbours');
    assert.ok(masked.length > 0 && masked.every((m) => !m.personal && m.phone === null));
    await switchToCommander(page, COMMANDER, chengpingyuan.properties.code);
    const own = await api('/api/circles');
    assert.equal(own.members.length, desk.members.length, 'the commander\'s circles are their community\'s');
    const residents = own.members.filter((m) => m.circle === 'neighbours');
    assert.ok(residents.every((m) => m.personal && m.phone), JSON.stringify(residents));
    assert.ok(residents.some((m) => m.name === '李秀兰'), 'the seed\'s resident by name');

    await openTab();
    assert.equal(await testid('kpi-scope').count(), 0, 'a commander has no scope to choose');
    await testid('circles-pane-members').click();
    const li = page.locator('[data-testid="circle-member-row"]', { hasText: '李秀兰' });
    await li.waitFor({ timeout: 30_000 });
    assert.equal(await li.getAttribute('data-personal'), 'true');
    const seen = residents.find((m) => m.name === '李秀兰');
    assert.equal(await li.locator('[data-field="phone"]').innerText(), seen.phone);
    assert.equal(await li.locator('[data-field="address"]').innerText(), seen.address);
    await li.locator('[data-testid="party-badge"]').waitFor();
    assert.equal(await testid('circles-masked').count(), 0, 'nothing masked for the commander');
    await screenshot(page, 'circles-12-commander-members');

    // Their meetings only: 承平园's.
    await testid('circles-pane-meetings').click();
    const meetings = await api('/api/deliberations');
    await testid('deliberation-row').nth(meetings.deliberations.length - 1).waitFor({ timeout: 30_000 });
    assert.equal(await testid('deliberation-row').count(), meetings.deliberations.length);
    assert.ok(meetings.deliberations.every((d) => d.community.code === chengpingyuan.properties.code));
    await meetingRow(TOPICS.chengpingyuan).waitFor();
    assert.equal(await meetingRow(TOPICS.yuyang).count(), 0);
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
