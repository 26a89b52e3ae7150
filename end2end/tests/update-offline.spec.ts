import { expect, test, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { serverLog, signIn, waitForCachedPages } from './helpers';

// A deputy's phone kept the pages of one build and has an observation waiting in its outbox
// when a new build is deployed. The new worker takes over while the network can reach the new
// build's files but not its pages: the phone keeps the old build's pages, and they still work
// offline, as that build. Once the pages can be fetched the worker carries them over and lets
// the old build go; the observation is sent exactly once.
//
// The servers run behind a proxy this test controls, so "the pages cannot be fetched" is a
// decision, not a race: a refused request is a network error to the browser.

const BIN = process.env.JIANDU_BIN;
const PROXY = 3113;
const BACKEND = 3114;
const BASE = `http://127.0.0.1:${PROXY}`;

test.skip(!BIN, 'JIANDU_BIN is set by scripts/test');
test.use({
  baseURL: BASE,
  geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 },
  permissions: ['geolocation'],
});

let server: ChildProcess | undefined;
let proxy: http.Server | undefined;
/** Paths the proxy refuses (the connection is reset). */
let refuse: (p: string) => boolean = () => false;

async function start(siteRoot: string, name: string) {
  server = spawn(BIN!, ['serve'], {
    env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot, LEPTOS_SITE_ADDR: `127.0.0.1:${BACKEND}`, JIANDU_PUBLIC_URL: BASE },
    stdio: serverLog(name),
  });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${BACKEND}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not start');
}

async function stop() {
  if (!server) return;
  const s = server;
  server = undefined;
  s.kill('SIGKILL');
  await new Promise((r) => s.once('exit', r));
}

/** A second build: the first one's files with the stylesheet changed, compressed by the
 * product's own command. Its id, the digest of its files, differs. */
function secondBuild(): string {
  const first = process.env.LEPTOS_SITE_ROOT!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jiandu-build-'));
  fs.cpSync(first, dir, { recursive: true });
  for (const f of fs.readdirSync(path.join(dir, 'pkg'))) {
    if (/\.(br|gz)$/.test(f)) fs.rmSync(path.join(dir, 'pkg', f));
  }
  fs.appendFileSync(path.join(dir, 'pkg', 'jiandu.css'), '\n/* the next build */\n');
  execFileSync(BIN!, ['precompress'], { env: { ...process.env, LEPTOS_SITE_ROOT: dir } });
  return dir;
}

/** The build a page was rendered by: the id in its module's address. */
async function buildOf(page: Page): Promise<string> {
  const href = await page.locator('link[rel=modulepreload]').getAttribute('href');
  return /^\/pkg\/([0-9a-f]{16})\//.exec(href!)![1];
}

test.beforeAll(async () => {
  proxy = http.createServer((req, res) => {
    if (refuse(new URL(req.url!, BASE).pathname)) {
      req.socket.destroy();
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: BACKEND, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy!.listen(PROXY, '127.0.0.1', r));
});

test.afterAll(async () => {
  await stop();
  proxy?.close();
});

test('a phone updated to a new build keeps its pages until the new ones are fetched, and sends what waited once', async ({ page, context }) => {
  test.setTimeout(120_000);
  await start(process.env.LEPTOS_SITE_ROOT!, 'update-first');
  await signIn(page, 'demo-deputy', '/my/sites');
  const sites = (await page.locator('.site-list li a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname))).slice(0, 2);
  await waitForCachedPages(page, ['/my/sites', '/outbox', ...sites.flatMap((s) => [s, `${s}/capture`])]);
  const first = await buildOf(page);

  // Offline, an observation waits in the outbox.
  await context.setOffline(true);
  const note = `更新前记录 ${Date.now()}`;
  await page.goto(`${sites[0]}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await page.locator('#note').fill(note);
  await page.locator('#use-site').click();
  await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
  await expect(page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(1);

  // The new build goes live. The phone reaches its worker and files, not its pages.
  await stop();
  const dir = secondBuild();
  await start(dir, 'update-second');
  refuse = (p) => !(p === '/sw.js' || p.startsWith('/pkg/') || ['/offline', '/manifest.webmanifest', '/icon.svg'].includes(p));
  await context.setOffline(false);
  const second = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    await reg!.update();
    const next = reg!.installing ?? reg!.waiting ?? reg!.active!;
    if (next.state !== 'activated') {
      await new Promise<void>((ok) => next.addEventListener('statechange', () => { if (next.state === 'activated') ok(); }));
    }
    return (await caches.keys()).filter((k) => k.startsWith('jiandu-shell-'));
  });
  expect(second.length, second.join(', ')).toBe(2);
  // The old build's pages stay, with its files; offline they open and come to life as that build.
  await context.setOffline(true);
  await page.goto(`${sites[1]}/capture`);
  expect(await buildOf(page)).toBe(first);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await page.goto('/outbox');
  await expect(page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(1);

  // The network is back: the pages are the new build's, the observation goes once, and the
  // worker lets the old build go once it has carried the pages over.
  refuse = () => false;
  await context.setOffline(false);
  await page.goto('/outbox');
  const current = await buildOf(page);
  expect(current).not.toBe(first);
  // Its tries while the server was out of reach put it on a backoff; "send now" skips that.
  await page.locator('#sync-now').click();
  await expect(page.locator('#outbox-list li[data-state=sent]')).toHaveCount(1, { timeout: 30_000 });
  const sent = execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', `select count(*) from observations where note = '${note}'`]).toString().trim();
  expect(sent).toBe('1');
  await page.waitForFunction(async (old) => {
    const keys = await caches.keys();
    return !keys.some((k) => k === `jiandu-shell-${old}` || k === `jiandu-pages-${old}`);
  }, first, { timeout: 30_000, polling: 500 });
  // Offline again: the kept pages are the new build's, and they work.
  await context.setOffline(true);
  await page.goto(`${sites[1]}/capture`);
  expect(await buildOf(page)).toBe(current);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await context.setOffline(false);
  fs.rmSync(dir, { recursive: true, force: true });
});
