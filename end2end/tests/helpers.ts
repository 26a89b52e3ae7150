import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'jiandu-demo';

/** Signs in through the real form and waits for the full reload that follows. */
export async function signIn(page: Page, username: string, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await waitForHydration(page);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname === next.split('?')[0]),
    page.locator('#login-form button[type=submit]').click(),
  ]);
}

/** Leptos marks nothing on hydration; the wasm has run once the login button's handler is live.
 * Waiting for the network to go idle after load is enough: the wasm is fetched and started. */
export async function waitForHydration(page: Page) {
  await page.waitForLoadState('networkidle');
}

export async function expectChinese(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
}
