import { expect, test, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { rosterDeputy, signIn, unzipEntry, uuidv7 } from './helpers';

// The deputy's duty record (履职档案): staff find a roster deputy who has not yet taken part;
// the deputy observes a site; their own record counts it and lists it; the staff's table moves
// them to "took part", links to the same record, and its export holds them; the record prints
// without its forms.

const psql = (sql: string) => execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', sql]).toString().trim();

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test('a deputy who has not yet taken part observes a site and their duty record shows it', async ({ browser }) => {
  test.setTimeout(120_000);
  const username = await rosterDeputy(browser);
  const deputyId = psql(`select deputy_id from users where username = '${username}'`);
  const name = psql(`select name_zh from deputies where id = '${deputyId}'`);
  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();

  // Staff: the roster deputy is among those who have not yet taken part.
  const staff = await as(browser, 'demo-staff', '/');
  await staff.page.locator('#duty-table-link').click();
  await expect(staff.page.locator('#duty-table')).toBeVisible();
  await staff.page.locator('#duty-who').selectOption('not_yet');
  await staff.page.locator('#duty-name-search').fill(name);
  await staff.page.locator('#duty-period button[type=submit]').click();
  const quietRow = staff.page.locator(`#duty-table tr[data-deputy="${deputyId}"]`);
  await expect(quietRow).toHaveAttribute('data-took-part', 'false');
  await expect(quietRow).toContainText('尚未参与');
  await expect(staff.page.locator('#duty-table-pager')).toHaveAttribute('data-total', /^[1-9]\d*$/);

  // The deputy observes a site of their group, as the phone's outbox sends it.
  const phone = await as(browser, username, '/my/sites');
  const siteHref = await phone.page.locator('.site-list li a').first().evaluate((a) => (a as HTMLAnchorElement).pathname);
  const marker = `履职档案 ${Date.now()}`;
  const obs = await phone.ctx.request.put(`/api/v1/observations/${uuidv7()}`, {
    headers: { 'Content-Type': 'application/json' },
    data: JSON.stringify({ site_id: siteHref.split('/')[2], kind: 'problem', note: `${marker}：井盖松动`, tags: [],
      captured_at: new Date().toISOString(), position: null, photos: [] }),
  });
  expect(obs.status(), await obs.text()).toBe(201);

  // Their own record, from the menu: this year's, with the observation counted and listed.
  await phone.page.locator('#duty-link').click();
  await expect(phone.page.locator('#duty-name')).toHaveText(name);
  await expect(phone.page.locator('#duty-period-said')).toContainText(`${year}-01-01`);
  await expect(phone.page.locator('#duty-figures [data-figure=problems] dd')).toHaveText('1');
  await expect(phone.page.locator('#duty-figures [data-figure=sites] dd')).toHaveText('1');
  await expect(phone.page.locator('#duty-observations tbody tr')).toHaveCount(1);
  // Last year holds none of it.
  await phone.page.locator('#duty-from').fill(`${year - 1}-01-01`);
  await phone.page.locator('#duty-to').fill(`${year - 1}-12-31`);
  await phone.page.locator('#duty-period button[type=submit]').click();
  await expect(phone.page.locator('#duty-figures [data-figure=problems] dd')).toHaveText('0');
  await expect(phone.page.locator('#duty-none')).toBeVisible();
  // Printed, the record keeps its figures and drops its forms and menu.
  await phone.page.goBack();
  await phone.page.emulateMedia({ media: 'print' });
  await expect(phone.page.locator('#duty-figures')).toBeVisible();
  await expect(phone.page.locator('#duty-period')).toBeHidden();
  await expect(phone.page.locator('nav').first()).toBeHidden();
  await phone.ctx.close();

  // Staff: no longer "not yet"; among those who took part, linking to the same record.
  await staff.page.reload();
  await expect(staff.page.locator('#duty-none')).toBeVisible();
  await staff.page.locator('#duty-who').selectOption('took_part');
  await staff.page.locator('#duty-period button[type=submit]').click();
  const row = staff.page.locator(`#duty-table tr[data-deputy="${deputyId}"]`);
  await expect(row).toHaveAttribute('data-took-part', 'true');
  await row.locator('a').first().click();
  await expect(staff.page.locator('#duty-record')).toHaveAttribute('data-deputy', deputyId);
  await expect(staff.page.locator('#duty-figures [data-figure=problems] dd')).toHaveText('1');
  await expect(staff.page.locator('#duty-observations')).toContainText(marker);

  // The export holds the whole roster, this deputy among them.
  await staff.page.goto('/staff/duty');
  const [download] = await Promise.all([
    staff.page.waitForEvent('download'),
    staff.page.locator('#duty-export').click(),
  ]);
  expect(download.suggestedFilename()).toBe(`jiandu-duty-${year}-01-01-${year}-12-31.xlsx`);
  const strings = unzipEntry(fs.readFileSync((await download.path())!), 'xl/sharedStrings.xml');
  expect(strings).toContain(name);
  expect(strings).toContain('视察点位');
  const roster = Number(psql('select count(*) from deputies'));
  const sheet = unzipEntry(fs.readFileSync((await download.path())!), 'xl/worksheets/sheet1.xml');
  expect((sheet.match(/<row /g) ?? []).length).toBe(roster + 2);
  await staff.ctx.close();
});
