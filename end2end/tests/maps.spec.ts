import { expect, test, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { serverLog, signIn } from './helpers';

// Maps against a local tile server that stands in for the provider (it answers every tile with
// a PNG it makes and logs what it served), and two servers of our own: one told the tiles are
// drawn in WGS-84, one in GCJ-02.

const TILE_PORT = 3198;
const ONE_PX_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const served = new Set<string>();
let tiles: http.Server;
const servers: ChildProcess[] = [];

function sql(query: string): string {
  return execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', query]).toString().trim();
}

async function serve(port: number, datum: string) {
  const child = spawn(process.env.JIANDU_BIN!, ['serve'], {
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      JIANDU_TILE_URL: `http://127.0.0.1:${TILE_PORT}/{z}/{x}/{y}.png`,
      JIANDU_TILE_DATUM: datum,
      JIANDU_TILE_ATTRIBUTION: 'test tiles',
    },
    stdio: serverLog(`maps-${port}`),
  });
  servers.push(child);
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return `http://127.0.0.1:${port}`;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not start');
}

test.beforeAll(async () => {
  tiles = http.createServer((req, res) => {
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!m) { res.writeHead(404).end(); return; }
    served.add(`${m[1]}/${m[2]}/${m[3]}`);
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(ONE_PX_PNG);
  });
  await new Promise<void>((r) => tiles.listen(TILE_PORT, '127.0.0.1', r));
});
test.afterAll(() => {
  for (const s of servers) s.kill('SIGKILL');
  tiles.close();
});

/** Tiles of a map that drew, as "z/x/y". */
async function drawnTiles(page: Page, map: string): Promise<string[]> {
  return page.locator(`#${map} img.tile`).evaluateAll((imgs) => imgs
    .filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)
    .map((i) => i.getAttribute('data-tile')!));
}

test.describe('the deputy map', () => {
  test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 25 }, permissions: ['geolocation'] });

  test('shows the sites around a position and still draws a saved area with the network cut', async ({ page, context }) => {
    test.setTimeout(120_000);
    const base = await serve(3102, 'wgs84');
    await signIn(page, 'demo-deputy', '/my/sites');
    // signIn used the default base; the map server shares the session database.
    await page.goto(`${base}/my/sites`);
    const map = page.locator('#my-sites-map');
    await expect(map.locator('.feature.site').first()).toBeVisible();
    await expect.poll(() => drawnTiles(page, 'my-sites-map').then((t) => t.length)).toBeGreaterThan(0);
    await expect(map.locator('.attribution')).toHaveText('test tiles');

    await page.locator('#nearby[data-ready="1"]').click({ timeout: 20_000 });
    await expect(map.locator('.position .here')).toHaveCount(1);
    await expect(map.locator('.feature.site')).toHaveCount(10);

    // Save zooms 12 and 13 of the deputy's area: an estimate first, then a progress bar.
    for (const z of ['14', '15']) await page.locator(`#save-area input[value="${z}"]`).uncheck();
    await expect(page.locator('#save-estimate')).toContainText('MB');
    served.clear();
    await page.locator('#save-area-button').click();
    await expect(page.locator('#save-area')).toContainText('已保存', { timeout: 60_000 });
    const saved = new Set(served);
    expect(saved.size).toBeGreaterThan(4);
    const total = Number(await page.locator('#save-progress').getAttribute('max'));
    expect(total).toBe(saved.size);

    // Offline (the worker controls the page since its first load; reload once so it does).
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
    await page.reload();
    await page.waitForFunction(async () => (await caches.keys()).some((k) => k.startsWith('jiandu-pages-')));
    await page.waitForTimeout(500);
    await context.setOffline(true);
    served.clear();
    await page.reload();
    await expect(page.locator('h1')).toHaveText('我的点位');
    // The zoom buttons work once the wasm has hydrated the page.
    await page.locator('#nearby[data-ready="1"]').waitFor({ timeout: 20_000 });
    const zoomTo = async (z: number) => {
      for (let i = 0; i < 8; i++) {
        const now = Number(await map.getAttribute('data-zoom'));
        if (now === z) return;
        await map.locator(now < z ? '.zoom-in' : '.zoom-out').click();
      }
    };
    await zoomTo(12);
    await expect.poll(async () => {
      const drawn = await drawnTiles(page, 'my-sites-map');
      return drawn.filter((t) => saved.has(t)).length;
    }).toBeGreaterThan(1);
    expect(served.size, 'no tile came from the network').toBe(0);
    await context.setOffline(false);
  });
});

