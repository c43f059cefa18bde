// Terminal mode of the desktop app (issue 4): with `--center URL` the Tauri window opens the
// center's UI and the embedded server is never started; a center that does not answer gets a
// clear bilingual page that offers retry and standalone; the embedded server's
// `PUT /api/desktop/center` saves the choice and moves the window to the center.
// Runs the real binary under Xvfb through tauri-driver and WebKitWebDriver.
//
// The center is a real `binhe-server serve --center` (accounts and sessions, no launch key)
// on loopback, with one dispatcher account made by `binhe-server account add`.
//
// Env: BINHE_DESKTOP_BIN (built smart-binhe), BINHE_SERVER_BIN (built binhe-server, the
// center), BINHE_UI_DIR (built ui/dist).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sleep, startCenter } from './harness.mjs';
import { desktopHome, freePort, openDesktop } from './desktop.mjs';

const LOGIN = 'binhe-dd';
const PASSWORD = 'terminal-e2e-密码';

let home;
let center;
let desktop;

/**
 * Opens the app with these arguments (and `env`, the home's unless given), after closing the one
 * before (a fresh driver per app: one session each). Returns the app's log from then on.
 */
async function openApp(args, env = home.env) {
  await desktop?.close();
  desktop = undefined;
  desktop = await openDesktop({ env, args });
  return desktop.log;
}

const run = (script) => desktop.run(script);
const waitForWindow = (check, message, ms) => desktop.waitForWindow(check, message, ms);
const screenshot = (name) => desktop.screenshot(name);

/** Logs the dispatcher in from the window's page (same origin: the cookie is the session); the status. */
const logInFromWindow = () => run(`return (async () => {
  const r = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: ${JSON.stringify(LOGIN)}, password: ${JSON.stringify(PASSWORD)}, terminal: '金海社区指挥终端' }) });
  return r.status;
})();`);

/** The TCP ports the running smart-binhe processes of this test listen on. */
function appListeningPorts() {
  const ps = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,comm=']).toString();
  const pids = ps.split('\n').map((l) => l.trim().split(/\s+/))
    .filter(([, pgid, comm]) => pgid === String(desktop.pgid) && comm === 'smart-binhe').map(([pid]) => pid);
  assert.ok(pids.length > 0, `no smart-binhe process under the driver:\n${ps}`);
  // WebKitWebDriver has WebKit listen for its automation (WEBKIT_INSPECTOR_SERVER): not ours.
  const inspector = pids.map((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    .find((v) => v.startsWith('WEBKIT_INSPECTOR_SERVER='))?.split('=')[1]).filter(Boolean);
  const ss = execFileSync('ss', ['-ltnpH']).toString();
  return ss.split('\n').filter((l) => pids.some((pid) => l.includes(`pid=${pid},`)))
    .map((l) => l.trim().split(/\s+/)[3]).filter((address) => !inspector.includes(address));
}

const settingsFile = () => join(home.config, 'smart-binhe', 'desktop.json');
const savedChoice = () => (existsSync(settingsFile()) ? JSON.parse(readFileSync(settingsFile(), 'utf8')) : null);

before(async () => {
  home = desktopHome();
  center = await startCenter([{ login: LOGIN, name: '滨河调度员', password: PASSWORD, role: 'dispatcher' }]);
  assert.doesNotMatch(center.url, /key=/, 'a center has no launch key');
});

after(async () => {
  await desktop?.close();
  await center?.stop();
  home?.remove();
});

/** The window is on the center's page (served to anyone, so its login can load). */
const onCenter = (s) => s.url.startsWith(`${center.origin}/`) && /智慧滨河/.test(s.title);

test('--center opens the center in the window and never starts the embedded server', async () => {
  const log = await openApp(['--center', center.url]);
  // The center's UI asks for its session and shows the login.
  await waitForWindow((s) => onCenter(s) && /账号登录/.test(s.text), 'the window never showed the center\'s login', 60_000);
  await screenshot('desktop-terminal-login');

  // Not logged in yet: the center answers the API only to a session.
  const before = await run(`return (async () => (await fetch('/api/session')).status)();`);
  assert.equal(before, 401);
  // Log in from the window as a terminal would (same origin, the cookie is the session).
  assert.equal(await logInFromWindow(), 200);
  const session = await run(`return (async () => (await fetch('/api/session')).json())();`);
  assert.equal(session.mode, 'center');
  assert.equal(session.account.login, LOGIN);
  await run('location.reload(); return true;');
  const shown = await waitForWindow((s) => onCenter(s) && s.ready, 'the center UI never became ready in the desktop window');
  assert.equal(new URL(shown.url).origin, center.origin);
  const colours = await screenshot('desktop-terminal');
  assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);

  // The app's stdout (SMART_BINHE_URL= / SMART_BINHE_CENTER= lines) does not pass through
  // WebKitWebDriver; its log on stderr does.
  assert.match(log(), new RegExp(`terminal mode: the window opens the center center=${center.url}`));
  assert.doesNotMatch(log(), /embedded server started/, 'terminal mode must not start the embedded server');
  assert.deepEqual(appListeningPorts(), [], 'the terminal listens on no port');
  assert.equal(savedChoice(), null, 'a --center argument is not saved as the choice');
});

