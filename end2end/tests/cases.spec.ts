import { expect, test, type Browser } from '@playwright/test';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { signIn } from './helpers';

// Staff promote a deputy's good practice from the review queue to a case (the report's "总结推广
// 好的案例和做法"); a passer-by with scripts off finds it on the site's page and on the year's
// plan, photo and all; staff withdraw it and it is gone for the public at once; the staff's list
// and its export hold it either way.

/** The text of one file inside a zip (an XLSX), read from its local header. */
function unzipEntry(zip: Buffer, name: string): string {
  for (let at = zip.indexOf('PK\x03\x04'); at >= 0; at = zip.indexOf('PK\x03\x04', at + 4)) {
    const method = zip.readUInt16LE(at + 8);
    const size = zip.readUInt32LE(at + 18);
    const nameLen = zip.readUInt16LE(at + 26);
    const extraLen = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 30, at + 30 + nameLen) !== name) continue;
    const data = zip.subarray(at + 30 + nameLen + extraLen, at + 30 + nameLen + extraLen + size);
    return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
  }
  throw new Error(`${name} not in the file`);
}

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test.use({ javaScriptEnabled: false });

test('staff promote a good practice, the public sees it until it is withdrawn', async ({ page, browser }) => {
  test.setTimeout(120_000);
  // Another deputy's observation: the demo deputy's records and notifications are counted by
  // the capture and closed-loop tests.
  const deputy = await as(browser, 'demo-deputy', '/my/sites');
  const deputyName = (await deputy.page.locator('nav .who').textContent())!.trim();
  expect(deputyName.length).toBeGreaterThan(0);
  await deputy.ctx.close();

  const staff = await as(browser, 'demo-staff', '/staff/review?kind=good_practice');
  const cards = staff.page.locator('#review-list > li.card');
  const card = cards
    .filter({ hasNot: staff.page.locator('.meta', { hasText: deputyName }) })
    .filter({ has: staff.page.locator('img') })
    .first();
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