test('a GCJ-02 basemap draws a site where a WGS-84 basemap draws its corrected position', async ({ browser }) => {
  test.setTimeout(90_000);
  // A published reference pair (Shanghai): WGS-84 31.1774276, 121.5272106 is GCJ-02
  // 31.17530398364597, 121.531541859215. One site at each.
  const sub = sql('select s.id from sub_items s order by s.id limit 1');
  const district = sql('select id from districts order by code limit 1');
  const add = (code: string, lon: number, lat: number) => sql(
    `insert into sites (id, sub_item_id, district_id, name_zh, name_en, kind, geometry, anchor, public_code)
     values (gen_random_uuid(), '${sub}', '${district}', '坐标测试${code}', 'Datum test ${code}', 'first_aid',
             '{"type":"Point","coordinates":[${lon},${lat}]}', point(${lon}, ${lat}), '${code}')
     on conflict (public_code) do update set name_zh = excluded.name_zh returning id`);
  const atWgs = add('WGSAAA2', 121.5272106, 31.1774276);
  const atGcj = add('GCJAAA2', 121.531541859215, 31.17530398364597);
  const wgsBase = await serve(3103, 'wgs84');
  const gcjBase = await serve(3104, 'gcj02');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, 'demo-staff', '/');

  const layout = async (url: string) => {
    await page.goto(url);
    const map = page.locator('#site-map');
    await expect(map.locator('circle.feature')).toHaveCount(1);
    // Each tile and where it is drawn (left, top in % of the map).
    const tilesAt: Record<string, [number, number]> = Object.fromEntries(await map.locator('img.tile').evaluateAll((imgs) => imgs.map((i) => {
      const st = (i as HTMLElement).style;
      return [i.getAttribute('data-tile')!, [parseFloat(st.left), parseFloat(st.top)]];
    })));
    const c = map.locator('circle.feature');
    return { tilesAt, cx: Number(await c.getAttribute('cx')), cy: Number(await c.getAttribute('cy')) };
  };
  const drawnOnWgs = await layout(`${wgsBase}/sites/${atGcj}`);
  const drawnOnGcj = await layout(`${gcjBase}/sites/${atWgs}`);
  expect(Object.keys(drawnOnGcj.tilesAt).sort()).toEqual(Object.keys(drawnOnWgs.tilesAt).sort());
  for (const [t, [left, top]] of Object.entries(drawnOnWgs.tilesAt)) {
    expect(Math.abs(drawnOnGcj.tilesAt[t][0] - left), t).toBeLessThan(0.1);
    expect(Math.abs(drawnOnGcj.tilesAt[t][1] - top), t).toBeLessThan(0.1);
  }
  expect(Math.abs(drawnOnGcj.cx - drawnOnWgs.cx)).toBeLessThan(0.5);
  expect(Math.abs(drawnOnGcj.cy - drawnOnWgs.cy)).toBeLessThan(0.5);
  // Without the correction the tiles would sit about 450 m (over 100 px at zoom 17) elsewhere:
  // the stored site on the WGS-84 basemap puts the tile grid somewhere else.
  const plain = await layout(`${wgsBase}/sites/${atWgs}`);
  const shared = Object.keys(plain.tilesAt).filter((t) => t in drawnOnGcj.tilesAt);
  // Some tiles are in both views, or the loop below would check nothing.
  expect(shared.length).toBeGreaterThan(0);
  for (const t of shared) {
    const dx = Math.abs(plain.tilesAt[t][0] - drawnOnGcj.tilesAt[t][0]) / 100 * 640;
    const dy = Math.abs(plain.tilesAt[t][1] - drawnOnGcj.tilesAt[t][1]) / 100 * 400;
    expect(dx + dy, t).toBeGreaterThan(50);
  }
  await ctx.close();
});

test('with no GPS fix the deputy drops a pin on the map and the verdict follows it', async ({ page }) => {
  await signIn(page, 'demo-deputy', '/my/sites');
  const site = await page.locator('.site-list li a').first().getAttribute('href');
  await page.goto(`${site}/capture`);
  await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  const map = page.locator('#capture-map');
  const feature = map.locator('.feature.site').first();
  await expect(feature).toBeVisible();
  // Tap the site itself (the middle of its drawn shape), then somewhere far from it.
  await map.scrollIntoViewIfNeeded();
  const box = (await feature.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('#position p').first()).toContainText('手动标注');
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', /on_site|near/);
  await expect(map.locator('.position .here')).toHaveCount(1);
  // One step out, then the map corner farthest from the site: kilometres away, while a
  // fingertip there is still only a few hundred metres wide (a coarser pin proves nothing, and
  // the verdict says "unknown").
  await map.locator('.zoom-out').click();
  const mapBox = (await map.boundingBox())!;
  const site2 = (await feature.boundingBox())!;
  const [cx, cy] = [site2.x + site2.width / 2, site2.y + site2.height / 2];
  const corners = [[mapBox.x + 12, mapBox.y + 12], [mapBox.x + mapBox.width - 60, mapBox.y + 12],
    [mapBox.x + 12, mapBox.y + mapBox.height - 40], [mapBox.x + mapBox.width - 60, mapBox.y + mapBox.height - 40]];
  const far = corners.sort((a, b) => Math.hypot(b[0] - cx, b[1] - cy) - Math.hypot(a[0] - cx, a[1] - cy))[0];
  await page.mouse.click(far[0], far[1]);
  await expect(page.locator('#verdict b')).toHaveAttribute('data-verdict', 'off_site');
});
