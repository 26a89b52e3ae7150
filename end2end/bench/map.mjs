// Times a staff map in Debian's headless Chromium against a running server: first paint of the
// clusters after navigation, and a pan (drag 200 px, until the new clusters are drawn).
// Arguments: the page path and the map's id. Prints markdown rows.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const path = process.argv[2] ?? '/staff/dashboard';
const map = process.argv[3] ?? 'dash-map';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(`${base}/login?next=${encodeURIComponent(path)}`);
await page.waitForLoadState('networkidle');
await page.fill('input[name=username]', 'demo-staff');
await page.fill('input[name=password]', 'jiandu-demo');
await Promise.all([page.waitForURL((u) => u.pathname === path.split('?')[0]), page.click('#login-form button[type=submit]')]);

const clusters = () => page.locator(`#${map} g.cluster`).evaluateAll((gs) => gs.map((g) => g.getAttribute('data-n')).join(','));
const firstPaint = [];
const pans = [];
let drawn = 0;
for (let i = 0; i < 5; i++) {
  const t0 = Date.now();
  await page.goto(`${base}${path}`);
  await page.locator(`#${map} g.cluster`).first().waitFor({ timeout: 60_000 });
  firstPaint.push(Date.now() - t0);
  drawn = await page.locator(`#${map} g.cluster`).evaluateAll((gs) => gs.reduce((s, g) => s + Number(g.getAttribute('data-n')), 0));
  const before = await clusters();
  const box = await page.locator(`#${map}`).boundingBox();
  const t1 = Date.now();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 200, box.y + box.height / 2 + 60, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(([sel, b]) => {
    const now = [...document.querySelectorAll(`#${sel} g.cluster`)].map((g) => g.getAttribute('data-n')).join(',');
    return now !== b;
  }, [map, before], { timeout: 60_000 });
  pans.push(Date.now() - t1);
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`| ${path} map: first paint of the clusters after navigation (median of 5) | ${med(firstPaint)} ms |`);
console.log(`| ${path} map: a 200 px pan until the new clusters are drawn (median of 5) | ${med(pans)} ms |`);
console.log(`| points in the first view (sum of the cluster counts) | ${drawn} |`);
await browser.close();
