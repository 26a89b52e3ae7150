import { expect, test, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { serverLog } from './helpers';

// A Congress office's first day: an empty database, the first administrator made with the
// command, the year loaded from its own files on the registry page, accounts for the roster,
// and a deputy who activates on a phone and captures an observation that syncs. Its own server
// and database, so the demo data of the other tests is not there to lean on.

const PORT = 3109;
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN_PASSWORD = 'tea kettle bamboo harbour 7';
const DB = `jiandu_empty_${Date.now().toString(36)}`;
let server: ChildProcess | undefined;

function dbUrl(name: string): string {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

function sql(query: string): string {
  return execFileSync('psql', [dbUrl(DB), '-qAtc', query]).toString().trim();
}

test.beforeAll(async () => {
  execFileSync('psql', [dbUrl('postgres'), '-qc', `create database ${DB}`]);
  const env = { ...process.env, DATABASE_URL: dbUrl(DB), JIANDU_MEDIA_DIR: `${process.env.JIANDU_MEDIA_DIR}-empty` };
  const out = execFileSync(process.env.JIANDU_BIN!, ['admin', 'create', 'chief-admin', '人大办管理员'], {
    env: { ...env, JIANDU_ADMIN_PASSWORD: ADMIN_PASSWORD },
  }).toString();
  expect(out).toContain('created administrator chief-admin');
  server = spawn(process.env.JIANDU_BIN!, ['serve'], {
    env: { ...env, LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`, JIANDU_PUBLIC_URL: BASE },
    stdio: serverLog('empty'),
  });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the empty server did not start');
});

test.afterAll(() => {
  server?.kill('SIGKILL');
  try {
    execFileSync('psql', [dbUrl('postgres'), '-qc', `drop database if exists ${DB} with (force)`]);
  } catch { /* left for inspection */ }
});

const PLAN = `项目编号,项目名称,子项目编号,子项目名称,牵头单位,目标数量,计量单位,完成时限,预算(万元)
3,既有住宅加装电梯,1,完成加装电梯,市建委,400,台,2026-12-31,12000
3,既有住宅加装电梯,2,运河绿道提升,市建委,12,公里,2026-12-31,3000
4,老年助餐服务,1,新建老年助餐点,市民政局,50,个,2026-11-30,1500
`;
// One row in AMap's GCJ-02 and one in Baidu's BD-09, as offices copy them off those maps.
const SITES = `点位编号,点位名称,子项目编号,类型,区县,地址,经度,纬度,坐标系
DT-001,朝晖一区 3 幢,3-1,加装电梯,拱墅区,朝晖路 1 号,120.1551,30.2741,WGS84
DT-002,朝晖二区 5 幢,3-1,加装电梯,拱墅区,朝晖路 2 号,120.159779,30.271816,GCJ02
DT-003,朝晖三区 7 幢,3-1,加装电梯,拱墅区,朝晖路 3 号,120.166328,30.277606,BD09
ZC-001,潮鸣助餐点,4-1,老年助餐点,上城区,,120.1802,30.2712,
`;
const GREENWAY = JSON.stringify({
  type: 'FeatureCollection',
  features: [{
    type: 'Feature',
    properties: { 点位编号: 'LD-001', 点位名称: '运河绿道拱墅段', 子项目编号: '3-2', 类型: '绿道', 区县: '拱墅区', 坐标系: 'GCJ02' },
    geometry: { type: 'LineString', coordinates: [[120.16, 30.3], [120.165, 30.305], [120.172, 30.308]] },
  }],
});
const ROSTER = `姓名,代表团,监督小组,手机号
王建国,拱墅区代表团,1,138 0013 8000
李芳,上城区代表团,2,
`;
const GROUPS = `监督小组,牵头单位
1,市建委
2,市民政局
`;

async function importFile(page: Page, kind: string, name: string, body: string, mime: string) {
  const form = page.locator('#registry-form');
  await form.locator(`input[name=file_kind][value=${kind}]`).check();
  await form.locator('input[name=year]').fill('2026');
  await form.locator('input[name=file]').setInputFiles({ name, mimeType: mime, buffer: Buffer.from(body) });
  await form.locator('#registry-submit').click();
  const done = page.locator('#registry-done');
  await expect(done).toBeVisible();
  const counts = {
    new: Number(await done.getAttribute('data-new')),
    changed: Number(await done.getAttribute('data-changed')),
  };
  // The next upload's answer must not be mistaken for this one's.
  await page.reload();
  await page.waitForLoadState('networkidle');
  return counts;
}

test.describe('an empty installation', () => {
  test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 }, permissions: ['geolocation'] });

  test('is loaded from its own files, gives its deputies accounts, and a deputy captures on a phone', async ({ page, browser }) => {
    test.setTimeout(180_000);
    // The administrator, on a desktop.
    const desk = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const admin = await desk.newPage();
    await admin.goto('/login?next=%2Fadmin%2Fregistry');
    await admin.waitForLoadState('networkidle');
    await admin.locator('input[name=username]').fill('chief-admin');
    await admin.locator('input[name=password]').fill(ADMIN_PASSWORD);
    await Promise.all([admin.waitForURL(/\/admin\/registry$/), admin.locator('#login-form button[type=submit]').click()]);
    await admin.waitForLoadState('networkidle');
    await expect(admin.locator('h1')).toHaveText('导入本年度名录');

    const csv = 'text/csv';
    expect(await importFile(admin, 'plan', '2026年实施计划.csv', PLAN, csv)).toEqual({ new: 3, changed: 0 });
    expect(await importFile(admin, 'sites', '点位.csv', SITES, csv)).toEqual({ new: 4, changed: 0 });
    expect(await importFile(admin, 'sites', '绿道.geojson', GREENWAY, 'application/geo+json')).toEqual({ new: 1, changed: 0 });
    expect(await importFile(admin, 'deputies', '代表名册.csv', ROSTER, csv)).toEqual({ new: 2, changed: 0 });
    expect(await importFile(admin, 'groups', '监督小组.csv', GROUPS, csv)).toEqual({ new: 2, changed: 0 });
    // The same files again change nothing.
    expect(await importFile(admin, 'plan', '2026年实施计划.csv', PLAN, csv)).toEqual({ new: 0, changed: 0 });
    expect(await importFile(admin, 'sites', '点位.csv', SITES, csv)).toEqual({ new: 0, changed: 0 });
    expect(sql('select count(*) from sites')).toBe('5');
    expect(sql("select geometry ->> 'type' from sites where code = 'LD-001'")).toBe('LineString');

    // Accounts for the roster, with a code each.
    await admin.goto('/admin/activation');
    await admin.waitForLoadState('networkidle');
    await admin.locator('#roster-accounts').click();
    await expect(admin.locator('#roster-accounts-made')).toHaveAttribute('data-made', '2');
    const card = admin.locator('#activation-sheet li', { hasText: '王建国' });
    await expect(card).toBeVisible();
    const username = (await card.locator('code.username').textContent())!.trim();
    const code = (await card.locator('code.code').textContent())!.trim();
    expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await desk.close();

    // The deputy, on a phone: activates, sets a password, sees their sites.
    await page.goto(`${BASE}/activate`);
    await page.waitForLoadState('networkidle');
    const form = page.locator('#activate-form');
    await form.locator('input[name=username]').fill(username);
    await form.locator('input[name=code]').fill(code.toLowerCase());
    await form.locator('input[name=password]').fill('my own long password');
    await Promise.all([page.waitForURL(/\/my\/sites$/), form.locator('#activate-submit').click()]);
    await expect(page.locator('h1')).toHaveText('我的点位');
    await expect(page.locator('.site-list')).toContainText('朝晖二区 5 幢');
    await expect(page.locator('.site-list')).not.toContainText('潮鸣助餐点');

    // An observation captured there reaches the server once.
    const site = await page.locator('.site-list li a', { hasText: '朝晖一区 3 幢' }).evaluate((a) => (a as HTMLAnchorElement).pathname);
    await page.goto(`${BASE}${site}/capture`);
    await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
    await page.locator('#note').fill('加装电梯施工围挡缺失');
    await page.locator('#locate').click();
    await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', 'on_site');
    await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
    await expect(page.locator('#outbox-list li[data-state=sent]')).toHaveCount(1, { timeout: 30_000 });
    expect(sql("select count(*) from observations where note = '加装电梯施工围挡缺失'")).toBe('1');
  });
});
