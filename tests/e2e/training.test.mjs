// 演练 in a real browser against a training server (`binhe-server serve --center --training
// rainstorm`): the trainer (the administrator) signs in and finds the 演练控制台 open, the run not
// started; started at 300× the story's clock moves, and it pauses; a speed out of range is refused
// with the server's message, a preset sets one; an incident missing its name and micro-grids is
// refused at those fields, a new one (grid found by search) and one of the scenario's brought
// forward are listed as injected; a dispatcher on a second browser sees the banner with the same
// story clock, and no console; played on to past the scripted roof leak (dispatched by the
// dispatcher) and ended, the 复盘 shows a card per trainee as the API scores them, and prints
// alone on A4. Nothing leaves loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 training.test.mjs
//
// Screenshots go to tests/e2e/artifacts/training-*.png, the printed debrief to training-debrief.pdf.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactsDir, callApi, launchBrowser, offLoopback, poll, screenshot, sessionToken, startCenter,
} from './harness.mjs';

const TRAINER = { login: 'e2e-trainer', name: '培训师', password: 'pw-滨河-123456' };
const DISPATCHER = { login: 'e2e-disp', name: '学员调度', password: 'pw-调度-123456' };
const COMMANDER = { login: 'e2e-cmd', name: '学员指挥', password: 'pw-指挥-123456' };
const INCIDENT = 'e2e 燃气泄漏';

let server;
let trainerToken;
let dispatcherToken;
let trainerBrowser;
let dispatcherBrowser;
let page;
let desk;

