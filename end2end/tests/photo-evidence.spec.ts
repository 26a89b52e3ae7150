import { expect, test, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signIn, waitForCachedPages } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** The JPEG with its own EXIF segments dropped and one written in their place: a capture time
 * (China time, as a phone here writes it) and a GPS position, as a phone's camera records them. */
function withExif(jpeg: Buffer, taken: Date, lat: number, lon: number): Buffer {
  // TIFF, big-endian: IFD0 points at an Exif IFD (DateTimeOriginal) and a GPS IFD.
  const tiff = Buffer.alloc(178);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number | string) => {
    tiff.writeUInt16BE(tag, at);
    tiff.writeUInt16BE(type, at + 2);
    tiff.writeUInt32BE(count, at + 4);
    if (typeof value === 'string') tiff.write(value, at + 8, 'latin1');
    else tiff.writeUInt32BE(value, at + 8);
  };
  tiff.writeUInt16BE(2, 8);
  entry(10, 0x8769, 4, 1, 38); // Exif IFD
  entry(22, 0x8825, 4, 1, 76); // GPS IFD
  tiff.writeUInt32BE(0, 34);
  tiff.writeUInt16BE(1, 38);
  entry(40, 0x9003, 2, 20, 56); // DateTimeOriginal
  tiff.writeUInt32BE(0, 52);
  const china = new Date(taken.getTime() + 8 * 3600_000).toISOString();
  tiff.write(`${china.slice(0, 10).replaceAll('-', ':')} ${china.slice(11, 19)}\0`, 56, 'latin1');
  tiff.writeUInt16BE(4, 76);
  entry(78, 1, 2, 2, 'N\0');
  entry(90, 2, 5, 3, 130);
  entry(102, 3, 2, 2, 'E\0');
  entry(114, 4, 5, 3, 154);
  tiff.writeUInt32BE(0, 126);
  const dms = (at: number, deg: number) => {
    const d = Math.floor(deg);
    const m = Math.floor((deg - d) * 60);
    const s = Math.round(((deg - d) * 60 - m) * 60 * 1000);
    [[d, 1], [m, 1], [s, 1000]].forEach(([n, q], i) => {
      tiff.writeUInt32BE(n, at + i * 8);
      tiff.writeUInt32BE(q, at + i * 8 + 4);
    });
  };
  dms(130, lat);
  dms(154, lon);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), Buffer.from('Exif\0\0', 'latin1'), tiff]);
  app1.writeUInt16BE(app1.length - 2, 2);
  // Keep every segment up to the scan but the old EXIF.
  const kept: Buffer[] = [jpeg.subarray(0, 2), app1];
  let at = 2;
  while (at < jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const len = jpeg.readUInt16BE(at + 2);
    const isExif = jpeg[at + 1] === 0xe1 && jpeg.subarray(at + 4, at + 8).toString('latin1') === 'Exif';
    if (!isExif) kept.push(jpeg.subarray(at, at + 2 + len));
    at += 2 + len;
  }
  kept.push(jpeg.subarray(at));
  return Buffer.concat(kept);
}

