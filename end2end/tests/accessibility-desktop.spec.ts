import { expect, test, type Browser, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signIn } from './helpers';

// Every page of every role, scanned by axe-core for WCAG 2.0/2.1 A and AA, on the phone and on
// the desktop: no serious or critical violation. The page list is checked against the router in
// app/src/app.rs, so a page added without a scan fails here.
//
// The file name holds "desktop" so that the desktop project runs it as well as the phone one.

const AXE = path.join(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// axe is injected as a script tag; the app's content security policy would refuse it.
test.use({ bypassCSP: true });

type Found = { page: string; rule: string; impact: string; help: string; nodes: string[] };

async function scan(page: Page, url: string): Promise<Found[]> {
  const res = await page.goto(url);
  expect(res?.status(), `${url} answers`).toBeLessThan(400);
  await page.waitForLoadState('networkidle');
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    const r = await (window as any).axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return r.violations.map((v: any) => ({
      rule: v.id,
      impact: v.impact ?? '',
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n: any) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
    }));
  }, TAGS);
  return violations
    .filter((v: Found) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: Found) => ({ ...v, page: url }));
}

/** The first link on `from` whose path matches `re`. */
async function firstLink(page: Page, from: string, re: RegExp): Promise<string> {
  await page.goto(from);
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
  const hit = hrefs.find((h) => re.test(h));
  expect(hit, `a link matching ${re} on ${from}`).toBeTruthy();
  return hit!;
}

async function signedIn(browser: Browser, username: string, first: string) {
  const ctx = await browser.newContext({ bypassCSP: true, locale: 'zh-CN' });
  const page = await ctx.newPage();
  await signIn(page, username, first);
  return { ctx, page };
}

