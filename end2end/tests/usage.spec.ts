import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

// Usage from devices: the Civil Affairs Bureau's officer, on a phone, registers a smart seat on
// one of the unit's site pages and reads its token there; the seat sends readings over HTTP (one
// of them twice, as a device that missed the answer does); the page then shows the day's uses
// counted once, and a device of another site is refused with that site's token.

test('an officer registers a seat and its readings show on the site page, counted once', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await ctx.newPage();
  await signIn(page, 'demo-officer', '/my/unit');
  // The first site of the unit's first sub-item.
  await page.locator('a[href^="/sub-items/"]').first().click();
  const first = page.locator('.site-list li').first();
  const code = (await first.getAttribute('data-code'))!;
  await first.locator('a').click();
  await expect(page.locator('#usage')).toBeVisible();
  await expect(page.locator('#no-devices')).toBeVisible();

  await page.locator('#device-kind').selectOption('seat');
  await page.locator('#device-label').fill('东门 1 号座椅');
  await page.locator('#device-register').click();
  const row = page.locator('#device-list tbody tr').first();
  await expect(row).toContainText('东门 1 号座椅');
  const token = (await row.locator('.device-token').innerText()).trim();
  expect(token).toMatch(/^jdv1_[0-9a-f]{64}$/);
  await expect(row).toContainText(`jiandu/sites/${code}/readings`);

  // The seat reads: 3 uses, then 2, the second message sent twice.
  const send = (id: string, uses: number) =>
    page.request.post(`/api/v1/sites/${code}/readings`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { message_id: id, at: new Date().toISOString(), uses, energy_wh: 1, faults: 0 },
    });
  expect((await (await send('r-1', 3)).json()).stored).toBe(1);
  expect((await (await send('r-2', 2)).json()).stored).toBe(1);
  const again = await send('r-2', 2);
  expect(again.status()).toBe(200);
  expect(await again.json()).toEqual({ stored: 0, duplicates: 1 });
  // Posted to another site's address, the token is refused.
  const elsewhere = await page.request.post('/api/v1/sites/2222222/readings', {
    headers: { Authorization: `Bearer ${token}` },
    data: { message_id: 'r-3', at: new Date().toISOString(), uses: 1 },
  });
  expect(elsewhere.status()).toBe(403);

  await page.reload();
  await expect(page.locator('#usage-uses')).toHaveText('5');
  await expect(page.locator('#usage-days tbody tr')).toHaveCount(1);
  await expect(page.locator('#device-list .last-reading').first()).not.toHaveText('—');
  await ctx.close();

  // A passer-by with JavaScript off sees the uses on the site's public page (a copy kept from
  // before the readings lasts at most 30 s).
  const publicCtx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
  const reader = await publicCtx.newPage();
  await expect(async () => {
    await reader.goto(`/s/${code}`);
    await expect(reader.locator('#public-usage')).toHaveAttribute('data-uses', '5', { timeout: 1000 });
  }).toPass({ timeout: 45_000, intervals: [2000, 5000] });
  await expect(reader.locator('#public-usage')).toContainText('使用 5 次');
  await expect(reader.locator('body')).not.toContainText(token);
  await publicCtx.close();
});
