import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { signIn, waitForCachedPages } from './helpers';

// A unit officer files a progress report at a site with no signal: the unit's page kept its
// sub-items on the phone, the report and its photo wait through a closed page, go when the
// network is back and arrive once; staff see the sub-item move from behind to on track, and the
// public plan (JavaScript off) shows the new figure.

const psql = (sql: string) => execFileSync('psql', [process.env.DATABASE_URL!, '-Atqc', sql]).toString().trim();

test('an officer reports progress offline with a photo; it is filed once when the network is back', async ({ page, context, browser }) => {
  test.setTimeout(150_000);
  // A sub-item of the Civil Affairs Bureau that no other test reports on, its deadline moved
  // to tomorrow (China time) through the plan's own form: with nothing done, it is behind.
  const staffCtx = await browser.newContext();
  const staff = await staffCtx.newPage();
  await signIn(staff, 'demo-staff', '/staff/dashboard');
  const row = staff.locator('#dash-risks tbody tr[data-risk=overdue]', { hasText: '市民政局' }).first();
  const subItem = (await row.getAttribute('data-id'))!;
  expect(psql(`select count(*) from progress_reports where sub_item_id = '${subItem}'`)).toBe('0');
  const [ref] = (await row.locator('a').innerText()).trim().split(' ');
  const target = Number((await row.locator('td.done').innerText()).split('/')[1].trim());
  const done = Math.ceil(target * 0.95);
  const year = (await staff.locator('#progress-risks').innerText()).match(/\d{4}/)![0];
  const tomorrow = new Date(Date.now() + 8 * 3600e3 + 86400e3).toISOString().slice(0, 10);
  await staff.goto(`/admin/registry/plan?year=${year}`);
  const card = staff.locator(`details[data-sub-item="${ref}"]`);
  await card.locator('summary').click();
  await card.locator('input[name=deadline]').fill(tomorrow);
  await card.locator('button[type=submit]').click();
  await expect(staff.locator('#sub-item-saved')).toBeVisible();
  await staff.goto('/staff/dashboard');
  await expect(staff.locator(`#dash-risks tbody tr[data-id="${subItem}"]`)).toHaveAttribute('data-risk', 'behind');

  // The officer opens the unit's page once with a network: its running sub-items stay on the
  // phone.
  await signIn(page, 'demo-officer', '/my/unit');
  await waitForCachedPages(page, ['/my/unit', '/outbox', `/sub-items/${subItem}`]);

  await context.setOffline(true);
  await page.goto(`/sub-items/${subItem}`);
  await expect(page.locator('#progress-risk')).toHaveText('滞后');
  await page.locator('#progress-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  // A figure that cannot be one is refused on the phone, in Chinese, and nothing is queued.
  await page.locator('#progress-form input[name=quantity_done]').fill('九成');
  await page.locator('#do-progress').click();
  await expect(page.locator('#progress-error')).toContainText('进度没有报出');
  await expect(page.locator('#progress-error')).toContainText('累计完成量请填不小于0的整数');
  await expect(page.locator('#outbox-badge')).toHaveCount(0);

  await page.locator('#progress-form input[name=quantity_done]').fill(String(done));
  await page.locator('#progress-form input[name=paid_government]').fill('85.5');
  await page.locator('#progress-form textarea[name=note]').fill('离线报送：已完工九成五');
  await page.locator('#progress-photos').setInputFiles(path.join(__dirname, '../fixtures/site-photo-2.jpg'));
  await page.locator('#do-progress').click();
  await expect(page.locator('#progress-queued')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#outbox-badge')).toHaveText('1');

  // Closed and opened again, still offline: the report is there, and nothing reached the server.
  await page.close();
  const again = await context.newPage();
  await again.goto('/outbox');
  const queued = again.locator('#outbox-list li[data-record=progress]');
  await expect(queued).toHaveAttribute('data-state', 'waiting');
  await expect(queued).toContainText('离线报送');
  expect(psql(`select count(*) from progress_reports where sub_item_id = '${subItem}'`)).toBe('0');

  await context.setOffline(false);
  await again.locator('#sync-now').click();
  await expect(queued).toHaveAttribute('data-state', 'sent', { timeout: 30_000 });
  // The receipt says where the sub-item stands now.
  await expect(queued).toContainText('正常');
  await expect(again.locator('#outbox-badge')).toHaveCount(0);

  // Filed once, with its photo, under the phone's own id.
  expect(psql(`select count(*) from progress_reports where sub_item_id = '${subItem}' and fingerprint is not null`)).toBe('1');
  expect(psql(`select count(*) from progress_report_photos p join progress_reports r on r.id = p.report_id where r.sub_item_id = '${subItem}'`)).toBe('1');
  await again.goto(`/sub-items/${subItem}`);
  await expect(again.locator('#progress-done')).toHaveText(String(done));
  await expect(again.locator('#progress-risk')).toHaveText('正常');
  const report = again.locator('#report-list > li').first();
  await expect(report).toContainText('85.5');
  const photo = report.locator('img');
  await expect(photo).toHaveCount(1);
  expect(await photo.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);

  // A second "sync now" sends nothing again.
  await again.goto('/outbox');
  await expect(again.locator('#outbox-list li[data-state=sent]')).toHaveCount(1);
  const resent: string[] = [];
  again.on('request', (r) => {
    if (r.method() === 'PUT' && /\/api\/v1\/sub-items\//.test(r.url())) resent.push(r.url());
  });
  await again.locator('#sync-now').click();
  await again.waitForTimeout(1500);
  expect(resent).toEqual([]);
  expect(psql(`select count(*) from progress_reports where sub_item_id = '${subItem}'`)).toBe('1');

  await staff.reload();
  await expect(staff.locator(`#dash-risks tbody tr[data-id="${subItem}"]`)).toHaveAttribute('data-risk', 'on_track');

  // A passer-by with JavaScript off reads the new figure on the year's public plan.
  const publicCtx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
  const reader = await publicCtx.newPage();
  await reader.goto('/plan');
  await expect(reader.locator(`[data-id="${subItem}"] .done`)).toHaveText(String(done));
  await publicCtx.close();
  await staffCtx.close();
});
