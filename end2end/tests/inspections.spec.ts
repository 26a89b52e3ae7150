import { expect, test, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { rosterDeputy, signIn, unzipEntry, waitForCachedPages } from './helpers';

// An inspection (视察) from plan to follow-up: staff plan one for a group through the form; two
// deputies on phones check in at its sites — one there, one far off (shown as off site) —, one
// checks in and records with the network cut and syncs; staff follow who is where and what was
// found, write the joint report's summary, print it and download it as a Word file (opened
// here: the sites and the finding are in it); the deputy's duty record counts the inspection.

const psql = (sql: string) => execFileSync('psql', [process.env.DATABASE_URL!, '-qAtc', sql]).toString().trim();

async function phone(browser: Browser, username: string, next: string, at: { latitude: number; longitude: number }) {
  const ctx = await browser.newContext({
    locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: { ...at, accuracy: 10 },
    permissions: ['geolocation'],
  });
  const page = await ctx.newPage();
  await signIn(page, username, next);
  return { ctx, page };
}

test('staff plan an inspection, two deputies check in (one off site), one records offline, staff follow it and write its report', async ({ browser }) => {
  test.setTimeout(180_000);
  const first = await rosterDeputy(browser);
  const second = await rosterDeputy(browser);
  const group = psql(`select d.group_id from deputies d join users u on u.deputy_id = d.id where u.username = '${first}'`);
  const firstName = psql(`select d.name_zh from deputies d join users u on u.deputy_id = d.id where u.username = '${first}'`);
  const firstDeputy = psql(`select deputy_id from users where username = '${first}'`);
  const secondDeputy = psql(`select deputy_id from users where username = '${second}'`);
  // Two sites of the group's units, with where each is.
  const rows = psql(`select t.id || '|' || t.public_code || '|' || t.anchor[1] || '|' || t.anchor[0]
      from sites t join sub_items s on s.id = t.sub_item_id
      join group_units gu on gu.unit_id = s.lead_unit_id
     where gu.group_id = '${group}' and t.active and t.geometry ->> 'type' = 'Point'
     order by t.public_code limit 2`).split('\n').map((l) => l.split('|'));
  expect(rows).toHaveLength(2);
  const sites = rows.map(([id, code, lat, lon]) => ({ id, code, latitude: Number(lat), longitude: Number(lon) }));
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const title = `第一组视察 ${Date.now()}`;

  // Staff plan it through the form: the group, then the days, the route and the leader.
  const staffCtx = await browser.newContext({ locale: 'zh-CN' });
  const staff = await staffCtx.newPage();
  await signIn(staff, 'demo-staff', '/');
  await staff.locator('#inspections-staff-link').click();
  await staff.locator('#plan-inspection').click();
  await staff.locator(`#plan-groups input[value="${group}"]`).check();
  await staff.locator('#plan-groups-next').click();
  await staff.locator('#plan-title').fill(title);
  await staff.locator('#plan-starts').fill(today);
  await staff.locator('#plan-ends').fill(today);
  // A code that is no site is refused, naming it, and what was typed stays.
  await staff.locator('#plan-sites').fill(`${sites[0].code}\nZZZZZZZ`);
  await staff.locator('#plan-leader').selectOption(firstDeputy);
  await staff.locator('#plan-form button[type=submit]').click();
  await expect(staff.locator('#plan-bad-code')).toContainText('ZZZZZZZ');
  await expect(staff.locator('#plan-title')).toHaveValue(title);
  await staff.locator('#plan-sites').fill(`${sites[0].code}\n${sites[1].code}`);
  await staff.locator('#plan-leader').selectOption(firstDeputy);
  await Promise.all([
    staff.waitForURL(/\/staff\/inspections\/[0-9a-f-]{36}(\?|$)/),
    staff.locator('#plan-form button[type=submit]').click(),
  ]);
  const inspection = new URL(staff.url()).pathname.split('/').pop()!;
  await expect(staff.locator('#inspection-title')).toHaveText(title);
  await expect(staff.locator('#route-list > li')).toHaveCount(2);
  await expect(staff.locator('#inspection-figures [data-figure=visited] dd')).toHaveText('0 / 2');

  // The first deputy, at the first site: the inspection is on "my sites", kept for offline use.
  const a = await phone(browser, first, '/my/sites', sites[0]);
  await a.page.locator(`#current-inspections li[data-id="${inspection}"] a`).click();
  await expect(a.page).toHaveURL(new RegExp(`/inspections/${inspection}$`));
  // The worker this first visit registers controls the pages loaded after it.
  await a.page.waitForLoadState('networkidle');
  await a.page.reload();
  await waitForCachedPages(a.page, [`/inspections/${inspection}`, `/sites/${sites[1].id}/capture`]);
  const atFirst = a.page.locator(`#route-list > li[data-site="${sites[0].id}"]`);
  await Promise.all([
    a.page.waitForEvent('load'),
    atFirst.locator('button.check-in[data-ready="1"]').click(),
  ]);
  await expect(atFirst).toHaveAttribute('data-my-verdict', 'on_site');
  await expect(atFirst.locator('.my-check-in')).toContainText('在现场');

  // "My sites" keeps the outbox page too, where a saved capture goes.
  await a.page.goto('/my/sites');
  await waitForCachedPages(a.page, ['/my/sites', '/outbox', `/inspections/${inspection}`]);
  await a.page.goto(`/inspections/${inspection}`);

  // At the second site with no signal: the check-in and a finding wait on the phone.
  await a.ctx.setGeolocation({ latitude: sites[1].latitude, longitude: sites[1].longitude, accuracy: 10 });
  await a.ctx.setOffline(true);
  await a.page.reload();
  const atSecond = a.page.locator(`#route-list > li[data-site="${sites[1].id}"]`);
  await atSecond.locator('button.check-in[data-ready="1"]').click();
  await expect(atSecond.locator('.check-in-state')).toHaveText(/有网络时自动发送/);
  await a.page.goto(`/sites/${sites[1].id}/capture`);
  await a.page.locator('#capture-form[data-ready="1"]').waitFor({ timeout: 20_000 });
  const note = `视察发现：${title} 无障碍坡道破损`;
  await a.page.locator('#note').fill(note);
  await a.page.locator('#locate').click();
  await expect(a.page.locator('#verdict b')).toHaveAttribute('data-verdict', 'on_site');
  await Promise.all([a.page.waitForURL(/\/outbox$/), a.page.locator('#save-capture').click()]);
  await expect(a.page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(2);
  const kept = await a.page.locator('#outbox-list li').evaluateAll((lis) => lis.map((l) => `${l.getAttribute('data-record')}:${l.textContent}`));
  expect(kept.some((k) => k.includes('签到')), kept.join(' | ')).toBe(true);
  expect(kept.some((k) => k.startsWith('check_in:')), kept.join(' | ')).toBe(true);
  expect(psql(`select count(*) from inspection_check_ins where inspection_id = '${inspection}'`)).toBe('1');
  await a.ctx.setOffline(false);
  await a.page.locator('#sync-now').click();
  // Nothing left waiting, and all three sent: the first check-in (sent at once, online) stays
  // listed as sent beside the two just synced. (Counting two sent passed only while the third
  // was still on its way.)
  await expect(a.page.locator('#outbox-list li[data-state=waiting]')).toHaveCount(0, { timeout: 30_000 });
  await expect(a.page.locator('#outbox-list li[data-state=sent]')).toHaveCount(3);
  // Each once; the finding belongs to the inspection.
  expect(psql(`select count(*) from inspection_check_ins where inspection_id = '${inspection}'`)).toBe('2');
  expect(psql(`select count(*) from observations where inspection_id = '${inspection}' and note = '${note}'`)).toBe('1');

  // The second deputy is nowhere near: their check-in is kept and shown as off site.
  const b = await phone(browser, second, `/inspections/${inspection}`, { latitude: sites[0].latitude + 0.05, longitude: sites[0].longitude });
  const bFirst = b.page.locator(`#route-list > li[data-site="${sites[0].id}"]`);
  await Promise.all([b.page.waitForEvent('load'), bFirst.locator('button.check-in[data-ready="1"]').click()]);
  await expect(bFirst).toHaveAttribute('data-my-verdict', 'off_site');
  await expect(bFirst.locator('.my-check-in')).toContainText('不在现场');
  // They see their own findings only: none.
  await expect(b.page.locator('#findings-none')).toBeVisible();
  await b.ctx.close();

  // Staff follow it: both sites visited, who is where, the finding.
  await staff.reload();
  await expect(staff.locator('#inspection-figures [data-figure=visited] dd')).toHaveText('2 / 2');
  await expect(staff.locator(`#inspection-deputies tr[data-deputy="${firstDeputy}"]`)).toHaveAttribute('data-last-verdict', 'on_site');
  await expect(staff.locator(`#inspection-deputies tr[data-deputy="${firstDeputy}"]`)).toContainText(firstName);
  await expect(staff.locator(`#inspection-deputies tr[data-deputy="${secondDeputy}"]`)).toHaveAttribute('data-last-verdict', 'off_site');
  await expect(staff.locator('#inspection-findings tbody tr')).toHaveCount(1);
  await expect(staff.locator('#inspection-findings')).toContainText(note);
  await staff.goto('/staff/inspections');
  const listed = staff.locator(`#inspections tr[data-id="${inspection}"]`);
  await expect(listed).toHaveAttribute('data-phase', 'under_way');
  await expect(listed.locator('[data-cell=findings]')).toHaveText('1');

  // The joint report: the figures, the sites, the finding under its unit; staff write the
  // summary and conclusions, which the page and the Word file then carry.
  await staff.goto(`/staff/inspections/${inspection}`);
  await staff.locator('#report-link').click();
  await expect(staff).toHaveURL(new RegExp(`/staff/inspections/${inspection}/report$`));
  await expect(staff.locator('#report-figures [data-figure=visited] dd')).toHaveText('2 / 2');
  // Every deputy of the group was invited (the form ticks them all); two of them checked in.
  const invited = psql(`select count(*) from inspection_deputies where inspection_id = '${inspection}'`);
  await expect(staff.locator('#report-figures [data-figure=present] dd')).toHaveText(`2 / ${invited}`);
  await expect(staff.locator('#report-people tr[data-present=true]')).toHaveCount(2);
  await expect(staff.locator('#report-figures [data-figure=problems] dd')).toHaveText('1');
  await expect(staff.locator('#report-sites tbody tr')).toHaveCount(2);
  await expect(staff.locator('#report-units tr[data-kind=problem]')).toContainText(note);
  await expect(staff.locator('#report-overview')).toContainText('尚未填写');
  const summary = `${title}：两位代表到场，一处点位发现无障碍坡道破损。`;
  // A refused save (a control character pasted in) comes back with what was typed, not the
  // saved text, and stores nothing.
  await staff.locator('#report-form textarea[name=summary]').fill(summary);
  await staff.locator('#report-form textarea[name=conclusions]').fill('结论\u0007');
  await staff.locator('#report-save').click();
  await expect(staff.locator('#report-form .notice.error')).toBeVisible();
  await expect(staff.locator('#report-form textarea[name=summary]')).toHaveValue(summary);
  expect(psql(`select count(*) from inspection_reports where inspection_id = '${inspection}'`)).toBe('0');
  await staff.locator('#report-form textarea[name=summary]').fill(summary);
  await staff.locator('#report-form textarea[name=conclusions]').fill('请责任单位限期修复坡道。');
  await staff.locator('#report-save').click();
  await expect(staff.locator('#report-saved')).toBeVisible();
  await expect(staff.locator('#report-overview')).toContainText(summary);
  await expect(staff.locator('#report-written')).toContainText('保存');
  // Printed, it is the report alone: no menu, no form.
  await staff.emulateMedia({ media: 'print' });
  await expect(staff.locator('#report-form')).toBeHidden();
  await expect(staff.locator('#inspection-report')).toBeVisible();
  await expect(staff.locator('header.top')).toBeHidden();
  await staff.emulateMedia({ media: 'screen' });
  const [download] = await Promise.all([staff.waitForEvent('download'), staff.locator('#report-docx').click()]);
  expect(download.suggestedFilename()).toBe(`jiandu-inspection-${today}.docx`);
  const body = unzipEntry(fs.readFileSync((await download.path())!), 'word/document.xml').replace(/<[^>]+>/g, '');
  const siteNames = psql(`select name_zh from sites where id in ('${sites[0].id}', '${sites[1].id}') order by name_zh`).split('\n');
  for (const want of [`${title} 联合视察报告`, ...siteNames, note, summary, '请责任单位限期修复坡道。', '问题 1 条']) {
    expect(body, want).toContain(want);
  }

  // The first deputy's duty record counts the inspection.
  await a.page.goto('/duty');
  await expect(a.page.locator('#duty-figures [data-figure=inspections] dd')).toHaveText('1');
  await a.ctx.close();
  await staffCtx.close();
});
