// "Save this area" on my sites in Debian's headless Chromium against a running server whose
// JIANDU_TILE_URL points at the tile server this script starts (port 3198; 256 px PNG tiles of
// about 17 KB, like a street map's). Prints the tiles saved, the page's own estimate, the
// bytes in the tile cache, and the time the save took.
import { chromium } from 'playwright-core';
import * as http from 'node:http';
import * as zlib from 'node:zlib';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

// A 256×256 RGB PNG of noise-like rows, so it compresses like a real street map tile.
function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function tilePng(seed) {
  const raw = Buffer.alloc(256 * (1 + 256 * 3));
  let s = seed >>> 0;
  for (let y = 0; y < 256; y++) {
    raw[y * 769] = 0;
    for (let x = 0; x < 768; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      raw[y * 769 + 1 + x] = 200 + ((s >>> 16) % 8) + (((x >> 5) + (y >> 5)) % 2) * 20;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0); ihdr.writeUInt32BE(256, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
const png = tilePng(7);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(png);
});
await new Promise((r) => server.listen(3198, '127.0.0.1', r));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
await page.goto(`${base}/login?next=/my/sites`);
await page.waitForLoadState('networkidle');
await page.fill('input[name=username]', 'demo-deputy');
await page.fill('input[name=password]', 'jiandu-demo');
await Promise.all([page.waitForURL(/my\/sites/), page.click('#login-form button[type=submit]')]);
await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20000 }).catch(() => {});
await page.evaluate(() => caches.delete('jiandu-tiles'));
const estimate = await page.locator('#save-estimate').textContent();
const t0 = Date.now();
await page.locator('#save-area-button').click();
await page.waitForFunction(() => {
  const p = document.querySelector('#save-progress');
  return p && Number(p.getAttribute('value')) >= Number(p.getAttribute('max'));
}, null, { timeout: 300000 });
const secs = (Date.now() - t0) / 1000;
const { count, bytes } = await page.evaluate(async () => {
  const c = await caches.open('jiandu-tiles');
  let bytes = 0;
  const keys = await c.keys();
  for (const k of keys) bytes += (await (await c.match(k)).arrayBuffer()).byteLength;
  return { count: keys.length, bytes };
});
console.log(`| save this area (the deputy's sites, the zooms offered by default): the page's estimate | ${estimate.trim()} |`);
console.log(`| tiles in the cache after the save | ${count} |`);
console.log(`| bytes in the tile cache (test tiles of ${png.length} B) | ${bytes.toLocaleString('en')} |`);
console.log(`| time to save | ${secs.toFixed(1)} s |`);
await browser.close();
server.close();
