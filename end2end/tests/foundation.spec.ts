import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectChinese, signIn, waitForHydration } from './helpers';

// The browser says it prefers English (locale en-US): Jiandu still opens in Chinese.
test('opens in Chinese by default and labels the demo data', async ({ page }) => {
  await page.goto('/');
  await expectChinese(page);
  await expect(page.getByRole('link', { name: '登录开始监督' })).toBeVisible();
});

test('deputy signs in, sees my sites, filters and opens a site', async ({ page }) => {
  await signIn(page, 'demo-deputy', '/my/sites');
  await expectChinese(page);
  await expect(page.locator('h1')).toHaveText('我的点位');
  await expect(page.locator('.demo-banner')).toContainText('演示数据');
  // Group 1 supervises three units; each has sites.
  await expect(page.locator('section.unit')).toHaveCount(3);
  const sites = page.locator('.site-list li');
  const total = await sites.count();
  expect(total).toBeGreaterThan(20);

  // The filter runs in the browser (hydrated wasm) on name or site code.
  const first = sites.first();
  const code = await first.getAttribute('data-code');
  await waitForHydration(page);
  await page.locator('#site-filter').fill(code!);
  await expect(sites).toHaveCount(1);

  await sites.first().locator('a').click();
  await expect(page).toHaveURL(/\/sites\/[0-9a-f-]{36}$/);
  await expect(page.locator('#site-name')).toBeVisible();
  await expect(page.locator('.code')).toHaveText(code!);
  await expect(page.locator('#site-lead-unit')).not.toBeEmpty();
  await expect(page.locator('dl.facts')).toContainText('完成时限');
});

