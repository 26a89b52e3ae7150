// Times the capture form's photo preparation (orient, downscale to 2048 px, JPEG, SHA-256) of a
// 12 MP photo in Debian's headless Chromium, through the real page and wasm.
import { chromium } from 'playwright-core';
import { statSync } from 'node:fs';

const file = process.argv[2];
const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
await page.goto(`${base}/login?next=/my/sites`);
await page.waitForLoadState('networkidle');
await page.fill('input[name=username]', 'demo-deputy');
await page.fill('input[name=password]', 'jiandu-demo');
await Promise.all([page.waitForURL(/my\/sites/), page.click('#login-form button[type=submit]')]);
const site = await page.locator('.site-list li a').first().getAttribute('href');
const runs = [];
let bytesOut = 0;
for (let i = 0; i < 5; i++) {
  await page.goto(`${base}${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor();
  const t0 = Date.now();
  await page.locator('#photo-input').setInputFiles(file);
  await page.locator('#photo-list li').first().waitFor({ timeout: 30000 });
  runs.push(Date.now() - t0);
  bytesOut = Number(await page.locator('#photo-list li').first().getAttribute('data-bytes'));
}
runs.sort((a, b) => a - b);
console.log(`| 12 MP JPEG in | ${statSync(file).size} bytes |`);
console.log(`| prepared photo out (2048 px JPEG) | ${bytesOut} bytes |`);
console.log(`| time per photo, median of 5 | ${runs[2]} ms (runs: ${runs.join(', ')}) |`);
await browser.close();
