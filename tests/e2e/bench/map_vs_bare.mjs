// make bench-map (issue 19): the app's map against a bare MapLibre GL JS page drawing the same
// layers and the same GeoJSON, side by side in one run, in headless Chromium (software GL).
//
// For each dataset — the demo street as it starts, and the street with OPEN_TICKETS (10,000)
// open tickets — the app is opened once to capture what its map draws (`map.getStyle()`, every
// GeoJSON source inlined, with the app's camera and map size), and that style is written
// beside a bare page that loads only MapLibre and the style and opens on the same view at the
// same size. Then ROUNDS (5) rounds, app and bare in turn, each in a fresh browser profile,
// measure:
//   - time to a ready map: the moment the app sets `window.binheReady` (style, sources and
//     layers in, the open tickets drawn, the map idle); the bare page's first `idle` with its
//     style and every source loaded;
//   - bytes loaded before ready (encoded, as the network delivered them) and the requests, with
//     any URL asked twice;
//   - main-thread long tasks before ready (count, longest).
// Prints medians and the app / bare ratios; --json writes them to a file.
//
//   BINHE_SERVER_BIN=…/binhe-server BINHE_UI_DIR=…/ui/dist node bench/map_vs_bare.mjs [--rounds 5] [--open 10000] [--json out.json]

import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import {
  freshDatabase, launchBrowser, offLoopback, pointInside, requiredPath, sleep, startServer,
} from '../harness.mjs';
import { median, option } from './common.mjs';

const ROUNDS = Number(option('rounds', 5));
const OPEN_TICKETS = Number(option('open', 10_000));
const JSON_OUT = option('json', null);
/** How long each page is panned and zoomed while requests arrive. */
const INTERACT_MS = Number(option('interact', 15)) * 1000;

