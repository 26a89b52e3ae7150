import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serverLog, signIn, waitForCachedPages } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const photo = (n: number) => path.join(FIXTURES, `site-photo-${n}.jpg`);

/** Waits until the worker has kept "my sites", the outbox and each site's page and capture form. */
async function readyForOffline(page: Page, sites: string[]) {
  await waitForCachedPages(page, ['/my/sites', '/outbox', ...sites.flatMap((s) => [s, `${s}/capture`])]);
}

async function capture(page: Page, captureUrl: string, note: string, photos: string[]) {
  await page.goto(captureUrl);
  // The wasm owns the form once it is hydrated; only then are photos prepared.
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await page.locator('#photo-camera').setInputFiles(photos);
  await expect(page.locator('#photo-list li')).toHaveCount(photos.length, { timeout: 20_000 });
  for (const li of await page.locator('#photo-list li').all()) {
    expect(Number(await li.getAttribute('data-bytes'))).toBeLessThanOrEqual(400 * 1024);
  }
  await page.locator('#note').fill(note);
  await page.locator('#locate').click();
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', /on_site|near|off_site/);
  await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
}

async function siteUrls(page: Page): Promise<string[]> {
  const hrefs = await page.locator('.site-list li a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
  return hrefs.slice(0, 3);
}

test.describe('field capture', () => {
  test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 }, permissions: ['geolocation'] });

  test('captures three observations offline, keeps them across a closed page, then syncs each once', async ({ page, context, browser }) => {
    test.setTimeout(120_000);
    await signIn(page, 'demo-deputy', '/my/sites');
    const sites = await siteUrls(page);
    await readyForOffline(page, sites);

    await context.setOffline(true);
    // The app opens with the network cut.
    await page.reload();
    await expect(page.locator('h1')).toHaveText('我的点位');
    // "Nearby" works offline too: distances come from the cached site geometry. The button
    // does nothing until the wasm has hydrated the page.
    await page.locator('#nearby[data-ready="1"]').click({ timeout: 20_000 });
    await expect(page.locator('#nearby-list li').nth(3)).toBeAttached();
    const distances = await page.locator('#nearby-list li').evaluateAll((lis) => lis.map((l) => Number(l.getAttribute('data-distance'))));
    expect(distances.length).toBeGreaterThan(3);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);

    await capture(page, `${sites[0]}/capture`, '施工围挡缺失，行人需绕行机动车道', [photo(1), photo(2)]);
    await capture(page, `${sites[1]}/capture`, '建议增加夜间照明', [photo(3)]);
    await capture(page, `${sites[2]}/capture`, '助餐点菜品公示清楚，值得推广', []);
    await expect(page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(3);
    await expect(page.locator('#outbox-badge')).toHaveText('3');

    // A page this phone never kept: the worker sends the browser to the offline page, which
    // the app then hydrates as itself (served under the other address, it hydrated the wrong
    // route and panicked).
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto('/projects?never-kept=1');
    await expect(page).toHaveURL(/\/offline$/);
    await expect(page.locator('h1')).toHaveText('没有网络');
    await page.locator('#offline-page[data-ready="1"]').waitFor({ timeout: 20_000 });
    expect(errors.filter((e) => /panick|unreachable|hydrat/i.test(e))).toEqual([]);

    // Close the page and open the app again, still offline: nothing is lost.
    await page.close();
    const again = await context.newPage();
    await again.goto('/outbox');
    await expect(again.locator('#outbox-list li[data-state=waiting]')).toHaveCount(3);

    await context.setOffline(false);
    await again.locator('#sync-now').click();
    await expect(again.locator('#outbox-list li[data-state=sent]')).toHaveCount(3, { timeout: 30_000 });
    await expect(again.locator('#outbox-badge')).toHaveCount(0);

    // The server holds exactly these three, each once; served copies carry no EXIF.
    const changes = await (await again.request.get('/api/v1/observations')).json();
    expect(changes.items).toHaveLength(3);
    const ids = new Set(changes.items.map((i: { id: string }) => i.id));
    expect(ids.size).toBe(3);
    const shas = await again.evaluate(async () => {
      const db: IDBDatabase = await new Promise((ok, err) => {
        const r = indexedDB.open('jiandu-outbox');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      const all: any[] = await new Promise((ok) => {
        const r = db.transaction('observations').objectStore('observations').getAll();
        r.onsuccess = () => ok(r.result);
      });
      return all.flatMap((o) => o.input.photos);
    });
    expect(shas).toHaveLength(3);
    // "My records" shows them with their thumbnails and status.
    await again.goto('/my/observations');
    await expect(again.locator('#my-observations > li')).toHaveCount(3);
    await expect(again.locator('#my-observations > li[data-status=submitted]')).toHaveCount(3);
    const thumb = again.locator('#my-observations img').first();
    await expect(thumb).toBeVisible();
    expect(await thumb.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);
    // The fixtures carry EXIF (a position and a time); the phone's re-encode drops it before
    // anything is sent, so the originals as they arrived hold none.
    const media = process.env.JIANDU_MEDIA_DIR;
    expect(media, 'scripts/test sets JIANDU_MEDIA_DIR for the release server').toBeTruthy();
    const exif = Buffer.from('Exif');
    expect(fs.readFileSync(photo(1)).includes(exif)).toBe(true);
    for (const sha of shas) {
      expect(fs.readFileSync(path.join(media!, 'originals', sha.slice(0, 2), `${sha}.jpg`)).includes(exif)).toBe(false);
      const res = await again.request.get(`/media/display/${sha}.jpg`);
      expect(res.status()).toBe(200);
    }
    // A client that sends its photo as taken (a script, another app) keeps it in the original,
    // but what the server shows others carries no EXIF. (site-photo-6: no other test sends it.)
    const raw = fs.readFileSync(photo(6));
    const rawSha = crypto.createHash('sha256').update(raw).digest('hex');
    const put = await again.request.put(`/api/v1/photos/${rawSha}`, { data: raw, headers: { 'content-type': 'image/jpeg' } });
    expect(put.status(), await put.text()).toBeLessThan(300);
    expect(fs.readFileSync(path.join(media!, 'originals', rawSha.slice(0, 2), `${rawSha}.jpg`)).includes(exif)).toBe(true);
    for (const variant of ['display', 'thumb']) {
      const served = await again.request.get(`/media/${variant}/${rawSha}.jpg`);
      expect(served.status(), variant).toBe(200);
      expect((await served.body()).includes(exif), variant).toBe(false);
    }

    // A photo whose files were lost from storage shows a picture saying so, not a broken image.
    // (site-photo-3: no other test sends it, so no other test needs its files.)
    const lost = await again.evaluate(async () => {
      const db: IDBDatabase = await new Promise((ok) => { indexedDB.open('jiandu-outbox').onsuccess = (e) => ok((e.target as IDBOpenDBRequest).result); });
      const all: any[] = await new Promise((ok) => {
        const r = db.transaction('observations').objectStore('observations').getAll();
        r.onsuccess = () => ok(r.result);
      });
      return all.find((o) => o.input.note === '建议增加夜间照明').input.photos[0] as string;
    });
    for (const dir of ['originals', 'display', 'thumbs']) {
      fs.rmSync(path.join(media!, dir, lost.slice(0, 2), `${lost}.jpg`));
    }
    // A new context: this page's HTTP cache still holds the thumbnail it showed.
    // Contexts made from the `browser` fixture take the config's options (baseURL, viewport).
    const fresh = await browser.newContext({ storageState: await context.storageState() });
    const look = await fresh.newPage();
    const answer = look.waitForResponse((r) => r.url().endsWith(`/media/thumb/${lost}.jpg`));
    await look.goto('/my/observations');
    expect((await answer).status()).toBe(404);
    expect((await answer).headers()['content-type']).toBe('image/svg+xml');
    const img = look.locator(`#my-observations img[src="/media/thumb/${lost}.jpg"]`);
    expect(await img.evaluate((i: HTMLImageElement) => i.decode().then(() => i.naturalWidth))).toBe(160);
    await fresh.close();
  });
});

