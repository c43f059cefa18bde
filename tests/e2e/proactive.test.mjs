// 未诉先办 in a real browser against a demo-mode binhe-server whose two weeks of history end in
// 承平园's sewage backflow (the seed's case, rising over the last three days): the board's 未诉先办
// tab says there is no analysis yet, 立即分析 runs one and lists the hotspots the API keeps — the
// sewage backflow in 承平园小区 among them — with 每月一题 and the rising micro-grids as the API
// counts them; 地图定位 closes the board and draws the outlines on the map with the picked one
// brighter and in view; a commander of 承平园社区 sees the same hotspot but cannot run an analysis;
// the dashboard counts the finding in 主动发现占比 and the finished project in 减少诉求; nothing leaves
// loopback.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 proactive.test.mjs
//
// Screenshots go to tests/e2e/artifacts/proactive-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fetchFromPage, getOk, mapIdle, offLoopback, openApp, postFromPage, screenshot, switchToCommander,
} from './harness.mjs';

const COMMANDER = { login: 'e2e-hotspot-commander', name: '承平园指挥', password: 'hotspot-command-2026' };

let server;
let browser;
let page;

const api = (path) => getOk(page, path);

async function openTab() {
  if (!(await page.locator('[data-testid="kpi-board"]').isVisible())) {
    await page.locator('[data-testid="kpi-open"]').click();
  }
  await page.locator('[data-testid="kpi-tab-proactive"]').click();
  await page.locator('[data-testid="proactive"]').waitFor({ timeout: 60_000 });
}

/** The communities of a hotspot's micro-grids, each once, centre first. */
const communitiesOf = (h) => [...new Set(h.zones.map((z) => z.community_name))];

/** The sewage backflow hotspot of an analysis in 承平园小区, if it found one: of that category,
 * or of all categories together and mostly sewage backflow (two weeks of history are few for
 * one category's expectations; the street's all calls are many). */
const sewage = (run) => run.hotspots.findIndex((h) => (h.category === 'sewage_backflow'
  || (h.category === null && h.leading[0]?.category === 'sewage_backflow'))
  && h.zones.some((z) => z.name.startsWith('承平园小区')));

