// Landsbyplan's service worker: keeps the app shell so the app starts with no network.
//
// On install it reads index.html, caches it and every same-origin asset it names (trunk
// gives them hashed names) and the app's code (its first part and the engine), under a cache named after this build. The shell is served
// cache-first, so a phone in a hall with no signal starts at once. A new build installs
// beside the old one and waits until the person chooses to reload (the page asks it to
// take over); the old cache is removed only then, so a page never mixes files of two
// builds.
const BUILD = "__BUILD__";
const CACHE = `landsbyplan-${BUILD}`;
const EXTRA = ["/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png"];
// The app's code: its first part and the engine fetched after the first screen
// (scripts/build-wasm.sh writes the list).
const CODE = [/*__CODE__*/];

function assetsOf(html) {
  const found = new Set();
  for (const match of html.matchAll(/(?:href|src)="([^"]+)"/g)) found.add(match[1]);
  for (const match of html.matchAll(/['"](\/[^'"\s]+\.(?:js|wasm|css))['"]/g)) found.add(match[1]);
  // Only same-origin paths: one foreign or data: URL would make cache.addAll fail.
  return [...found].filter((url) => url.startsWith("/") && !url.startsWith("//"));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const response = await fetch("/", { cache: "no-cache" });
      if (!response.ok) throw new Error(`index.html: ${response.status}`);
      const html = await response.clone().text();
      const cache = await caches.open(CACHE);
      await cache.addAll([...new Set([...assetsOf(html), ...EXTRA, ...CODE])]);
      await cache.put("/", response);
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "landsbyplan:take-over") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("landsbyplan-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Live data from the relay is never served from the cache.
  if (url.pathname === "/sync" || url.pathname === "/healthz" || url.pathname.startsWith("/calendar/")) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key = request.mode === "navigate" ? "/" : request;
      const cached = await cache.match(key);
      return cached || fetch(request);
    })(),
  );
});