/** Installed before any page script: the long tasks, in page time. */
function watchPage() {
  window.benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.benchLongTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/**
 * Pans and zooms the map in `page` for INTERACT_MS while `feed()` is called every 100 ms (new
 * requests arriving at 10 per second); the main-thread long tasks meanwhile.
 */
async function interact(page, feed) {
  const box = await page.locator('.maplibregl-canvas').boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  const from = await page.evaluate(() => performance.now());
  let feeding = true;
  const feeder = (async () => {
    for (let n = 0; feeding; n += 1) {
      await feed(n);
      await sleep(100);
    }
  })();
  const end = Date.now() + INTERACT_MS;
  for (let i = 0; Date.now() < end; i += 1) {
    // Empty ground beside the centre (a drag that starts on a marker would dispatch it).
    await page.mouse.move(cx, cy - box.height / 4);
    await page.mouse.down();
    await page.mouse.move(cx + (i % 2 ? 160 : -160), cy - box.height / 4 + 60, { steps: 12 });
    await page.mouse.up();
    await page.mouse.wheel(0, i % 2 ? 240 : -240);
    await sleep(250);
  }
  feeding = false;
  await feeder;
  const tasks = await page.evaluate((at) => window.benchLongTasks.filter((t) => t.start >= at), from);
  return {
    tasks: tasks.length,
    over200: tasks.filter((t) => t.duration > 200).length,
    longestMs: Math.max(0, ...tasks.map((t) => t.duration)),
  };
}

/** Opens `url` in a fresh profile and waits for `ready` (a page function); what it cost. */
async function measure(url, ready, feed) {
  // Requests recorded, not passed through the driver one by one (that delays the app's 26 more
  // than the bare page's 6); any that left loopback fails the run below.
  const browser = await launchBrowser({ intercept: false });
  try {
    const { page } = browser;
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    const sizes = new Map();
    const urls = new Map();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
    await page.addInitScript(watchPage);
    await page.goto(url, { waitUntil: 'commit' });
    const readyAt = await page.evaluate(ready);
    const longTasks = await page.evaluate((at) => window.benchLongTasks.filter((t) => t.start < at), readyAt);
    let bytes = 0;
    for (const [id, size] of sizes) if (urls.has(id)) bytes += size;
    const asked = [...urls.values()].map((u) => u.replace(/#.*$/, ''));
    const twice = [...new Set(asked.filter((u, i) => asked.indexOf(u) !== i))];
    const moving = feed ? await interact(page, (n) => feed(page, n)) : null;
    const off = offLoopback(browser);
    if (off.length > 0) throw new Error(`${url} asked beyond loopback: ${off.join(', ')}`);
    return {
      readyMs: readyAt,
      bytes,
      requests: asked.length,
      twice,
      longTasks: longTasks.length,
      longestTaskMs: Math.max(0, ...longTasks.map((t) => t.duration)),
      moving,
    };
  } finally {
    await browser.close();
  }
}

const appReady = () => new Promise((resolve) => {
  // The moment the app says its map is ready (its `binhe-ready` mark), not when a poll sees it.
  const check = () => {
    const mark = performance.getEntriesByName('binhe-ready', 'mark')[0];
    if (mark) resolve(mark.startTime);
    else setTimeout(check, 20);
  };
  check();
});

const bareReady = () => new Promise((resolve) => {
  const check = () => (window.bareReady !== undefined ? resolve(window.bareReady) : setTimeout(check, 20));
  check();
});

/** What the app's map draws once ready: its style with every GeoJSON source's data inlined. */
async function captureStyle(url) {
  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.goto(url);
    await page.waitForFunction(() => window.binheReady === true, null, { timeout: 300_000, polling: 250 });
    return await page.evaluate(async () => {
      const map = window.binheMap;
      const style = map.getStyle();
      // The map's own options the style does not carry: the local font the app draws CJK
      // labels with (no glyph server), so the bare page draws the same text the same way.
      if (typeof map._localIdeographFontFamily !== 'string') throw new Error('the app map has no local font family');
      // Nor the camera and the canvas size (getStyle() has no center or zoom): the bare page
      // opens on the same view of the street at the same size, not the whole world at zoom 0.
      const canvas = map.getCanvas();
      style.metadata = {
        ...style.metadata,
        benchLocalFont: map._localIdeographFontFamily,
        benchCamera: {
          center: map.getCenter().toArray(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch(),
        },
        benchSize: [canvas.clientWidth, canvas.clientHeight],
      };
      for (const source of Object.values(style.sources)) {
        if (source.type === 'geojson' && typeof source.data === 'string') {
          source.data = await (await fetch(source.data)).json();
        }
      }
      return style;
    });
  } finally {
    await browser.close();
  }
}

/** A loopback server for the bare page: MapLibre from the UI's vendor folder and the style. */
async function bareServer(style) {
  const dist = requiredPath('BINHE_UI_DIR');
  const files = {
    '/': ['text/html', `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/maplibre-gl.css">
<style>html,body{margin:0;width:100%;height:100%}#map{width:${style.metadata.benchSize[0]}px;height:${style.metadata.benchSize[1]}px}</style></head>
<body><div id="map"></div><script type="module">
import * as maplibregl from '/vendor/maplibre-gl.mjs';
maplibregl.setWorkerUrl('/vendor/maplibre-gl-worker.mjs');
const style = await (await fetch('/style.json')).json();
const map = new maplibregl.Map({
  container: 'map',
  style,
  localIdeographFontFamily: style.metadata.benchLocalFont,
  ...style.metadata.benchCamera,
  attributionControl: false,
});
window.bareMap = map;
// Ready as the app is: an idle with the style and every source loaded.
map.on('idle', () => {
  if (window.bareReady === undefined && map.loaded()
      && Object.keys(style.sources).every((id) => map.isSourceLoaded(id))) {
    window.bareReady = performance.now();
  }
});
</script></body></html>`],
    '/style.json': ['application/json', JSON.stringify(style)],
    '/vendor/maplibre-gl.mjs': ['text/javascript', readFileSync(join(dist, 'vendor', 'maplibre-gl.mjs'))],
    '/vendor/maplibre-gl-worker.mjs': ['text/javascript', readFileSync(join(dist, 'vendor', 'maplibre-gl-worker.mjs'))],
    '/vendor/maplibre-gl.css': ['text/css', readFileSync(join(dist, 'vendor', 'maplibre-gl.css'))],
  };
  // Served as well as the app's server serves: brotli, at build quality for the library's files
  // (the app ships them precompressed) and at the server's level for the data.
  const brotli = (data, quality) => brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: quality },
  });
  const packed = Object.fromEntries(Object.entries(files).map(([path, [type, data]]) => [
    path,
    [type, brotli(Buffer.from(data), path.startsWith('/vendor/') ? 11 : 5)],
  ]));
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    if (/\bbr\b/.test(req.headers['accept-encoding'] ?? '') && path !== '/') {
      res.writeHead(200, { 'content-type': file[0], 'content-encoding': 'br' }).end(packed[path][1]);
      return;
    }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** A database with `count` open 12345 orders spread over the micro-grids (imported as a file). */
function manyOpenTickets(count, micros, categories) {
  const database = freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'binhe-bench-orders-'));
  const rows = ['工单编号,问题类别,问题描述,受理时间,经度,纬度'];
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const micro = micros[i % micros.length];
    const [lon, lat] = pointInside(micro);
    // Spread within the micro-grid so no two orders are one place's repeat.
    const jitter = () => (((i * 7919) % 997) / 997 - 0.5) * 0.0004;
    const at = new Date(now - ((i * 37) % (6 * 86_400)) * 1000).toISOString();
    rows.push(`BENCH-${i},${categories[i % categories.length]},基准测试诉求 ${i},${at},${(lon + jitter()).toFixed(6)},${(lat + jitter()).toFixed(6)}`);
  }
  const csv = join(dir, 'orders.csv');
  writeFileSync(csv, rows.join('\n'));
  execFileSync(requiredPath('BINHE_SERVER_BIN'), ['import-orders', csv, '--db', database.db], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
  return database;
}

