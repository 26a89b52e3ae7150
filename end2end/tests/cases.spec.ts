import { expect, test, type Browser } from '@playwright/test';
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { rosterDeputy, signIn, unzipEntry, uuidv7 } from './helpers';

// Staff promote a deputy's good practice from the review queue to a case (the report's "总结推广
// 好的案例和做法"); a passer-by with scripts off finds it on the site's page and on the year's
// plan, photo and all; staff withdraw it and it is gone for the public at once; the staff's list
// and its export hold it either way.

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test.use({ javaScriptEnabled: false });

test('staff promote a good practice, the public sees it until it is withdrawn', async ({ page, browser }) => {
  test.setTimeout(120_000);
  // A deputy of demo-deputy's group (made through the product: the capture and closed-loop tests
  // count demo-deputy's records and notifications) sends a good practice with a photo, as the
  // phone's outbox does.
  const deputy = await rosterDeputy(browser);
  const phone = await as(browser, deputy, '/my/sites');
  const siteHref = await phone.page.locator('.site-list li a').first().evaluate((a) => (a as HTMLAnchorElement).pathname);
  const siteId = siteHref.split('/')[2];
  const bytes = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'site-photo-2.jpg'));
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  const put = await phone.ctx.request.put(`/api/v1/photos/${sha}`, { headers: { 'Content-Type': 'image/jpeg' }, data: bytes });
  expect(put.status()).toBeLessThan(300);
  const marker = `典型做法 ${Date.now()}`;
  const obs = await phone.ctx.request.put(`/api/v1/observations/${uuidv7()}`, {
    headers: { 'Content-Type': 'application/json' },
    data: JSON.stringify({ site_id: siteId, kind: 'good_practice', note: `${marker}：车棚集中充电，配灭火器`, tags: [],
      captured_at: new Date().toISOString(), position: null, photos: [sha] }),
  });
  expect(obs.status(), await obs.text()).toBe(201);
  await phone.ctx.close();

  const staff = await as(browser, 'demo-staff', '/staff/review?kind=good_practice');
  const card = staff.page.locator('#review-list > li.card', { hasText: marker });
  await expect(card).toBeVisible();
  const observation = (await card.getAttribute('data-observation'))!;
  const title = `典型案例测试 ${Date.now()}`;
  await card.locator('details.promote summary').click();
  await card.locator('.promote-form input[name=title]').fill(title);
  await card.locator('.promote-form select[name=level]').selectOption('city');
  await card.locator('.promote-form button[type=submit]').click();
  // Reviewed: it left the queue.
  await expect(staff.page.locator(`#review-list > li[data-observation="${observation}"]`)).toHaveCount(0);

  await staff.page.goto('/staff/cases');
  const listed = staff.page.locator('#staff-case-list > li', { hasText: title });
  await expect(listed).toHaveAttribute('data-published', 'true');
  await expect(listed.locator('.kicker')).toContainText('市级');
  await expect(staff.page.locator('#cases-pager')).toHaveAttribute('data-total', /^[1-9]\d*$/);
  const publicHref = (await listed.locator('a.public-link').getAttribute('href'))!;
  const sitePath = publicHref.split('#')[0];
  expect(sitePath).toMatch(/^\/s\/[2-9A-HJKMNP-TV-Z]{7}$/);

  // The export holds the case, as published.
  const [download] = await Promise.all([
    staff.page.waitForEvent('download'),
    staff.page.locator('#cases-export').click(),
  ]);
  expect(download.suggestedFilename()).toBe('jiandu-cases.xlsx');
  const strings = unzipEntry(fs.readFileSync((await download.path())!), 'xl/sharedStrings.xml');
  expect(strings).toContain(title);
  expect(strings).toContain('市级');
  expect(strings).toContain('已公开');

  // A passer-by without scripts: the site's page shows the case and its photo, the plan too.
  await page.goto(sitePath);
  const onSite = page.locator('#site-cases li.case', { hasText: title });
  await expect(onSite).toBeVisible();
  const src = (await onSite.locator('img').first().getAttribute('src'))!;
  const photo = await page.request.get(src);
  expect(photo.status()).toBe(200);
  expect(photo.headers()['content-type']).toBe('image/jpeg');
  await page.goto('/plan');
  const onPlan = page.locator('.plan-cases li.case', { hasText: title });
  await expect(onPlan).toBeVisible();
  await expect(onPlan.locator(`a[href="${sitePath}"]`)).toBeVisible();

  // Withdrawn: gone from both public pages at once, the photo no longer served; still listed.
  await listed.locator('button.publish-toggle').click();
  await expect(staff.page.locator('#staff-case-list > li', { hasText: title })).toHaveAttribute('data-published', 'false');
  await page.goto(sitePath);
  await expect(page.locator('#site-name')).toBeVisible();
  await expect(page.locator('li.case', { hasText: title })).toHaveCount(0);
  await page.goto('/plan');
  await expect(page.locator('#plan-title')).toBeVisible();
  await expect(page.locator('li.case', { hasText: title })).toHaveCount(0);
  expect((await page.request.get(src)).status()).toBe(404);
  await staff.ctx.close();
});
