import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { signIn, uuidv7, waitForHydration } from './helpers';

// Staff tools on a desktop: importing audit findings (a bad row imports nothing and is
// explained, the corrected file imports), and narrowing the review queue with its filters.

test.use({ viewport: { width: 1280, height: 900 } });

function sql(query: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL!, '-Atc', query]).toString().trim();
}

test('a findings file with a bad row imports nothing, the corrected one imports', async ({ page }) => {
  const [a, b] = sql('select public_code from sites order by public_code limit 2').split('\n');
  const before = Number(sql('select count(*) from list_items'));
  await signIn(page, 'demo-staff', '/items');
  await page.locator('#import-link').click();
  await expect(page).toHaveURL(/\/staff\/import$/);
  await waitForHydration(page);
  const bad = `站点编号,类别,描述\n${a},问题,扶手松动\n${b},意见,路面破损\n`;
  await page.getByLabel('专项审计').check();
  await page.locator('input[name=file]').setInputFiles({ name: '审计.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.locator('#import-submit').click();
  const report = page.locator('#import-errors tbody tr');
  await expect(report).toHaveCount(1);
  await expect(report.first()).toHaveAttribute('data-row', '3');
  await expect(report.first()).toContainText('类别“意见”应为“问题”或“建议”');
  expect(Number(sql('select count(*) from list_items'))).toBe(before);

  const good = bad.replace('意见', '建议');
  await page.locator('input[name=file]').setInputFiles({ name: '审计.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.locator('#import-submit').click();
  await expect(page.locator('#import-done')).toContainText('2');
  expect(Number(sql("select count(*) from list_items where channel = 'special_audit'"))).toBe(2);
});

test('the review queue narrows by kind and on-site check', async ({ browser }) => {
  const deputyCtx = await browser.newContext();
  const deputy = await deputyCtx.newPage();
  await signIn(deputy, 'demo-deputy', '/my/sites');
  const href = await deputy.locator('.site-list li a').first().getAttribute('href');
  const siteId = href!.split('/').pop()!;
  const note = `筛选测试 ${Date.now()}`;
  const put = await deputy.request.put(`/api/v1/observations/${uuidv7()}`, {
    data: { site_id: siteId, kind: 'suggestion', note, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
  });
  expect(put.status()).toBe(201);
  await deputyCtx.close();

  const staffCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await staffCtx.newPage();
  await signIn(page, 'demo-staff', '/staff/review');
  const card = page.locator('#review-list > li', { hasText: note });
  await page.locator('#filter-kind').selectOption('suggestion');
  await page.locator('#filter-verdict').selectOption('unknown');
  await page.locator('#apply-filter').click();
  await expect(page).toHaveURL(/kind=suggestion/);
  await expect(card).toBeVisible();
  await expect(page.locator('#filter-kind')).toHaveValue('suggestion');
  await page.locator('#filter-verdict').selectOption('on_site');
  await page.locator('#apply-filter').click();
  await expect(page).toHaveURL(/verdict=on_site/);
  await expect(page.locator('#review-list')).toBeAttached();
  await expect(card).toHaveCount(0);
  await staffCtx.close();
});

test('a second report of the same problem is merged into the open item', async ({ browser }) => {
  const deputyCtx = await browser.newContext();
  const deputy = await deputyCtx.newPage();
  await signIn(deputy, 'demo-deputy', '/my/sites');
  const href = await deputy.locator('.site-list li a').nth(1).getAttribute('href');
  const siteId = href!.split('/').pop()!;
  const stamp = Date.now();
  const notes = [`台阶破损 ${stamp}`, `台阶破损（再次） ${stamp}`];
  for (const note of notes) {
    const put = await deputy.request.put(`/api/v1/observations/${uuidv7()}`, {
      data: { site_id: siteId, kind: 'problem', note, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
    });
    expect(put.status()).toBe(201);
  }
  await deputyCtx.close();

  const staffCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await staffCtx.newPage();
  await signIn(page, 'demo-staff', '/staff/review');
  const first = page.locator('#review-list > li', { hasText: notes[0] });
  await first.locator('.make-item button[type=submit]').click();
  await expect(page.locator('#item-created')).toBeVisible();
  const itemHref = await page.locator('#item-created a').getAttribute('href');
  const second = page.locator('#review-list > li', { hasText: notes[1] });
  await second.locator('.find-merge').click();
  const candidate = second.locator(`.merge-candidates li[data-item="${itemHref!.split('/').pop()}"]`);
  await expect(candidate).toBeVisible();
  await candidate.locator('button[type=submit]').click();
  await expect(second).toHaveCount(0);
  await page.goto(itemHref!);
  await expect(page.locator('#item-observations > li')).toHaveCount(2);
  await expect(page.locator('#item-log > li[data-action=attach]')).toHaveCount(1);
  await staffCtx.close();
});
