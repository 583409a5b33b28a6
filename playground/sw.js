// Offline support: the page is a handful of same-origin static files. They
// are cached when the service worker installs; requests go to the network
// first (so a rebuilt playground shows up at once) and fall back to the
// cache when the network is gone.
//
// The check-image module (pkg/image-check/) is not in SHELL: the page
// fetches it only when an archive is dropped, so installing the worker must
// not fetch it either (it would double the page weight). The fetch handler
// caches it like any response once it has been used online; offline before
// that, the page says the checker cannot be loaded.

const CACHE = 'llsd-providers-playground-v1';
const SHELL = [
  './',
  './index.html',
  './style.css',
  './favicon.svg',
  './dist/app.js',
  './dist/status-pod.js',
  './dist/search.js',
  './pkg/llsd_providers.js',
  './pkg/llsd_providers_bg.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(request, { ignoreSearch: true }).then((cached) => cached ?? Response.error()),
      ),
  );
});