describe('未诉先办', { timeout: 900_000 }, () => {
  let run;
  let picked;

  before(async () => {
    // The history is in; no new requests while the analysis is compared.
    ({ server, browser, page } = await openApp({ extraArgs: ['--demo-feed'], pauseFeed: true }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('before any analysis the tab says so, with the month\'s problems as the API counts them', async () => {
    await openTab();
    await page.locator('[data-testid="hotspot-none"]').waitFor({ timeout: 60_000 });
    const none = await api('/api/hotspots');
    assert.equal(none.run, null, 'no analysis was kept yet (the daily one is off in tests)');
    const monthly = await api('/api/hotspots/monthly');
    assert.ok(monthly.communities.length > 1, 'the street and its communities had requests this month');
    await page.locator('[data-testid="monthly-row"]').nth(monthly.communities.length - 1).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="monthly-row"]').count(), monthly.communities.length);
    const street = page.locator('[data-testid="monthly-row"][data-community=""]');
    assert.match(await street.innerText(), new RegExp(String(monthly.communities[0].total)));
    const rising = await api('/api/hotspots/rising?per_category=true');
    await page.locator(rising.groups.length ? '[data-testid="rising-item"]' : '[data-testid="rising-none"]')
      .first().waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="rising-item"]').count(), rising.groups.length);
    await screenshot(page, 'proactive-01-empty');
  });

  test('立即分析 lists the hotspots the API keeps, 承平园\'s sewage backflow among them', async () => {
    await page.locator('[data-testid="hotspot-run-now"]').click();
    await page.locator('[data-testid="hotspot"]').first().waitFor({ timeout: 120_000 });
    const answer = await api('/api/hotspots');
    run = answer.run;
    assert.ok(run, 'the analysis was kept');
    assert.equal(run.trigger, 'on_demand');
    assert.equal(await page.locator('[data-testid="hotspot"]').count(), run.hotspots.length);
    picked = sewage(run);
    assert.ok(picked >= 0, `the rising sewage backflow was found: ${JSON.stringify(run.hotspots.map((h) => [h.category, h.zones.map((z) => z.name)]))}`);
    const h = run.hotspots[picked];
    assert.ok(h.p_value <= run.alpha, `significant: p = ${h.p_value}`);
    const item = page.locator(`[data-testid="hotspot"][data-index="${picked}"]`);
    assert.equal(await item.getAttribute('data-category'), h.category ?? '');
    const text = await item.innerText();
    assert.match(text, /污水返水/, 'its category, or what it mostly holds');
    assert.match(await item.locator('[data-testid="hotspot-place"]').innerText(), /承平/);
    assert.match(text, new RegExp(`实际 ${h.observed} 件`));
    assert.match(text, new RegExp(`p = ${h.p_value.toFixed(3)}`));
    assert.equal(await item.locator('svg.sparkline rect').count(), h.days, 'one bar a day of its window');
    // The analysis is in the picker, chosen.
    assert.equal(await page.locator('[data-testid="hotspot-runs"]').inputValue(), String(run.id));
    assert.match(await page.locator('[data-testid="hotspot-run-info"]').innerText(), /手动/);
    await screenshot(page, 'proactive-02-hotspots');
  });

  test('地图定位 draws the outlines with the picked one brighter, in view', async () => {
    await page.locator(`[data-testid="hotspot"][data-index="${picked}"] [data-testid="hotspot-locate"]`).click();
    await page.locator('[data-testid="kpi-board"]').waitFor({ state: 'hidden', timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="hotspot-toggle"]').getAttribute('aria-pressed'), 'true');
    await page.locator(`[data-testid="hotspot-scale"][data-count="${run.hotspots.length}"]`).waitFor({ timeout: 30_000 });
    // The flight ends with the hotspot's outline in view.
    await page.waitForFunction((i) => window.binheMap.queryRenderedFeatures({ layers: ['hotspot-fill'] })
      .some((f) => f.properties.index === i && f.properties.focus === true), picked, { timeout: 30_000, polling: 250 });
    await mapIdle(page);
    const drawn = await page.evaluate(() => window.binheMap.queryRenderedFeatures({ layers: ['hotspot-fill'] })
      .map((f) => ({ index: f.properties.index, focus: f.properties.focus })));
    assert.ok(drawn.every((f) => f.focus === (f.index === picked)), 'only the picked one is brighter');
    const [lon, lat] = await page.evaluate(() => window.binheMap.getCenter().toArray());
    const h = run.hotspots[picked];
    const ring = h.outline.type === 'Polygon' ? h.outline.coordinates[0] : h.outline.coordinates.flat(1)[0];
    const xs = ring.map((c) => c[0]);
    const ys = ring.map((c) => c[1]);
    assert.ok(lon > Math.min(...xs) - 0.005 && lon < Math.max(...xs) + 0.005
      && lat > Math.min(...ys) - 0.005 && lat < Math.max(...ys) + 0.005,
    `the map centres near the hotspot: ${lon}, ${lat}`);
    await screenshot(page, 'proactive-03-map');
    await page.locator('[data-testid="hotspot-toggle"]').click();
    await mapIdle(page);
    const left = await page.evaluate(() => window.binheMap.queryRenderedFeatures({ layers: ['hotspot-fill', 'hotspot-label'] }).length);
    assert.equal(left, 0, 'switched off, nothing is drawn');
  });

  test('转为主动工单 drafts a proactive ticket at the hotspot that goes into the queue', async () => {
    await openTab();
    const h = run.hotspots[picked];
    await page.locator(`[data-testid="hotspot"][data-index="${picked}"] [data-testid="hotspot-ticket"]`).click();
    const form = page.locator('[data-testid="intake-form"]');
    await form.waitFor({ timeout: 30_000 });
    assert.equal(await form.locator('[data-input="channel"]').inputValue(), 'proactive');
    assert.equal(await form.locator('[data-input="category"]').inputValue(), 'sewage_backflow');
    const description = await form.locator('[data-input="description"]').inputValue();
    // Its place as the list names it: the first micro-grids and the communities (one or more:
    // the most likely circle may reach over a community's edge).
    assert.ok(description.startsWith(`未诉先办：${h.zones[0].name}`), description);
    assert.ok(description.includes(`（${communitiesOf(h).join('、')}）污水返水诉求聚集`), description);
    assert.match(description, new RegExp(`共 ${h.observed} 件`));
    await screenshot(page, 'proactive-04-ticket-form');
    await page.locator('[data-testid="intake-submit"]').click();
    await form.waitFor({ state: 'hidden', timeout: 30_000 });
    const list = await api('/api/tickets?limit=500');
    const made = list.tickets.filter((t) => t.channel === 'proactive');
    assert.equal(made.length, 1, 'one proactive ticket');
    const [ticket] = made;
    assert.equal(ticket.category, 'sewage_backflow');
    assert.equal(ticket.source_ref, `hotspot:${run.id}:${h.rank}`);
    assert.equal(ticket.channel_zh, '主动发现');
    // Placed at the hotspot's centre: in its central micro-grid's community.
    assert.equal(ticket.routing.community?.code, h.zones[0].community, JSON.stringify(ticket.routing));
  });

  test('立项治理 starts a project for the hotspot; done, it shows the effect the API measures', async () => {
    await openTab();
    const h = run.hotspots[picked];
    await page.locator(`[data-testid="hotspot"][data-index="${picked}"] [data-testid="hotspot-project"]`).click();
    const form = page.locator('[data-testid="project-form"]');
    await form.waitFor({ timeout: 30_000 });
    assert.equal(await form.locator('[data-input="area"]').inputValue(), h.zones.map((z) => z.code).join(' '));
    assert.equal(await form.locator('[data-input="category"]').inputValue(), 'sewage_backflow');
    // Named after its one community, else its centre micro-grid.
    const communities = communitiesOf(h);
    const named = communities.length === 1 ? communities[0] : h.zones[0].name;
    assert.equal(await form.locator('[data-input="title"]').inputValue(), `${named}污水返水治理`);
    // Required fields left empty are named beside the field, in Chinese.
    await page.locator('[data-testid="project-save"]').click();
    await form.locator('[data-problem-field="responsible"]').waitFor({ timeout: 30_000 });
    assert.match(await form.locator('[data-problem-field="responsible"]').innerText(), /责任人/);
    await form.locator('[data-input="responsible"]').fill('承平园社区 王主任');
    await form.locator('[data-input="budget"]').fill('12万');
    await page.locator('[data-testid="milestone-add"]').click();
    await form.locator('[data-input="milestone-title"]').fill('商户议定分摊标准');
    await form.locator('[data-input="milestone-title"]').dispatchEvent('change');
    const day = (ago) => new Date(Date.now() + 8 * 3600_000 - ago * 86_400_000).toISOString().slice(0, 10);
    await form.locator('[data-input="milestone-due"]').fill(day(5));
    await form.locator('[data-input="milestone-due"]').dispatchEvent('change');
    await form.locator('[data-input="state"]').selectOption('done');
    await form.locator('[data-input="started_on"]').fill(day(8));
    await form.locator('[data-input="finished_on"]').fill(day(4));
    await page.locator('[data-testid="project-save"]').click();
    await form.waitFor({ state: 'hidden', timeout: 30_000 });
    const list = await api('/api/projects');
    assert.equal(list.projects.length, 1);
    const [project] = list.projects;
    assert.equal(project.hotspot, `${run.id}:${h.rank}`);
    assert.equal(project.budget_fen, 12_000_000);
    assert.equal(project.state, 'done');
    assert.equal(project.milestones[0].title, '商户议定分摊标准');
    assert.ok(project.effect, 'finished four days ago: measured over the three days since');
    const card = page.locator(`[data-testid="project"][data-id="${project.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    const effect = card.locator('[data-testid="project-effect"]');
    assert.equal(await effect.getAttribute('data-avoided'), project.effect.avoided.toFixed(1));
    const c = project.effect.counts;
    assert.match(await effect.innerText(), new RegExp(`${c.area_before} → ${c.area_after} 件`));
    assert.match(await card.innerText(), /12\.0 万元/);
    assert.match(await page.locator('[data-testid="projects-summary"]').innerText(), /已完成 1 个/);
    await screenshot(page, 'proactive-05-project');
  });

  test('the dashboard counts the finding in 主动发现占比 and the project in 减少诉求, as the API does', async () => {
    const day = (ago) => new Date(Date.now() + 8 * 3600_000 - ago * 86_400_000).toISOString().slice(0, 10);
    await page.locator('[data-testid="kpi-tab-dashboard"]').click();
    await page.locator('[data-testid="kpi-period-kind"]').selectOption('range');
    for (const [testid, ago] of [['kpi-from', 30], ['kpi-to', 0]]) {
      await page.locator(`[data-testid="${testid}"]`).fill(day(ago));
      await page.locator(`[data-testid="${testid}"]`).dispatchEvent('change');
    }
    const d = await api(`/api/kpi/dashboard?from=${day(30)}&to=${day(0)}`);
    const found = d.kpis.proactive;
    assert.equal(found.numerator, 1, 'the one finding of the hotspot');
    assert.equal(found.denominator, d.kpis.received);
    const share = page.locator('.kpi-tile[data-kpi="proactive"]');
    await share.locator(`[data-testid="kpi-value"]:text-is("${(found.value * 100).toFixed(1)}%")`)
      .waitFor({ timeout: 60_000 });
    assert.ok(await share.getAttribute('title'), 'its definition on hover');
    await share.locator('[data-testid="kpi-drill"][data-metric="proactive"]').click();
    const behind = page.locator('[data-testid="kpi-drill-list"][data-metric="proactive"][data-total]');
    await behind.waitFor({ timeout: 30_000 });
    assert.equal(await behind.getAttribute('data-total'), '1');
    assert.equal(await page.locator('[data-testid="kpi-drill-row"]').count(), 1);

    const { projects } = await api('/api/projects');
    assert.equal(d.avoided.projects.length, 1, JSON.stringify(d.avoided));
    assert.equal(d.avoided.projects[0].id, projects[0].id);
    assert.equal(d.avoided.avoided, projects[0].effect.avoided);
    const avoided = page.locator('.kpi-tile[data-kpi="avoided"]');
    assert.equal(await avoided.locator('[data-testid="kpi-value"]').innerText(), d.avoided.avoided.toFixed(1));
    const count = avoided.locator('[data-testid="kpi-projects"]');
    assert.equal(await count.innerText(), '1');
    assert.match(await count.getAttribute('title'), new RegExp(`${projects[0].title}（${projects[0].finished_on} 完成）：减少`));
    await screenshot(page, 'proactive-06-dashboard');
    await count.click();
    await page.locator(`[data-testid="project"][data-id="${projects[0].id}"]`).waitFor({ timeout: 30_000 });
  });

  test('a commander of 承平园社区 sees the hotspot but runs no analysis', async () => {
    const grids = (await api('/api/grids.geojson')).features;
    const community = grids.find((f) => f.properties.level === 'community' && f.properties.name === '承平园社区');
    assert.ok(community, 'the demo street has 承平园社区');
    await switchToCommander(page, COMMANDER, community.properties.code);

    await openTab();
    await page.locator('[data-testid="hotspot"]').first().waitFor({ timeout: 60_000 });
    const own = (await api('/api/hotspots')).run;
    assert.equal(own.id, run.id, 'the same analysis');
    assert.ok(own.hotspots.length <= run.hotspots.length, 'scoped to what touches their community');
    assert.equal(await page.locator('[data-testid="hotspot"]').count(), own.hotspots.length);
    assert.ok(sewage(own) >= 0, 'their sewage backflow is theirs to see');
    assert.equal(await page.locator('[data-testid="hotspot-run-now"]').count(), 0, 'no 立即分析 for a commander');
    const refused = await postFromPage(page, '/api/hotspots/runs', {});
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    await screenshot(page, 'proactive-07-commander');
  });

  test('nothing left loopback', () => {
    assert.deepEqual(offLoopback(browser), []);
  });
});
