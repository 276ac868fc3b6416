/* The field app's service worker: the app shell from the cache (refreshed in the
   background when online), so /field opens with no signal; the API is never cached. */
const CACHE = "htx-field-__VERSION__";
const SHELL = __SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("htx-field-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// The query string never matters to the shell (the page, its CSS, JS and icons).
function shellKey(request) {
  return new URL(request.url).pathname;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  const key = shellKey(request);
  if (!SHELL.includes(key)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(key);
      const fresh = fetch(request).then((response) => {
        // A signed-out visit is redirected to the login page: never cache that as the app.
        if (response.ok && !response.redirected) cache.put(key, response.clone());
        return response;
      });
      if (cached) {
        fresh.catch(() => null);
        return cached;
      }
      return fresh;
    })
  );
});