/** A new request at the n-th micro-grid (from the far end, so it repeats no open ticket). */
function arrival(street, round, n) {
  const micro = street.micros[(street.micros.length - 1 - ((round * 97 + n) % street.micros.length))];
  const [lon, lat] = pointInside(micro);
  return {
    channel: 'hotline',
    external_id: `BENCH-LIVE-${round}-${n}-${Date.now()}`,
    category: street.categories[(round + n) % street.categories.length],
    description: `基准测试新诉求 ${round}-${n}`,
    lon,
    lat,
  };
}

async function dataset(name, database, street, extraArgs = []) {
  const server = await startServer({ database, extraArgs });
  const headers = {
    authorization: `Bearer ${new URL(server.url).searchParams.get('key')}`,
    'content-type': 'application/json',
  };
  try {
    const style = await captureStyle(server.url);
    const ticketSource = Object.keys(style.sources).find((id) => style.sources[id].cluster);
    const bare = await bareServer(style);
    try {
      const rounds = { app: [], bare: [] };
      for (let r = 0; r < ROUNDS; r += 1) {
        // The app hears each new request from its server; the bare page is handed the same
        // point straight into its ticket source, as a page without a server would be.
        const toApp = async (_page, n) => {
          const answer = await fetch(new URL('/api/tickets', server.origin), {
            method: 'POST', headers, body: JSON.stringify(arrival(street, r, n)),
          });
          if (!answer.ok) throw new Error(`POST /api/tickets: ${answer.status} ${await answer.text()}`);
        };
        const toBare = async (page, n) => {
          const order = arrival(street, r, n);
          await page.evaluate(([source, id, o]) => window.bareMap.getSource(source).updateData({
            add: [{
              type: 'Feature', id, geometry: { type: 'Point', coordinates: [o.lon, o.lat] },
              properties: { id, state: 'reported', sla: 'on_time', category: o.category, category_zh: o.category, urgency: 'normal', channel: 'hotline', duplicates: 0, flagged: false },
            }],
          }), [ticketSource, 10_000_000 + r * 10_000 + n, order]);
        };
        rounds.app.push(await measure(server.url, appReady, toApp));
        rounds.bare.push(await measure(bare.url, bareReady, toBare));
      }
      const summary = (side) => ({
        readyMs: median(rounds[side].map((m) => m.readyMs)),
        bytes: median(rounds[side].map((m) => m.bytes)),
        requests: median(rounds[side].map((m) => m.requests)),
        longTasks: median(rounds[side].map((m) => m.longTasks)),
        longestTaskMs: median(rounds[side].map((m) => m.longestTaskMs)),
        twice: [...new Set(rounds[side].flatMap((m) => m.twice))],
        moving: {
          longestMs: Math.max(...rounds[side].map((m) => m.moving.longestMs)),
          over200: rounds[side].reduce((n, m) => n + m.moving.over200, 0),
          tasks: median(rounds[side].map((m) => m.moving.tasks)),
        },
      });
      const app = summary('app');
      const bareSide = summary('bare');
      return {
        name,
        layers: style.layers.length,
        app,
        bare: bareSide,
        ratios: {
          ready: app.readyMs / bareSide.readyMs,
          bytes: app.bytes / bareSide.bytes,
          longTasks: bareSide.longTasks ? app.longTasks / bareSide.longTasks : null,
        },
      };
    } finally {
      bare.close();
    }
  } finally {
    await server.stop();
  }
}

