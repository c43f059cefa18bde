// make bench-desktop (issue 19): how long the desktop app takes from its launch to a ready map,
// against opening the same UI in Chromium from an already-running server — the shell's own
// cost — with the release builds, both sides in one run.
//
// Sides, each round (ROUNDS, 5; a first round warms the machine's file cache and is not counted):
//   - desktop, first start: the release smart-binhe in demo mode on a fresh home (no database:
//     it makes one, loads the demo street and plays two weeks of history into it), in its own
//     Xvfb, started by tauri-driver and WebKitWebDriver;
//   - desktop, usual start: the same on a fresh home holding the database a first start left
//     (the warm-up round's), as every later start finds it;
//   - Chromium: headless Chromium (software GL, as the browser tests run it) in a fresh profile
//     opening the UI of a release binhe-server started once before the rounds, in demo mode
//     on a copy of that same database.
// Both webviews and both profiles start with nothing cached (the desktop's XDG data and cache
// folders are fresh, so are Mesa's shaders), and both show the map at 1440×900 (the desktop
// window's size).
//
// Times, wall clock (epoch ms) throughout:
//   - the desktop's launch is when the kernel made its process (/proc/<pid>/stat), not when the
//     WebDriver session was asked for: the driver's own start of it is reported apart, not counted;
//   - ready is the page's `binhe-ready` performance mark (set beside `window.binheReady`), read
//     afterwards, so how often the bench looks does not count;
//   - the desktop's breakdown: process made → its first log line (`connection at start`) →
//     `embedded server started` → the page's navigation start (window and web process); then,
//     from navigation start, DOMContentLoaded, load, the wasm in, ready. Chromium's: launch
//     asked → navigation start, then the same. (The map's GeoJSON is fetched by MapLibre's worker,
//     whose requests are not in the page's timeline: --json lists the page's own answers.)
// Prints medians and the ratios desktop / Chromium; --json writes everything to a file.
//
//   BINHE_DESKTOP_BIN=…/release/smart-binhe BINHE_SERVER_BIN=…/release/binhe-server BINHE_UI_DIR=…/ui/dist \
//     node bench/desktop_start.mjs [--rounds 5] [--json out.json]

import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { desktopHome, openDesktop, processStart } from '../desktop.mjs';
import {
  freshDatabase, isLocalUrl, launchBrowser, offLoopback, poll, startServer,
} from '../harness.mjs';
import { median, option } from './common.mjs';

const ROUNDS = Number(option('rounds', 5));
const JSON_OUT = option('json', null);
/** The desktop window's inner size (src-tauri/src/main.rs), Chromium's viewport too. */
const VIEWPORT = { width: 1440, height: 900 };
const READY_WAIT_MS = 300_000;

const now = () => performance.timeOrigin + performance.now();

/**
 * Run in the page (a function body, for WebDriver and for playwright alike): null until the map
 * is ready, then its times in the page's clock and the resources it loaded.
 */
const PAGE_TIMES = `
  const ready = performance.getEntriesByName('binhe-ready')[0];
  if (!ready) return null;
  const nav = performance.getEntriesByType('navigation')[0];
  const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
  return {
    origin: performance.timeOrigin,
    responseEnd: nav ? nav.responseEnd : null,
    domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
    load: nav ? nav.loadEventEnd : null,
    wasm: wasm ? wasm.responseEnd : null,
    ready: ready.startTime,
    url: location.href,
    resources: performance.getEntriesByType('resource').map((r) => ({ name: r.name, start: r.startTime, end: r.responseEnd })),
  };`;

/** The page's times as offsets from its navigation start, and the epoch of that start and of ready. */
function pageFigures(t) {
  const stray = [t.url, ...t.resources.map((r) => r.name)].filter((u) => !isLocalUrl(u));
  if (stray.length > 0) throw new Error(`the page asked beyond loopback: ${stray.join(', ')}`);
  return {
    navigationStart: t.origin,
    readyAt: t.origin + t.ready,
    navToResponseMs: t.responseEnd,
    navToDomContentLoadedMs: t.domContentLoaded,
    navToLoadMs: t.load,
    navToWasmMs: t.wasm,
    navToReadyMs: t.ready,
    resources: t.resources.length,
    // Each answer the page's own timeline holds (a worker's are in the worker's): for --json.
    answers: t.resources.map((r) => ({ path: new URL(r.name).pathname, startMs: r.start, endMs: r.end })),
  };
}

