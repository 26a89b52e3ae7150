import { expect, test, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { serverLog, signIn, waitForHydration } from './helpers';

// The demo as a newcomer opens it (`scripts/dev` loads it this way): the registry with its
// year in progress (JIANDU_DEMO_ACTIVITY=1). Every page a newcomer opens first shows figures,
// and each figure equals a count taken straight from the tables. Its own server and database:
// the other tests count the quiet demo.

const PORT = 3112;
const BASE = `http://127.0.0.1:${PORT}`;
const DB = `jiandu_year_${Date.now().toString(36)}`;
let server: ChildProcess | undefined;

function dbUrl(name: string): string {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

function sql(query: string): string {
  return execFileSync('psql', [dbUrl(DB), '-qAtc', query]).toString().trim();
}

function count(query: string): number {
  return Number(sql(query));
}

/** A rate as the pages print it (`domain::comment::percent`). */
function percent(part: number, all: number): string {
  const p = (part / all) * 100;
  return Math.abs(p - Math.round(p)) < 0.05 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

/** The figures of one column of a dashboard table, summed over its rows. */
async function columnSum(page: Page, table: string, column: number): Promise<number> {
  const cells = await page.locator(`#${table} tbody tr td:nth-child(${column + 1})`).allInnerTexts();
  return cells.reduce((s, c) => s + Number(c.trim()), 0);
}

/** What a map's clusters add up to, zoomed out to the whole city (zoom 8 takes in all 13
 * districts; the map opens on the city centre at 11). */
async function mapTotal(page: Page, map: string): Promise<number> {
  const m = page.locator(`#${map}`);
  const clusters = m.locator('g.cluster');
  await expect(clusters.first()).toBeVisible();
  for (const z of ['10', '9', '8']) {
    await m.locator('button.zoom-out').click();
    await expect(m).toHaveAttribute('data-zoom', z);
  }
  await page.waitForLoadState('networkidle');
  await expect(clusters.first()).toBeVisible();
  const ns = await clusters.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-n'))));
  return ns.reduce((s, n) => s + n, 0);
}

test.use({ baseURL: BASE });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  execFileSync('psql', [dbUrl('postgres'), '-qc', `create database ${DB}`]);
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl(DB),
    JIANDU_DEMO_ACTIVITY: '1',
    JIANDU_MEDIA_DIR: `${process.env.JIANDU_MEDIA_DIR}-year`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
    JIANDU_PUBLIC_URL: BASE,
  };
  execFileSync(process.env.JIANDU_BIN!, ['demo-data'], { env, stdio: serverLog('demo-year-load') });
  server = spawn(process.env.JIANDU_BIN!, ['serve'], { env, stdio: serverLog('demo-year') });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the demo-year server did not start');
});

test.afterAll(() => {
  server?.kill('SIGKILL');
  try {
    execFileSync('psql', [dbUrl('postgres'), '-qc', `drop database if exists ${DB} with (force)`]);
  } catch { /* left for inspection */ }
});

const today = "(now() at time zone 'Asia/Shanghai')::date";