const results = [];
{
  // The demo street's micro-grids, for the orders of the larger dataset.
  const probe = await startServer();
  let micros;
  let categories;
  // The standalone server's launch key, as the desktop window presents it.
  const headers = { authorization: `Bearer ${new URL(probe.url).searchParams.get('key')}` };
  const get = async (path) => (await fetch(new URL(path, probe.origin), { headers })).json();
  try {
    micros = (await get('/api/grids.geojson')).features.filter((f) => f.properties.level === 'micro');
    categories = (await get('/api/catalogue')).categories.map((c) => c.name_zh);
  } finally {
    await probe.stop();
  }
  const street = { micros, categories };
  // Demo mode: two weeks of history played in (its open tickets on the map) and new requests
  // arriving, as `make run` opens it.
  results.push(await dataset('demo street', freshDatabase(), street, ['--demo-feed']));
  results.push(await dataset(`${OPEN_TICKETS} open tickets`, manyOpenTickets(OPEN_TICKETS, micros, categories), street));
}

const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
for (const r of results) {
  console.log(`\n${r.name} (${r.layers} layers, ${ROUNDS} rounds, medians)`);
  console.log(`  ready      app ${(r.app.readyMs / 1000).toFixed(2)} s  bare ${(r.bare.readyMs / 1000).toFixed(2)} s  ratio ${r.ratios.ready.toFixed(2)}×`);
  console.log(`  bytes      app ${mb(r.app.bytes)}  bare ${mb(r.bare.bytes)}  ratio ${r.ratios.bytes.toFixed(2)}×`);
  console.log(`  requests   app ${r.app.requests}  bare ${r.bare.requests}; asked twice by the app: ${r.app.twice.join(', ') || 'none'}`);
  console.log(`  long tasks app ${r.app.longTasks} (longest ${r.app.longestTaskMs.toFixed(0)} ms)  bare ${r.bare.longTasks} (longest ${r.bare.longestTaskMs.toFixed(0)} ms)`);
  const mv = (m) => `${m.tasks} long tasks (median per round), ${m.over200} over 200 ms in all rounds, longest ${m.longestMs.toFixed(0)} ms`;
  console.log(`  panning and zooming ${INTERACT_MS / 1000} s at 10 new requests/s:`);
  console.log(`             app ${mv(r.app.moving)}`);
  console.log(`             bare ${mv(r.bare.moving)}`);
}
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
