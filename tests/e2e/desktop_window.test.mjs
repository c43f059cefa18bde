// The desktop app itself: the Tauri binary under Xvfb, driven by tauri-driver and
// WebKitWebDriver over the W3C WebDriver protocol, shows the grid map in its window.
//
// Env: BINHE_DESKTOP_BIN (built smart-binhe), BINHE_UI_DIR (built ui/dist).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { desktopHome, openDesktop } from './desktop.mjs';

// Its own home: a saved center choice (terminal mode) must not move this window.
let home;
let desktop;

before(async () => {
  home = desktopHome();
  desktop = await openDesktop({ env: home.env });
});

after(async () => {
  await desktop?.close();
  home?.remove();
});

test('desktop window shows the offline grid map of all communities and micro-grids', async () => {
  const ready = await desktop.waitForWindow((s) => s.ready, 'the map in the desktop window never became ready');
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'the window shows the in-process loopback server');
  assert.match(ready.title, /智慧滨河/);

  const counts = await desktop.run(`
    const codes = (layer) => new Set(window.binheMap.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.code)).size;
    return { communities: codes('community-fill'), micro: codes('micro-fill') };
  `);
  assert.deepEqual(counts, { communities: 15, micro: 312 });

  // A drawn map has many colours; a blank or error page has a handful.
  const colours = await desktop.screenshot('desktop-window');
  assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);
});