// A second server of our own, so that this test can kill it mid-upload and start it again.
const BIN = process.env.JIANDU_BIN;
test.describe('server restart during upload', () => {
  test.skip(!BIN, 'JIANDU_BIN is set by scripts/test');
  test.use({
    baseURL: 'http://127.0.0.1:3101',
    // Requests must reach page.route below, not a service worker.
    serviceWorkers: 'block',
    geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 },
    permissions: ['geolocation'],
  });

  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn(BIN!, ['serve'], {
      env: { ...process.env, LEPTOS_SITE_ADDR: '127.0.0.1:3101' },
      stdio: serverLog('restart'),
    });
    for (let i = 0; i < 120; i++) {
      try {
        if ((await fetch('http://127.0.0.1:3101/healthz')).ok) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('server did not start');
  };
  test.afterAll(() => server?.kill('SIGKILL'));

  test('nothing is lost or duplicated when the server dies between photo uploads', async ({ page, context }) => {
    test.setTimeout(120_000);
    await start();
    await signIn(page, 'demo-deputy', '/my/sites');
    const sites = await siteUrls(page);
    const before = (await (await page.request.get('/api/v1/observations')).json()).items.length;

    // Let the first photo through, then kill the server before the second arrives. The sync
    // starts as soon as the outbox page opens, so the trap is set before saving.
    let uploads = 0;
    await page.route('**/api/v1/photos/**', async (route) => {
      uploads += 1;
      if (uploads === 2) {
        server?.kill('SIGKILL');
        await new Promise((r) => server?.once('exit', r));
      }
      await route.continue().catch(() => route.abort('connectionrefused'));
    });
    await capture(page, `${sites[0]}/capture`, '重启测试：三张照片', [photo(4), photo(5), photo(6)]);
    await expect.poll(() => uploads, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await expect(page.locator('#outbox-list li').first()).toHaveAttribute('data-state', 'waiting', { timeout: 20_000 });

    await page.unroute('**/api/v1/photos/**');
    await start();
    await page.locator('#sync-now').click();
    await expect(page.locator('#outbox-list li').first()).toHaveAttribute('data-state', 'sent', { timeout: 30_000 });
    const after = (await (await page.request.get('/api/v1/observations')).json()).items.length;
    expect(after).toBe(before + 1);
  });
});
