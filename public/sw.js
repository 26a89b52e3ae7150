// Jiandu service worker. The server serves this file at /sw.js with `const BUILD = "…";` and
// `const BUILD_FILES = […];` put in front: a digest of the built wasm/js/css and snippets, and
// their addresses. A new build changes the worker, which installs the new shell and drops the old
// caches.
/* global BUILD, BUILD_FILES */
const SHELL_CACHE = `jiandu-shell-${BUILD}`;
const PAGE_CACHE = `jiandu-pages-${BUILD}`;
// Basemap tiles outlive builds: they belong to the map provider, not to this code.
const TILE_CACHE = 'jiandu-tiles';
// About 80 MB of typical tiles; the oldest go first.
const MAX_TILES = 4000;
// Every file of the build, the JS snippets the app's module imports among them: one missing
// and the app does not start offline.
const SHELL = ['/offline', ...BUILD_FILES, '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('jiandu-') && ![SHELL_CACHE, PAGE_CACHE, TILE_CACHE].includes(k))
          .map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

// Only a complete page is kept: the body is read to its end before it goes into the cache, so a
// download that a dying network cuts off never replaces a good copy, and never shows in the
// cache (Chromium lists an entry whose body is still arriving).
function keep(cache, key, res) {
  return res.blob().then((body) => cache.put(key, new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  })));
}

// Pages a deputy or an officer will need in the field ("my sites", each site, its capture form,
// the outbox; the unit's open items): the page asks for them once it has loaded.
// When a round has settled (each page kept, or left as it was when its fetch failed), the page
// that asked is told, so that it (and a test) knows the copies are as fresh as they will get.
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'cache-pages' || !Array.isArray(data.urls)) return;
  const source = event.source;
  event.waitUntil(caches.open(PAGE_CACHE).then((c) => Promise.all(
    data.urls.map((u) => fetch(u, { credentials: 'same-origin' })
      .then((r) => (r.ok && !r.redirected ? keep(c, u, r) : undefined))
      .catch(() => undefined)),
  )).then(() => {
    if (source) source.postMessage({ type: 'pages-kept', count: data.urls.length });
  }));
});

// Keeps the tile cache under its cap; keys come back oldest first.
async function trimTiles(cache) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_TILES)).map((k) => cache.delete(k)));
}

// The only images this app loads from another origin are basemap tiles: cache first, so a map
// the deputy has looked at (or saved) draws without a network.
function tile(event) {
  event.respondWith(caches.open(TILE_CACHE).then((cache) => cache.match(event.request.url)
    .then((hit) => hit || fetch(event.request).then((res) => {
      if (res.ok || res.type === 'opaque') {
        const copy = res.clone();
        event.waitUntil(cache.put(event.request.url, copy).then(() => trimTiles(cache)));
      }
      return res;
    }))));
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method === 'GET' && url.origin !== self.location.origin && req.destination === 'image') {
    tile(event);
    return;
  }
  // Signing out ends what this phone kept of that person's pages: on a shared phone the next
  // person must not read them offline. (Records not yet sent stay in the outbox, marked as the
  // signed-out person's: they are sent only when that person signs in again.) The page goes on
  // once the cache is gone: a form post follows the answer's redirect, the app's own call waits.
  if (req.method === 'POST' && url.origin === self.location.origin && url.pathname === '/api/session/logout') {
    event.respondWith(fetch(req).then((res) => (res.ok || res.type === 'opaqueredirect'
      ? caches.delete(PAGE_CACHE).then(() => res)
      : res)));
    return;
  }
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  // Never answer the API or server functions from a cache: a cached answer could look like an
  // acknowledgement.
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;

  if (url.pathname.startsWith('/pkg/') || SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(req, { ignoreSearch: true }).then((hit) => hit || fetch(req)));
    return;
  }

  if (req.mode === 'navigate') {
    // Network first, so a deputy online always sees fresh data; the cached copy when offline.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok && !res.redirected && res.type === 'basic') {
            const copy = res.clone();
            caches.open(PAGE_CACHE).then((c) => keep(c, url.pathname + url.search, copy)).catch(() => undefined);
          }
          return res;
        })
        // A page not kept here: send the browser to /offline rather than serving that page's
        // HTML under this address, where the app would hydrate another route over it.
        // Looked up in this build's page cache itself (not across every cache): the copy kept
        // for this address, whatever a refresh round cut short by the network did meanwhile.
        .catch(() => caches.open(PAGE_CACHE)
          .then((c) => c.match(url.pathname + url.search, { ignoreVary: true }))
          .then((hit) => hit || Response.redirect('/offline', 302))),
    );
  }
});
