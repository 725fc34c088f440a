// The offline copy of the cadre page and the sign-in page. The server sends this file with
// BUILD set to a hash of every script, style and module file (server/src/http/pages.rs),
// and serves those files under /v/{BUILD}/ as never-changing: so a new build is a new
// worker with a new, complete snapshot, and the glue and the .wasm never come from two
// builds. Installing fetches through the HTTP cache, so what the first visit downloaded
// is not downloaded again; the page registers the worker only once it is usable.
//
// Pages (/, /index.html, /cadre.html) and versioned files come from the snapshot first:
// a later visit on a 2G link opens without waiting for the network (the browser checks
// /sw.js for a new build in the background). API requests are never touched (they go to
// the network, and fail offline, as they should).

const BUILD = "__JIANFU_BUILD__";
const CACHE = `jianfu-cadre-${BUILD}`;
const V = `/v/${BUILD}`;
const PAGES = ["/", "/index.html", "/cadre.html"];
const ASSETS = [
  "/app.css",
  "/js/api.js",
  "/js/i18n.js",
  "/js/index.js",
  "/js/cadre.js",
  "/js/early.js",
  "/js/store.js",
  "/pkg/jianfu_client.js",
  "/pkg/jianfu_client_bg.wasm",
].map((path) => V + path);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...PAGES, ...ASSETS]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("jianfu-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const known = PAGES.includes(url.pathname) || url.pathname.startsWith(`${V}/`);
  if (!known) return;
  event.respondWith(
    caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(event.request)),
  );
});
