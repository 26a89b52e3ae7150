import { expect, test, type Browser } from '@playwright/test';
import path from 'node:path';
import { signIn } from './helpers';

// Progress against targets: staff extend a sub-item's deadline through the plan's form and the
// dashboard shows it behind; the Civil Affairs Bureau's officer, on a phone, reports the
// quantity done with a photo through the plain form; the dashboard then shows it on track, the
// public plan (JavaScript off) and the site pages show the figure, and a query reaches the
// officer. Before reporting, the officer marks one of the sub-item's sites as in service; the
// report keeps the count and the public site page says so.

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test('an officer reports progress and the sub-item moves from behind to on track', async ({ browser }) => {
  test.setTimeout(120_000);
  const staff = await as(browser, 'demo-staff', '/staff/dashboard');
  // The demo's plan year is over and nothing was reported: the bureau's sub-items are overdue
  // (but the one progress-offline.spec.ts reported on, which is the first).
  const row = staff.page.locator('#dash-risks tbody tr[data-risk=overdue]', { hasText: '市民政局' }).last();
  const subItem = (await row.getAttribute('data-id'))!;
  const [ref] = (await row.locator('a').innerText()).trim().split(' ');
  const target = Number((await row.locator('td.done').innerText()).split('/')[1].trim());
  expect(target).toBeGreaterThan(0);
  const done = Math.ceil(target * 0.95);
  const year = (await staff.page.locator('#progress-risks').innerText()).match(/\d{4}/)![0];

  // The office extends its deadline to tomorrow (China time) through the plan's own form: with
  // nothing done and the year all but gone, it is behind.
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 86400e3).toISOString().slice(0, 10);
  await staff.page.goto(`/admin/registry/plan?year=${year}`);
  const card = staff.page.locator(`details[data-sub-item="${ref}"]`);
  await card.locator('summary').click();
  await card.locator('input[name=deadline]').fill(tomorrow);
  await card.locator('button[type=submit]').click();
  await expect(staff.page.locator('#sub-item-saved')).toBeVisible();
  await staff.page.goto('/staff/dashboard');
  await expect(staff.page.locator(`#dash-risks tbody tr[data-id="${subItem}"]`)).toHaveAttribute('data-risk', 'behind');

  const officer = await as(browser, 'demo-officer', '/my/unit');
  await officer.page.goto(`/sub-items/${subItem}`);
  await expect(officer.page.locator('#no-reports')).toBeVisible();
  await expect(officer.page.locator('#progress-risk')).toHaveText('滞后');
  // A figure that cannot be one is refused with what to write, and nothing is stored.
  await officer.page.locator('#progress-form input[name=quantity_done]').fill('九成');
  await officer.page.locator('#do-progress').click();
  await expect(officer.page.locator('.notice.error')).toContainText('累计完成量请填不小于0的整数');
  await expect(officer.page.locator('#no-reports')).toBeVisible();

  // The first of its sites has opened: the officer says so on the site's page.
  const firstSite = officer.page.locator('.site-list li').first();
  const siteCode = (await firstSite.getAttribute('data-code'))!;
  await expect(firstSite.locator('[data-state]')).toHaveAttribute('data-state', 'planned');
  await firstSite.locator('a').click();
  await officer.page.locator('#site-state-select').selectOption('in_service');
  await officer.page.locator('#site-state-form button[type=submit]').click();
  await expect(officer.page.locator('#site-state [data-state]')).toHaveAttribute('data-state', 'in_service');
  await expect(officer.page.locator('#site-state')).toContainText('已投用');
  await officer.page.goto(`/sub-items/${subItem}`);
  await expect(officer.page.locator('#sites-finished')).toHaveAttribute('data-done', '1');

  await officer.page.locator('#progress-form input[name=quantity_done]').fill(String(done));
  await officer.page.locator('#progress-form input[name=paid_government]').fill('85.5');
  await officer.page.locator('#progress-form textarea[name=note]').fill('已完工九成五，余下本月底前完成');
  await officer.page.locator('#progress-photos').setInputFiles(path.join(__dirname, '../fixtures/site-photo-1.jpg'));
  await officer.page.locator('#do-progress').click();
  await expect(officer.page.locator('#progress-done')).toHaveText(String(done));
  await expect(officer.page.locator('#progress-risk')).toHaveText('正常');
  const report = officer.page.locator('#report-list > li').first();
  await expect(report.locator('.quantity')).toHaveText(String(done));
  await expect(report).toContainText('85.5');
  await expect(report.locator('.sites-finished')).toContainText('1 /');
  const photo = report.locator('img');
  await expect(photo).toHaveCount(1);
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  await expect(officer.page.locator('#burn-up polyline.done')).toHaveCount(1);

  await staff.page.reload();
  await expect(staff.page.locator(`#dash-risks tbody tr[data-id="${subItem}"]`)).toHaveAttribute('data-risk', 'on_track');

  // A passer-by with JavaScript off reads the new figure on the year's public plan.
  const publicCtx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
  const reader = await publicCtx.newPage();
  await reader.goto('/plan');
  await expect(reader.locator('#plan-title')).toContainText(year);
  const entry = reader.locator(`[data-id="${subItem}"]`);
  await expect(entry.locator('.done')).toHaveText(String(done));
  await entry.locator('a.sites-link').click();
  await reader.locator('#plan-sites a').first().click();
  await expect(reader).toHaveURL(/\/s\/[2-9A-HJKMNP-TV-Z]{7}$/);
  await expect(reader.locator('#site-progress')).toContainText(`${done} / ${target}`);
  await reader.goto(`/s/${siteCode}`);
  await expect(reader.locator('#public-site-state [data-state]')).toHaveAttribute('data-state', 'in_service');
  await expect(reader.locator('#public-site-state')).toContainText('已投用');
  await publicCtx.close();

  // Staff doubt the money: the query goes back to the unit, and the officer is told.
  await staff.page.locator(`#dash-risks tbody tr[data-id="${subItem}"] a`).click();
  await staff.page.locator('#report-list > li').first().locator('input[name=reason]').fill('拨付数与财政记录不符');
  await staff.page.locator('#report-list > li').first().locator('.query-form button').click();
  await expect(staff.page.locator('#report-list > li').first().locator('.query')).toContainText('拨付数与财政记录不符');
  await officer.page.goto('/notifications');
  const note = officer.page.locator('#notification-list > li[data-action=query_progress]').first();
  await expect(note).toContainText('拨付数与财政记录不符');
  await note.locator('a').click();
  await expect(officer.page).toHaveURL(new RegExp(`/sub-items/${subItem}`));
  await staff.ctx.close();
  await officer.ctx.close();
});
