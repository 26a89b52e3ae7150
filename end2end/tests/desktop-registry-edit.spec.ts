import { expect, test } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { serverLog, signIn, waitForHydration } from './helpers';

// Staff correct the registry between imports: a greenway drawn by clicking the map, written in
// GCJ-02 as the office reads positions off AMap and stored in WGS-84; a refusal in the office's
// words; a site with a history refused removal and deactivated instead, which the public page
// behind its QR code says at once. Its own server on its own copy of the demo: a site added to
// the shared demo would change what the other tests count (a sub-item's sites, a unit's posters).

const PORT = 3111;
const BASE = `http://127.0.0.1:${PORT}`;
const DB = `jiandu_edit_${Date.now().toString(36)}`;
let server: ChildProcess | undefined;

function dbUrl(name: string): string {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

function sql(query: string): string {
  return execFileSync('psql', [dbUrl(DB), '-qAtc', query]).toString().trim();
}

test.use({ baseURL: BASE });

test.beforeAll(async () => {
  execFileSync('psql', [dbUrl('postgres'), '-qc', `create database ${DB}`]);
  const env = { ...process.env, DATABASE_URL: dbUrl(DB), JIANDU_MEDIA_DIR: `${process.env.JIANDU_MEDIA_DIR}-edit`, LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`, JIANDU_PUBLIC_URL: BASE };
  execFileSync(process.env.JIANDU_BIN!, ['demo-data'], { env });
  server = spawn(process.env.JIANDU_BIN!, ['serve'], { env, stdio: serverLog('registry-edit') });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the registry-edit server did not start');
});

test.afterAll(() => {
  server?.kill('SIGKILL');
  try {
    execFileSync('psql', [dbUrl('postgres'), '-qc', `drop database if exists ${DB} with (force)`]);
  } catch { /* left for inspection */ }
});

test('staff draw a greenway on the map, correct it, and deactivate a site the public commented on', async ({ page, browser }) => {
  await signIn(page, 'demo-staff', '/admin/registry/sites');
  await expect(page.locator('#site-pager')).toContainText('个点位');
  const total = Number(await page.locator('#site-pager').getAttribute('data-total'));
  expect(total).toBeGreaterThan(0);

  await page.goto('/admin/registry/sites/new');
  await waitForHydration(page);
  const name = `运河绿道测试段 ${Date.now().toString(36)}`;
  const form = page.locator('#site-form');
  await form.locator('select[name=sub_item_id]').selectOption({ index: 1 });
  await form.locator('input[name=name]').fill(name);
  await form.locator('select[name=kind]').selectOption('greenway');
  await form.locator('input[name=district]').fill('拱墅区');
  await form.locator('#site-crs').selectOption('GCJ02');
  const map = page.locator('#site-edit-map');
  await map.scrollIntoViewIfNeeded();
  const box = (await map.boundingBox())!;
  for (const [fx, fy] of [[0.3, 0.4], [0.5, 0.55], [0.7, 0.45]]) {
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  }
  const coords = form.locator('#site-coordinates');
  await expect(coords).toHaveValue(/^\d+\.\d{7},\d+\.\d{7}\n\d+\.\d{7},\d+\.\d{7}\n\d+\.\d{7},\d+\.\d{7}$/);
  // What the box holds is drawn, as it will be saved.
  await expect(map.locator('polyline.site')).toHaveCount(1);
  const typed = (await coords.inputValue()).split('\n')[0].split(',').map(Number);

  // A lift is one point: three positions are refused, in Chinese, and nothing is stored.
  await form.locator('select[name=kind]').selectOption('lift_retrofit');
  await form.locator('#save-site').click();
  await expect(form.locator('[data-error=Refused]')).toContainText('只有一个位置');
  expect(sql(`select count(*) from sites where name_zh = '${name}'`)).toBe('0');

  await form.locator('select[name=kind]').selectOption('greenway');
  await form.locator('#save-site').click();
  await expect(form.locator('#site-saved')).toBeVisible();
  const [id, code, shape, lon, lat] = sql(
    `select id, public_code, geometry->>'type', geometry->'coordinates'->0->>0, geometry->'coordinates'->0->>1
       from sites where name_zh = '${name}'`,
  ).split('|');
  expect(shape).toBe('LineString');
  // Stored in WGS-84: the GCJ-02 position typed is some 500 m east-north of it in Hangzhou.
  const dx = (typed[0] - Number(lon)) * 111320 * Math.cos((Number(lat) * Math.PI) / 180);
  const dy = (typed[1] - Number(lat)) * 111320;
  const offset = Math.hypot(dx, dy);
  expect(offset).toBeGreaterThan(300);
  expect(offset).toBeLessThan(800);

  // The public comments on it (no account, no JavaScript), which gives it a history.
  const visitor = await browser.newContext({ javaScriptEnabled: false, baseURL: BASE });
  const pub = await visitor.newPage();
  await pub.goto(`/s/${code}`);
  await pub.locator('input[name=satisfaction][value=satisfied]').check();
  await pub.locator('input[name=support][value=yes]').check();
  // Words of their own: the same words again from this address would be refused as a repeat.
  await pub.locator('#comment-body').fill(`绿道修得很好，希望多设座椅（${name}）`);
  await pub.locator('#comment-submit').click();
  await expect(pub).toHaveURL(/\/r\/[2-9A-HJKMNP-TV-Z]{16}\?new$/);

  await page.goto(`/admin/registry/sites/${id}`);
  await waitForHydration(page);
  await expect(page.locator('#site-history')).toContainText('公众评论 1 条');
  await page.locator('#delete-site').click();
  await expect(page.locator('#site-facts [data-error=Refused]')).toContainText('请改为停用');
  expect(sql(`select count(*) from sites where id = '${id}'`)).toBe('1');

  await page.locator('#toggle-site-active').click();
  await expect(page.locator('#site-facts')).toHaveAttribute('data-active', 'false');
  expect(sql(`select active from sites where id = '${id}'`)).toBe('f');
  await pub.goto(`/s/${code}`);
  await expect(pub.locator('#site-closed')).toBeVisible();
  await expect(pub.locator('#comment-form')).toHaveCount(0);

  // Back in use, the form is back; the log names the staff member for each step.
  await page.locator('#toggle-site-active').click();
  await expect(page.locator('#site-facts')).toHaveAttribute('data-active', 'true');
  await pub.goto(`/s/${code}`);
  await expect(pub.locator('#comment-form')).toBeVisible();
  expect(Number(sql(
    `select count(*) from admin_log l join users u on u.id = l.actor
      where u.username = 'demo-staff' and l.action = 'edit' and l.subject like '${code}%'`,
  ))).toBe(3);
  await visitor.close();
});
