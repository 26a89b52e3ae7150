import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

// Staff import a 12345 export through the page (a bad row refuses the whole file and is named;
// the corrected file goes in), find parking among the week's hot topics with its texts listed
// in full, and turn it into a draft item at a site; the word lists are edited through their
// form.

test('staff import 12345 calls, read a hot topic and its texts, and turn it into a draft item', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'demo-staff', '/staff/topics');
  const run = Date.now();
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  // Parking (by its synonyms) is all these calls share, so nothing the demo wrote this week
  // can group them under another word first.
  const rows = [
    `E${run}-1,${day},,交通,停车，嵊泗`,
    `E${run}-2,${day},,交通,车位，岱山`,
    `E${run}-3,${day},,交通,停车位，普陀`,
  ];
  const upload = async (body: string) => {
    await page.goto('/staff/topics/hotline');
    await page.locator('#hotline-file').setInputFiles({ name: '12345.csv', mimeType: 'text/csv', buffer: Buffer.from(body) });
    await page.locator('#hotline-submit').click();
  };
  await upload(`工单编号,受理日期,区县,诉求类别,诉求内容\n${rows.join('\n')}\nE${run}-4,昨天,,交通,停车\n`);
  await expect(page.locator('#hotline-refused')).toBeVisible();
  await expect(page.locator('#hotline-errors tr[data-row="5"]')).toContainText('不是日期');
  await page.goto('/staff/topics/hotline');
  const calls = Number(await page.locator('#hotline-calls').getAttribute('data-calls'));
  await upload(`工单编号,受理日期,区县,诉求类别,诉求内容\n${rows.join('\n')}\n`);
  await expect(page.locator('#hotline-done')).toHaveAttribute('data-rows', '3');
  await page.goto('/staff/topics/hotline');
  await expect(page.locator('#hotline-calls')).toHaveAttribute('data-calls', String(calls + 3));

  // The week's topics: parking counts the three calls (synonyms and all), maybe demo texts too.
  await page.goto('/staff/topics');
  const parking = page.locator('#topics tr[data-term="停车"]');
  await expect(parking).toBeVisible();
  const count = Number(await parking.getAttribute('data-texts'));
  expect(count).toBeGreaterThanOrEqual(3);
  await expect(parking.locator('svg.trend')).toHaveAttribute('aria-label', /: \d+/);
  await parking.locator('a').click();
  await expect(page.locator('#topic-term')).toContainText('停车');
  await expect(page.locator('#topic-texts')).toHaveAttribute('data-total', String(count));
  await expect(page.locator('#topic-texts > li')).toHaveCount(Math.min(count, 50));
  for (const text of ['嵊泗', '岱山', '普陀']) {
    await expect(page.locator('#topic-texts')).toContainText(text);
  }

  // A draft item: the calls have no site, so one is typed (a made-up one is refused and named).
  const draft = await page.locator('#topic-draft-description').inputValue();
  expect(draft).toContain('热点话题“停车”');
  await page.locator('#topic-draft-site').fill('ZZZZZZZ');
  await page.locator('#topic-draft-submit').click();
  await expect(page.locator('#topic-draft .notice.error')).toContainText('点位编号');
  await expect(page.locator('#topic-draft-site')).toHaveValue('ZZZZZZZ');
  const code = await (async () => {
    await page.goto('/staff/posters');
    await page.locator('#poster-filter select[name=unit]').selectOption({ index: 1 });
    await page.locator('#poster-filter button[type=submit]').click();
    return (await page.locator('.poster').first().getAttribute('data-code'))!;
  })();
  await page.goto('/staff/topics');
  await page.locator('#topics tr[data-term="停车"] a').click();
  await page.locator('#topic-draft-site').fill(code);
  await page.locator('#topic-draft-submit').click();
  await expect(page).toHaveURL(/\/items\/[0-9a-f-]{36}/);
  await expect(page.locator('body')).toContainText('热点话题“停车”');

  // The word lists: a synonym on two lines is refused with its line; parking as a stop word
  // ends its topic.
  await page.goto('/staff/topics/words');
  const synonyms = await page.locator('#topic-synonyms').inputValue();
  await page.locator('#topic-synonyms').fill(`${synonyms}\n车位 泊位`);
  await page.locator('#topic-words-submit').click();
  await expect(page.locator('#topic-words-line')).toContainText('已在第');
  await page.goto('/staff/topics/words');
  const stop = await page.locator('#topic-stop-words').inputValue();
  await page.locator('#topic-stop-words').fill(`${stop} 停车`);
  await page.locator('#topic-words-submit').click();
  await expect(page.locator('#topic-words-saved')).toBeVisible();
  await page.goto('/staff/topics');
  await expect(page.locator('#topics tr[data-term="停车"]')).toHaveCount(0);
  // Put back for the other tests.
  await page.goto('/staff/topics/words');
  await page.locator('#topic-stop-words').fill(stop);
  await page.locator('#topic-words-submit').click();
  await expect(page.locator('#topic-words-saved')).toBeVisible();
});