test('switches to English and back, remembered across pages', async ({ page }) => {
  await signIn(page, 'demo-deputy', '/my/sites');
  await page.locator('#lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('h1')).toHaveText('My sites');
  await expect(page).toHaveURL(/\/my\/sites$/);

  await page.goto('/projects');
  await expect(page.locator('h1')).toHaveText('Livelihood projects');
  await expect(page.locator('#project-list > li')).toHaveCount(10);

  await page.locator('#lang-switch').click();
  await expectChinese(page);
  await expect(page.locator('h1')).toHaveText('民生实事项目');
});

test('a staff page refuses the deputy', async ({ page }) => {
  await signIn(page, 'demo-deputy', '/');
  const res = await page.goto('/staff/groups');
  expect(res?.status()).toBe(403);
  await expect(page.locator('[data-error=Forbidden]')).toContainText('无权访问');
  await expect(page.locator('#group-table')).toHaveCount(0);

  const admin = await page.goto('/admin/users');
  expect(admin?.status()).toBe(403);
});

test('signed-out visitors are sent to sign in and come back', async ({ page }) => {
  const res = await page.goto('/my/sites');
  expect(res?.url()).toContain('/login?next=/my/sites');
  await page.locator('input[name=username]').fill('demo-deputy');
  await page.locator('input[name=password]').fill('wrong-password');
  await page.locator('#login-form button[type=submit]').click();
  await expect(page.locator('[data-error=BadCredentials]')).toContainText('用户名或密码不正确');
});

test('staff browse projects to a sub-item and see the groups', async ({ page }) => {
  await signIn(page, 'demo-staff', '/projects');
  await expect(page.locator('#project-list > li')).toHaveCount(10);
  await page.locator('#project-list > li a').first().click();
  await expect(page.locator('#sub-item-list > li').first()).toBeVisible();
  await page.locator('#sub-item-list > li a').first().click();
  await expect(page).toHaveURL(/\/sub-items\//);
  await expect(page.locator('.site-list li')).toHaveCount(11);

  await page.goto('/staff/groups');
  await expect(page.locator('#group-table tbody tr')).toHaveCount(10);

  await page.locator('#sign-out').click();
  await expect(page).toHaveURL(/\/login$/);
  const res = await page.goto('/staff/groups');
  expect(res?.url()).toContain('/login');
});

/** The build's files a page asked for: `/pkg/<build id>/…` (the id names the build). */
function buildFile(pathname: string): { id: string; file: string } | null {
  const m = pathname.match(/^\/pkg\/([0-9a-f]{16})\/(.+)$/);
  return m ? { id: m[1], file: m[2] } : null;
}

test('a page without an island loads no wasm and no script; one with islands loads this build’s', async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (req) => fetched.push(new URL(req.url()).pathname));
  for (const path of ['/', '/login', '/projects']) {
    fetched.length = 0;
    await page.goto(path);
    await waitForHydration(page);
    const code = fetched.filter((p) => /\.(wasm|js)$/.test(p));
    expect(code, `${path} fetched ${code.join(', ')}`).toEqual([]);
    await expect(page.locator('leptos-island')).toHaveCount(0);
    await expect(page.locator('script[type=module]')).toHaveCount(0);
  }
  await signIn(page, 'demo-deputy', '/my/sites');
  fetched.length = 0;
  await page.reload();
  await page.locator('#nearby[data-ready="1"]').waitFor();
  const files = fetched.map(buildFile).filter((f) => f != null);
  const wasm = files.find((f) => f!.file.endsWith('.wasm'));
  expect(wasm, fetched.join(', ')).toBeTruthy();
  // One build: every file the page asked for carries the same id.
  expect(new Set(files.map((f) => f!.id)).size).toBe(1);
  const res = await page.request.get(`/pkg/${wasm!.id}/${wasm!.file}`);
  expect(res.headers()['cache-control']).toContain('immutable');
  // Another build's address is not this build's file.
  const other = await page.request.get(`/pkg/0000000000000000/${wasm!.file}`);
  expect(other.status()).toBe(404);
  expect((await page.request.get(`/pkg/${wasm!.file}`)).status()).toBe(404);

  // Each page loads the one bundle that carries its islands, the smallest such: the field one
  // for my sites, the camera's for a capture form, the staff's for the review queue's map.
  const bundle = async () => buildFile((await page.locator('link[rel=modulepreload]').getAttribute('href'))!)!.file;
  expect(await bundle()).toBe('jiandu.js');
  const site = await page.locator('.site-list li a').first().getAttribute('href');
  await page.goto(`${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor();
  expect(await bundle()).toBe('jiandu-camera.js');
  await expect(page.locator('script[type=module]')).toHaveCount(1);
  await page.locator('#sign-out').click();
  await signIn(page, 'demo-staff', '/staff/review');
  expect(await bundle()).toBe('jiandu-desk.js');
  // The staff map came to life: its zoom works.
  const map = page.locator('#review-map');
  const zoom = Number(await map.getAttribute('data-zoom'));
  await expect(async () => {
    await map.locator('button.zoom-in').click();
    expect(Number(await map.getAttribute('data-zoom'))).toBeGreaterThan(zoom);
  }).toPass({ timeout: 20_000 });
});

test('the build’s files cross the wire as their brotli-11 copies, not compressed per request', async ({ page, context, browser }) => {
  await signIn(page, 'demo-deputy', '/my/sites');
  // A fresh browser (no HTTP cache, no worker) signed in as the deputy: every file comes over
  // the network.
  const fresh = await browser.newContext({ storageState: await context.storageState(), serviceWorkers: 'block' });
  const phone = await fresh.newPage();
  // Bytes on the wire as Chromium counts them (the encoded body), beside the copy on disk.
  const seen: { path: string; encoding?: string; bytes: number }[] = [];
  phone.on('requestfinished', async (req) => {
    const url = new URL(req.url());
    if (!buildFile(url.pathname)) return;
    const res = await req.response();
    seen.push({ path: url.pathname, encoding: res?.headers()['content-encoding'], bytes: (await req.sizes()).responseBodySize });
  });
  await phone.goto('/my/sites');
  await phone.locator('#nearby[data-ready="1"]').waitFor();
  await expect.poll(() => seen.filter((s) => /\.(wasm|js|css)$/.test(s.path)).length).toBeGreaterThanOrEqual(3);
  const root = process.env.LEPTOS_SITE_ROOT;
  expect(root, 'scripts/test sets LEPTOS_SITE_ROOT for the release server').toBeTruthy();
  for (const s of seen.filter((x) => /\.(wasm|js|css)$/.test(x.path))) {
    expect(s.encoding, s.path).toBe('br');
    const onDisk = path.join(root!, 'pkg', `${buildFile(s.path)!.file}.br`);
    expect(s.bytes, s.path).toBe(fs.statSync(onDisk).size);
  }
  await fresh.close();
});

test('the worker keeps every file the islands load, so they start with the network cut', async ({ page, context }) => {
  // The module imports wasm-bindgen's snippets beside the wasm; one left to the HTTP cache is
  // gone once its heuristic freshness runs out, and then nothing hydrates offline. The worker is
  // registered by the islands of a signed-in deputy's or officer's pages.
  await signIn(page, 'demo-deputy', '/my/sites');
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
  const module = await page.locator('link[rel=modulepreload]').getAttribute('href');
  const wasm = await page.locator('link[rel=preload][as=fetch]').getAttribute('href');
  const css = await page.locator('link[rel=stylesheet]').first().getAttribute('href');
  expect(buildFile(module!), module!).toBeTruthy();
  const dir = module!.slice(0, module!.lastIndexOf('/'));
  const moduleJs = await (await page.request.get(module!)).text();
  const snippets = [...moduleJs.matchAll(/(?:from|import)\s*['"]\.\/(snippets\/[^'"]+)['"]/g)].map((m) => `${dir}/${m[1]}`);
  expect(snippets.length, 'the build has JS snippets (map/offline.rs)').toBeGreaterThan(0);
  const kept = await page.evaluate(async () => {
    const name = (await caches.keys()).find((n) => n.startsWith('jiandu-shell-'));
    if (!name) return [];
    return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  });
  for (const p of ['/offline', module!, wasm!, css!, ...snippets]) expect(kept, p).toContain(p);

  await context.setOffline(true);
  await page.goto('/offline');
  await page.locator('#offline-page[data-ready="1"]').waitFor({ timeout: 20_000 });
  await context.setOffline(false);
});
