import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { signIn, uuidv7, waitForCachedPages } from './helpers';

// A unit officer answers an item at the site with no signal: the answer and its evidence photo
// wait on the phone through a closed page, go when the network is back, and arrive once.

const psql = (sql: string) => execFileSync('psql', [process.env.DATABASE_URL!, '-Atqc', sql]).toString().trim();

test('an officer answers offline with a photo; the answer is sent once when the network is back', async ({ page, context, browser }) => {
  test.setTimeout(120_000);
  // An item forwarded to the Civil Affairs Bureau, made through the same server functions the
  // staff's pages call.
  const deputy = await browser.newContext();
  const dp = await deputy.newPage();
  await signIn(dp, 'demo-deputy', '/my/sites');
  const siteId = (await dp.locator('.site-list li a').first().getAttribute('href'))!.split('/').pop()!;
  const note = `助餐点无障碍通道被占 ${Date.now()}`;
  const obsId = uuidv7();
  const put = await dp.request.put(`/api/v1/observations/${obsId}`, {
    data: { site_id: siteId, kind: 'problem', note, tags: [], captured_at: new Date().toISOString(), position: null, photos: [] },
  });
  expect(put.status()).toBe(201);
  const staff = await browser.newContext();
  const sp = await staff.newPage();
  await signIn(sp, 'demo-staff', '/staff/review');
  const made = await sp.request.post('/api/review/create-item', {
    form: { observations: obsId, kind: 'problem', description: note },
  });
  expect(made.status()).toBe(200);
  const itemId: string = await made.json();
  const unit = psql(`select id from lead_units where name_zh = '市民政局'`);
  const fwd = await sp.request.post('/api/items/act', {
    form: { id: itemId, action: 'forward', unit, deadline: '2099-12-31' },
  });
  expect(fwd.status()).toBe(200);

  // The officer opens the unit's list once with a network: the open items stay on the phone.
  await signIn(page, 'demo-officer', '/items');
  await expect(page.locator(`#item-table tr[data-item="${itemId}"]`)).toBeVisible();
  await waitForCachedPages(page, ['/items', '/outbox', `/items/${itemId}`]);

  await context.setOffline(true);
  await page.goto(`/items/${itemId}`);
  await expect(page.locator('#item-status')).toHaveText('已交办');
  await page.locator('#answer-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  // Spaces pass the browser's "required" but not the answer's rules: the reason is in Chinese
  // and nothing is queued.
  await page.locator('#answer-form textarea[name=text]').fill('   ');
  await page.locator('#do-answer').click();
  await expect(page.locator('#answer-error')).toContainText('答复没有发出');
  await expect(page.locator('#answer-error')).toContainText('请填写整改方案或结果');
  expect(await page.locator('#answer-error').textContent()).not.toMatch(/[a-z]{4}/);
  await page.locator('#answer-form textarea[name=text]').fill('通道杂物已清理，设置禁止占用标识');
  await page.locator('#evidence-photos').setInputFiles(path.join(__dirname, '../fixtures/site-photo-2.jpg'));
  await page.locator('#do-answer').click();
  await expect(page.locator('#answer-queued')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#outbox-badge')).toHaveText('1');

  // Closed and opened again, still offline: the answer is there.
  await page.close();
  const again = await context.newPage();
  await again.goto('/outbox');
  const row = again.locator('#outbox-list li[data-record=answer]');
  await expect(row).toHaveAttribute('data-state', 'waiting');
  await expect(row).toContainText('通道杂物已清理');
  expect(psql(`select count(*) from list_item_events where item_id = '${itemId}' and action = 'answer'`)).toBe('0');

  await context.setOffline(false);
  await again.locator('#sync-now').click();
  await expect(row).toHaveAttribute('data-state', 'sent', { timeout: 30_000 });
  await expect(row).toContainText('已答复');
  await expect(again.locator('#outbox-badge')).toHaveCount(0);

  // Sent once, with its photo, from the phone's own id.
  expect(psql(`select count(*) from list_item_events where item_id = '${itemId}' and action = 'answer' and client_id is not null`)).toBe('1');
  expect(psql(`select count(*) from list_item_photos where item_id = '${itemId}'`)).toBe('1');
  await again.goto(`/items/${itemId}`);
  await expect(again.locator('#item-status')).toHaveText('已答复');
  await expect(again.locator('#item-answer')).toHaveText('通道杂物已清理，设置禁止占用标识');
  const evidence = again.locator('#item-log > li[data-action=answer] img');
  await expect(evidence).toHaveCount(1);
  expect(await evidence.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);

  // A second "sync now" sends nothing again: no request leaves the phone for this answer (the
  // server's count alone would stay 1 even if the phone sent it again).
  await again.goto('/outbox');
  // The list comes from the phone's own store, so it shows once the page runs its wasm.
  await expect(again.locator('#outbox-list li[data-state=sent]')).toHaveCount(1);
  const resent: string[] = [];
  again.on('request', (r) => {
    if (r.method() === 'PUT' && /\/api\/v1\/items\/[^/]+\/answers\//.test(r.url())) resent.push(r.url());
  });
  await again.locator('#sync-now').click();
  await again.waitForTimeout(1500);
  expect(resent).toEqual([]);
  expect(psql(`select count(*) from list_item_events where item_id = '${itemId}' and action = 'answer'`)).toBe('1');
  for (const c of [deputy, staff]) await c.close();
});