const testid = (p, id) => p.locator(`[data-testid="${id}"]`);
const status = async (token = trainerToken) => {
  const r = await callApi(server, token, 'GET', '/api/training');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const debrief = async () => {
  const r = await callApi(server, trainerToken, 'GET', '/api/training/debrief');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
/** Waits until the banner on `p` says the run is `state`. */
const bannerState = (p, state) =>
  p.locator(`[data-testid="training-banner"][data-state="${state}"]`).waitFor({ timeout: 30_000 });

/** Opens the app in `browser`, signs `who` in and waits until the map is ready. */
async function signIn(browser, who) {
  const p = browser.page;
  await p.goto(server.url, { waitUntil: 'load' });
  await testid(p, 'login-page').waitFor({ timeout: 60_000 });
  await testid(p, 'login-login').fill(who.login);
  await testid(p, 'login-password').fill(who.password);
  await testid(p, 'login-submit').click();
  await p.waitForFunction(() => window.binheReady === true, null, { timeout: 120_000, polling: 250 })
    .catch((e) => {
      throw new Error(`${e.message}\nbrowser problems:\n${browser.problems.join('\n')}`);
    });
  return p;
}

describe('a training run: console, banner and debrief', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startCenter([
      { ...TRAINER, role: 'administrator' },
      { ...DISPATCHER, role: 'dispatcher' },
    ], { extraArgs: ['--training', 'rainstorm'] });
    trainerToken = await sessionToken(server, TRAINER);
    dispatcherToken = await sessionToken(server, DISPATCHER);
    // The commander of the community the storm floods, made by the trainer.
    const grids = (await callApi(server, trainerToken, 'GET', '/api/grids.geojson')).body.features;
    const jiuhewan = grids.find((f) => f.properties.level === 'community' && f.properties.name === '泃河湾社区');
    assert.ok(jiuhewan, 'the street has 泃河湾社区');
    const made = await callApi(server, trainerToken, 'POST', '/api/accounts', {
      login: COMMANDER.login, name: COMMANDER.name, role: 'commander',
      community: jiuhewan.properties.code, password: COMMANDER.password,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    trainerBrowser = await launchBrowser();
  });

  after(async () => {
    await dispatcherBrowser?.close();
    await trainerBrowser?.close();
    await server?.stop();
  });

  test('the trainer signs in and finds the console open, the run not started', async () => {
    page = await signIn(trainerBrowser, TRAINER);
    const run = await status();
    assert.equal(run.available, true);
    assert.equal(run.trainer, true);
    assert.equal(run.state, 'ready');
    await bannerState(page, 'ready');
    const banner = testid(page, 'training-banner');
    assert.match(await banner.innerText(), /演练[\s\S]*汛期暴雨[\s\S]*17:00[\s\S]*未开始[\s\S]*1×/);
    assert.equal(await testid(page, 'training-clock').innerText(), run.clock);
    await testid(page, 'training-console').waitFor({ timeout: 30_000 });
    assert.equal(await testid(page, 'training-start-speed').inputValue(), '1');
    await testid(page, 'training-not-started').waitFor();
    const rows = testid(page, 'training-incident');
    assert.equal(await rows.count(), run.incidents.length);
    assert.ok(run.incidents.length >= 2, 'the storm has its incidents');
    for (const incident of run.incidents) {
      const row = page.locator(`[data-testid="training-incident"][data-index="${incident.index}"]`);
      assert.ok((await row.innerText()).includes(incident.name));
      // Nothing can be brought forward before the clock starts.
      assert.equal(await testid(page, `training-inject-${incident.index}`).isDisabled(), true);
    }
    assert.equal(await testid(page, 'training-inject-submit').isDisabled(), true);
    await screenshot(page, 'training-01-ready');
  });

  test('started at 300×, the story clock moves; paused, it stands', async () => {
    await testid(page, 'training-start-speed').fill('300');
    await testid(page, 'training-start').click();
    await bannerState(page, 'running');
    assert.equal(await testid(page, 'training-speed-shown').innerText(), '300×');
    // The clock moves on (the banner asks every 2 s: 10 minutes of the story at 300×).
    await page.waitForFunction(() => {
      const clock = document.querySelector('[data-testid="training-clock"]')?.innerText;
      return clock && clock !== '17:00';
    }, null, { timeout: 30_000 });
    await testid(page, 'training-pause').click();
    await bannerState(page, 'paused');
    const run = await status();
    assert.equal(run.state, 'paused');
    // Paused, the banner shows the story's time as the server keeps it.
    await page.locator('[data-testid="training-clock"]', { hasText: run.clock }).waitFor({ timeout: 10_000 });
    assert.equal(await testid(page, 'training-console-clock').innerText(), run.clock);
    const line = await testid(page, 'training-progress-line').innerText();
    assert.ok(line.includes(`已播放 ${run.played}/${run.total} 个时刻`), line);
    await testid(page, 'training-resume').waitFor();
    await screenshot(page, 'training-02-paused');
  });

  test('a speed out of range is refused with the server\'s message; a preset sets one', async () => {
    await testid(page, 'training-speed').fill('5000');
    await testid(page, 'training-speed').press('Enter');
    const error = page.locator('[data-testid="training-error"] [data-error-code]');
    await error.waitFor({ timeout: 30_000 });
    const code = await error.getAttribute('data-error-code');
    const refused = await callApi(server, trainerToken, 'POST', '/api/training/clock', { action: 'speed', speed: 5000 });
    assert.equal(refused.status, 400);
    assert.equal(code, refused.body.error.code);
    assert.ok((await error.innerText()).includes(refused.body.error.message_zh), await error.innerText());
    assert.equal((await status()).speed, 300, 'the speed stayed');

    await testid(page, 'training-speed-60').click();
    await page.locator('[data-testid="training-speed-shown"]', { hasText: '60×' }).waitFor({ timeout: 30_000 });
    assert.equal((await status()).speed, 60);
    assert.equal(await testid(page, 'training-error').count(), 0, 'the refusal went with the next change');
    // The field follows the run's speed, and so does the preset lit.
    await page.waitForFunction(() => document.querySelector('[data-testid="training-speed"]')?.value === '60',
      null, { timeout: 10_000 });
    await page.locator('[data-testid="training-speed-60"].active').waitFor({ timeout: 10_000 });
  });

  test('an incident without name or grids is refused at its fields; a new one and one brought forward are listed', async () => {
    const form = testid(page, 'training-inject-form');
    await testid(page, 'training-inject-submit').click();
    for (const field of ['name', 'micro', 'category']) {
      await form.locator(`[data-problem-field="${field}"]`).waitFor({ timeout: 30_000 });
    }
    assert.match(await form.locator('[data-problem-field="name"]').innerText(), /请填写事件名称/);
    await screenshot(page, 'training-03-refused');

    const before = await status();
    const category = (await callApi(server, trainerToken, 'GET', '/api/catalogue')).body.categories
      .find((c) => c.code !== 'other');
    await form.locator('[data-input="name"]').fill(INCIDENT);
    await testid(page, 'training-micro-input').fill('泃河湾小区1号院');
    await testid(page, 'training-micro-results').locator('.search-hit').first().click();
    await testid(page, 'training-micro-chip').waitFor();
    await form.locator('[data-input="category"]').selectOption(category.code);
    await form.locator('[data-input="requests"]').fill('3');
    await form.locator('[data-input="minutes"]').fill('10');
    await testid(page, 'training-inject-submit').click();
    const injected = page.locator('[data-testid="training-incident"][data-injected="true"]', { hasText: INCIDENT });
    await injected.waitFor({ timeout: 30_000 });
    assert.match(await injected.innerText(), /已注入[\s\S]*泃河湾小区1号院/);
    assert.ok((await injected.innerText()).includes(category.name_zh));
    assert.equal(await form.locator('[data-problem-field]').count(), 0, 'the problems went');
    assert.equal(await form.locator('[data-input="name"]').inputValue(), '', 'the form is ready for the next');

    // One of the scenario's incidents still to come, brought forward (the last: the first's
    // calls would come with the scripted request the dispatcher handles below).
    const coming = before.incidents.filter((i) => !i.injected && !i.begun).at(-1);
    assert.ok(coming, 'an incident is still to come');
    await testid(page, `training-inject-${coming.index}`).click();
    await page.locator(`[data-testid="training-incident"][data-index="${coming.index}"][data-tag="forward"]`)
      .waitFor({ timeout: 30_000 });
    assert.equal(await testid(page, `training-inject-${coming.index}`).count(), 0, 'it is not offered again');
    const run = await status();
    const names = run.incidents.filter((i) => i.injected).map((i) => i.name);
    assert.deepEqual(names, [INCIDENT, coming.name]);
    assert.equal(await page.locator('[data-testid="training-incident"][data-injected="true"]').count(), 2);
    await screenshot(page, 'training-04-injected');
  });

  test('a dispatcher sees the banner with the story clock, and no console', async () => {
    dispatcherBrowser = await launchBrowser();
    desk = await signIn(dispatcherBrowser, DISPATCHER);
    const run = await status(dispatcherToken);
    assert.equal(run.trainer, false);
    assert.deepEqual(run.incidents, [], 'what is to come is the trainer\'s');
    assert.deepEqual(run.off_duty, []);
    await bannerState(desk, 'paused');
    assert.equal(await testid(desk, 'training-clock').innerText(), run.clock);
    assert.equal(await testid(desk, 'training-clock').innerText(), await testid(page, 'training-clock').innerText());
    assert.match(await testid(desk, 'training-banner').innerText(), /汛期暴雨[\s\S]*已暂停[\s\S]*60×/);
    for (const id of ['training-open', 'training-panel', 'training-console']) {
      assert.equal(await testid(desk, id).count(), 0, `${id} is the trainer's`);
    }
    const refused = await callApi(server, dispatcherToken, 'GET', '/api/training/debrief');
    assert.equal(refused.status, 403);
    await screenshot(desk, 'training-05-dispatcher');
    // What the exercise sends is no alarm: the terminal's alerts say they are off here.
    await testid(desk, 'account-menu').click();
    await testid(desk, 'alerts-open').click();
    assert.equal(await testid(desk, 'alerts-paused').innerText(), '培训演练服务器上不提醒');
    await testid(desk, 'alerts-close').click();
  });

  test('played past the roof leak, which the dispatcher handles, and ended, the debrief scores each trainee', async () => {
    // The storm's roof leak at 19:05 (no incident's calls are like it, none is merged into it).
    const leak = (await debrief()).scripted.find((r) => r.category === 'roof_leak');
    assert.ok(leak, 'the storm has its roof leak');
    await testid(page, 'training-speed-1000').click();
    await page.locator('[data-testid="training-speed-shown"]', { hasText: '1000×' }).waitFor({ timeout: 30_000 });
    await testid(page, 'training-resume').click();
    await bannerState(page, 'running');
    // The roof leak arrives; the dispatcher registers it and sends it where it belongs.
    const ticket = await poll(async () => (await debrief()).scripted.find((r) => r.index === leak.index).ticket ?? undefined,
      250, 60_000, 'the roof leak did not arrive');
    await testid(page, 'training-pause').click();
    await bannerState(page, 'paused');
    let t = (await callApi(server, dispatcherToken, 'GET', `/api/tickets/${ticket}`)).body.ticket;
    for (const action of [{ action: 'register' }, { action: 'dispatch', grid: leak.expect_grid.code }]) {
      const r = await callApi(server, dispatcherToken, 'POST', `/api/tickets/${ticket}/actions`, { ...action, version: t.version });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      t = r.body.ticket;
    }

    await testid(page, 'training-end').click();
    await testid(page, 'training-end-confirm').click();
    await bannerState(page, 'ended');
    await bannerState(desk, 'ended');
    await testid(page, 'training-see-debrief').click();
    const report = testid(page, 'training-debrief');
    await report.waitFor({ timeout: 60_000 });
    const told = await debrief();
    assert.equal(told.state, 'ended');
    assert.deepEqual(told.trainees.map((r) => r.login).sort(), [COMMANDER.login, DISPATCHER.login].sort());
    const head = await report.locator('.debrief-head').innerText();
    for (const part of ['演练复盘', told.title, String(told.seed), `${told.starts}–${told.ends}`, '已结束']) {
      assert.ok(head.includes(part), `the debrief's head says ${part}:\n${head}`);
    }
    for (const trainee of told.trainees) {
      const card = testid(page, `training-trainee-${trainee.login}`);
      await card.waitFor();
      assert.equal(await card.locator('[data-field="name"]').innerText(), trainee.name);
      assert.equal(Number(await card.getAttribute('data-score')), trainee.summary.score);
      assert.equal(await card.locator('[data-testid="training-request"]').count(), trainee.requests.length);
      assert.equal(await card.locator('[data-field="dispatched"]').innerText(),
        `${trainee.summary.dispatched} / ${trainee.summary.scripted}`);
    }
    const mine = told.trainees.find((r) => r.login === DISPATCHER.login);
    const handled = mine.requests.find((r) => r.index === leak.index);
    assert.equal(handled.assigned_to?.code, leak.expect_grid.code, JSON.stringify(handled));
    assert.ok(mine.summary.score > 0, JSON.stringify(mine.summary));
    const row = testid(page, `training-trainee-${DISPATCHER.login}`)
      .locator(`[data-testid="training-request"][data-index="${leak.index}"]`);
    assert.equal(await row.locator('[data-field="assigned"]').getAttribute('data-mark'), 'right');
    assert.equal(await row.locator('[data-field="points"]').innerText(), String(handled.points));
    // What never came before the end is told apart from what was not dispatched.
    const never = told.scripted.filter((r) => r.arrived === null);
    assert.ok(never.length > 0, 'the late requests never came');
    for (const r of never) {
      const cell = testid(page, `training-trainee-${DISPATCHER.login}`)
        .locator(`[data-testid="training-request"][data-index="${r.index}"][data-arrived="false"] [data-field="assigned"]`);
      assert.equal(await cell.innerText(), '未来电（演练已结束）');
      assert.equal(await cell.getAttribute('data-mark'), 'none');
    }
    assert.equal(await testid(page, 'training-timeline').locator('li').count(), told.timeline.length);
    await screenshot(page, 'training-06-debrief');
    await screenshot(desk, 'training-07-dispatcher-ended');
  });

  test('the debrief is all that prints, on A4', async () => {
    // Headless Chromium would start a print job of its own (and refuse page.pdf while it runs):
    // the button's call of window.print() is counted instead, and the PDF below is the print.
    await page.evaluate(() => {
      window.print = () => { window.binhePrinted = (window.binhePrinted ?? 0) + 1; };
    });
    await testid(page, 'training-print').click();
    await page.waitForFunction(() => window.binhePrinted === 1, null, { timeout: 30_000 });
    await page.emulateMedia({ media: 'print' });
    try {
      assert.equal(await testid(page, 'training-debrief').isVisible(), true);
      for (const hidden of ['.header', '.training-head', '[data-testid="training-banner"]', '[data-testid="training-print"]', '[data-testid="map"]']) {
        assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} does not print`);
      }
      // Nothing else shows on the printed page: every visible leaf is inside the debrief.
      const outside = await page.evaluate(() => [...document.body.querySelectorAll('*')]
        .filter((e) => e.children.length === 0 && e.getClientRects().length > 0 && e.offsetParent !== null)
        .filter((e) => !e.closest('[data-testid="training-debrief"]') && (e.innerText || '').trim() !== '')
        .map((e) => e.outerHTML.slice(0, 120)));
      assert.deepEqual(outside, []);
      // Paper: dark text on white.
      const colours = await page.evaluate(() => {
        const card = document.querySelector('.debrief-trainee');
        return [getComputedStyle(card).backgroundColor, getComputedStyle(card).color];
      });
      assert.deepEqual(colours, ['rgb(255, 255, 255)', 'rgb(17, 17, 17)']);
      await screenshot(page, 'training-08-debrief-print');
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      mkdirSync(artifactsDir, { recursive: true });
      writeFileSync(join(artifactsDir, 'training-debrief.pdf'), pdf);
      const raw = pdf.toString('latin1');
      const pages = raw.match(/\/Type\s*\/Page[^s]/g) ?? [];
      assert.ok(pages.length >= 1, 'the debrief prints');
      const box = raw.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
      assert.ok(box, 'the page has its size');
      // A4: 210 × 297 mm = 595 × 842 pt.
      assert.ok(Math.abs(Number(box[1]) - 595) < 2 && Math.abs(Number(box[2]) - 842) < 2, box[0]);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  test('in English the banner and the debrief read in English', async () => {
    await testid(page, 'lang-toggle').click();
    try {
      await page.locator('[data-testid="training-banner"]', { hasText: 'Ended' }).waitFor({ timeout: 30_000 });
      assert.match(await testid(page, 'training-banner').innerText(), /Training[\s\S]*Ended[\s\S]*Shift 17:00–23:00/);
      const report = await testid(page, 'training-debrief').innerText();
      for (const part of ['Training debrief', 'Trainees', 'Expected grid', 'Never came (the run ended)', 'Timeline']) {
        assert.ok(report.includes(part), `the debrief says ${part}`);
      }
      await screenshot(page, 'training-09-debrief-english');
      await testid(page, 'training-tab-console').click();
      await testid(page, 'training-ended').waitFor();
      await screenshot(page, 'training-10-console-english');
    } finally {
      await testid(page, 'lang-toggle').click();
    }
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(trainerBrowser), []);
    assert.deepEqual(offLoopback(dispatcherBrowser), []);
  });
});
