import { expect, test, type Browser, type Page } from '@playwright/test';
import { signIn } from './helpers';

// A passer-by scans the QR code on a cheap phone, often with scripts off or failing: the site
// page, the comment form and the thank-you page must work as plain HTML. Staff moderate in the
// app (JavaScript on) in their own browser context.

/** Staff pick a unit's posters; returns one site code from the sheet (and checks the sheet). */
async function codeFromPosters(page: Page): Promise<string> {
  await signIn(page, 'demo-staff', '/staff/posters');
  await page.locator('#poster-filter select[name=unit]').selectOption({ index: 1 });
  await page.locator('#poster-filter button[type=submit]').click();
  const posters = page.locator('.poster');
  await expect(posters.first()).toBeVisible();
  const qr = posters.first().locator('img.qr');
  await expect.poll(() => qr.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
  const code = await posters.first().getAttribute('data-code');
  expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{7}$/);
  return code!;
}

async function staffPage(browser: Browser) {
  // Staff work in the app with JavaScript on, whatever the passer-by's browser does.
  const ctx = await browser.newContext({ locale: 'en-US', javaScriptEnabled: true });
  return { ctx, page: await ctx.newPage() };
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a passer-by comments with a rating; staff publish it; it appears on the page', async ({ page, browser }, info) => {
    const staff = await staffPage(browser);
    const code = await codeFromPosters(staff.page);

    const wasm: string[] = [];
    page.on('request', (r) => {
      if (/\.wasm$|\/pkg\/.*\.js$/.test(r.url())) wasm.push(r.url());
    });
    const res = await page.goto(`/s/${code}`);
    expect(res?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.locator('#site-name')).not.toBeEmpty();
    await expect(page.locator('#site-lead-unit')).not.toBeEmpty();
    await expect(page.locator('#figures')).toContainText('满意率');
    // Where the site is: drawn on the server, so it is there without JavaScript, and without
    // buttons that would need it.
    await expect(page.locator('#public-map .feature.site')).toHaveCount(1);
    await expect(page.locator('#public-map .zoom')).toHaveCount(0);
    await expect(page.locator('#public-map-scale')).toBeAttached();

    // A refused post (bad phone number) comes back with the reason and keeps what was typed.
    const text = `无脚本留言 ${info.project.name} ${Date.now()}：台阶边缘没有防滑条`;
    await page.getByLabel('基本满意').check();
    await page.getByLabel('支持', { exact: true }).check();
    await page.locator('#comment-body').fill(text);
    await page.locator('input[name=phone]').fill('12345');
    await page.locator('input[name=consent]').check();
    await page.locator('#comment-submit').click();
    await expect(page.locator('#comment [data-error=Invalid]')).toContainText('请填写11位手机号');
    await expect(page.locator('#comment-body')).toHaveValue(text);
    await expect(page.getByLabel('基本满意')).toBeChecked();

    await page.locator('input[name=phone]').fill('13812345678');
    await page.locator('#comment-submit').click();
    // The thank-you page is the comment's receipt (followed in receipt.spec.ts).
    await expect(page).toHaveURL(/\/r\/[2-9A-HJKMNP-TV-Z]{16}\?new$/);
    await expect(page.locator('#thanks h1')).toHaveText('感谢您的意见！');
    expect(wasm).toEqual([]);

    // Not shown until staff publish it.
    await page.goto(`/s/${code}`);
    await expect(page.locator('#comments')).not.toContainText(text);

    await staff.page.goto('/staff/comments');
    const item = staff.page.locator('#moderation-list > li', { hasText: text });
    await expect(item).toBeVisible();
    await expect(item.locator('.masked')).toHaveText('138****5678');
    await item.locator('button.reveal-phone').click();
    await expect(item.locator('.masked')).toHaveText('13812345678');
    await item.locator('button.publish').click();
    await expect(staff.page.locator('#moderation-list > li', { hasText: text })).toHaveCount(0);

    await page.goto(`/s/${code}`);
    await expect(page.locator('#comment-list')).toContainText(text);
    await expect(page.locator('#comment-list li', { hasText: text }).locator('.rating')).toHaveText('基本满意');
    await staff.ctx.close();
  });

  test('a wrong password is explained after a plain form post', async ({ page }) => {
    await page.goto('/login?next=/my/sites');
    await page.locator('input[name=username]').fill('demo-deputy');
    await page.locator('input[name=password]').fill('wrong-password');
    await page.locator('#login-form button[type=submit]').click();
    await expect(page).toHaveURL(/form_error=bad_credentials/);
    await expect(page.locator('[data-error=BadCredentials]')).toContainText('用户名或密码不正确');

    await page.locator('input[name=username]').fill('demo-deputy');
    await page.locator('input[name=password]').fill('jiandu-demo');
    await page.locator('#login-form button[type=submit]').click();
    await expect(page).toHaveURL(/\/my\/sites$/);
  });
});

test('with JavaScript: the form counts characters, staff hide with a reason', async ({ page, browser }, info) => {
  const staff = await staffPage(browser);
  const code = await codeFromPosters(staff.page);
  await page.goto(`/s/${code}`);
  const text = `手机留言 ${info.project.name} ${Date.now()}：送餐时间太晚`;
  await page.getByLabel('不满意').check();
  await page.getByLabel('说不清').check();
  await page.locator('#comment-body').fill(text);
  await expect(page.locator('#body-count')).toHaveText(`${[...text].length} / 500`);
  await page.locator('#comment-submit').click();
  await expect(page).toHaveURL(/\/r\/[2-9A-HJKMNP-TV-Z]{16}\?new$/);
  const receipt = new URL(page.url()).pathname;

  await staff.page.goto('/staff/comments');
  const item = staff.page.locator('#moderation-list > li', { hasText: text });
  await item.locator('input[name=reason]').fill('与项目无关');
  await item.locator('select[name=category]').selectOption('off_topic');
  await item.locator('button.hide').click();
  await expect(staff.page.locator('#moderation-list > li', { hasText: text })).toHaveCount(0);
  await staff.page.goto('/staff/comments?status=hidden');
  const hidden = staff.page.locator('#moderation-list > li', { hasText: text });
  await expect(hidden.locator('.hide-reason')).toContainText('与项目无关');

  await page.goto(`/s/${code}`);
  await expect(page.locator('#comments')).not.toContainText(text);
  // The writer's receipt says it was not published, and why in a category, not staff's words.
  await page.goto(receipt);
  await expect(page.locator('[data-step=reviewed] .hide-category')).toHaveAttribute('data-category', 'off_topic');
  await expect(page.locator('[data-step=reviewed] .hide-category')).toContainText('与本项目无关');
  await staff.ctx.close();
});