/** The epoch of the first log line matching `pattern` (tracing's UTC timestamps), else null. */
function logTime(log, pattern) {
  for (const line of log.split('\n')) {
    if (pattern.test(line)) {
      const stamp = line.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z)/)?.[1];
      if (stamp) return Date.parse(stamp);
    }
  }
  return null;
}

/** The SQLite file `from` and its write-ahead files, copied to `db`. */
function copyDatabase(from, db) {
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, db + suffix);
  }
}

/**
 * Starts the desktop app on a fresh home (holding a copy of `database` if given) and waits for
 * its map. Answers the figures; with `keep`, also the home (`home`, with its database once the
 * app is closed), which the caller removes.
 */
async function desktopRound(database, { keep = false } = {}) {
  const home = desktopHome();
  // Nothing cached from another run: WebKit's caches and Mesa's shader cache live here.
  const env = { ...home.env, XDG_CACHE_HOME: join(home.dir, 'cache') };
  if (database) copyDatabase(database, env.BINHE_DB);
  let desktop;
  let handedOver = false;
  try {
    desktop = await openDesktop({ env });
    const app = await poll(() => processStart(desktop.pgid, 'smart-binhe'), 20, 10_000, 'no smart-binhe process in the driver\'s group');
    const times = await poll(async () => {
      try {
        return (await desktop.run(PAGE_TIMES)) ?? undefined;
      } catch {
        return undefined; // the page may be changing under us
      }
    }, 250, READY_WAIT_MS, 'the desktop map never became ready');
    const page = pageFigures(times);
    const log = desktop.log();
    const firstLog = logTime(log, /connection at start/);
    const serverStarted = logTime(log, /embedded server started/);
    if (firstLog === null || serverStarted === null) throw new Error(`the app's start lines are missing from its log:\n${log.slice(-3000)}`);
    handedOver = keep;
    return {
      ...page,
      launchToReadyMs: page.readyAt - app.startedAt,
      driverToProcessMs: app.startedAt - desktop.session.requested,
      sessionToReadyMs: page.readyAt - desktop.session.requested,
      processToFirstLogMs: firstLog - app.startedAt,
      firstLogToServerMs: serverStarted - firstLog,
      serverToNavigationMs: page.navigationStart - serverStarted,
      ...(keep ? { home, db: env.BINHE_DB } : {}),
    };
  } finally {
    // Closing ends the app with SIGTERM, so its embedded server folds the database together.
    await desktop?.close();
    if (!handedOver) home.remove();
  }
}

/** Headless Chromium in a fresh profile opening `server`'s UI: the figures. */
async function chromiumRound(server) {
  const launchAsked = now();
  // Requests recorded, not intercepted: each passing through the driver would slow the page.
  const browser = await launchBrowser({ viewport: VIEWPORT, intercept: false });
  try {
    const { page } = browser;
    await page.goto(server.url, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('binhe-ready').length > 0, null, { timeout: READY_WAIT_MS, polling: 250 });
    const figures = pageFigures(await page.evaluate(`(() => {${PAGE_TIMES}})()`));
    const stray = offLoopback(browser);
    if (stray.length > 0) throw new Error(`Chromium asked beyond loopback: ${stray.join(', ')}`);
    return {
      ...figures,
      launchToReadyMs: figures.readyAt - launchAsked,
      launchToNavigationMs: figures.navigationStart - launchAsked,
    };
  } finally {
    await browser.close();
  }
}

