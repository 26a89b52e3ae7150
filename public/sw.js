// Jiandu service worker. The server serves this file at /sw.js with `const BUILD = "…";` and
// `const BUILD_FILES = […];` put in front: the build's id (a digest of its files) and the
// addresses of its files, which name the build (`/pkg/<id>/…`, served immutable). A new build
// changes the worker, which installs the new build's files beside the old ones and carries the
// pages a person kept over to the new build before it lets the old ones go: a phone updated
// while it was online for a moment keeps working offline.
/* global BUILD, BUILD_FILES */
const SHELL_CACHE = `jiandu-shell-${BUILD}`;
const PAGE_CACHE = `jiandu-pages-${BUILD}`;
// Basemap tiles outlive builds: they belong to the map provider, not to this code.
const TILE_CACHE = 'jiandu-tiles';
// About 80 MB of typical tiles; the oldest go first.
const MAX_TILES = 4000;
// Every file of the build, the JS snippets the islands' module imports among them: one missing
// and the islands do not start offline.
const SHELL = ['/offline', ...BUILD_FILES, '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

// Taking over does not wait for the old pages to be carried over: with no network that could
// take forever, and pages cannot be served before the worker is active.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim().then(() => { carryOver(); }));
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

// A page as this build renders it, into this build's cache. True when the server answered
// (whether or not with a page worth keeping), false when the network did not (or not within a
// minute: a network that hangs must not hold the rest up).
function fetchPage(cache, url) {
  const cut = new AbortController();
  const timer = setTimeout(() => cut.abort(), 60_000);
  return fetch(url, { credentials: 'same-origin', signal: cut.signal })
    .then((r) => (r.ok && !r.redirected ? keep(cache, url, r) : Promise.resolve()).then(() => true))
    .catch(() => false)
    .finally(() => clearTimeout(timer));
}

// The pages an older build kept, fetched again as this build renders them. An old build's cache
// goes only once the server has answered for each of its pages (a page it no longer gives this
// person is not carried over); until then its pages and its files stay, and a phone offline
// still opens them, as that build (their files are addressed by build, so never mixed). Tried
// when this worker takes over, and again when a page asks to keep pages or loads online.
let carrying = null;
function carryOver() {
  if (carrying) return carrying;
  carrying = caches.keys().then(async (keys) => {
    const oldPages = keys.filter((k) => k.startsWith('jiandu-pages-') && k !== PAGE_CACHE);
    const current = await caches.open(PAGE_CACHE);
    for (const name of oldPages) {
      const old = await caches.open(name);
      const urls = (await old.keys()).map((r) => { const u = new URL(r.url); return u.pathname + u.search; });
      const answered = await Promise.all(urls.map((u) => current.match(u).then((hit) => hit ? true : fetchPage(current, u))));
      if (answered.every(Boolean)) await caches.delete(name);
    }
    // An old build's files go with the last old pages that might need them.
    const left = (await caches.keys()).filter((k) => k.startsWith('jiandu-pages-') && k !== PAGE_CACHE);
    if (left.length === 0) {
      await Promise.all((await caches.keys())
        .filter((k) => k.startsWith('jiandu-') && ![SHELL_CACHE, PAGE_CACHE, TILE_CACHE].includes(k))
        .map((k) => caches.delete(k)));
    }
  }).catch(() => undefined).finally(() => { carrying = null; });
  return carrying;
}

// Pages a deputy or an officer will need in the field ("my sites", each site, its capture form,
// the outbox; the unit's open items): the page asks for them once it has loaded.
// When a round has settled (each page kept, or left as it was when its fetch failed), the page
// that asked is told, so that it (and a test) knows the copies are as fresh as they will get.
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'cache-pages' || !Array.isArray(data.urls)) return;
  const source = event.source;
  event.waitUntil(caches.open(PAGE_CACHE)
    .then((c) => Promise.all(data.urls.map((u) => fetchPage(c, u))))
    .then(() => {
      carryOver();
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

// The copy of a page this phone kept: this build's, else an older build's not yet carried over.
async function keptPage(key) {
  const hit = await (await caches.open(PAGE_CACHE)).match(key, { ignoreVary: true });
  if (hit) return hit;
  for (const name of await caches.keys()) {
    if (name.startsWith('jiandu-pages-') && name !== PAGE_CACHE) {
      const old = await (await caches.open(name)).match(key, { ignoreVary: true });
      if (old) return old;
    }
  }
  return undefined;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method === 'GET' && url.origin !== self.location.origin && req.destination === 'image') {
    tile(event);
    return;
  }
  // Signing out ends what this phone kept of that person's pages, every build's: on a shared
  // phone the next person must not read them offline. (Records not yet sent stay in the
  // outbox, marked as the signed-out person's: they are sent only when that person signs in
  // again.) The page goes on once the caches are gone: the form post follows the answer's
  // redirect.
  if (req.method === 'POST' && url.origin === self.location.origin && url.pathname === '/api/session/logout') {
    event.respondWith(fetch(req).then((res) => (res.ok || res.type === 'opaqueredirect'
      ? caches.keys()
        .then((keys) => Promise.all(keys.filter((k) => k.startsWith('jiandu-pages-')).map((k) => caches.delete(k))))
        .then(() => res)
      : res)));
    return;
  }
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  // Never answer the API or server functions from a cache: a cached answer could look like an
  // acknowledgement.
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;

  // A build's files are named by the build: whichever cache holds one holds the right bytes.
  if (url.pathname.startsWith('/pkg/') || SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(req, { ignoreSearch: true }).then((hit) => hit || fetch(req)));
    return;
  }

  if (req.mode === 'navigate') {
    // Network first, so a deputy online always sees fresh data; the kept copy when offline.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok && !res.redirected && res.type === 'basic') {
            const copy = res.clone();
            caches.open(PAGE_CACHE).then((c) => keep(c, url.pathname + url.search, copy)).catch(() => undefined);
            event.waitUntil(carryOver());
          }
          return res;
        })
        // A page not kept here: send the browser to /offline rather than serving another
        // page's HTML under this address.
        .catch(() => keptPage(url.pathname + url.search)
          .then((hit) => hit || Response.redirect('/offline', 302))),
    );
  }
});
