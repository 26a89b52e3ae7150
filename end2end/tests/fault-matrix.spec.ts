import { expect, test } from '@playwright/test';
import { capture, firstSite, onServer, photo, rosterDeputy, sentOnce, signIn, waitForCachedPages } from './helpers';

// The outbox under the faults a phone meets in the field, each case ending with every record on
// the server exactly once: a clock a day ahead, a captive portal answering every request with its
// own 200 login page, and a network that comes and goes every two seconds while photos upload.
// A deputy of their own (made through the product), so that nothing here changes what the
// other tests count of demo-deputy.

test.describe('the outbox under field faults', () => {
  test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 }, permissions: ['geolocation'] });

  test('a phone whose clock runs a day ahead still sends, and its times are kept right', async ({ page, browser }) => {
    test.setTimeout(120_000);
    const deputy = await rosterDeputy(browser);
    await page.clock.install({ time: new Date(Date.now() + 24 * 3600 * 1000) });
    await signIn(page, deputy, '/my/sites');
    const site = await firstSite(page);
    const marker = `时钟快一天 ${Date.now()}`;
    await capture(page, site, `${marker}：井盖松动`, [photo(4)]);
    const [held] = await sentOnce(page, marker, 1, 1);
    // Kept in the server's time, not the phone's: within minutes of now, not a day ahead.
    const off = Math.abs(held.capturedMs - Date.now());
    expect(off).toBeLessThan(10 * 60 * 1000);
    await expect(page.locator('#outbox-list li[data-state=failed]')).toHaveCount(0);
  });

  test('a captive portal answering 200 with its login page acknowledges nothing', async ({ page, context, browser }) => {
    test.setTimeout(120_000);
    const deputy = await rosterDeputy(browser);
    await signIn(page, deputy, '/my/sites');
    const site = await firstSite(page);
    const marker = `门户 ${Date.now()}`;
    // The hotel's Wi-Fi: every request to the API answered by the portal, status 200, HTML.
    let portalHits = 0;
    await context.route('**/api/v1/**', (route) => {
      portalHits += 1;
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<html><body>请先登录 Wi-Fi</body></html>' });
    });
    await capture(page, site, `${marker}：路面积水`, [photo(5)]);
    await page.locator('#sync-now').click();
    await expect.poll(() => portalHits, { timeout: 20_000 }).toBeGreaterThan(0);
    await page.locator('#sync-now').click();
    // Still waiting on the phone, never taken for sent nor for refused, and nothing reached the
    // server. Checked while the portal is still there: once it is gone the outbox's next try may
    // send at once, before a check made after it could look.
    await expect(page.locator('#outbox-list li', { hasText: marker })).toHaveAttribute('data-state', /waiting|uploading/);
    expect(onServer(marker)).toHaveLength(0);
    await context.unroute('**/api/v1/**');
    await sentOnce(page, marker, 1, 1);
  });

  test('a network that comes and goes every two seconds loses and repeats nothing', async ({ page, context, browser }) => {
    test.setTimeout(180_000);
    const deputy = await rosterDeputy(browser);
    await signIn(page, deputy, '/my/sites');
    const site = await firstSite(page);
    const marker = `断续网络 ${Date.now()}`;
    await waitForCachedPages(page, ['/my/sites', '/outbox', site, `${site}/capture`]);
    await context.setOffline(true);
    for (let i = 1; i <= 3; i++) {
      await capture(page, site, `${marker} 第${i}条`, [photo(i), photo(i + 1)]);
    }
    await expect(page.locator('#outbox-list li[data-state=waiting]', { hasText: marker })).toHaveCount(3);
    // Up and down every two seconds for twenty seconds, asking to send each time it is up.
    for (let k = 0; k < 10; k++) {
      const up = k % 2 === 0;
      await context.setOffline(!up);
      if (up) await page.locator('#sync-now').click();
      await page.waitForTimeout(2000);
    }
    await context.setOffline(false);
    await sentOnce(page, marker, 3, 2);
    await expect(page.locator('#outbox-list li[data-state=failed]')).toHaveCount(0);
  });
});