const load = { before: loadavg() };
const rounds = { first: [], usual: [], chromium: [] };
let server;
let template;
try {
  // Warm-up (not counted): binaries and UI files into the file cache, and the database every
  // usual start and the server begin from.
  console.log('warm-up: a desktop first start');
  template = await desktopRound(null, { keep: true });
  const database = freshDatabase();
  copyDatabase(template.db, database.db);
  // Demo mode as the desktop runs it: requests keep arriving (the database's history is there).
  server = await startServer({ database, extraArgs: ['--demo-feed'] });
  console.log('warm-up: Chromium');
  await chromiumRound(server);
  for (let r = 0; r < ROUNDS; r += 1) {
    // Every other round the other way round, so no side always follows the same one.
    const order = r % 2 === 0 ? ['first', 'usual', 'chromium'] : ['chromium', 'usual', 'first'];
    for (const side of order) {
      const loadBefore = loadavg()[0];
      const figures = side === 'chromium'
        ? await chromiumRound(server)
        : await desktopRound(side === 'usual' ? template.db : null);
      // What else the machine was doing: the 1-minute load average as the side began.
      rounds[side].push({ ...figures, load1: loadBefore });
      console.log(`round ${r + 1} ${side.padEnd(8)} ready ${(figures.launchToReadyMs / 1000).toFixed(2)} s after launch`
        + ` (${(figures.navToReadyMs / 1000).toFixed(2)} s after navigation start), load ${loadBefore.toFixed(2)} before`);
    }
  }
} finally {
  await server?.stop();
  template?.home.remove();
}
load.after = loadavg();

const keys = (side) => Object.keys(rounds[side][0]).filter((k) => typeof rounds[side][0][k] === 'number' && !['navigationStart', 'readyAt', 'load1'].includes(k));
const summary = Object.fromEntries(Object.keys(rounds).map((side) => [
  side,
  Object.fromEntries(keys(side).map((k) => [k, median(rounds[side].map((m) => m[k]))])),
]));
const ratios = {
  usualVsChromiumLaunch: summary.usual.launchToReadyMs / summary.chromium.launchToReadyMs,
  usualVsChromiumNavigation: summary.usual.launchToReadyMs / summary.chromium.navToReadyMs,
  firstVsChromiumLaunch: summary.first.launchToReadyMs / summary.chromium.launchToReadyMs,
  pageUsualVsChromium: summary.usual.navToReadyMs / summary.chromium.navToReadyMs,
};

const s = (ms) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
const page = (m) => `navigation start → DOMContentLoaded ${s(m.navToDomContentLoadedMs)}, load ${s(m.navToLoadMs)},`
  + ` wasm in ${s(m.navToWasmMs)}, ready ${s(m.navToReadyMs)}`;
const loads = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`\ndesktop start against Chromium (${ROUNDS} rounds, medians; load average ${loads(load.before)} before, ${loads(load.after)} after)`);
for (const [side, name] of [['first', 'desktop, first start'], ['usual', 'desktop, usual start']]) {
  const m = summary[side];
  console.log(`  ${name}: launch → ready ${s(m.launchToReadyMs)}`);
  console.log(`    process → first log line ${s(m.processToFirstLogMs)}, → embedded server started ${s(m.firstLogToServerMs)},`
    + ` → navigation start ${s(m.serverToNavigationMs)};`);
  console.log(`    ${page(m)}`);
  console.log(`    not counted: WebDriver session asked → process made ${m.driverToProcessMs.toFixed(0)} ms`
    + ` (the kernel's start time, to its 10 ms tick; session asked → ready ${s(m.sessionToReadyMs)})`);
}
{
  const m = summary.chromium;
  console.log(`  Chromium, running server: launch → ready ${s(m.launchToReadyMs)}`);
  console.log(`    launch asked → navigation start ${s(m.launchToNavigationMs)}`);
  console.log(`    ${page(m)}`);
}
console.log(`  ratio desktop usual start / Chromium launch → ready      ${ratios.usualVsChromiumLaunch.toFixed(2)}×`);
console.log(`  ratio desktop usual start / Chromium navigation → ready  ${ratios.usualVsChromiumNavigation.toFixed(2)}×`);
console.log(`  ratio desktop first start / Chromium launch → ready      ${ratios.firstVsChromiumLaunch.toFixed(2)}×`);
console.log(`  ratio page alone (navigation → ready), WebKitGTK / Chromium ${ratios.pageUsualVsChromium.toFixed(2)}×`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ rounds: ROUNDS, load, summary, ratios, all: rounds }, null, 2));
