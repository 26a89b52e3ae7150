import { expect, test, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { capture, firstSite, onServer, photo, signIn, waitForCachedPages } from './helpers';

// Three release servers on one primary, its streaming replica and one S3 bucket, behind nginx
// (scripts/check-multi starts them and runs this file alone; the ordinary browser run leaves it
// out). BASE_URL is nginx; JIANDU_MULTI_SERVERS the servers' own addresses, JIANDU_MULTI_PIDS
// their processes, in the same order.

const servers = (process.env.JIANDU_MULTI_SERVERS ?? '').split(',').filter(Boolean);
const pids = (process.env.JIANDU_MULTI_PIDS ?? '').split(',').filter(Boolean).map(Number);

function psql(sql: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', sql]).toString().trim();
}

async function publicPage(browser: Browser, base: string, code: string): Promise<string> {
  // A stranger each time: nobody signed in, so the page cache of that server answers.
  const ctx = await browser.newContext();
  const res = await ctx.request.get(`${base}/s/${code}`);
  expect(res.status()).toBe(200);
  const text = await res.text();
  await ctx.close();
  return text;
}

/** Until every server's page satisfies `shows`, or ten seconds; how long it took. */
async function onEveryServer(browser: Browser, code: string, shows: (page: string) => boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    const pages = await Promise.all(servers.map((s) => publicPage(browser, s, code)));
    if (pages.every(shows)) return Date.now() - started;
    if (Date.now() - started > 10_000) {
      throw new Error(`after 10 s, servers ${servers.filter((_, i) => !shows(pages[i])).join(', ')} still differ`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function moderate(browser: Browser, base: string, form: Record<string, string>) {
  const ctx = await browser.newContext({ baseURL: base });
  const page = await ctx.newPage();
  await signIn(page, 'demo-staff', '/staff/comments');
  const res = await ctx.request.post('/api/staff/moderate', { headers: { Accept: 'application/json' }, form });
  expect(res.status(), await res.text()).toBe(200);
  await ctx.close();
}

test.describe('several servers behind nginx', () => {
  test.beforeAll(() => {
    expect(servers.length, 'JIANDU_MULTI_SERVERS names the three servers').toBe(3);
    expect(pids.length, 'JIANDU_MULTI_PIDS names their processes').toBe(3);
  });

  test('a comment posted through one server and hidden through another is gone from every server at once', async ({ page, browser }) => {
    test.setTimeout(120_000);
    const code = psql('select public_code from sites where active order by public_code limit 1');
    // Every server keeps the page without the comment first.
    const text = `多台服务器留言 ${Date.now()}：路口信号灯太短`;
    await onEveryServer(browser, code, (p) => p.includes('id="site-name"') && !p.includes(text));

    // Posted through the first server, as a passer-by does.
    await page.goto(`${servers[0]}/s/${code}`);
    await page.getByLabel('基本满意').check();
    await page.getByLabel('支持', { exact: true }).check();
    await page.locator('#comment-body').fill(text);
    await page.locator('#comment-submit').click();
    await expect(page).toHaveURL(/\/r\/[2-9A-HJKMNP-TV-Z]{16}\?new$/);
    const id = psql(`select id from public_comments where body = $t$${text}$t$`);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // Published through the second: on every server's page, the kept copies emptied everywhere.
    await moderate(browser, servers[1], { id, action: 'publish' });
    const shown = await onEveryServer(browser, code, (p) => p.includes(text));
    // Hidden through the third: gone from every server, not after the cache's 30 s.
    await moderate(browser, servers[2], { id, action: 'hide', reason: '多台服务器测试', category: 'other' });
    const gone = await onEveryServer(browser, code, (p) => !p.includes(text));
    console.log(`published: on every server in ${shown} ms; hidden: gone from every server in ${gone} ms`);
    expect(gone).toBeLessThan(5_000);
    // And through nginx, whichever server answers.
    for (let i = 0; i < 3; i++) expect(await publicPage(browser, process.env.BASE_URL!, code)).not.toContain(text);
  });

  test('a deputy syncs through nginx while one server is killed: every record once', async ({ page, context }) => {
    test.setTimeout(240_000);
    await context.grantPermissions(['geolocation']);
    await context.setGeolocation({ latitude: 30.2741, longitude: 120.1551, accuracy: 12 });
    await signIn(page, 'demo-deputy', '/my/sites');
    const site = await firstSite(page);
    const marker = `多台服务器同步 ${Date.now()}`;
    await waitForCachedPages(page, ['/my/sites', '/outbox', site, `${site}/capture`]);
    await context.setOffline(true);
    const n = 8;
    for (let i = 1; i <= n; i++) {
      await capture(page, site, `${marker} 第${i}条`, [photo((i % 4) + 1), photo(((i + 1) % 4) + 1)]);
    }
    await expect(page.locator('#outbox-list li[data-state=waiting]', { hasText: marker })).toHaveCount(n);

    await context.setOffline(false);
    await page.locator('#sync-now').click();
    // The second server dies as soon as the first record is stored: uploads under way on it are
    // cut, nginx sends what it can to the others, and the phone sends again what was not answered.
    await expect.poll(() => onServer(marker).length, { timeout: 60_000, intervals: [20] }).toBeGreaterThan(0);
    process.kill(pids[1], 'SIGKILL');
    const killedAt = onServer(marker).length;
    expect(killedAt, 'the server was killed while records were still to be sent').toBeLessThan(n);
    await expect(page.locator('#outbox-list li[data-state=sent]', { hasText: marker })).toHaveCount(n, { timeout: 180_000 });
    const held = onServer(marker);
    console.log(`${killedAt} of ${n} records stored when the server was killed; ${held.length} stored in the end`);
    expect(held).toHaveLength(n);
    expect(new Set(held.map((h) => h.id)).size).toBe(n);
    expect(held.map((h) => h.photos)).toEqual(Array(n).fill(2));
    await expect(page.locator('#outbox-list li[data-state=failed]')).toHaveCount(0);
    // The photos are in the one bucket, each once, whichever server took them.
    const photos = Number(psql(`select count(*) from observation_photos p join observations o on o.id = p.observation_id
                                 where o.note like '%' || $m$${marker}$m$ || '%'`));
    expect(photos).toBe(2 * n);
  });
});
