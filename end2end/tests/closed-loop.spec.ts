import { expect, test, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { signIn, uuidv7 } from './helpers';

// Four roles in one scenario: a deputy's observation → staff make an item → forward it to the
// Civil Affairs Bureau → its officer acknowledges and answers with a photo → the deputy, told by
// a notification, rates the answer → staff verify and close it; the item's log shows every step.
// A second item runs past its deadline and the dashboard shows it overdue.

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test('an observation goes round the closed loop to a closed item', async ({ browser }) => {
  const deputy = await as(browser, 'demo-deputy', '/my/sites');
  const href = await deputy.page.locator('.site-list li a').first().getAttribute('href');
  const siteId = href!.split('/').pop()!;
  const note = `无障碍坡道太陡 ${Date.now()}`;
  const obsId = uuidv7();
  // The phone's sync engine sends exactly this (its offline path is tested in capture-offline).
  const put = await deputy.page.request.put(`/api/v1/observations/${obsId}`, {
    data: { site_id: siteId, kind: 'problem', note, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
  });
  expect(put.status()).toBe(201);

  const staff = await as(browser, 'demo-staff', '/staff/review');
  const card = staff.page.locator('#review-list > li', { hasText: note });
  await expect(card).toBeVisible();
  await card.locator('.make-item textarea[name=description]').fill(`${note}：坡度超标，轮椅无法通行`);
  await card.locator('.make-item button[type=submit]').click();
  await staff.page.locator('#item-created a').click();
  await expect(staff.page.locator('#item-status')).toHaveText('待交办');
  const itemUrl = staff.page.url();

  await staff.page.locator('.step-forward select[name=unit]').selectOption({ label: '市民政局' });
  await staff.page.locator('#do-forward').click();
  await expect(staff.page.locator('#item-status')).toHaveText('已交办');
  await expect(staff.page.locator('#item-unit')).toHaveText('市民政局');

  const officer = await as(browser, 'demo-officer', '/items');
  await expect(officer.page.locator('#item-table')).toContainText('已交办');
  await officer.page.goto(itemUrl);
  await officer.page.locator('#do-acknowledge').click();
  await expect(officer.page.locator('#item-status')).toHaveText('已签收');
  await officer.page.locator('.step-answer textarea[name=text]').fill('已重新浇筑坡道，坡度降至1:12');
  await officer.page.locator('#evidence-photos').setInputFiles(path.join(__dirname, '../fixtures/site-photo-1.jpg'));
  await officer.page.locator('#do-answer').click();
  await expect(officer.page.locator('#item-status')).toHaveText('已答复');
  const evidence = officer.page.locator('#item-log > li[data-action=answer] img');
  await expect(evidence).toHaveCount(1);
  // Loaded, not broken: the copy may still be made when the page asks for it.
  await expect.poll(() => evidence.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);

  // The deputy hears of it in the menu and follows the notification to the item.
  await deputy.page.goto('/my/sites');
  await expect(deputy.page.locator('#unread-count')).toHaveText('3');
  await deputy.page.locator('#notifications-link').click();
  await expect(deputy.page.locator('#notification-list > li').first()).toHaveAttribute('data-action', 'answer');
  await deputy.page.locator('#notification-list > li').first().locator('a').click();
  await expect(deputy.page.locator('#item-log > li[data-action=answer] img')).toHaveCount(1);
  await expect(deputy.page.locator('#item-answer')).toHaveText('已重新浇筑坡道，坡度降至1:12');
  await deputy.page.locator('.step-rate').getByLabel('基本满意').check();
  await deputy.page.locator('#do-rate').click();
  await expect(deputy.page.locator('#item-rating')).toHaveText('基本满意');
  await expect(deputy.page.locator('#do-rate')).toHaveCount(0);

  await staff.page.reload();
  await staff.page.locator('#do-verify').click();
  await expect(staff.page.locator('#item-status')).toHaveText('已办结');
  await expect(staff.page.locator('#item-log > li')).toHaveCount(6);
  const actions = await staff.page.locator('#item-log > li').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  expect(actions).toEqual(['create', 'forward', 'acknowledge', 'answer', 'rate', 'verify']);

  // The dashboard counts it for the bureau: one problem, answered and closed.
  await staff.page.locator('#dashboard-link').click();
  const row = staff.page.locator('#dash-units tr', { hasText: '市民政局' });
  await expect(row.locator('td').nth(5)).toHaveText('1');
  await expect(staff.page.locator('#dash-trend rect.created')).toHaveCount(12);

  // A second item, forwarded with a deadline that then passes. The clock cannot be moved, so
  // the deadline is: the database says it was due three days ago.
  const late = `扶手松动未修 ${Date.now()}`;
  const put2 = await deputy.page.request.put(`/api/v1/observations/${uuidv7()}`, {
    data: { site_id: siteId, kind: 'problem', note: late, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
  });
  expect(put2.status()).toBe(201);
  await staff.page.goto('/staff/review');
  const card2 = staff.page.locator('#review-list > li', { hasText: late });
  await card2.locator('.make-item button[type=submit]').click();
  await staff.page.locator('#item-created a').click();
  await staff.page.locator('.step-forward select[name=unit]').selectOption({ label: '市民政局' });
  await staff.page.locator('#do-forward').click();
  await expect(staff.page.locator('#item-status')).toHaveText('已交办');
  await expect(staff.page.locator('#item-overdue')).toHaveCount(0);
  execFileSync('psql', [process.env.DATABASE_URL!, '-qc',
    `update list_items set deadline = current_date - 3 where description = '${late}'`]);
  await staff.page.reload();
  await expect(staff.page.locator('#item-overdue')).toBeVisible();
  await staff.page.goto('/staff/dashboard');
  const bureau = staff.page.locator('#dash-units tr', { hasText: '市民政局' });
  await expect(bureau.locator('td.overdue-count')).toHaveText('1');

  for (const s of [deputy, staff, officer]) await s.ctx.close();
});

test('a dismissed observation tells the deputy who, when and why, in the menu and in my records', async ({ browser }) => {
  const deputy = await as(browser, 'demo-deputy', '/my/sites');
  const href = await deputy.page.locator('.site-list li a').first().getAttribute('href');
  const siteId = href!.split('/').pop()!;
  const note = `这里的绿化很好 ${Date.now()}`;
  const put = await deputy.page.request.put(`/api/v1/observations/${uuidv7()}`, {
    data: { site_id: siteId, kind: 'problem', note, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
  });
  expect(put.status()).toBe(201);
  await deputy.page.goto('/my/sites');
  const badge = deputy.page.locator('#unread-count');
  const unread = (await badge.count()) ? Number(await badge.textContent()) : 0;

  const staff = await as(browser, 'demo-staff', '/staff/review');
  const card = staff.page.locator('#review-list > li', { hasText: note });
  const reason = '属于表扬，请在“好的做法”中记录';
  await card.locator('.hide-form input[name=reason]').fill(reason);
  await card.locator('.hide-form button[type=submit]').click();
  await expect(staff.page.locator('#review-list > li', { hasText: note })).toHaveCount(0);

  await deputy.page.goto('/my/sites');
  await expect(deputy.page.locator('#unread-count')).toHaveText(String(unread + 1));
  await deputy.page.locator('#notifications-link').click();
  const told = deputy.page.locator('#notification-list > li').first();
  await expect(told).toHaveAttribute('data-action', 'dismiss');
  await expect(told).toContainText(reason);
  await told.locator('a').click();
  await expect(deputy.page).toHaveURL(/\/my\/observations$/);
  const mine = deputy.page.locator('#my-observations > li', { hasText: note });
  await expect(mine).toHaveAttribute('data-status', 'dismissed');
  await expect(mine.locator('.dismiss-reason')).toContainText(reason);
  for (const s of [deputy, staff]) await s.ctx.close();
});