test('the dashboard, review queue, list and maps of the demo year show what the tables hold', async ({ page }, info) => {
  test.skip(info.project.name !== 'desktop', 'staff work at a desk; the phone run checks the deputy');
  test.setTimeout(90_000);
  await signIn(page, 'demo-staff', '/staff/dashboard');
  await expect(page.locator('#dash-projects tbody tr')).toHaveCount(10);

  // Every item's site is in one project, so the project table adds up to all items.
  const problems = count("select count(*) from list_items where kind = 'problem'");
  const closed = count("select count(*) from list_items where status = 'closed'");
  const overdue = count(`select count(*) from list_items where status in ('forwarded', 'acknowledged') and deadline < ${today}`);
  expect(problems).toBeGreaterThan(0);
  expect(closed).toBeGreaterThan(0);
  expect(overdue).toBeGreaterThan(0);
  expect(await columnSum(page, 'dash-projects', 1)).toBe(problems);
  expect(await columnSum(page, 'dash-projects', 2)).toBe(count("select count(*) from list_items where kind = 'suggestion'"));
  expect(await columnSum(page, 'dash-projects', 5)).toBe(closed);
  expect(await columnSum(page, 'dash-projects', 6)).toBe(overdue);
  expect(await columnSum(page, 'dash-districts', 1)).toBe(problems);
  // The public's rates, over the comments that count (published or handed on, rated).
  const counted = "status in ('published', 'problem') and rating_counts";
  const responses = count(`select count(*) from public_comments where ${counted}`);
  const satisfied = count(`select count(*) from public_comments where ${counted} and satisfaction in ('satisfied', 'basic')`);
  expect(responses).toBeGreaterThan(500);
  await expect(page.locator('#public-satisfaction')).toHaveText(percent(satisfied, responses));
  // The weekly trend: observations received in each of its weeks, as the table dates them.
  const weeks = (await page.locator('#dash-trend rect.obs title').allTextContents()).map((t) => Number(/: (\d+)$/.exec(t)![1]));
  expect(weeks.filter((n) => n > 0).length).toBeGreaterThan(5);
  const since = `date_trunc('week', ${today})::date - ${7 * (weeks.length - 1)}`;
  expect(weeks.reduce((s, n) => s + n, 0)).toBe(
    count(`select count(*) from observations where (received_at at time zone 'Asia/Shanghai')::date >= ${since}`));
  // The items map counts every item.
  expect(await mapTotal(page, 'dash-map')).toBe(count('select count(*) from list_items'));

  // The review queue pages through every observation waiting, and lists the comments handed on.
  await page.goto('/staff/review');
  await waitForHydration(page);
  const waiting = count("select count(*) from observations where status = 'submitted'");
  expect(waiting).toBeGreaterThan(30);
  const first = await page.locator('#review-list > li').count();
  expect(first).toBe(30);
  expect(await mapTotal(page, 'review-map')).toBe(waiting);
  const handedOn = count(`select count(*) from public_comments c where status = 'problem'
                           and not exists (select 1 from list_item_comments l where l.comment_id = c.id)`);
  expect(handedOn).toBeGreaterThan(0);
  await expect(page.locator('#review-comments > li')).toHaveCount(handedOn);
  await page.locator('#review-next').click();
  await expect(page.locator('#review-list > li')).toHaveCount(waiting - first);

  // The list says how many items there are in all.
  await page.goto('/items');
  await waitForHydration(page);
  await expect(page.locator('#item-pager')).toHaveAttribute('data-total', String(count('select count(*) from list_items')));

  // The busiest site's public page, behind its QR code, with no account.
  const [code, site] = sql(`select t.public_code || '|' || t.id from sites t join public_comments c on c.site_id = t.id
                             where c.${counted.replace(' and ', ' and c.')} group by t.id order by count(*) desc, t.id limit 1`).split('|');
  const here = `site_id = '${site}' and ${counted}`;
  const n = count(`select count(*) from public_comments where ${here}`);
  expect(n).toBeGreaterThan(5);
  const anon = await page.context().browser()!.newContext();
  const pub = await anon.newPage();
  await pub.goto(`${BASE}/s/${code}`);
  await expect(pub.locator('#response-count')).toHaveText(String(n));
  await expect(pub.locator('#satisfaction-rate')).toHaveText(
    percent(count(`select count(*) from public_comments where ${here} and satisfaction in ('satisfied', 'basic')`), n));
  await expect(pub.locator('#support-rate')).toHaveText(
    percent(count(`select count(*) from public_comments where ${here} and support = 'yes'`), n));
  await anon.close();
});

test('the demo deputy opens a lived-in phone: notifications of their items, with a total', async ({ page }, info) => {
  test.skip(info.project.name !== 'phone', 'the deputy works on a phone');
  await signIn(page, 'demo-deputy', '/notifications');
  const mine = count(`select count(*) from notifications n join users u on u.id = n.user_id where u.username = 'demo-deputy'`);
  const unread = count(`select count(*) from notifications n join users u on u.id = n.user_id
                         where u.username = 'demo-deputy' and n.read_at is null`);
  expect(mine).toBeGreaterThan(0);
  await expect(page.locator('#notification-pager')).toHaveAttribute('data-total', String(mine));
  await expect(page.locator('#unread-count')).toHaveText(String(unread));
});
