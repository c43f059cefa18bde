// Runs while the app's wasm is still on its way (issue 19): asks for the session and, once it
// holds, for what the map and the queue show first, and starts MapLibre's worker. The app takes
// each answer from `window.binheEarly` the first time it asks for that path (src/api.rs,
// `early`), so nothing is asked for twice; a path the app never asks for is a wasted request,
// which the unit test `early_paths_are_the_apps` rules out.
//
// The phone view (/m/) has no map: only the session is asked for there.

const MAP_PATHS = [
  '/api/grids.geojson',
  '/api/basemap.geojson',
  '/api/tickets.geojson?scope=open',
  '/api/devices.geojson',
  '/api/basemap',
  '/api/tickets?scope=open&limit=5000',
];

const early = {};
window.binheEarly = early;
const ask = (path) => {
  early[path] = fetch(path, { credentials: 'same-origin' });
  return early[path];
};

const phone = window.location.pathname.startsWith('/m/');
ask('/api/session').then((answer) => {
  if (!answer.ok || phone) return;
  for (const path of MAP_PATHS) ask(path).catch(() => {});
}, () => {});

if (!phone) {
  import('./vendor/maplibre-gl.mjs').then((maplibre) => {
    maplibre.setWorkerUrl(new URL('vendor/maplibre-gl-worker.mjs', document.baseURI).href);
    maplibre.prewarm();
  }, () => {});
}