test('a center that does not answer gets a bilingual page; standalone this time starts the embedded server', async () => {
  const closed = await freePort();
  const gone = `http://127.0.0.1:${closed}/`;
  const log = await openApp(['--center', gone]);
  const page = await waitForWindow((s) => s.state === 'unreachable', 'no "cannot reach the center" page', 60_000);
  assert.match(page.text, /无法连接中心服务器/);
  assert.match(page.text, /The center server does not answer/);
  assert.ok(page.text.includes(gone), page.text);
  assert.match(page.text, /拒绝连接|refused/);
  assert.match(page.text, /重试 Retry/);
  assert.match(page.text, /本次改用本机模式/);
  assert.ok((await screenshot('desktop-terminal-unreachable')) > 50);
  assert.doesNotMatch(log(), /embedded server started/);

  await run(`document.getElementById('standalone-once').click(); return true;`);
  const standalone = await waitForWindow(
    (s) => /^http:\/\/127\.0\.0\.1:\d+\/$/.test(s.url) && s.ready,
    'standalone did not start from the error page',
  );
  assert.notEqual(new URL(standalone.url).origin, center.origin);
  assert.match(log(), /embedded server started address=127\.0\.0\.1:\d+/);
  assert.equal(appListeningPorts().length, 1, 'now the embedded server listens');
  assert.equal(savedChoice(), null, '"this time" saves nothing');

  // The embedded server's window moves itself to a center: the choice is saved.
  const answer = await run(`return (async () => {
    const r = await fetch('/api/desktop/center', { method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'center:8080' }) });
    return { status: r.status, body: await r.json() };
  })();`);
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.field, 'url');
  await run(`fetch('/api/desktop/center', { method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: ${JSON.stringify(center.url)} }) }); return true;`);
  await waitForWindow(onCenter, 'PUT /api/desktop/center did not move the window');
  assert.deepEqual(savedChoice(), { center_url: center.url });
});

test('on the "cannot reach" page another address is checked, refused in both languages, or saved and opened', async () => {
  rmSync(settingsFile(), { force: true }); // nothing saved yet (the test before saved one)
  const gone = `http://127.0.0.1:${await freePort()}/`;
  await openApp(['--center', gone]);
  await waitForWindow((s) => s.state === 'unreachable', 'no "cannot reach the center" page', 60_000);
  const submit = (url) => run(`
    document.getElementById('url').value = ${JSON.stringify(url)};
    document.getElementById('connect').requestSubmit();
    return true;`);
  // The page's own explanation may already say 拒绝连接: wait on the line under the form.
  const message = () => waitForWindow(
    (s) => /不是有效|拒绝连接/.test(s.message ?? ''),
    'no message under the form',
    30_000,
  );
  await submit('center:8080');
  const bad = await message();
  assert.match(bad.message, /“center:8080”不是有效的中心服务器地址/);
  assert.match(bad.message, /Not a valid center URL/);
  await sleep(1_500); // let WebKit paint the message before the screenshot
  await screenshot('desktop-terminal-bad-address');
  assert.equal(savedChoice(), null);

  await submit(center.url);
  await waitForWindow(onCenter, 'the typed center was not opened');
  assert.deepEqual(savedChoice(), { center_url: center.url }, 'a typed center that answers is saved');
});

test('the saved choice is used at the next start', async () => {
  assert.ok(savedChoice()?.center_url, 'the previous tests saved a center');
  const log = await openApp([]);
  await waitForWindow(onCenter, 'the saved center was not opened');
  assert.doesNotMatch(log(), /embedded server started/);
  // --standalone overrides it for one start without changing it.
  const log2 = await openApp(['--standalone']);
  await waitForWindow(
    (s) => /^http:\/\/127\.0\.0\.1:\d+\/$/.test(s.url) && new URL(s.url).origin !== center.origin && s.ready,
    'no standalone window',
  );
  assert.match(log2(), /embedded server started/);
  assert.deepEqual(savedChoice(), { center_url: center.url });
});

