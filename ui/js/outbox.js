// The terminal's outbox: what the person did while the center could not be reached, kept in
// IndexedDB (the webview's own storage, so it survives a reload and a restart of the desktop
// app) until the center has answered it. Records are plain objects (keyPath `key`, the
// action's Idempotency-Key); the Rust side (src/offline.rs) hands them over as JSON text.
// Loaded as a file of this server through wasm-bindgen's snippets: no inline script, no CDN.

const DB_NAME = 'smart-binhe-offline';
const STORE = 'outbox';

let opening = null;

function database() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: 'key' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB blocked'));
    }).catch((e) => {
      opening = null;
      throw e;
    });
  }
  return opening;
}

/** Runs `work(store)` in one transaction; resolves with `work`'s request result once committed. */
async function transact(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
  });
}

/** Every record as JSON text, in the order they were made (`seq`). */
export async function outboxAll() {
  const records = await transact('readonly', (store) => store.getAll());
  records.sort((a, b) => a.seq - b.seq);
  return JSON.stringify(records);
}

/** Adds or replaces a record (JSON text); resolves once it is on disk. */
export async function outboxPut(json) {
  const record = JSON.parse(json);
  await transact('readwrite', (store) => store.put(record));
}

export async function outboxDelete(key) {
  await transact('readwrite', (store) => store.delete(key));
}

/** A random UUID (v4) for an Idempotency-Key. `crypto.randomUUID` exists only in secure
 *  contexts, and a center may be reached over plain HTTP on the LAN: `getRandomValues` works
 *  in both. */
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
