// The desktop app itself: the Tauri binary under Xvfb, driven by tauri-driver and
// WebKitWebDriver over the W3C WebDriver protocol, shows the grid map in its window.
//
// Env: BINHE_DESKTOP_BIN (built smart-binhe), BINHE_UI_DIR (built ui/dist).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { artifactsDir, withTimeout, repoRoot } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

let driver;
let driverExited;
let driverLog = '';
let base;
let session;
let dataDir;

async function webdriver(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) {
    throw new Error(`WebDriver ${method} ${path}: ${response.status} ${JSON.stringify(json).slice(0, 500)}`);
  }
  return json.value;
}

const run = (script) => webdriver('POST', `/session/${session}/execute/sync`, { script, args: [] });

before(async () => {
  const app = resolve(process.env.BINHE_DESKTOP_BIN || '');
  assert.ok(existsSync(app), `BINHE_DESKTOP_BIN must point to the built smart-binhe (got ${app})`);
  const uiDir = resolve(process.env.BINHE_UI_DIR || join(repoRoot, 'ui', 'dist'));
  dataDir = mkdtempSync(join(tmpdir(), 'binhe-desktop-'));
  const port = await freePort();
  const nativePort = await freePort();
  base = `http://127.0.0.1:${port}`;
  driver = spawn(
    'xvfb-run',
    ['-a', '-s', '-screen 0 1600x1000x24', 'tauri-driver', '--port', String(port), '--native-port', String(nativePort)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      // Own config folder: a saved center choice (terminal mode) must not move this window.
      env: { ...process.env, BINHE_DB: join(dataDir, 'desktop.sqlite'), BINHE_UI_DIR: uiDir, XDG_CONFIG_HOME: join(dataDir, 'config'), BINHE_CENTER_URL: '', RUST_LOG: 'warn' },
    },
  );
  driver.stdout.on('data', (c) => { driverLog += c; });
  driver.stderr.on('data', (c) => { driverLog += c; });
  driverExited = new Promise((r) => driver.once('exit', r));
  // tauri-driver answers /status once it listens.
  await withTimeout((async () => {
    for (;;) {
      try {
        const r = await fetch(`${base}/status`);
        if (r.ok) return;
      } catch { /* not listening yet */ }
      await sleep(250);
    }
  })(), 60_000, `tauri-driver did not start:\n${driverLog}`);
  const created = await withTimeout(
    webdriver('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app } } },
    }),
    120_000,
    'the desktop window did not open',
  );
  session = created.sessionId;
});

after(async () => {
  if (session) {
    await webdriver('DELETE', `/session/${session}`).catch(() => {});
  }
  if (driver && driver.exitCode === null) {
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already gone */ }
    await Promise.race([driverExited, sleep(5_000)]);
    try { process.kill(-driver.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('desktop window shows the offline grid map of all communities and micro-grids', async () => {
  const ready = await withTimeout((async () => {
    for (;;) {
      const state = await run(`return { ready: window.binheReady === true, url: location.href, title: document.title };`);
      if (state.ready) return state;
      await sleep(500);
    }
  })(), 180_000, 'the map in the desktop window never became ready');
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'the window shows the in-process loopback server');
  assert.match(ready.title, /智慧滨河/);

  const counts = await run(`
    const codes = (layer) => new Set(window.binheMap.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.code)).size;
    return { communities: codes('community-fill'), micro: codes('micro-fill') };
  `);
  assert.deepEqual(counts, { communities: 15, micro: 312 });

  mkdirSync(artifactsDir, { recursive: true });
  const png = Buffer.from(await webdriver('GET', `/session/${session}/screenshot`), 'base64');
  const shot = join(artifactsDir, 'desktop-window.png');
  writeFileSync(shot, png);
  // A drawn map has many colours; a blank or error page has a handful.
  const colours = Number(execFileSync('convert', [shot, '-format', '%k', 'info:']).toString());
  assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);
});
