import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoResult, runDemo } from '../../src/demo/run-demo.js';
import { type DashboardData } from '../../src/reports/html/dashboard-data.js';
import { renderHtmlReport } from '../../src/reports/html/html-page.js';
import { LocalTime } from '../../src/reports/local-time.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { silentLogger } from '../../src/shared/logger.js';
import { parseConfigValue } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { hashAdminPassword } from '../../src/daemon/http/admin-auth.js';
import { JobRegistry } from '../../src/daemon/jobs.js';
import { productionWiring } from '../../src/daemon/wiring.js';
import { openLedger } from '../../src/ledger/ledger.js';
import { htmlReportSettings } from '../../src/reports/html/html-settings.js';
import { writeReportPack } from '../../src/reports/report-pack.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

type CsvRow = Record<string, string>;
/** The little of a DOM element these tests read (the test files are type-checked without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

/** Opens a file in a fresh page, recording console errors and every request the page makes. */
async function open(browser: Browser, file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, requests };
}

describeWithChromium('HTML report in headless Chromium', () => {
  const cwd = tempDirForSuite();
  let demo: DemoResult;
  let browser: Browser;
  let html: string;
  let csvDir: string;

  beforeAll(async () => {
    demo = await runDemo({ cwd: cwd.dir, log: silentLogger, clock: () => Date.now(), payouts: 600 });
    html = demo.report.files.find((f) => f.endsWith('.html'))!;
    csvDir = path.dirname(demo.report.files.find((f) => f.endsWith('payouts.csv'))!);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    cwd.remove();
  });

  it('opens from file:// with no console error, no script and no request beyond the file itself', async () => {
    const { page, errors, requests } = await open(browser, html);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('link[rel="stylesheet"], img, iframe, object, embed').count()).toBe(0);
    await page.close();
  });

  it('shows the headline figures of summary.csv, per currency and status', async () => {
    const summary = parse<CsvRow>(readFileSync(path.join(csvDir, 'summary.csv')), { columns: true });
    const expected = summary
      .filter((r) => r.section === 'status' && ['succeeded', 'failed', 'open'].includes(r.item!))
      .map((r) => ({ currency: r.currency, status: r.item, amount: r.amount, count: r.count }));
    expect(expected.length).toBeGreaterThan(0);
    const { page } = await open(browser, html);
    const shown = await page.locator('.figure[data-status]').evaluateAll((nodes: PageElement[]) =>
      nodes.map((n) => ({ currency: n.getAttribute('data-currency'), status: n.getAttribute('data-status'), amount: n.getAttribute('data-amount'), count: n.getAttribute('data-count'), text: n.querySelector('.value')?.textContent ?? '' })),
    );
    for (const e of expected) {
      const figure = shown.find((s) => s.currency === e.currency && s.status === e.status);
      expect(figure, `${e.currency} ${e.status}`).toMatchObject({ amount: e.amount, count: e.count });
      // What a person reads is the same amount, formatted for the locale (en-GB by default).
      const digits = e.amount!.replace(/^-/, '').split('.');
      const grouped = digits[0]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (digits[1] ? `.${digits[1]}` : '');
      expect(figure!.text).toContain(grouped);
    }
    await page.close();
  });

  it('draws every chart, with one bar per day with payouts in the daily volume', async () => {
    const { page } = await open(browser, html);
    for (const kind of ['status-mix', 'failure-reasons', 'outcomes', 'exception-ages', 'balance']) {
      expect(await page.locator(`section[data-chart="${kind}"]`).count(), kind).toBeGreaterThan(0);
    }
    const payouts = parse<CsvRow>(readFileSync(path.join(csvDir, 'payouts.csv')), { columns: true });
    const daysWithPayouts = new Map<string, Set<string>>();
    for (const p of payouts) {
      if (p.status !== 'succeeded') continue;
      const days = daysWithPayouts.get(p.currency!) ?? new Set<string>();
      days.add(p.created_at!.slice(0, 10)); // local time with its offset: the day is the local day
      daysWithPayouts.set(p.currency!, days);
    }
    expect(daysWithPayouts.size).toBeGreaterThan(1);
    for (const [currency, days] of daysWithPayouts) {
      const section = page.locator(`section[data-chart="daily-volume"][data-currency="${currency}"]`);
      expect(await section.locator('svg').count(), currency).toBe(1);
      const bars = await section.locator('path[ecmeta_ssr_type="chart"][ecmeta_data_index]').evaluateAll((nodes: PageElement[]) => [...new Set(nodes.map((n) => n.getAttribute('ecmeta_data_index')))]);
      expect(bars.length, currency).toBe(days.size);
    }
    // The failure reasons chart has a bar per reason listed (at most ten).
    const reasons = await page.locator('section[data-chart="failure-reasons"] path[ecmeta_ssr_type="chart"]').count();
    expect(reasons).toBeGreaterThan(0);
    expect(reasons).toBeLessThanOrEqual(10);
    // The refund the demo planted is listed with its payout.
    expect(await page.locator('#refunds').textContent()).toContain(demo.refund.plantedOn);
    await page.close();
  });

  it('takes a screenshot at 1440×900 and prints on A4 landscape', async () => {
    const { page } = await open(browser, html);
    const shot = path.join(cwd.dir, 'report-html.png');
    await page.screenshot({ path: shot });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    // `PAYOUT_RECON_UPDATE_DOCS=1 npx vitest run test/reports/html-report.test.ts` refreshes the README's picture.
    if (process.env.PAYOUT_RECON_UPDATE_DOCS === '1') copyFileSync(shot, path.resolve('docs/report-html.png'));
    const pdf = await page.pdf({ preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  it('serves the page live at /dashboard: 401 without the admin credentials, 200 with them, the same figures, CSP without script', async () => {
    const raw = JSON.parse(readFileSync(demo.configPath, 'utf8')) as Record<string, unknown>;
    raw.server = { host: '127.0.0.1', port: 0, admin: { user: 'ops', passwordHash: await hashAdminPassword('s3cret pass', randomBytes(16)) } };
    raw.schedule = { sync: null, poll: null, balance: null, reconcile: null, dailyReport: null, monthlyReport: null };
    const config = parseConfigValue(raw, {});
    const ledger = await openLedger({ url: config.database.url });
    const services = { config, ledger, log: silentLogger, clock: () => Date.now(), resolvePath: (p: string) => path.resolve(cwd.dir, p) };
    const daemon = await Daemon.start({ config, ledger, jobs: new JobRegistry([]), schedule: {}, routes: (router) => productionWiring.routes(router, services), log: silentLogger });
    try {
      const month = new Date().toISOString().slice(0, 7);
      const url = `${daemon.url}/dashboard?month=${month}`;
      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('<html');
      const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:guess').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const badMonth = await fetch(`${daemon.url}/dashboard?month=2026-13`, { headers: { authorization: `Basic ${Buffer.from('ops:s3cret pass').toString('base64')}` } });
      expect(badMonth.status).toBe(400);

      const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 's3cret pass' }, viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy']).not.toMatch(/script-src|unsafe-eval/);
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(errors).toEqual([]);
      const figures = (p: Page) => p.locator('.figure[data-status]').evaluateAll((nodes: PageElement[]) => nodes.map((n) => [n.getAttribute('data-currency'), n.getAttribute('data-status'), n.getAttribute('data-amount'), n.getAttribute('data-count')].join(' ')));
      const live = await figures(page);
      expect(live.length).toBeGreaterThan(0);
      // The same month written as a file shows the same figures.
      const pack = await writeReportPack(ledger, { period: resolveReportPeriod({ month }, config.timezone), format: 'html', outDir: path.join(cwd.dir, 'month'), now: Date.now(), html: htmlReportSettings(config) });
      const file = await open(browser, pack.html!);
      expect(await figures(file.page)).toEqual(live);
      await file.page.close();
      await context.close();
    } finally {
      await daemon.stop();
      await ledger.close();
    }
  });

  it('escapes whatever text the ledger holds: no markup from a provider or a user runs or loads', async () => {
    const hostile = '<img src="http://127.0.0.1:9/leak" onerror="document.title=\'owned\'"><script>document.title="owned"</script>';
    const period = resolveReportPeriod({ month: '2026-10' }, 'Europe/Bucharest');
    const time = new LocalTime(period.zone);
    const data: DashboardData = {
      period,
      summary: { period, generatedAt: Date.UTC(2026, 10, 3), watermarks: [], payouts: 1, statusTotals: [], outcomes: [], balances: [], alerts: [], notes: [hostile], adjustments: [] },
      previous: [],
      daily: [{ currency: 'EUR', days: ['2026-10-01'], series: [{ purpose: hostile, amounts: [1000] }] }],
      failureReasons: [{ currency: 'EUR', reason: hostile, count: 1, amount: 100 }],
      exceptionAges: [{ kind: hostile, counts: [1, 0, 0, 0] }],
      balances: [],
      suspectedRefunds: [],
      openExceptions: [
        { id: 1, kind: hostile, status: 'open', openedAt: period.from, updatedAt: period.from, closedAt: null, provider: 'smart2pay', providerPayoutId: hostile, payoutCreatedAt: null, internalId: hostile, recordCreatedAt: null, amount: 100, currency: 'EUR', summary: hostile, resolvedBy: null, resolutionNote: null, details: '{}' },
      ],
      openExceptionCount: 1,
    };
    const file = path.join(cwd.dir, 'hostile.html');
    writeFileSync(file, renderHtmlReport(data, { time, locale: 'en-GB', fullListsIn: 'payouts-2026-10.xlsx' }));
    const { page, errors, requests } = await open(browser, file);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);
    expect(await page.title()).toBe('Payouts, October 2026');
    expect(await page.locator('img, script').count()).toBe(0);
    expect(await page.locator('#open-exceptions').textContent()).toContain('<img src=');
    await page.close();
  });
});
