// The desktop app itself: the Tauri binary under Xvfb, driven by tauri-driver and
// WebKitWebDriver over the W3C WebDriver protocol, shows the grid map in its window, and the
// desk's alerts reach the system's notification service (org.freedesktop.Notifications on a
// session bus of the test's own, watched with dbus-monitor).
//
// Env: BINHE_DESKTOP_BIN (built smart-binhe), BINHE_UI_DIR (built ui/dist).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { desktopHome, drawnGrids, openDesktop } from './desktop.mjs';
import { poll } from './harness.mjs';

// Its own home: a saved center choice (terminal mode) must not move this window.
let home;
let desktop;
let bus;
let monitor;
let notified = '';

before(async () => {
  home = desktopHome();
  // A session bus of this test's own: what the app sends the notification service is heard here.
  const [address, pid] = execFileSync('dbus-daemon', ['--session', '--fork', '--nopidfile', '--print-address=1', '--print-pid=1'])
    .toString().trim().split('\n');
  bus = { address, pid: Number(pid) };
  monitor = spawn('dbus-monitor', ['--address', address, "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"]);
  monitor.stdout.on('data', (c) => { notified += c; });
  desktop = await openDesktop({ env: { ...home.env, DBUS_SESSION_BUS_ADDRESS: address } });
});

after(async () => {
  await desktop?.close();
  monitor?.kill();
  if (bus) {
    try { process.kill(bus.pid); } catch { /* gone */ }
  }
  home?.remove();
});

test('desktop window shows the offline grid map of all communities and micro-grids', async () => {
  const ready = await desktop.waitForWindow((s) => s.ready, 'the map in the desktop window never became ready');
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'the window shows the in-process loopback server');
  assert.match(ready.title, /智慧滨河/);

  const counts = await drawnGrids(desktop);
  assert.deepEqual(counts, { communities: 15, micro: 312 });

  // A drawn map has many colours; a blank or error page has a handful.
  const colours = await desktop.screenshot('desktop-window');
  assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);
});

test('an urgent ticket reaches the system notifications', async () => {
  await desktop.waitForWindow((s) => s.ready, 'the desk never became ready');
  // The window does not ask: the desk's pages reach the notification plugin through the IPC.
  const made = await desktop.run(`return (async () => {
    const grids = await (await fetch('/api/grids.geojson')).json();
    const micro = grids.features.find((f) => f.properties.level === 'micro');
    const ring = micro.geometry.type === 'Polygon' ? micro.geometry.coordinates[0] : micro.geometry.coordinates[0][0];
    const [lon, lat] = ring.reduce(([x, y], [a, b]) => [x + a / ring.length, y + b / ring.length], [0, 0]);
    const r = await fetch('/api/tickets', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'hotline', external_id: 'BJ12345-DESKTOP-ALERT', category: 'street_light',
        description: '桥下路灯全部熄灭', urgency: 'urgent', lon, lat }) });
    return { status: r.status, body: await r.json() };
  })();`);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const title = `新的紧急工单 #${made.body.ticket.id}`;
  await poll(() => (notified.includes(`string "${title}"`) ? true : undefined), 250, 60_000, `no Notify "${title}"`)
    .catch((e) => {
      throw new Error(`${e.message} on the session bus; heard:\n${notified.slice(-2000)}\nlog:\n${desktop.log().slice(-2000)}`);
    });
  // Sent by the app (its name from tauri.conf.json), with the ticket's category and description.
  const call = notified.slice(notified.lastIndexOf('member=Notify'));
  assert.match(call, /string "smart-binhe"/);
  assert.match(call, /路灯[\s\S]*桥下路灯全部熄灭/);
  assert.doesNotMatch(desktop.log(), /content security policy violation/, 'the IPC is not refused by the page\'s policy');
});
