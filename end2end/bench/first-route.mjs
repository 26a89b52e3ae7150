// Bytes on the wire to open a first route, in Debian's headless Chromium, for each server named
// on the command line (`name=http://127.0.0.1:PORT`, in the order they are printed): each route in
// a browser context of its own (an empty cache, as on a first visit) with no service worker,
// signed in as the route's person; every response's encoded body size as Chromium counts it (what crossed the wire,
// compressed as the server sent it). Then the files each server's service worker keeps for
// offline use (its `BUILD_FILES` and the shell), each fetched as a browser would (`br, gzip`).
// Prints markdown.
import { chromium } from 'playwright-core';
import * as http from 'node:http';

const servers = process.argv.slice(2).map((a) => {
  const [name, url] = a.split('=');
  return { name, url };
});
if (servers.length === 0) throw new Error('usage: first-route.mjs name=URL [name=URL …]');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const phone = { serviceWorkers: 'block', viewport: { width: 390, height: 844 }, isMobile: true };

/** The cookies of a person signed in (none for a signed-out visitor), to start contexts with. */
async function signedIn(base, username) {
  const context = await browser.newContext(phone);
  if (username) {
    const page = await context.newPage();
    await page.goto(`${base}/login?next=/my/sites`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', 'jiandu-demo');
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-form button[type=submit]')]);
    await page.close();
  }
  const state = await context.storageState();
  await context.close();
  return state;
}

/** Wire bytes of one route by kind: wasm, JS, CSS, HTML, other; in a context of its own, so
 * that nothing an earlier route fetched is in its cache (a first visit). */
async function route(state, base, path) {
  const context = await browser.newContext({ ...phone, storageState: state });
  const page = await context.newPage();
  const sizes = [];
  page.on('requestfinished', (req) => sizes.push((async () => {
    const u = new URL(req.url());
    const kind = /\.wasm$/.test(u.pathname) ? 'wasm'
      : /\.js$/.test(u.pathname) ? 'js'
        : /\.css$/.test(u.pathname) ? 'css'
          : req.resourceType() === 'document' ? 'html' : 'other';
    return { kind, bytes: (await req.sizes()).responseBodySize };
  })()));
  await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  // A page with a module script (the island loader, or the whole app's before islands) is done
  // when its wasm has arrived; the loader may start it only once the page is idle.
  if (await page.locator('script[type=module]').count() > 0) {
    await page.waitForFunction(() => performance.getEntriesByType('resource')
      .some((e) => e.name.endsWith('.wasm') && e.responseEnd > 0), null, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
  }
  const by = { wasm: 0, js: 0, css: 0, html: 0, other: 0 };
  for (const s of await Promise.all(sizes)) by[s.kind] += Math.max(0, s.bytes);
  await context.close();
  return by;
}

/** A file's bytes as a browser asking for `br, gzip` receives them. */
function wire(url) {
  return new Promise((ok, fail) => {
    http.get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => ok(res.statusCode === 200 ? n : 0));
    }).on('error', fail);
  });
}

const results = [];
for (const s of servers) {
  const anon = await signedIn(s.url, null);
  const deputy = await signedIn(s.url, 'demo-deputy');
  const probeContext = await browser.newContext({ ...phone, storageState: deputy });
  const probe = await probeContext.newPage();
  await probe.goto(`${s.url}/my/sites`);
  const site = await probe.locator('.site-list li a').first().getAttribute('href');
  await probeContext.close();
  const routes = [
    ['`/` signed out', anon, '/'],
    ['`/login`', anon, '/login'],
    ['`/my/sites` (deputy)', deputy, '/my/sites'],
    ['a capture form (deputy)', deputy, `${new URL(site, s.url).pathname}/capture`],
    ['`/outbox` (deputy)', deputy, '/outbox'],
  ];
  const rows = [];
  for (const [label, ctx, path] of routes) rows.push({ label, ...(await route(ctx, s.url, path)) });
  const sw = await (await fetch(`${s.url}/sw.js`)).text();
  const files = JSON.parse(/const BUILD_FILES = (\[.*?\]);/.exec(sw)[1]);
  const shell = ['/offline', ...files, '/manifest.webmanifest', '/icon.svg'];
  let kept = 0;
  for (const f of files) kept += await wire(`${s.url}${f}`);
  results.push({ name: s.name, rows, files: files.length, shell: shell.length, kept });
}
await browser.close();

const n = (x) => x.toLocaleString('en');
const names = results.map((r) => r.name);
console.log(`| route | ${names.map((x) => `${x}: wasm + JS`).join(' | ')} | ${names.map((x) => `${x}: all (HTML, CSS, …)`).join(' | ')} |`);
console.log(`| --- | ${names.map(() => '---:').join(' | ')} | ${names.map(() => '---:').join(' | ')} |`);
for (let i = 0; i < results[0].rows.length; i++) {
  const code = results.map((r) => n(r.rows[i].wasm + r.rows[i].js));
  const all = results.map((r) => { const x = r.rows[i]; return n(x.wasm + x.js + x.css + x.html + x.other); });
  console.log(`| ${results[0].rows[i].label} | ${code.join(' | ')} | ${all.join(' | ')} |`);
}
console.log();
console.log('| service worker keeps for offline use | files of the build | bytes on the wire |');
console.log('| --- | ---: | ---: |');
for (const r of results) console.log(`| ${r.name} | ${r.files} (+ ${r.shell - r.files} of the shell) | ${n(r.kept)} |`);
