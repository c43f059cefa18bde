// Shared by the desktop tests: the real smart-binhe binary in its own virtual X display,
// driven by tauri-driver and WebKitWebDriver over the W3C WebDriver protocol.
//
// Env: BINHE_DESKTOP_BIN (built smart-binhe), BINHE_UI_DIR (built ui/dist).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { artifactsDir, poll, repoRoot, requiredPath, withTimeout } from './harness.mjs';

/** A loopback TCP port nothing listened on a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A fresh folder for the app: its database, its settings (`config`, the XDG_CONFIG_HOME that
 * holds a saved center choice) and its webview's cookies and storage, so nothing comes from
 * another run or from another test running the app at the same time. Returns
 * `{ dir, config, env, remove }`; `env` starts the app there, standalone unless told otherwise.
 */
export function desktopHome() {
  const dir = mkdtempSync(join(tmpdir(), 'binhe-desktop-'));
  const config = join(dir, 'config');
  const env = {
    ...process.env,
    BINHE_DB: join(dir, 'desktop.sqlite'),
    BINHE_UI_DIR: requiredPath('BINHE_UI_DIR', join(repoRoot, 'ui', 'dist')),
    XDG_CONFIG_HOME: config,
    XDG_DATA_HOME: join(dir, 'data'),
    RUST_LOG: 'warn,smart_binhe=info',
  };
  delete env.BINHE_CENTER_URL;
  return { dir, config, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether a process of the group `pgid` still runs (a zombie has exited; only its parent has not looked). */
function groupRuns(pgid) {
  return readdirSync('/proc').some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false; // not a process, or gone meanwhile
    }
  });
}

/**
 * The process named `name` in the group `pgid` (the app that WebKitWebDriver started):
 * `{ pid, startedAt }`, `startedAt` being when the kernel made it (epoch ms, to its clock tick of
 * 10 ms), or undefined while there is none. The kernel counts a process's start in ticks since
 * boot on the monotonic clock, which Node's hrtime reads too: the two are put side by side here.
 */
export function processStart(pgid, name) {
  for (const pid of readdirSync('/proc')) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // not a process, or gone meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (comm !== name || Number(fields[2]) !== pgid) continue;
    const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString());
    const bootEpoch = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
    return { pid: Number(pid), startedAt: bootEpoch + (Number(fields[19]) / ticks) * 1000 };
  }
  return undefined;
}

/** Sends `signal` to the group `pgid` and waits up to `ms` until none of it runs. */
async function signalGroup(pgid, signal, ms) {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
  await poll(() => (groupRuns(pgid) ? undefined : true), 50, ms, 'still running').catch(() => {});
}

/**
 * Starts Xvfb and tauri-driver with `env` and opens smart-binhe with `args` in a new WebDriver
 * session: one driver per window. Returns
 * - `run(script)`: the value of `script` run in the window;
 * - `waitForWindow(check, message, ms)`: polls the window until `check(state)` holds, `state`
 *   being `{ url, title, ready, state, text, message }` (`message`: the connect page's line
 *   under its form, null elsewhere); an error while the page changes is retried;
 * - `screenshot(name)`: saves `artifacts/<name>.png`, resolves with its number of colours;
 * - `log()`: what the driver and the app wrote to stderr and stdout, without colour codes;
 * - `pgid`: the process group of all of it (xvfb-run, Xvfb, tauri-driver, WebKitWebDriver, the app);
 * - `session`: `{ requested, created }`, the wall-clock times (epoch ms) the session was asked
 *   for (the driver then starts the app) and answered;
 * - `close()`: ends the session and every process of the group.
 */
export async function openDesktop({ env, args = [] }) {
  const application = requiredPath('BINHE_DESKTOP_BIN');
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const driver = spawn(
    'xvfb-run',
    ['-a', '-s', '-screen 0 1600x1000x24', 'tauri-driver', '--port', String(port), '--native-port', String(nativePort)],
    // Its own process group, so that close() reaches the app that WebKitWebDriver starts.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env },
  );
  let output = '';
  driver.stdout.on('data', (c) => { output += c; });
  driver.stderr.on('data', (c) => { output += c; });
  // eslint-disable-next-line no-control-regex
  const log = () => output.replace(/\x1B\[[0-9;]*m/g, '');

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

  let session;
  const sessionTimes = {};
  let closing;
  const close = () => (closing ??= (async () => {
    if (session) await withTimeout(webdriver('DELETE', `/session/${session}`), 20_000, 'DELETE session').catch(() => {});
    // SIGKILL only for what SIGTERM did not end: Xvfb killed at once leaves its /tmp/.X<n>-lock.
    await signalGroup(driver.pid, 'SIGTERM', 5_000);
    await signalGroup(driver.pid, 'SIGKILL', 5_000);
  })());

  try {
    // tauri-driver passes /status on to WebKitWebDriver: an answer means both listen.
    await poll(async () => {
      if (driver.exitCode !== null || driver.signalCode !== null) {
        throw new Error(`tauri-driver did not start: xvfb-run exited (code ${driver.exitCode}, signal ${driver.signalCode})`);
      }
      try {
        if ((await fetch(`${base}/status`)).ok) return true;
      } catch { /* not listening yet */ }
      return undefined;
    }, 250, 60_000, 'tauri-driver did not start');
    sessionTimes.requested = performance.timeOrigin + performance.now();
    const created = await withTimeout(
      webdriver('POST', '/session', {
        capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application, args } } },
      }),
      120_000,
      'the desktop window did not open',
    );
    session = created.sessionId;
    sessionTimes.created = performance.timeOrigin + performance.now();
  } catch (e) {
    e.message += `\nlog:\n${log().slice(-3000)}`;
    await close();
    throw e;
  }

  const run = (script) => webdriver('POST', `/session/${session}/execute/sync`, { script, args: [] });

  async function waitForWindow(check, message, ms = 180_000) {
    let last;
    try {
      return await poll(async () => {
        try {
          last = await run(`return { url: location.href, title: document.title, ready: window.binheReady === true,
            state: document.body ? document.body.dataset.state || null : null,
            text: document.body ? document.body.innerText : '',
            message: document.getElementById('message')?.textContent ?? null };`);
          if (check(last)) return last;
        } catch (e) { last = `error: ${e.message}`; /* the page may be changing under us */ }
        return undefined;
      }, 500, ms, message);
    } catch (e) {
      e.message += `\nlast window state: ${JSON.stringify(last)?.slice(0, 600)}\nlog:\n${log().slice(-3000)}`;
      throw e;
    }
  }

  async function screenshot(name) {
    mkdirSync(artifactsDir, { recursive: true });
    const png = Buffer.from(await webdriver('GET', `/session/${session}/screenshot`), 'base64');
    const shot = join(artifactsDir, `${name}.png`);
    writeFileSync(shot, png);
    return Number(execFileSync('convert', [shot, '-format', '%k', 'info:']).toString());
  }

  return { run, waitForWindow, screenshot, log, pgid: driver.pid, session: sessionTimes, close };
}

/** How many communities and micro-grids the window's map draws: `{ communities, micro }`. */
export function drawnGrids(desktop) {
  return desktop.run(`
    const codes = (layer) => new Set(window.binheMap.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.code)).size;
    return { communities: codes('community-fill'), micro: codes('micro-fill') };
  `);
}
