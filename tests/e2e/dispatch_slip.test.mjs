// 派单单 (issue 18): from a dispatched ticket's card, 打印派单单 shows the slip as it prints —
// category, source with the 12345 number, times in Beijing time, place and grid, reporter, the
// grid and worker that hold it, both deadlines, who sent it and when, lines to sign — and only
// the slip prints: on A4, or on an 80 mm receipt as long as the slip.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test dispatch_slip.test.mjs
//
// Screenshots and the printed PDFs go to tests/e2e/artifacts/slip-*.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactsDir, fetchFromPage, offLoopback, openApp, pointInside, postFromPage, screenshot,
} from './harness.mjs';

let server;
let browser;
let page;
let ticket;

/** The page size of a PDF Chromium made, in millimetres, and its number of pages. */
function pdfPages(pdf) {
  const raw = pdf.toString('latin1');
  const pages = raw.match(/\/Type\s*\/Page[^s]/g) ?? [];
  const box = raw.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
  assert.ok(box, 'the page has its size');
  const mm = (pt) => (Number(pt) * 25.4) / 72;
  return { count: pages.length, width: mm(box[1]), height: mm(box[2]) };
}

/** Prints the page as it stands (media print, the style sheet's page size) to a PDF. */
async function printed(name) {
  await page.emulateMedia({ media: 'print' });
  try {
    for (const hidden of ['.header', '.side-panel', '[data-testid="map"]', '[data-testid="ticket-card"]', '.slip-actions']) {
      assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} does not print`);
    }
    await screenshot(page, `slip-${name}-print`);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    mkdirSync(artifactsDir, { recursive: true });
    writeFileSync(join(artifactsDir, `slip-${name}.pdf`), pdf);
    return pdfPages(pdf);
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
}

describe('the dispatch slip', { timeout: 600_000 }, () => {
  before(async () => {
    ({ server, browser, page } = await openApp());
    const grids = (await fetchFromPage(page, '/api/grids.geojson')).body.features;
    const micro = grids.find((f) => f.properties.level === 'micro');
    const [lon, lat] = pointInside(micro);
    const made = await postFromPage(page, '/api/tickets', {
      channel: 'hotline', external_id: 'BJ12345-20261203-0042', category: 'street_light',
      description: '小区门口路灯不亮，夜间出行不便', lon, lat, address: '滨河路12号',
      reporter_name: '刘先生', reporter_phone: '13911112222', urgency: 'urgent',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    let t = made.body.ticket;
    for (const step of [{ action: 'register' }, { action: 'dispatch', grid: micro.properties.code }]) {
      const r = await postFromPage(page, `/api/tickets/${t.id}/actions`, { ...step, version: t.version });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      t = r.body.ticket ?? r.body;
    }
    ticket = (await fetchFromPage(page, `/api/tickets/${t.id}`)).body.ticket;
    assert.equal(ticket.state, 'dispatched');
    // The window.print() the buttons call is counted: headless Chromium would start a print job
    // of its own (and refuse page.pdf while it runs); the PDFs below are the print.
    await page.evaluate(() => {
      window.print = () => { window.binhePrinted = (window.binhePrinted ?? 0) + 1; };
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (browser) assert.deepEqual(offLoopback(browser), [], 'no request left loopback');
  });

  test('打印派单单 shows everything the handler needs', async () => {
    await page.locator('[data-testid="queue-tab"], .queue-tab[data-tab="in-progress"]').first().click();
    const row = page.locator(`[data-testid="ticket-queue"] .queue-row[data-ticket-id="${ticket.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const card = page.locator(`[data-testid="ticket-card"][data-ticket-id="${ticket.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    await card.locator('[data-testid="slip-open"]').click();
    const slip = page.locator('[data-testid="slip"]');
    await slip.waitFor({ timeout: 15_000 });
    const field = async (key) => (await slip.locator(`[data-field="${key}"]`).innerText()).trim();
    assert.match(await slip.locator('.slip-title').innerText(), /派\s*单\s*单/);
    assert.equal(await field('id'), `No. ${ticket.id}`);
    assert.equal(await field('category'), '路灯');
    assert.equal(await field('source'), '12345热线 BJ12345-20261203-0042');
    assert.equal(await field('description'), ticket.description);
    const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    assert.equal(await field('received'), beijing(ticket.received_at));
    assert.equal(await field('contact-due'), beijing(ticket.contact_due_at));
    assert.equal(await field('due'), beijing(ticket.due_at));
    assert.match(await field('location'), /^滨河路12号 +117\.\d{5}, 40\.\d{5}$/);
    assert.equal(await field('routing'), [ticket.routing.community, ticket.routing.micro, ticket.routing.unit]
      .filter(Boolean).map((g) => g.name).join(' / '));
    assert.equal(await field('reporter'), '刘先生 · 13911112222');
    assert.equal(await field('assignment'), `${ticket.assignment.grid_name} · ${ticket.assignment.worker_name}`);
    assert.match(await field('sent-by'), /^本机调度员 · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.equal(await slip.locator('.slip-urgent').innerText(), '紧急');
    assert.equal(await slip.locator('.slip-sign .slip-line').count(), 4, 'lines to sign and to write the result');
    await screenshot(page, 'slip-01-preview');
  });

  test('on A4 only the slip prints, on one A4 page', async () => {
    await page.locator('[data-testid="slip-print-a4"]').click();
    await page.waitForFunction(() => window.binhePrinted === 1, null, { timeout: 15_000 });
    const pdf = await printed('a4');
    assert.equal(pdf.count, 1, 'one page');
    assert.ok(Math.abs(pdf.width - 210) < 1 && Math.abs(pdf.height - 297) < 1, JSON.stringify(pdf));
  });

  test('on the 80 mm roll the page is as long as the slip', async () => {
    await page.locator('[data-testid="slip-print-receipt"]').click();
    await page.waitForFunction(() => window.binhePrinted === 2, null, { timeout: 15_000 });
    assert.equal(await page.locator('[data-testid="slip"]').getAttribute('data-paper'), 'receipt');
    const slipMm = await page.locator('.slip').evaluate((el) => el.getBoundingClientRect().height * 25.4 / 96);
    await screenshot(page, 'slip-02-receipt-preview');
    const pdf = await printed('receipt');
    assert.equal(pdf.count, 1, `one strip of paper: ${JSON.stringify(pdf)}`);
    assert.ok(Math.abs(pdf.width - 80) < 1, JSON.stringify(pdf));
    assert.ok(pdf.height >= slipMm && pdf.height < slipMm + 20, `${JSON.stringify(pdf)} for a slip of ${slipMm} mm`);
    await page.locator('[data-testid="slip-close"]').click();
    await page.locator('[data-testid="slip"]').waitFor({ state: 'detached', timeout: 15_000 });
  });
});
