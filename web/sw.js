// The cadre page's offline copy. Cache-first from one consistent snapshot of the page, its
// scripts, its stylesheet and the browser module, so the page opens with no signal at all.
// The page asks for a refresh ("refresh" message) whenever it is online: every asset is
// fetched again and the snapshot is replaced only when all of them arrived, so the JS glue
// and the .wasm never come from two different builds. Bump VERSION when this list or this
// file's logic changes; older caches are deleted on activation. API requests are never
// touched (they go to the network, and fail offline, as they should).

const VERSION = "jianfu-cadre-v1";
const ASSETS = [
  "/cadre.html",
  "/app.css",
  "/js/cadre.js",
  "/js/api.js",
  "/js/i18n.js",
  "/js/client.js",
  "/js/store.js",
  "/pkg/jianfu_client.js",
  "/pkg/jianfu_client_bg.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("jianfu-") && k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!ASSETS.includes(url.pathname)) return;
  event.respondWith(
    caches.match(url.pathname, { cacheName: VERSION }).then((hit) => hit || fetch(event.request)),
  );
});

async function refresh() {
  const responses = await Promise.all(ASSETS.map((url) => fetch(url, { cache: "no-cache" })));
  if (!responses.every((r) => r.ok)) return false;
  const cache = await caches.open(VERSION);
  await Promise.all(ASSETS.map((url, i) => cache.put(url, responses[i])));
  return true;
}

self.addEventListener("message", (event) => {
  if (event.data === "refresh") event.waitUntil(refresh().catch(() => false));
});
