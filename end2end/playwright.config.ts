import { defineConfig, devices } from '@playwright/test';

// Debian's Chromium: Playwright cannot download its own browser here (and need not).
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  // Several servers behind nginx: scripts/check-multi starts them and runs that file alone.
  testIgnore: process.env.JIANDU_MULTI_SERVERS ? [] : [/multi-server/],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // A committed test.only would run one test and call the run green.
  forbidOnly: !!process.env.CI,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    launchOptions: chromium,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'phone',
      use: {
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        userAgent: devices['iPhone 13'].userAgent.replace(/Version\/[\d.]+ Mobile\/\w+ Safari/, 'Chrome/156.0 Mobile Safari'),
        locale: 'en-US',
      },
    },
    {
      name: 'desktop',
      use: { viewport: { width: 1280, height: 800 }, locale: 'en-US' },
      testMatch: /desktop|no-js/,
    },
  ],
});