test('a center over HTTPS with a certificate of its own: its fingerprint is shown, trusted once, kept, and another one stops the window', async () => {
  const secure = await startCenter([{ login: LOGIN, name: '滨河调度员', password: PASSWORD, role: 'dispatcher' }], { tls: true });
  try {
    assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(secure.fingerprint ?? '', /^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const onSecure = (s) => s.url.startsWith(`${secure.origin}/`) && /智慧滨河/.test(s.title);
    const key = new URL(secure.url).host;

    // First connection: the shell shows the certificate's fingerprint and waits for the person.
    await openApp(['--center', secure.url]);
    const asking = await waitForWindow((s) => s.state === 'trust', 'no "check the certificate" page', 60_000);
    assert.ok(asking.text.includes(secure.fingerprint), asking.text);
    assert.match(asking.text, /首次连接：请核对中心的证书/);
    assert.match(asking.text, /No authority this PC trusts signed this certificate/);
    assert.doesNotMatch(asking.text, /证书与地址不符/);
    assert.match(asking.text, /First connection: check the center's certificate/);
    assert.equal(savedChoice()?.pins?.[key], undefined, 'nothing is trusted before the person says so');
    await sleep(1_500);
    assert.ok((await screenshot('desktop-terminal-trust')) > 50);
    // Tauri's IPC sends a request again when the answer to the first is lost to the navigation
    // the request itself caused: the trust button's request, sent twice under its one name.
    await run(`const args = { url: ${JSON.stringify(secure.url)}, fingerprint: ${JSON.stringify(secure.fingerprint)}, attempt: 'trust-1' };
      window.__TAURI_INTERNALS__.invoke('trust_center', args);
      window.__TAURI_INTERNALS__.invoke('trust_center', args);
      return true;`);
    await waitForWindow(onSecure, 'the trusted center was not opened');
    const told = (line) => (desktop.log().match(new RegExp(line, 'g')) ?? []).length;
    assert.equal(told('center certificate trusted'), 1, 'trusted once');
    assert.equal(told('the window opens the center'), 2, 'opened at the start and once trusted');
    // Our second sending, and the IPC's own when the first answer was lost to the navigation.
    assert.ok(told('sent again: answered, not repeated') >= 1);
    assert.equal(savedChoice().pins[key], secure.fingerprint, 'the trusted certificate is kept');
    // The center's API answers the window over HTTPS.
    assert.equal(await run("return (async () => (await fetch('/api/session')).status)();"), 401);

    // The next start opens it straight away: the pinned certificate is accepted.
    await openApp(['--center', secure.url]);
    await waitForWindow(onSecure, 'the pinned center was not opened at the next start');
    // Its login page comes once the app has loaded and asked for the session: waited for, as
    // a loaded machine takes longer than any fixed pause (2 s was too short once, at load 8).
    await waitForWindow((s) => onSecure(s) && /账号登录/.test(s.text), 'no login page on the pinned center', 60_000);

    // Another certificate than the pinned one stops the window with both fingerprints.
    const settings = savedChoice();
    const other = `SHA256:${Array(32).fill('00').join(':')}`;
    settings.pins[key] = other;
    writeFileSync(settingsFile(), JSON.stringify(settings));
    await openApp(['--center', secure.url]);
    const warned = await waitForWindow((s) => s.state === 'changed', 'no "another certificate" warning', 60_000);
    assert.ok(warned.text.includes(other) && warned.text.includes(secure.fingerprint), warned.text);
    assert.match(warned.text, /中心的证书与上次信任的不同/);
    await sleep(1_500);
    assert.ok((await screenshot('desktop-terminal-certificate-changed')) > 50);
    assert.ok(!warned.url.startsWith(secure.origin), 'the window does not open the center');
  } finally {
    await secure.stop();
  }
});

/**
 * A certificate authority made now with openssl in a temp folder (as a district's CA): `ca` is
 * its certificate (PEM), `issue(name, subjectAltName)` makes a server certificate it signs:
 * `{ cert, key }` files. Nothing of it is kept after `remove()`.
 */
function makeAuthority() {
  const dir = mkdtempSync(join(tmpdir(), 'binhe-ca-'));
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '30',
    '-subj', '/CN=Binhe district e2e CA');
  const issue = (name, subjectAltName) => {
    openssl('req', ...ecKey, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`),
      `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-days', '30', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  };
  return { ca: join(dir, 'ca.pem'), issue, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a center whose certificate an authority this computer trusts signed opens with no trust page and no pin; one for another host still asks', async () => {
  const authority = makeAuthority();
  const accounts = [{ login: LOGIN, name: '滨河调度员', password: PASSWORD, role: 'dispatcher' }];
  const vouched = await startCenter(accounts, { certificate: authority.issue('center', 'IP:127.0.0.1,DNS:localhost') });
  let elsewhere;
  try {
    assert.match(vouched.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    const onVouched = (s) => s.url.startsWith(`${vouched.origin}/`) && /智慧滨河/.test(s.title);
    const key = new URL(vouched.url).host;
    // The district's CA installed for this app only (rustls-native-certs reads SSL_CERT_FILE
    // instead of the system's store); WebKit's own trust database (glib-networking) never
    // hears of it: the shell has it accept exactly the certificate rustls verified.
    const trusting = { ...home.env, SSL_CERT_FILE: authority.ca };
    mkdirSync(dirname(settingsFile()), { recursive: true });
    writeFileSync(settingsFile(), JSON.stringify({ center_url: center.url }));

    // Straight to the center: the trust page waits for the person, so a window that reaches
    // the center never showed it.
    const log = await openApp(['--center', vouched.url], trusting);
    await waitForWindow(onVouched, 'the center with a certificate from a trusted authority was not opened', 60_000);
    assert.match(log(), /verifies against the authorities this computer trusts: opened without asking/);
    assert.equal(savedChoice().pins?.[key], undefined, 'nothing is pinned');
    // The center's API answers the window over HTTPS; log in and the map comes up.
    assert.equal(await run("return (async () => (await fetch('/api/session')).status)();"), 401);
    assert.equal(await logInFromWindow(), 200);
    await run('location.reload(); return true;');
    await waitForWindow((s) => onVouched(s) && s.ready, 'the map never came up over the verified certificate');
    const colours = await screenshot('desktop-terminal-ca-verified');
    assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);

    // A pin kept from when the center had a certificate of its own: the center opens all the
    // same, with no warning, and the pin is dropped.
    const stale = `SHA256:${Array(32).fill('AB').join(':')}`;
    writeFileSync(settingsFile(), JSON.stringify({ center_url: center.url, pins: { [key]: stale, 'other.example:443': stale } }));
    const log2 = await openApp(['--center', vouched.url], trusting);
    await waitForWindow(onVouched, 'a center pinned before and now verified was not opened', 60_000);
    assert.match(log2(), /pin dropped/);
    assert.deepEqual(savedChoice().pins, { 'other.example:443': stale }, 'only its own stale pin is dropped');

    // Without the CA installed the same certificate is trust on first use, as before.
    await openApp(['--center', vouched.url]);
    const unknown = await waitForWindow((s) => s.state === 'trust', 'no trust page for a CA this computer does not trust', 60_000);
    assert.ok(unknown.text.includes(vouched.fingerprint), unknown.text);
    assert.match(unknown.text, /没有本机信任的机构签名/);
    assert.doesNotMatch(unknown.text, /证书与地址不符/);

    // The same CA, but a certificate for another host name: the chain verifies, the name does
    // not, so the person is asked.
    elsewhere = await startCenter(accounts, { certificate: authority.issue('elsewhere', 'DNS:wrong-host.binhe.example') });
    await openApp(['--center', elsewhere.url], trusting);
    const asking = await waitForWindow((s) => s.state === 'trust', 'no trust page for a certificate of another host', 60_000);
    assert.ok(asking.text.includes(elsewhere.fingerprint), asking.text);
    assert.match(asking.text, /首次连接：请核对中心的证书/);
    // Said as the warning it is: a trusted authority's certificate, but for another address.
    assert.match(asking.text, /证书与地址不符/);
    assert.match(asking.text, /does not match the address/);
    assert.doesNotMatch(asking.text, /No authority this PC trusts signed/);
    assert.equal(savedChoice().pins?.[new URL(elsewhere.url).host], undefined);
    await sleep(1_500);
    assert.ok((await screenshot('desktop-terminal-ca-wrong-host')) > 50);
  } finally {
    await elsewhere?.stop();
    await vouched.stop();
    authority.remove();
  }
});
