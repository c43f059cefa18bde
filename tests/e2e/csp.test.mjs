// The Content-Security-Policy in headless Chromium: every answer carries it, the whole app (wasm,
// the MapLibre worker, the live stream, pictures) runs under it without a single refusal, and a
// script injected into the page — inline, as an event handler, or from another origin — does not
// run; the browser's report reaches the server.
//
//   cd tests/e2e && npm ci
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node --test --test-concurrency=1 csp.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mapIdle, offLoopback, openApp, poll, screenshot } from './harness.mjs';

let app;

before(async () => {
  app = await openApp();
});

after(async () => {
  await app?.browser.close();
  await app?.server.stop();
});

test('the page, the phone page and the API answer with the policy', async () => {
  for (const path of ['/', '/m/', '/api/health', '/api/no-such-route']) {
    const policy = await app.page.evaluate(async (p) => (await fetch(p)).headers.get('content-security-policy'), path);
    assert.ok(policy, `${path} has a policy`);
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]{44}'/, path);
    assert.match(policy, /object-src 'none'/);
    assert.match(policy, /frame-ancestors 'none'/);
    const scripts = policy.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
    assert.doesNotMatch(scripts, /'unsafe-inline'|'unsafe-eval'/, 'no inline scripts beyond the loader, no eval');
  }
});

test('the app runs under it: map, live stream and panels without a refusal', async () => {
  const { page, browser } = app;
  await mapIdle(page);
  // The WebGL map drew and the wasm app answered.
  assert.equal(await page.evaluate(() => window.binheReady), true);
  await screenshot(page, 'csp-app');
  assert.deepEqual(browser.cspViolations, [], 'nothing the app needs is refused');
  assert.deepEqual(offLoopback(browser), []);
});

test('an injected inline script, event handler or foreign script does not run and is reported', async () => {
  const { page, browser } = app;
  const ran = await page.evaluate(async () => {
    window.injected = [];
    const seen = [];
    document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
    const inline = document.createElement('script');
    inline.textContent = 'window.injected.push("inline")';
    document.body.appendChild(inline);
    const img = document.createElement('div');
    img.innerHTML = '<img src="data:," onerror="window.injected.push(\'handler\')">';
    document.body.appendChild(img);
    const foreign = document.createElement('script');
    foreign.src = 'http://127.0.0.2:9/evil.js';
    document.body.appendChild(foreign);
    await new Promise((r) => setTimeout(r, 1_000));
    return { injected: window.injected, seen };
  });
  assert.deepEqual(ran.injected, [], 'none of the injected code ran');
  assert.ok(ran.seen.length >= 3, `three refusals: ${JSON.stringify(ran.seen)}`);
  assert.ok(ran.seen.every((d) => d.startsWith('script-src')), JSON.stringify(ran.seen));
  // The browser's console said so; these are the ones this test provoked.
  assert.ok(browser.cspViolations.length >= 3, browser.cspViolations.join('\n'));
  browser.cspViolations.length = 0;
  // The reports reached the server's log.
  await poll(() => (/content security policy violation/.test(app.server.output.join('')) || undefined), 250, 10_000,
    'no report in the server log');
});
