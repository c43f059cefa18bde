// Shared by the browser tests: start binhe-server on a fresh database, start Debian's
// chromium through playwright-core, and prove that no request leaves loopback.
//
// Env: BINHE_SERVER_BIN (path of the built binhe-server), BINHE_UI_DIR (built ui/dist),
//      CHROMIUM (default /usr/bin/chromium).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const artifactsDir = join(here, 'artifacts');

/** Flags that make headless chromium render WebGL in software and stay off the network. */
export const CHROMIUM_ARGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The absolute path in env `name` (else `fallback`), which must exist. */
export function requiredPath(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value || !existsSync(value)) {
    throw new Error(`${name} must point to an existing path (got ${JSON.stringify(value)})`);
  }
  return resolve(value);
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `attempt` every `everyMs` until it returns something other than undefined, and resolves
 * with that; rejects with `message` after `ms`, and then stops calling (a loop left running
 * would keep the test process alive after its tests).
 */
export function poll(attempt, everyMs, ms, message) {
  let over = false;
  return withTimeout((async () => {
    while (!over) {
      const value = await attempt();
      if (value !== undefined) return value;
      await sleep(everyMs);
    }
    return undefined;
  })(), ms, message).finally(() => { over = true; });
}

/** A fresh temp folder and the SQLite file a server will use there: `{ dir, db }`. */
export function freshDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'binhe-e2e-'));
  return { dir, db: join(dir, 'e2e.sqlite') };
}

/**
 * Starts `binhe-server serve` on a SQLite file (a fresh temp one unless `database` from
 * [`freshDatabase`] is given) and port 0, and waits for the one `SMART_BINHE_URL=` line.
 * Returns `{ url, origin, db, stop, output }`; `stop` removes the database's folder.
 */
export async function startServer({ timeoutMs = 180_000, extraArgs = [], database = freshDatabase() } = {}) {
  const bin = requiredPath('BINHE_SERVER_BIN');
  const uiDir = requiredPath('BINHE_UI_DIR', join(repoRoot, 'ui', 'dist'));
  const { dir, db } = database;
  // No daily hotspot analysis in the background of a test: a test that wants one asks for it.
  const child = spawn(bin, ['serve', '--db', db, '--port', '0', '--ui-dir', uiDir, '--no-daily-hotspots', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  const output = [];
  let fingerprint = null;
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));

  const lines = createInterface({ input: child.stdout });
  const urlLine = new Promise((resolveUrl, reject) => {
    lines.on('line', (line) => {
      output.push(line + '\n');
      fingerprint = line.match(/^SMART_BINHE_TLS_FINGERPRINT=(\S+)$/)?.[1] ?? fingerprint;
      const m = line.match(/^SMART_BINHE_URL=(\S+)$/);
      if (m) resolveUrl(m[1]);
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`binhe-server exited (code ${code}, signal ${signal}) before printing its URL:\n${output.join('')}`)));
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5_000))]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const url = await withTimeout(urlLine, timeoutMs, 'binhe-server did not print SMART_BINHE_URL');
    const origin = new URL(url).origin;
    const host = new URL(url).hostname;
    if (!isLoopbackHost(host)) {
      throw new Error(`binhe-server listens on ${host}, not on loopback`);
    }
    return { url, origin, db, stop, output, fingerprint };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * `binhe-server serve --center` (accounts and sessions, no launch key) on a fresh database, with
 * these accounts (`{ login, name, password, role }`) made on the command line first, as an
 * operator sets up a new center, over plain HTTP (`--insecure-http`) unless `tls` (then with a
 * certificate of its own) or `certificate` (`{ cert, key }` PEM files: the operator's,
 * `--tls-cert/--tls-key`). Returns what [`startServer`] returns.
 */
export async function startCenter(accounts, { tls = false, certificate = null, extraArgs = [] } = {}) {
  const database = freshDatabase();
  try {
    for (const { login, name, password, role } of accounts) {
      const r = spawnSync(requiredPath('BINHE_SERVER_BIN'),
        ['account', 'add', '--db', database.db, '--login', login, '--name', name, '--role', role],
        { input: `${password}\n`, encoding: 'utf8', timeout: 180_000 });
      if (r.status !== 0) throw new Error(`account add failed:\n${r.stdout}\n${r.stderr}`);
    }
  } catch (e) {
    rmSync(database.dir, { recursive: true, force: true });
    throw e;
  }
  const transport = certificate
    ? ['--tls-cert', certificate.cert, '--tls-key', certificate.key]
    : (tls ? [] : ['--insecure-http']);
  return startServer({ database, extraArgs: ['--center', ...transport, ...extraArgs] });
}

