// The cadre's device storage (IndexedDB "jianfu"): drafts (one per user and period), the
// outbox of sealed reports waiting for a connection, and cached server answers (periods,
// period contexts) so the page works offline. Every failure rejects with an error in the
// API's shape ({code: "storage_unavailable" | "storage_full", message_zh, message_en}),
// so the page can show it: a draft is never dropped silently.

import { both } from "./i18n.js";

const DB = "jianfu";
const VERSION = 1;
let opening = null;

function storageError(err) {
  const full = err && (err.name === "QuotaExceededError" || /quota/i.test(String(err.message)));
  const key = full ? "err.quota" : "err.storage";
  return { code: full ? "storage_full" : "storage_unavailable", ...both(key), details: { reason: String(err && (err.name || err)) } };
}

function open() {
  opening ??= new Promise((resolve, reject) => {
    let request;
    try {
      request = indexedDB.open(DB, VERSION);
    } catch (err) {
      reject(storageError(err));
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("drafts", { keyPath: "key" });
      db.createObjectStore("outbox", { keyPath: "reportId" });
      db.createObjectStore("cache", { keyPath: "key" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error));
    request.onblocked = () => reject(storageError(new Error("blocked")));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

/** Runs `work(store)` in one transaction; resolves to its request's result once committed. */
async function run(name, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = db.transaction(name, mode);
    } catch (err) {
      reject(storageError(err));
      return;
    }
    const request = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(storageError(tx.error));
    tx.onabort = () => reject(storageError(tx.error));
  });
}

export const draftKey = (user, period) => `${user}|${period}`;

export const getDraft = (key) => run("drafts", "readonly", (s) => s.get(key));
export const putDraft = (draft) => run("drafts", "readwrite", (s) => s.put({ ...draft, savedAt: Date.now() }));

export const outbox = () => run("outbox", "readonly", (s) => s.getAll());
export const putOutbox = (item) => run("outbox", "readwrite", (s) => s.put(item));
export const dropOutbox = (reportId) => run("outbox", "readwrite", (s) => s.delete(reportId));

export async function getCached(key) {
  const row = await run("cache", "readonly", (s) => s.get(key));
  return row ? row.value : undefined;
}
export const putCached = (key, value) => run("cache", "readwrite", (s) => s.put({ key, value }));
