// The offline outbox in the desktop app in terminal mode (WebKitGTK, not Chromium): a report
// kept in the window's IndexedDB outbox (written there by this script in the outbox's own
// record format, as the UI keeps a report made while the center does not answer) survives a
// restart of the app, and the restarted UI sends it to the center once, with its
// Idempotency-Key, and empties the outbox. Runs the real binary under Xvfb through
// tauri-driver and WebKitWebDriver, against a real `binhe-server serve --center`.
//
// Env: BINHE_DESKTOP_BIN, BINHE_SERVER_BIN, BINHE_UI_DIR.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callApi, poll, pointInside, sessionToken, sleep, startCenter } from './harness.mjs';
import { desktopHome, openDesktop } from './desktop.mjs';

const WHO = { login: 'binhe-offline', name: '滨河调度员', password: 'offline-e2e-密码' };

let home;
let center;
let desktop;
let token;

before(async () => {
  home = desktopHome();
  center = await startCenter([{ ...WHO, role: 'dispatcher' }]);
  token = await sessionToken(center, WHO);
});

after(async () => {
  await desktop?.close();
  await center?.stop();
  home?.remove();
});

const onCenter = (s) => s.url.startsWith(`${center.origin}/`) && s.ready;

/** Opens the app in terminal mode (the same home, so the same webview storage) until the UI is up. */
async function openTerminal() {
  await desktop?.close();
  desktop = await openDesktop({ env: home.env, args: ['--center', center.url] });
  await desktop.waitForWindow((s) => s.url.startsWith(`${center.origin}/`), 'the window never showed the center');
}

/** Signs in from the window (same origin: the cookie is the session) and reloads the UI. */
async function signIn() {
  const login = await desktop.run(`return (async () => (await fetch('/api/login', { method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: ${JSON.stringify(WHO.login)}, password: ${JSON.stringify(WHO.password)}, terminal: '离线测试终端' }) })).status)();`);
  assert.equal(login, 200);
  await desktop.run('location.reload(); return true;');
}

/** The window's outbox records (`[]` before the UI made its store). */
const outbox = () => desktop.run(`return (async () => new Promise((resolve, reject) => {
  const open = indexedDB.open('smart-binhe-offline');
  open.onerror = () => reject(String(open.error));
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('outbox')) { db.close(); resolve([]); return; }
    const all = db.transaction('outbox').objectStore('outbox').getAll();
    all.onsuccess = () => { db.close(); resolve(all.result); };
    all.onerror = () => reject(String(all.error));
  };
}))();`);

test('a report kept in the outbox survives a restart of the desktop app and is taken in once', async () => {
  await openTerminal();
  await sleep(3_000);
  await signIn();
  await desktop.waitForWindow(onCenter, 'the center UI never became ready in the desktop window');
  await poll(async () => ((await desktop.run(`return (async () => (await indexedDB.databases()).map((d) => d.name))();`))
    .includes('smart-binhe-offline') ? true : undefined), 250, 30_000, 'the UI opened its outbox');

  const micro = (await callApi(center, token, 'GET', '/api/grids.geojson')).body.features.find((f) => f.properties.level === 'micro');
  const [lon, lat] = pointInside(micro);
  const category = (await callApi(center, token, 'GET', '/api/catalogue')).body.categories[0].code;
  const description = `桌面离线上报 ${Date.now()}`;
  const record = {
    key: '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e', seq: Date.now(), method: 'POST', path: '/api/tickets',
    body: JSON.stringify({ channel: 'hotline', external_id: `BJ12345-E2E-DESKTOP-${Date.now()}`, category, urgency: 'normal', description, lon, lat, reporter_name: '吴先生', reporter_phone: '13900000000' }),
    kind: 'report', ticket: null, version: null, made_at: new Date().toISOString(), status: 'queued',
    error: null, current: null, account: WHO.login,
  };
  await desktop.run(`return (async () => new Promise((resolve, reject) => {
    const open = indexedDB.open('smart-binhe-offline');
    open.onsuccess = () => {
      const tx = open.result.transaction('outbox', 'readwrite');
      tx.objectStore('outbox').put(${JSON.stringify(record)});
      tx.oncomplete = () => { open.result.close(); resolve(true); };
      tx.onerror = () => reject(String(tx.error));
    };
    open.onerror = () => reject(String(open.error));
  }))();`);
  assert.equal((await outbox()).length, 1);

  // The app is closed and started again: the same webview storage, a fresh UI; the kept
  // report goes out under its author's session only, so they sign in again if theirs ended.
  await openTerminal();
  await sleep(3_000);
  if ((await desktop.run(`return (async () => (await fetch('/api/session')).status)();`)) !== 200) {
    await signIn();
  }
  await desktop.waitForWindow(onCenter, 'the center UI never became ready after the restart');
  await poll(async () => ((await outbox()).length === 0 ? true : undefined), 500, 60_000, 'the outbox was sent and emptied')
    .catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await outbox())}`);
    });
  const list = (await callApi(center, token, 'GET', "/api/tickets?scope=open&limit=5000")).body;
  const taken = list.tickets.filter((t) => t.description === description);
  console.log(`desktop restart: 1 report kept, taken in ${taken.length} time(s), outbox left ${(await outbox()).length}`);
  assert.equal(taken.length, 1, 'taken in exactly once');
});