async function siteUrl(page: Page): Promise<string> {
  const hrefs = await page.locator('.site-list li a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
  // Not one of the three the capture test records at, so that neither test reads the other's.
  return hrefs[Math.min(4, hrefs.length - 1)];
}

test.describe('photo evidence', () => {
  test.use({ geolocation: { latitude: 30.2741, longitude: 120.1551, accuracy: 12 }, permissions: ['geolocation'] });

  test('a camera photo taken on site and an old gallery photo from 5 km away: judged on the phone offline, then by staff, who filter for the second', async ({ page, context, browser }) => {
    test.setTimeout(120_000);
    await signIn(page, 'demo-deputy', '/my/sites');
    const site = await siteUrl(page);
    await waitForCachedPages(page, ['/my/sites', '/outbox', site, `${site}/capture`]);

    await context.setOffline(true);
    await page.goto(`${site}/capture`);
    await page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
    // Where the site is, as the form shows it ("lat, lon ±1 m (…)").
    await page.locator('#use-site').click();
    const shown = await page.locator('#position p').first().textContent();
    const [lat, lon] = (shown ?? '').split(/[,\s]+/).map(Number);
    expect(Number.isFinite(lat) && Number.isFinite(lon), shown ?? '').toBe(true);

    const now = new Date();
    const camera = withExif(fs.readFileSync(path.join(FIXTURES, 'evidence-1.jpg')), new Date(now.getTime() - 60_000), lat, lon);
    const yearAgo = new Date(now.getTime() - 365 * 86400_000);
    // 0.045° of latitude is 5 km north.
    const gallery = withExif(fs.readFileSync(path.join(FIXTURES, 'evidence-2.jpg')), yearAgo, lat + 0.045, lon);
    await page.locator('#photo-camera').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: camera });
    await expect(page.locator('#photo-list li')).toHaveCount(1, { timeout: 20_000 });
    await page.locator('#photo-gallery').setInputFiles({ name: 'IMG_2025.jpg', mimeType: 'image/jpeg', buffer: gallery });
    await expect(page.locator('#photo-list li')).toHaveCount(2, { timeout: 20_000 });

    // The phone judges each before saving: the first plainly, the second with a warning that
    // does not stop the deputy.
    const [first, second] = [page.locator('#photo-list li').nth(0), page.locator('#photo-list li').nth(1)];
    await expect(first.locator('.photo-check')).toHaveAttribute('data-place', 'on_site');
    await expect(first.locator('.photo-check')).toHaveAttribute('data-time', 'recent');
    await expect(first.locator('.photo-check')).toHaveAttribute('data-origin', 'camera');
    await expect(first.locator('[data-warn]')).toHaveCount(0);
    await expect(second.locator('.photo-check')).toHaveAttribute('data-place', 'off_site');
    await expect(second.locator('.photo-check')).toHaveAttribute('data-time', /^(old|before_project)$/);
    await expect(second.locator('.photo-check')).toHaveAttribute('data-origin', 'gallery');
    await expect(second.locator('[data-warn=place]')).toBeVisible();
    await expect(second.locator('[data-warn=time]')).toBeVisible();

    const note = `照片核验 ${now.getTime()}`;
    await page.locator('#note').fill(note);
    await Promise.all([page.waitForURL(/\/outbox$/), page.locator('#save-capture').click()]);
    await expect(page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(1);
    // The record keeps what each photo said, and an old gallery photo did not make it old.
    const kept = await page.evaluate(async () => {
      const db: IDBDatabase = await new Promise((ok, err) => {
        const r = indexedDB.open('jiandu-outbox');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => err(r.error);
      });
      const all: any[] = await new Promise((ok) => {
        const r = db.transaction('observations').objectStore('observations').getAll();
        r.onsuccess = () => ok(r.result);
      });
      return all.map((o) => o.input).filter((i) => i.note?.startsWith('照片核验'));
    });
    expect(kept).toHaveLength(1);
    expect(kept[0].photo_facts.map((f: any) => f.origin)).toEqual(['camera', 'gallery']);
    expect(Date.now() - Date.parse(kept[0].captured_at)).toBeLessThan(10 * 60_000);

    await context.setOffline(false);
    await page.locator('#sync-now').click();
    await expect(page.locator('#outbox-list li[data-state=sent]')).toHaveCount(1, { timeout: 30_000 });

    // Staff see one photo on site and one off site and old, and the filter finds the second.
    const desk = await browser.newContext();
    const staff = await desk.newPage();
    await signIn(staff, 'demo-staff', '/staff/review');
    const card = staff.locator('#review-list > li', { hasText: note });
    await expect(card).toHaveCount(1);
    await expect(card.locator('.photo-check')).toHaveCount(2);
    await expect(card.locator('.photo-check').nth(0)).toHaveAttribute('data-place', 'on_site');
    await expect(card.locator('.photo-check').nth(1)).toHaveAttribute('data-place', 'off_site');
    await expect(card.locator('.photo-check').nth(1)).toHaveAttribute('data-time', /^(old|before_project)$/);
    await expect(card.locator('.photo-check').nth(1)).toHaveClass(/doubtful/);
    await expect(card.locator('.photo-check').nth(1)).toContainText('不在现场拍摄');

    await staff.locator('#filter-photo_place').selectOption('not_on_site');
    await staff.locator('input[name=photo_older_days]').fill('300');
    await Promise.all([staff.waitForURL(/photo_place=not_on_site/), staff.locator('#apply-filter').click()]);
    await expect(staff.locator('#review-list > li', { hasText: note })).toHaveCount(1);
    // Every card the filter keeps has a photo it asked for.
    for (const li of await staff.locator('#review-list > li').all()) {
      await expect(li.locator('.photo-check[data-place=off_site], .photo-check[data-place=near]')).not.toHaveCount(0);
    }
    // By age alone: the year-old photo is older than 300 days, not older than 400.
    await staff.goto('/staff/review?photo_older_days=300');
    await expect(staff.locator('#review-list > li', { hasText: note })).toHaveCount(1);
    await staff.goto('/staff/review?photo_older_days=400');
    await expect(staff.locator('#review-list > li', { hasText: note })).toHaveCount(0);
    await desk.close();
  });
});
