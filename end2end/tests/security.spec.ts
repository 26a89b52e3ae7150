import { expect, test, type Page } from '@playwright/test';
import { signIn, waitForCachedPages } from './helpers';
import { execFileSync } from 'node:child_process';

// The app's pages run their wasm under a Content-Security-Policy (scripts only with the page's
// nonce), and a phone shared by two deputies keeps each one's pages and records apart.

test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 }, permissions: ['geolocation'] });

/** Collects every report of a blocked script, style, image or connection on the page. */
async function watchPolicy(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Refused to load (CSP): ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return seen;
}

test('the deputy app hydrates and works under its Content-Security-Policy without a violation', async ({ page }) => {
  const violations = await watchPolicy(page);
  await signIn(page, 'demo-deputy', '/my/sites');
  const res = await page.goto('/my/sites');
  const policy = res!.headers()['content-security-policy'];
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval';/);
  expect(policy).toContain("frame-ancestors 'none'");
  const nonce = /'nonce-([^']+)'/.exec(policy)![1];
  // Every script with code carries the nonce (an empty script element never runs).
  const nonces = await page.locator('script').evaluateAll((ss) =>
    ss.filter((s) => s.textContent || (s as HTMLScriptElement).src).map((s) => (s as HTMLScriptElement).nonce));
  expect(nonces.length).toBeGreaterThan(0);
  expect(nonces.every((n) => n === nonce)).toBe(true);
  // The wasm runs: "Nearby" is the app's own code.
  await page.locator('#nearby[data-ready="1"]').click({ timeout: 20_000 });
  await expect(page.locator('#nearby-list li').first()).toBeAttached();
  const site = await page.locator('.site-list li a').first().getAttribute('href');
  await page.goto(`${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await page.locator('#locate').click();
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', /on_site|near|off_site/);
  await page.goto('/outbox');
  await expect(page.locator('#outbox-empty, #outbox-list').first()).toBeVisible();
  expect(violations).toEqual([]);
});

async function signInAs(page: Page, username: string, password: string, next: string) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.waitForLoadState('networkidle');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === next),
    page.locator('#login-form button[type=submit]').click(),
  ]);
}

async function signOut(page: Page) {
  await Promise.all([page.waitForURL(/\/login/), page.locator('#sign-out').click()]);
}

/** The paths the worker keeps for offline use on this phone. */
async function keptPages(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith('jiandu-pages-')) continue;
      const cache = await caches.open(name);
      for (const r of await cache.keys()) out.push(new URL(r.url).pathname);
    }
    return out;
  });
}

test('on a shared phone, signing out forgets the pages, and a record waits for the deputy who made it', async ({ page, browser }) => {
  test.setTimeout(120_000);
  // A second deputy, made by the administrator.
  const admin = await browser.newContext();
  const ap = await admin.newPage();
  await signIn(ap, 'demo-admin', '/admin/users');
  const other = `deputy-${Date.now().toString(36)}`;
  const form = ap.locator('#create-account');
  await form.locator('input[name=username]').fill(other);
  await form.locator('input[name=display_name]').fill('共用手机代表');
  await form.locator('input[name=password]').fill('a-long-password');
  await form.locator('select[name=role]').selectOption('deputy');
  // The roster's first deputy with no account yet (the form names them; it has no list of a
  // province's roster to pick from).
  const deputy = execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', `select d.name_zh || ' · ' || d.delegation_zh
      from deputies d join supervision_groups g on g.id = d.group_id
     where not exists (select 1 from users u where u.deputy_id = d.id)
     order by g.number, d.name_zh, d.delegation_zh limit 1`]).toString().trim();
  await form.locator('input[name=deputy]').fill(deputy);
  await form.locator('button[type=submit]').click();
  await expect(form.locator('.notice.ok')).toBeVisible();
  await admin.close();

  const context = page.context();
  await signIn(page, 'demo-deputy', '/my/sites');
  const site = await page.locator('.site-list li a').first().evaluate((a) => (a as HTMLAnchorElement).pathname);
  await waitForCachedPages(page, ['/my/sites', '/outbox', site, `${site}/capture`]);

  // Captured with no signal; then the phone is back online but the server does not take it yet.
  await context.setOffline(true);
  const note = `共用手机 ${Date.now()}：井盖松动`;
  await page.goto(`${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  await page.locator('#note').fill(note);
  await page.locator('#locate').click();
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', /on_site|near|off_site/);
  await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
  await expect(page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(1);
  const id = await page.locator('#outbox-list li', { hasText: note }).getAttribute('data-id');
  await page.route('**/api/v1/observations/**', (r) => r.abort());
  await context.setOffline(false);

  // Signing out: the worker forgets the pages it kept for demo-deputy.
  await signOut(page);
  const kept = await keptPages(page);
  expect(kept).not.toContain('/my/sites');
  expect(kept).not.toContain(`${site}/capture`);

  // The next person on the phone: the record is shown as demo-deputy's and is not sent.
  await page.unroute('**/api/v1/observations/**');
  await signInAs(page, other, 'a-long-password', '/outbox');
  const row = page.locator('#outbox-list li', { hasText: note });
  await expect(row).toHaveAttribute('data-owner', 'other', { timeout: 20_000 });
  await expect(row).toContainText('demo-deputy');
  await page.locator('#sync-now').click();
  await page.waitForTimeout(3_000);
  await expect(row).toHaveAttribute('data-state', 'waiting');
  const theirs = await (await page.request.get('/api/v1/observations')).json();
  expect(theirs.items).toHaveLength(0);

  // Its author signs in again: it goes, once, as theirs.
  await signOut(page);
  await signInAs(page, 'demo-deputy', 'jiandu-demo', '/outbox');
  await page.locator('#sync-now').click();
  await expect(page.locator('#outbox-list li[data-state=sent]', { hasText: note })).toHaveCount(1, { timeout: 30_000 });
  const mine = await (await page.request.get('/api/v1/observations')).json();
  expect(mine.items.filter((i: { id: string }) => i.id === id)).toHaveLength(1);
});
