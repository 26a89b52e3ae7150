import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('admin creates an officer account, which can then sign in to its unit', async ({ page, browser }) => {
  await signIn(page, 'demo-admin', '/admin/users');
  const name = `officer-${Date.now().toString(36)}`;
  const form = page.locator('#create-account');
  await form.locator('input[name=username]').fill(name);
  await form.locator('input[name=display_name]').fill('测试联络员');
  await form.locator('input[name=password]').fill('a-long-password');
  await form.locator('select[name=role]').selectOption('unit_officer');
  await form.locator('select[name=unit_id]').selectOption({ index: 2 });
  await form.locator('button[type=submit]').click();
  await expect(form.locator('.notice.ok')).toBeVisible();
  await expect(page.locator('#account-table')).toContainText(name);

  // A unit officer without a unit is refused with the reason.
  await form.locator('input[name=username]').fill(`${name}-x`);
  await form.locator('input[name=display_name]').fill('无单位');
  await form.locator('input[name=password]').fill('a-long-password');
  await form.locator('select[name=role]').selectOption('unit_officer');
  await form.locator('select[name=unit_id]').selectOption('');
  await form.locator('button[type=submit]').click();
  await expect(form.locator('[data-error=Invalid]')).toContainText('必须选择所属单位');

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto('/login?next=%2Fmy%2Funit');
  await p2.waitForLoadState('networkidle');
  await p2.locator('input[name=username]').fill(name);
  await p2.locator('input[name=password]').fill('a-long-password');
  await p2.locator('#login-form button[type=submit]').click();
  await p2.waitForURL(/\/my\/unit$/);
  await expect(p2.locator('.cards > li').first()).toBeVisible();

  // The administrator deactivates the account: the officer's open session ends at once, and the
  // act is in the log. Then back again.
  const row = () => page.locator('#account-table tr', { hasText: name });
  await row().locator('form.set-active button').click();
  await expect(row()).toHaveAttribute('data-active', 'false');
  await expect(page.locator('#admin-log tr[data-action=deactivate]', { hasText: name })).toBeVisible();
  await p2.goto('/my/unit');
  await expect(p2).toHaveURL(/\/login/);
  await row().locator('form.set-active button').click();
  await expect(row()).toHaveAttribute('data-active', 'true');
  await expect(page.locator('#account-pager')).toContainText('个账号');
  await other.close();
});