/** Signs `who` (`{ login, password }`) in at a center over HTTP; answers the session token. */
export async function sessionToken(server, who) {
  const r = await fetch(`${server.origin}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: who.login, password: who.password, terminal: 'e2e 脚本' }),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`login ${who.login}: ${r.status} ${JSON.stringify(body)}`);
  return body.token;
}

/**
 * A JSON request to `server` from outside the browser with a session `token`:
 * `{ status, body }` (`body` parsed, `null` when empty).
 */
export async function callApi(server, token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(server.origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

export function isLoopbackHost(host) {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

/** True for URLs that never leave the machine. */
export function isLocalUrl(raw) {
  if (raw.startsWith('data:') || raw.startsWith('blob:') || raw.startsWith('about:')) return true;
  try {
    return isLoopbackHost(new URL(raw).hostname);
  } catch {
    return false;
  }
}

/**
 * Launches chromium with a fresh profile (as a phone with `device`'s playwright context options). Every request (pages and workers) is recorded;
 * anything not on loopback is aborted and listed in `blocked`. Console errors and page
 * errors are kept in `problems` for failure messages.
 *
 * `intercept: false` (for timings) leaves the requests alone instead of passing each through
 * the driver: they are only recorded, and [`offLoopback`] then names any that left loopback.
 */
export async function launchBrowser({ viewport = { width: 1600, height: 1000 }, locale = 'zh-CN', device = {}, intercept = true } = {}) {
  const executablePath = requiredPath('CHROMIUM', '/usr/bin/chromium');
  const profile = mkdtempSync(join(tmpdir(), 'binhe-chromium-'));
  const context = await withTimeout(
    chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      locale,
      timeout: 60_000,
      // A phone: { isMobile, hasTouch, geolocation, permissions, deviceScaleFactor }.
      ...device,
    }),
    90_000,
    'chromium did not start',
  );
  const requests = [];
  const blocked = [];
  const problems = [];
  // What the server's Content-Security-Policy refused: the UI must never need anything it
  // refuses, so a browser closes with an error while any is left here (a test that provokes one
  // on purpose takes it out).
  const cspViolations = [];
  if (intercept) {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocalUrl(url)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
  }
  const watch = (page) => {
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      if (/Content Security Policy/.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('worker', (w) => requests.push(w.url()));
  };
  context.on('page', watch);
  context.on('request', (r) => requests.push(r.url()));
  context.pages().forEach(watch);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);

  const close = async () => {
    await withTimeout(context.close(), 20_000, 'chromium did not close').catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    if (cspViolations.length > 0) {
      throw new Error(`the Content-Security-Policy refused:\n${cspViolations.join('\n')}`);
    }
  };
  return { context, page, requests, blocked, problems, cspViolations, close };
}

/** Every recorded request that is not on loopback (should be none). */
export function offLoopback({ requests, blocked }) {
  return [...new Set([...blocked, ...requests.filter((u) => !isLocalUrl(u))])];
}

export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Resolves once the page's map has rendered everything after the last change. */
export async function mapIdle(page) {
  await withTimeout(
    page.evaluate(() => new Promise((resolve) => {
      window.binheMap.once('idle', () => resolve());
      window.binheMap.triggerRepaint();
    })),
    60_000,
    'map did not become idle',
  );
}

/** Centres the page's map on [lon, lat] at `zoom` and waits until it has drawn. */
export async function jumpTo(page, center, zoom) {
  await page.evaluate(({ center, zoom }) => window.binheMap.jumpTo({ center, zoom }), { center, zoom });
  await mapIdle(page);
}

/** The page pixel where the map shows [lon, lat], for mouse clicks: `{ x, y }`. */
export function pagePoint(page, lonLat) {
  return page.evaluate((lonLat) => {
    const m = window.binheMap;
    const p = m.project(lonLat);
    const rect = m.getCanvas().getBoundingClientRect();
    return { x: rect.left + p.x, y: rect.top + p.y };
  }, lonLat);
}

/** Whether [x, y] lies inside a ring (even-odd rule). */
function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A point well inside a grid feature: the candidate nearest its bbox centre that is inside. */
export function pointInside(feature) {
  const polygons = feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  const [rings] = polygons;
  const xs = rings[0].map((p) => p[0]);
  const ys = rings[0].map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const candidates = [];
  for (let i = 1; i < 12; i++) {
    for (let j = 1; j < 12; j++) candidates.push([x0 + ((x1 - x0) * i) / 12, y0 + ((y1 - y0) * j) / 12]);
  }
  const centre = [(x0 + x1) / 2, (y0 + y1) / 2];
  candidates.sort((a, b) => Math.hypot(a[0] - centre[0], a[1] - centre[1]) - Math.hypot(b[0] - centre[0], b[1] - centre[1]));
  const point = candidates.find((p) => inRing(p, rings[0]) && !rings.slice(1).some((hole) => inRing(p, hole)));
  if (!point) throw new Error(`no inside point for ${feature.properties.code}`);
  return point;
}

/** The first micro-grid of each community among grid `features`, in layer order: places whose
 *  tickets are never duplicates of each other. */
export function microPerCommunity(features) {
  const byCommunity = new Map();
  for (const f of features.filter((f) => f.properties.level === 'micro')) {
    if (!byCommunity.has(f.properties.community)) byCommunity.set(f.properties.community, f);
  }
  return [...byCommunity.values()];
}

/** GET `path` from inside the page, so the request carries its session cookie. */
export function fetchFromPage(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p);
    return { status: r.status, body: await r.json() };
  }, path);
}

/**
 * Starts a server (with `extraArgs`) and a browser, opens the launch URL and waits until the map
 * is ready. With `pauseFeed` (and `--demo-feed` among the arguments) the demo feed is then paused:
 * its history is in, and no new request changes the figures under test.
 * Returns `{ server, browser, page }`.
 */
export async function openApp({ readyTimeoutMs = 120_000, extraArgs = [], pauseFeed = false } = {}) {
  const server = await startServer({ extraArgs });
  let browser;
  try {
    browser = await launchBrowser();
    const page = browser.page;
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.binheMap !== undefined, null, { timeout: 60_000 });
    await page.waitForFunction(() => window.binheReady === true, null, { timeout: readyTimeoutMs, polling: 250 })
      .catch((e) => {
        throw new Error(`${e.message}\nbrowser problems:\n${browser.problems.join('\n')}`);
      });
    if (pauseFeed) {
      const paused = await postFromPage(page, '/api/demo/feed', { running: false, rate_per_minute: 2 });
      if (paused.status !== 200) throw new Error(`pausing the demo feed: ${JSON.stringify(paused.body)}`);
    }
    return { server, browser, page };
  } catch (e) {
    await browser?.close();
    await server.stop();
    throw e;
  }
}

/** POST `body` as JSON to `path` from inside the page (with its session cookie): `{ status, body }`. */
export function postFromPage(page, path, body) {
  return page.evaluate(async ({ p, b }) => {
    const r = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, { p: path, b: body });
}

/** GET `path` from inside the page; its body, which must have come with 200. */
export async function getOk(page, path) {
  const r = await fetchFromPage(page, path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Makes the commander `who` (`{ login, name, password }`) of `community` through the API, then
 * 切换账号 to them in the page and waits until the header names them.
 */
export async function switchToCommander(page, who, community) {
  const made = await postFromPage(page, '/api/accounts', {
    login: who.login, name: who.name, role: 'commander', community, password: who.password,
  });
  if (made.status !== 201) throw new Error(`making ${who.login}: ${JSON.stringify(made.body)}`);
  await page.locator('[data-testid="switch-account"]').click();
  await page.locator('[data-testid="login-page"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="login-login"]').fill(who.login);
  await page.locator('[data-testid="login-password"]').fill(who.password);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="account-name"]', { hasText: who.name }).waitFor({ timeout: 30_000 });
}
