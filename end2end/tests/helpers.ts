import * as zlib from 'node:zlib';
import { expect, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PASSWORD = 'jiandu-demo';

/** Signs in through the real form and waits for the full reload that follows. */
export async function signIn(page: Page, username: string, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await waitForHydration(page);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname === next.split('?')[0]),
    page.locator('#login-form button[type=submit]').click(),
  ]);
}

/** Leptos marks nothing on hydration; the wasm has run once the login button's handler is live.
 * Waiting for the network to go idle after load is enough: the wasm is fetched and started. */
export async function waitForHydration(page: Page) {
  await page.waitForLoadState('networkidle');
}

export async function expectChinese(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
}

/** A UUIDv7, as the phone makes them: 48 bits of milliseconds, version 7, variant, random. */
export function uuidv7(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Waits until the service worker controls the page, reloads (so the page asks it to keep what
 * it lists for offline use), waits until the worker says that round has settled (so no refresh
 * is still in flight when a test cuts the network) and checks that its page cache holds every
 * one of `paths`. */
export async function waitForCachedPages(page: Page, paths: string[]) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
  await page.addInitScript(() => {
    (window as any).__pagesKept = 0;
    navigator.serviceWorker?.addEventListener('message', (e) => {
      if (e.data?.type === 'pages-kept') (window as any).__pagesKept += 1;
    });
  });
  await page.reload();
  await page.waitForFunction(() => (window as any).__pagesKept > 0, null, { timeout: 30_000, polling: 200 });
  await page.waitForFunction(async (wanted) => {
    const names = await caches.keys();
    const pages = names.find((n) => n.startsWith('jiandu-pages-'));
    if (!pages) return false;
    const cache = await caches.open(pages);
    const cached = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
    if (!wanted.every((u) => cached.has(u))) return false;
    // Whole pages only: each body reads to its end.
    const bodies = await Promise.all(wanted.map(async (u) => (await (await cache.match(u))!.text()).length));
    return bodies.every((n) => n > 0);
  }, paths, { timeout: 30_000, polling: 500 });
}

/** Standard output and error for a server a test starts: a log beside the main server's, so that
 * the run's panic check reads it too (scripts/test sets JIANDU_TEST_LOGS); dropped when a test is
 * run by hand. */
export function serverLog(name: string): ['ignore', number, number] | 'ignore' {
  const dir = process.env.JIANDU_TEST_LOGS;
  if (!dir) return 'ignore';
  const fd = fs.openSync(path.join(dir, `e2e-server-${name}.log`), 'a');
  return ['ignore', fd, fd];
}

/** An account for another deputy of demo-deputy's group, made by the administrator through the
 * product (the browser tests' demo has no roster accounts), signing in with PASSWORD. Tests that
 * must not move what others count of demo-deputy (records, notifications) work as this one. */
export async function rosterDeputy(browser: Browser): Promise<string> {
  const deputyId = execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc',
    `select d.id from deputies d
      where d.group_id = (select d2.group_id from deputies d2 join users u on u.deputy_id = d2.id
                           where u.username = 'demo-deputy')
        and not exists (select 1 from users u where u.deputy_id = d.id)
      order by d.id limit 1`]).toString().trim();
  expect(deputyId).toMatch(/^[0-9a-f-]{36}$/);
  const username = `roster-${Date.now()}`;
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, 'demo-admin', '/admin/users');
  const res = await ctx.request.post('/api/admin/create-account', {
    headers: { Accept: 'application/json' },
    form: { username, display_name: `组内代表 ${username.slice(-4)}`, password: PASSWORD, role: 'deputy', deputy_id: deputyId },
  });
  expect(res.status(), await res.text()).toBe(200);
  await ctx.close();
  return username;
}

/** The text of one file inside a zip (an XLSX), found through the central directory (the local
 * headers may leave their sizes to a trailing descriptor). */
export function unzipEntry(zip: Buffer, name: string): string {
  for (let at = zip.indexOf('PK\x01\x02'); at >= 0; at = zip.indexOf('PK\x01\x02', at + 4)) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLen) !== name) continue;
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
  }
  throw new Error(`${name} not in the file`);
}

// The field capture the outbox tests share (fault-matrix.spec.ts, multi-server.spec.ts).

const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const photo = (n: number) => path.join(FIXTURES, `site-photo-${n}.jpg`);

export async function firstSite(page: Page): Promise<string> {
  await page.goto('/my/sites');
  const href = await page.locator('.site-list li a').first().evaluate((a) => (a as HTMLAnchorElement).pathname);
  expect(href).toMatch(/^\/sites\//);
  return href;
}

export async function capture(page: Page, site: string, note: string, photos: string[]) {
  await page.goto(`${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  if (photos.length > 0) {
    await page.locator('#photo-camera').setInputFiles(photos);
    await expect(page.locator('#photo-list li')).toHaveCount(photos.length, { timeout: 20_000 });
  }
  await page.locator('#note').fill(note);
  await page.locator('#locate').click();
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', /on_site|near|off_site/);
  await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
}

/** What the database holds of the records with `marker` in their note: each with its capture
 * time (ms) and how many photos it lists. */
export function onServer(marker: string): { id: string; capturedMs: number; photos: number }[] {
  const out = execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc',
    `select o.id, (extract(epoch from o.captured_at) * 1000)::bigint,
            (select count(*) from observation_photos p where p.observation_id = o.id)
       from observations o where o.note like '%' || $m$${marker}$m$ || '%'`]).toString().trim();
  return out ? out.split('\n').map((l) => {
    const [id, ms, photos] = l.split('|');
    return { id, capturedMs: Number(ms), photos: Number(photos) };
  }) : [];
}

/** Sends what waits and checks the server holds `n` records with `marker`, each once, each with
 * `photos` photos. */
export async function sentOnce(page: Page, marker: string, n: number, photos: number) {
  await page.goto('/outbox');
  await page.locator('#sync-now').click();
  await expect(page.locator('#outbox-list li[data-state=sent]', { hasText: marker })).toHaveCount(n, { timeout: 60_000 });
  const held = onServer(marker);
  expect(held).toHaveLength(n);
  expect(new Set(held.map((h) => h.id)).size).toBe(n);
  expect(held.map((h) => h.photos)).toEqual(Array(n).fill(photos));
  return held;
}
