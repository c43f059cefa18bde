// make package-test: the Debian package `make package` made, installed with apt as a user would,
// then the installed app started from /usr/bin under Xvfb (tauri-driver, WebKitWebDriver) with
// nothing from the repository: no BINHE_UI_DIR, so it serves the optimised UI the package
// carries. Removed again at the end.
//
//   BINHE_DEB=…/smart-binhe_0.1.0_amd64.deb node --test installed.test.mjs
//
// Runs as root or with sudo (apt). Screenshot: tests/e2e/artifacts/package-installed.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { desktopHome, drawnGrids, openDesktop } from '../e2e/desktop.mjs';

const deb = process.env.BINHE_DEB;
/** Runs `command` as root: directly when this is root, else through sudo. */
function asRoot(command, ...args) {
  const [program, ...rest] = process.getuid() === 0 ? [command, ...args] : ['sudo', command, ...args];
  return execFileSync(program, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).toString();
}

let home;
let desktop;

before(() => {
  assert.ok(deb && existsSync(deb), `BINHE_DEB names no file: ${deb}`);
  asRoot('apt-get', 'install', '-y', '-q', '--reinstall', deb);
});

after(async () => {
  await desktop?.close();
  home?.remove();
  asRoot('apt-get', 'remove', '-y', '-q', 'smart-binhe');
  assert.ok(!existsSync('/usr/bin/smart-binhe'), 'removed with the package');
});

test('the package says what it is and what it needs', () => {
  const field = (name) => execFileSync('dpkg-deb', ['-f', deb, name]).toString().trim();
  assert.equal(field('Package'), 'smart-binhe');
  assert.equal(field('Version'), '0.1.0');
  assert.match(field('Depends'), /libwebkit2gtk-4\.1-0/);
  const files = execFileSync('dpkg', ['-L', 'smart-binhe']).toString().split('\n');
  for (const file of ['/usr/bin/smart-binhe', '/usr/lib/smart-binhe/ui/index.html', '/usr/share/applications/smart-binhe.desktop']) {
    assert.ok(files.includes(file), `${file} is installed: ${files.join(' ')}`);
  }
  assert.ok(files.some((f) => /^\/usr\/lib\/smart-binhe\/ui\/binhe-ui-[0-9a-f]+_bg\.wasm$/.test(f)), 'the wasm UI is in the package');
});

test('the installed app opens the desk with the UI it carries, optimised', async () => {
  home = desktopHome();
  const env = { ...home.env };
  delete env.BINHE_UI_DIR;
  process.env.BINHE_DESKTOP_BIN = '/usr/bin/smart-binhe';
  desktop = await openDesktop({ env });
  const ready = await desktop.waitForWindow((s) => s.ready, 'the installed app never showed a ready desk');
  assert.match(ready.title, /智慧滨河/);
  const counts = await drawnGrids(desktop);
  assert.deepEqual(counts, { communities: 15, micro: 312 });
  // The release wasm: the debug build of this UI is about 55 MB.
  const wasm = await desktop.run(`return performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('.wasm')).map((e) => ({ name: e.name, size: e.decodedBodySize }));`);
  assert.equal(new Set(wasm.map((w) => w.name)).size, 1, JSON.stringify(wasm));
  assert.ok(wasm[0].size > 1_000_000 && wasm[0].size < 20_000_000, `the UI's wasm is ${wasm[0].size} bytes`);
  const colours = await desktop.screenshot('package-installed');
  assert.ok(colours > 500, `the window screenshot has only ${colours} colours: nothing drawn?`);
});
