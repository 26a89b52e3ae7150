import { expect, test, type Browser } from '@playwright/test';
import { signIn, unzipEntry } from './helpers';

// Staff write a questionnaire for one site and add its questions; a passer-by with scripts off
// finds it on the site's page, is told which required question was left out (what they chose
// stays), answers, and cannot answer twice; staff type in a paper form and read the results:
// the counts, the channels, the XLSX.

async function as(browser: Browser, username: string, next: string) {
  const ctx = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: true });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test.use({ javaScriptEnabled: false });

test('a passer-by answers a questionnaire from a site page once, and staff read it with the paper forms', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const staff = await as(browser, 'demo-staff', '/staff/posters');
  await staff.page.locator('#poster-filter select[name=unit]').selectOption({ index: 1 });
  await staff.page.locator('#poster-filter button[type=submit]').click();
  const site = (await staff.page.locator('.poster').first().getAttribute('data-code'))!;

  // Written through the plain forms: a made-up site is refused and named; the title stays.
  const title = `助餐点满意度 ${Date.now()}`;
  await staff.page.goto('/staff/questionnaires');
  await staff.page.locator('#new-questionnaire').click();
  await staff.page.locator('#q-title').fill(title);
  await staff.page.locator('#q-targets').fill('99.99');
  await staff.page.locator('#q-create').click();
  await expect(staff.page.locator('#questionnaire-new .notice.error')).toContainText('展示位置');
  await expect(staff.page.locator('#q-title')).toHaveValue(title);
  await staff.page.locator('#q-targets').fill(site);
  await staff.page.locator('#q-create').click();
  await expect(staff.page.locator('#questionnaire-title')).toHaveText(title);
  await expect(staff.page.locator('#q-target-list li')).toHaveText(new RegExp(site));
  const id = new URL(staff.page.url()).pathname.split('/').pop()!;

  await staff.page.locator('#q-prompt').fill('您多久去一次助餐点？');
  await staff.page.locator('#q-kind').selectOption('single');
  await staff.page.locator('#q-options').fill('每天\n每周\n很少');
  await staff.page.locator('#q-required').check();
  await staff.page.locator('#q-add-submit').click();
  await expect(staff.page.locator('#q-1')).toContainText('您多久去一次助餐点？');
  await staff.page.locator('#q-prompt').fill('很少去的原因');
  await staff.page.locator('#q-kind').selectOption('text');
  await staff.page.locator('#q-show-if').selectOption('1.3');
  await staff.page.locator('#q-add-submit').click();
  await expect(staff.page.locator('#q-2')).toContainText('第 1 题选择“很少”时回答');
  await staff.page.locator('#q-prompt').fill('饭菜口味');
  await staff.page.locator('#q-kind').selectOption('scale');
  await staff.page.locator('#q-required').check();
  await staff.page.locator('#q-add-submit').click();
  await expect(staff.page.locator('#q-question-list > li')).toHaveCount(3);

  // The passer-by, scripts off: from the site's page to the form, no wasm on the way.
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (/\.wasm$|\/pkg\/.*\.js$/.test(r.url())) wasm.push(r.url());
  });
  await page.goto(`/s/${site}`);
  await page.locator(`#site-questionnaires a[href="/s/${site}/q/${id}"]`).click();
  await expect(page.locator('#questionnaire h1')).toHaveText(title);
  await page.locator('#question-1').getByLabel('很少').check();
  await page.locator('#question-2 textarea').fill('离家太远');
  await page.locator('#questionnaire-submit').click();
  // The scale was left out: said, marked, and what was chosen and typed is still there.
  await expect(page.locator('.notice.error')).toBeVisible();
  await expect(page.locator('#question-3')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#question-1').getByLabel('很少')).toBeChecked();
  await expect(page.locator('#question-2 textarea')).toHaveValue('离家太远');
  await page.locator('#question-3').getByLabel('4 满意').check();
  await page.locator('#questionnaire-submit').click();
  await expect(page.locator('#questionnaire-thanks')).toBeVisible();
  // The same phone again: refused, in Chinese.
  await page.goto(`/s/${site}/q/${id}`);
  await page.locator('#question-1').getByLabel('每天').check();
  await page.locator('#question-3').getByLabel('5 很满意').check();
  await page.locator('#questionnaire-submit').click();
  await expect(page.locator('.notice.error')).toContainText('这台设备已经提交过这份问卷');
  expect(wasm).toEqual([]);

  // A paper form from the liaison station, typed in by staff.
  await staff.page.goto(`/staff/questionnaires/${id}`);
  await expect(staff.page.locator('#q-frozen')).toBeVisible();
  await staff.page.locator('#q-paper').click();
  await expect(staff.page.locator('#paper-mode')).toBeVisible();
  await staff.page.locator('#question-1').getByLabel('每周').check();
  await staff.page.locator('#question-3').getByLabel('5 很满意').check();
  await staff.page.locator('#questionnaire-submit').click();
  await expect(staff.page.locator('#paper-stored')).toHaveAttribute('data-count', '1');

  // The results: two answers, one by each channel, the bars' counts, the text, the XLSX.
  await staff.page.goto(`/staff/questionnaires/${id}`);
  await expect(staff.page.locator('#q-answer-count')).toHaveText('2');
  await expect(staff.page.locator('#q-channels tr[data-channel=site]')).toHaveAttribute('data-count', '1');
  await expect(staff.page.locator('#q-channels tr[data-channel=paper]')).toHaveAttribute('data-count', '1');
  await expect(staff.page.locator('#result-1 tr[data-option="3"]')).toHaveAttribute('data-count', '1');
  await expect(staff.page.locator('#result-1 tr[data-option="2"]')).toHaveAttribute('data-count', '1');
  await expect(staff.page.locator('#result-1 tr[data-option="1"]')).toHaveAttribute('data-count', '0');
  await expect(staff.page.locator('#result-2')).toContainText('离家太远');
  await expect(staff.page.locator('#result-3-mean')).toContainText('4.50');
  await staff.page.locator('#q-filter-channel').selectOption('paper');
  await staff.page.locator('#q-filter-apply').click();
  await expect(staff.page.locator('#q-filtered')).toHaveAttribute('data-count', '1');
  const download = staff.page.waitForEvent('download');
  await staff.page.locator('#q-xlsx').click();
  const file = await (await download).path();
  const fs = await import('node:fs');
  const strings = unzipEntry(fs.readFileSync(file!), 'xl/sharedStrings.xml');
  for (const s of ['您多久去一次助餐点？', '很少', '离家太远', '每周', '纸质问卷录入']) {
    expect(strings).toContain(s);
  }
  await staff.ctx.close();
});
