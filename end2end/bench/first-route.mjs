// What a phone downloads of wasm and JS to open a route, in Debian's headless Chromium against
// a running release server: the deputy signs in, then each route is opened in a fresh page with
// an empty HTTP cache and no service worker (which would fetch every chunk to keep them for
// offline use), and every /pkg/ file the page fetched is counted, raw and brotli -q 11 (the
// files are read from the build folder, PKG_DIR). Waits for hydration before counting.
import { chromium } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const pkgDir = process.env.PKG_DIR ?? '../target/site/pkg';
const routes = process.argv.slice(2).length ? process.argv.slice(2) : ['/', '/my/sites'];

const brotli = (buf) =>
  zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const context = await browser.newContext({
  serviceWorkers: 'block',
  viewport: { width: 390, height: 844 },
  isMobile: true,
});
const login = await context.newPage();
await login.goto(`${base}/login?next=/my/sites`);
await login.fill('input[name=username]', 'demo-deputy');
await login.fill('input[name=password]', 'jiandu-demo');
await Promise.all([login.waitForURL(/my\/sites/), login.click('#login-form button[type=submit]')]);
await login.close();

console.log('| route | files fetched | wasm + JS raw bytes | wasm + JS brotli bytes |');
console.log('| --- | --- | ---: | ---: |');
for (const route of routes) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const fetched = new Set();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/pkg/') && /\.(wasm|js)$/.test(u.pathname)) fetched.add(u.pathname.slice(5));
  });
  await page.goto(`${base}${route}`, { waitUntil: 'networkidle' });
  let raw = 0, br = 0;
  for (const f of fetched) {
    const bytes = fs.readFileSync(path.join(pkgDir, f));
    raw += bytes.length;
    br += brotli(bytes);
  }
  console.log(`| \`${route}\` | ${[...fetched].sort().join(', ')} | ${raw.toLocaleString('en')} | ${br.toLocaleString('en')} |`);
  await page.close();
}
await browser.close();
