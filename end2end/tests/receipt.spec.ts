import { expect, test, type Browser } from '@playwright/test';
import path from 'node:path';
import { signIn } from './helpers';

// A passer-by with scripts off comments at a site and keeps the receipt; staff take the comment
// into the list and forward it; the unit's officer answers with a photo; the passer-by, back on
// the receipt (typed from paper the second time), sees each step, the answer and its photo, and
// says once whether it is fixed; the dashboard counts that verdict beside the deputies'.

async function as(browser: Browser, username: string, next: string) {
  // Staff and officers work in the app with JavaScript on.
  const ctx = await browser.newContext({ locale: 'en-US', javaScriptEnabled: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

const CODE = '[2-9A-HJKMNP-TV-Z]';

test.use({ javaScriptEnabled: false });

test('a passer-by follows a comment by its receipt to the answer and rates it', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const staff = await as(browser, 'demo-staff', '/staff/posters');
  await staff.page.locator('#poster-filter select[name=unit]').selectOption({ index: 1 });
  await staff.page.locator('#poster-filter button[type=submit]').click();
  const site = await staff.page.locator('.poster').first().getAttribute('data-code');
  expect(site).toMatch(new RegExp(`^${CODE}{7}$`));

  const wasm: string[] = [];
  page.on('request', (r) => {
    if (/\.wasm$|\/pkg\/.*\.js$/.test(r.url())) wasm.push(r.url());
  });
  await page.goto(`/s/${site}`);
  const text = `回执测试 ${Date.now()}：健身器材的螺丝松了，晃得厉害`;
  await page.getByLabel('不满意').check();
  await page.getByLabel('支持', { exact: true }).check();
  await page.locator('#comment-body').fill(text);
  await page.locator('#comment-submit').click();

  // The thank-you page is the receipt: its code, its link, a QR code to keep.
  await expect(page).toHaveURL(new RegExp(`/r/${CODE}{16}\\?new$`));
  await expect(page.locator('#thanks h1')).toHaveText('感谢您的意见！');
  await expect(page.locator('#receipt-qr svg')).toBeVisible();
  const code = (await page.locator('#receipt-code').textContent())!;
  expect(code).toMatch(new RegExp(`^(${CODE}{4}-){3}${CODE}{4}$`));
  const receipt = new URL(page.url()).pathname;
  await expect(page.locator('#receipt-link')).toHaveText(new RegExp(`${receipt}$`));
  await expect(page.locator('#receipt-body')).toHaveText(text);
  await expect(page.locator('[data-step=reviewed]')).toHaveAttribute('data-state', 'current');

  // Staff take it up as a problem, make an item of it, forward it to the bureau.
  await staff.page.goto('/staff/comments');
  await staff.page.locator('#moderation-list > li', { hasText: text }).locator('button.mark-problem').click();
  await expect(staff.page.locator('#moderation-list > li', { hasText: text })).toHaveCount(0);
  await staff.page.goto('/staff/review');
  await staff.page.locator('#review-comments > li', { hasText: text }).locator('.make-item button[type=submit]').click();
  await staff.page.locator('#item-created a').click();
  await expect(staff.page.locator('#item-status')).toHaveText('待交办');
  const itemUrl = new URL(staff.page.url()).pathname;
  await staff.page.locator('.step-forward select[name=unit]').selectOption({ label: '市民政局' });
  await staff.page.locator('#do-forward').click();
  await expect(staff.page.locator('#item-status')).toHaveText('已交办');

  // Typed from paper, in lower case with dashes: the same receipt, one step further.
  await page.goto('/r');
  await page.locator('#receipt-lookup input[name=code]').fill(code.toLowerCase());
  await page.locator('#receipt-lookup button[type=submit]').click();
  await expect(page).toHaveURL(new RegExp(`${receipt}$`));
  await expect(page.locator('#thanks')).toHaveCount(0);
  await expect(page.locator('[data-step=taken_into_item]')).toHaveAttribute('data-state', 'done');
  await expect(page.locator('[data-step=forwarded] .detail')).toContainText('市民政局');
  await expect(page.locator('[data-step=answered]')).toHaveAttribute('data-state', 'current');
  await expect(page.locator('#rate-form')).toHaveCount(0);

  // The bureau's officer answers with a photo.
  const officer = await as(browser, 'demo-officer', itemUrl);
  await officer.page.locator('#do-acknowledge').click();
  await expect(officer.page.locator('#item-status')).toHaveText('已签收');
  const answer = '已更换健身器材全部紧固螺栓并做了安全检查';
  await officer.page.locator('.step-answer textarea[name=text]').fill(answer);
  await officer.page.locator('#evidence-photos').setInputFiles(path.join(__dirname, '../fixtures/site-photo-1.jpg'));
  await officer.page.locator('#do-answer').click();
  await expect(officer.page.locator('#item-status')).toHaveText('已答复');

  await page.reload();
  await expect(page.locator('[data-step=answered]')).toHaveAttribute('data-state', 'done');
  await expect(page.locator('#receipt-answer .body')).toHaveText(answer);
  const photo = page.locator('#receipt-answer-photos img');
  await expect(photo).toHaveCount(1);
  const src = (await photo.getAttribute('src'))!;
  expect(src.startsWith(`${receipt}/photos/`)).toBe(true);
  // The copy may still be made when the page first asks for it.
  await expect.poll(async () => (await page.request.get(src)).headers()['content-type']).toBe('image/jpeg');

  // Once, and said as such.
  await page.locator('#rate-form').getByLabel('基本满意').check();
  await page.locator('#rate-submit').click();
  await expect(page.locator('#receipt-rated')).toContainText('基本满意');
  await expect(page.locator('#receipt-rated')).toHaveAttribute('data-rating', 'basic');
  await expect(page.locator('#rate-form')).toHaveCount(0);
  expect(wasm).toEqual([]);

  // The dashboard: the public's verdicts beside the deputies'.
  await staff.page.goto('/staff/dashboard');
  await expect(staff.page.locator('#verdicts-public td').nth(2)).not.toHaveText('0');
  await expect(staff.page.locator('#verdicts-deputies')).toBeVisible();
  await staff.ctx.close();
  await officer.ctx.close();
});