/** Route patterns as app/src/app.rs declares them. */
function routerPatterns(): string[] {
  const src = fs.readFileSync(path.join(__dirname, '..', '..', 'app', 'src', 'app.rs'), 'utf8');
  return [...src.matchAll(/<Route path=path!\("([^"]+)"\)/g)].map((m) => m[1]);
}

/** The pattern a concrete path was scanned for: each `:param` matches one segment. */
function matches(pattern: string, url: string): boolean {
  const p = pattern.split('/');
  const u = new URL(url, 'http://x').pathname.split('/');
  return p.length === u.length && p.every((s, i) => s.startsWith(':') || s === u[i]);
}

test('every page of every role has no serious or critical WCAG 2 A/AA violation', async ({ page, browser }) => {
  test.setTimeout(300_000);
  const found: Found[] = [];
  const scanned: string[] = [];
  const look = async (p: Page, url: string) => {
    scanned.push(url);
    found.push(...(await scan(p, url)));
  };

  // The public, without an account.
  const sub = await firstLink(page, '/plan', /^\/plan\/\d{4}\/[^/]+$/);
  const year = sub.split('/')[2];
  const site = await firstLink(page, sub, /^\/s\/[^/]+$/);
  for (const url of ['/', '/login', '/plan', `/plan/${year}`, sub, site, `${site}/thanks`, '/r', '/offline', '/activate']) {
    await look(page, url);
  }
  // A comment, for a receipt to look at, and later an item for the officer.
  const words = `无障碍检查 ${Date.now()}：路灯不亮`;
  await page.goto(site);
  await page.locator('input[name=satisfaction]').first().check();
  await page.locator('input[name=support]').first().check();
  await page.locator('#comment-body').fill(words);
  await page.locator('#comment-submit').click();
  await page.waitForURL(/\/r\/[^/?]+/, { timeout: 20_000 });
  await look(page, new URL(page.url()).pathname);

  // A deputy.
  const deputy = await signedIn(browser, 'demo-deputy', '/');
  const project = await firstLink(deputy.page, '/projects', /^\/projects\/[^/]+$/);
  const subItem = await firstLink(deputy.page, project, /^\/sub-items\/[^/]+$/);
  const mySite = await firstLink(deputy.page, '/my/sites', /^\/sites\/[^/]+$/);
  for (const url of ['/', '/projects', project, subItem, mySite, `${mySite}/capture`, '/outbox', '/my/sites', '/my/observations', '/duty', '/inspections', '/notifications']) {
    await look(deputy.page, url);
  }

  // Staff. An item made of the public's comment and forwarded to the Civil Affairs Bureau
  // through the pages, so the officer has an item to open on any installation. (Of a comment,
  // not a deputy's observation: the other browser tests count the demo deputy's records.)
  const staff = await signedIn(browser, 'demo-staff', '/staff/comments');
  await staff.page.locator('#moderation-list > li', { hasText: words }).locator('button.mark-problem').click();
  await expect(staff.page.locator('#moderation-list > li', { hasText: words })).toHaveCount(0);
  await staff.page.goto('/staff/review');
  await staff.page.locator('#review-comments > li', { hasText: words }).locator('.make-item button[type=submit]').click();
  await staff.page.locator('#item-created a').click();
  await staff.page.locator('.step-forward select[name=unit]').selectOption({ label: '市民政局' });
  await staff.page.locator('#do-forward').click();
  await expect(staff.page.locator('#item-unit')).toHaveText('市民政局');
  const item = new URL(staff.page.url()).pathname;
  for (const url of ['/staff/groups', '/staff/review', '/staff/dashboard', '/items', item, '/staff/import', '/staff/comments', '/staff/cases', '/staff/duty', '/staff/inspections', '/staff/inspections/new', '/staff/satisfaction', '/staff/posters', '/notifications']) {
    await look(staff.page, url);
  }
  // An inspection of every group (tomorrow, at the public site above), planned through its
  // form: the form with its deputies, the staff's page of it, and the invited deputy's.
  await staff.page.goto('/staff/inspections/new');
  for (const box of await staff.page.locator('#plan-groups input[type=checkbox]').all()) await box.check();
  await staff.page.locator('#plan-groups-next').click();
  await staff.page.locator('#plan-form').waitFor();
  await look(staff.page, staff.page.url());
  await staff.page.locator('#plan-title').fill('无障碍检查视察');
  await staff.page.locator('#plan-sites').fill(site.split('/')[2]);
  await staff.page.locator('#plan-leader').selectOption({ index: 1 });
  await Promise.all([
    staff.page.waitForURL(/\/staff\/inspections\/[0-9a-f-]{36}(\?|$)/),
    staff.page.locator('#plan-form button[type=submit]').click(),
  ]);
  const inspection = new URL(staff.page.url()).pathname;
  await look(staff.page, inspection);
  await look(staff.page, `${inspection}/report`);
  await look(deputy.page, inspection.replace('/staff', ''));
  // A questionnaire shown at the public site, with a question of each kind: its pages for
  // staff, and its form as the public sees it at the site and at its own link.
  await look(staff.page, '/staff/questionnaires');
  await look(staff.page, '/staff/questionnaires/new');
  await staff.page.locator('#q-title').fill('无障碍检查问卷');
  await staff.page.locator('#q-targets').fill(site.split('/')[2]);
  await Promise.all([
    staff.page.waitForURL(/\/staff\/questionnaires\/[0-9a-f-]{36}(\?|$)/),
    staff.page.locator('#q-create').click(),
  ]);
  for (const [kind, options] of [['single', '是\n否'], ['multiple', '甲\n乙'], ['scale', ''], ['text', '']]) {
    await staff.page.locator('#q-prompt').fill(`题目 ${kind}`);
    await staff.page.locator('#q-kind').selectOption(kind);
    await staff.page.locator('#q-options').fill(options);
    await staff.page.locator('#q-add-submit').click();
    await staff.page.locator(`#q-question-list > li[data-kind=${kind}]`).waitFor();
  }
  const questionnaire = new URL(staff.page.url()).pathname;
  await look(staff.page, questionnaire);
  await look(staff.page, `${questionnaire}/paper`);
  const qid = questionnaire.split('/').pop();
  await look(page, `${site}/q/${qid}`);
  await look(page, `/q/${qid}`);
  // Hot topics: the week (the demo's comments and notes make some), one topic's texts with its
  // draft form, the word lists and the 12345 import.
  await look(staff.page, '/staff/topics/words');
  await look(staff.page, '/staff/topics/hotline');
  const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  await staff.page.locator('#hotline-file').setInputFiles({
    name: 'a11y.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`日期,区县,类别,内容\n${day},,交通,无障碍坡道，被占用\n${day},,交通,无障碍坡道，太陡\n`),
  });
  await staff.page.locator('#hotline-submit').click();
  await staff.page.locator('#hotline-done').waitFor();
  await look(staff.page, '/staff/topics');
  const topic = await staff.page.locator('#topics a').first().getAttribute('href');
  expect(topic, 'a topic this week').toBeTruthy();
  await look(staff.page, topic!);

  // A unit's officer.
  const officer = await signedIn(browser, 'demo-officer', '/my/unit');
  const unitSub = await firstLink(officer.page, '/my/unit', /^\/sub-items\/[^/]+$/);
  for (const url of ['/my/unit', unitSub, '/items', item, '/notifications']) {
    await look(officer.page, url);
  }

  // The administrator.
  const admin = await signedIn(browser, 'demo-admin', '/admin/users');
  const edit = await firstLink(admin.page, '/admin/registry/sites', /^\/admin\/registry\/sites\/[0-9a-f-]{36}$/);
  for (const url of ['/admin/users', '/admin/registry', '/admin/activation', '/admin/registry/sites', edit, '/admin/registry/plan', '/admin/registry/roster']) {
    await look(admin.page, url);
  }

  for (const s of [deputy, staff, officer, admin]) await s.ctx.close();

  const missing = routerPatterns().filter((p) => !scanned.some((u) => matches(p, u)));
  expect(missing, 'pages in the router that no role scanned').toEqual([]);
  const report = found.map((f) => `${f.page}: ${f.rule} (${f.impact}) ${f.help}\n    ${f.nodes.join('\n    ')}`).join('\n');
  expect(found.length, `serious or critical violations:\n${report}`).toBe(0);
});
