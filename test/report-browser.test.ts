/**
 * `meshgate report` end to end: the built CLI checks the repository's fixtures (JSON report + audit log),
 * builds the HTML governance report, and headless Chromium (Debian's `chromium`, driven by playwright-core)
 * opens it: the numbers shown match the inputs, a domain filter changes the tables, figures link to their
 * findings, hostile strings stay text, the page works without JavaScript, and a screenshot is saved under
 * test-output/. Outside CI the browser part is skipped, with a printed reason, when Chromium is absent.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { IN_CI, ROOT } from './helpers/paths.js';

const OUT = join(ROOT, 'test-output', 'report');
const CHROMIUM = process.env['MESHGATE_CHROMIUM'] ?? '/usr/bin/chromium';
const NOW = '2026-12-01T00:00:00Z';

function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (IN_CI) throw new Error(`report-browser: Chromium must be installed in CI (expected at ${CHROMIUM}; .ci/run installs Debian's chromium)`);
  console.log(`report-browser: browser tests skipped because Chromium is absent at ${CHROMIUM} (apt-get install chromium; CI always has it)`);
  return false;
}
const HAVE_CHROMIUM = chromiumPresent();

interface CheckJson {
  results: Array<{ file: string; domain: string | null; subject: string | null; allowed: boolean; error?: unknown; findings: Array<{ layer: string; rule: string; failing: boolean }> }>;
  summary: { files: number; passed: number; failed: number; errors: number };
}
interface AuditLine {
  domain?: string;
  kind: string;
  outcome: string;
  result: { details: unknown[] };
}

let check: CheckJson;
let events: AuditLine[];
const html = join(OUT, 'fixtures.html');

beforeAll(async () => {
  ensureBuilt();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const audit = join(OUT, 'audit.jsonl');
  const r = await runCli(['check', 'fixtures/contracts', 'fixtures/plans', 'fixtures/report', 'fixtures/cli/malformed', '--config', 'fixtures/config/meshgate.yaml', '--format', 'json', '--audit-log', audit, '-o', join(OUT, 'check.json')]);
  expect(r.code, r.stderr).toBe(2); // the malformed fixtures are input errors
  check = JSON.parse(readFileSync(join(OUT, 'check.json'), 'utf8')) as CheckJson;
  events = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
  const rep = await runCli(['report', join(OUT, 'check.json'), audit, '--config', 'fixtures/config/meshgate.yaml', '--now', NOW, '-o', html]);
  expect(rep.code, rep.stderr).toBe(0);
}, 120_000);

describe('meshgate report (CLI)', () => {
  it('writes one self-contained file: no external URL is loaded', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/^<!doctype html>/);
    expect(text).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(text).toContain("default-src 'none'");
  });

  it('reads check reports and audit logs from stdin and folders, and writes markdown', async () => {
    const r = await runCli(['report', '-', OUT, '--format', 'markdown', '--now', NOW], { input: readFileSync(join(OUT, 'check.json'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    // the folder holds check.json and audit.jsonl again, plus stdin: the check report is counted twice
    expect(r.stdout).toContain(`**${check.summary.files * 2}** subjects checked`);
    expect(r.stdout).toContain(`**${events.length}** audit decisions`);
    const g = await runCli(['report', 'test-output/report/*.jsonl', '--format', 'markdown', '--summary', join(OUT, 'summary.md')]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toContain(`**0** subjects checked`);
    expect(readFileSync(join(OUT, 'summary.md'), 'utf8')).toBe(g.stdout);
  });

  it('check --format html renders the report of one run', async () => {
    const r = await runCli(['check', 'fixtures/cli/failing', 'fixtures/cli/clean', '--format', 'html']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<title>meshgate governance report</title>');
    expect(r.stdout).toMatch(/Subjects checked<\/dt><dd><a [^>]*>4</);
  });

  it('gives usage errors for no input and for an unknown format', async () => {
    expect((await runCli(['report'])).code).toBe(2);
    const r = await runCli(['report', 'fixtures/report', '--format', 'pdf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MG_CLI_USAGE');
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const figure = async (id: string): Promise<number> => Number((await page.textContent(`#fig-${id}`))!.replace(/,/g, ''));
  const visibleRows = (table: string): Promise<Array<Record<string, string>>> =>
    page.$$eval(`#${table} tbody tr:not(.empty):not([hidden])`, (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset }) as Record<string, string>));

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`file://${html}`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the numbers of the inputs', async () => {
    expect(await figure('passed-failed-errors')).toBe(check.summary.files);
    expect(await figure('passed')).toBe(check.summary.passed);
    expect(await figure('failed')).toBe(check.summary.failed);
    expect(await figure('errors')).toBe(check.summary.errors);
    expect(await figure('failing')).toBe(check.results.flatMap((r) => r.findings).filter((f) => f.failing).length);
    for (const o of ['allowed', 'denied', 'error']) expect(await figure(o)).toBe(events.filter((e) => e.outcome === o).length);
    expect(await page.textContent('#t-logs tbody tr th')).toContain('audit.jsonl');
    expect(await page.textContent('#t-logs tbody')).toContain('chain ok');
    await page.screenshot({ path: join(OUT, 'fixtures.png'), fullPage: true });
  });

  it('a domain filter changes the tables and the figures', async () => {
    const all = await visibleRows('t-findings');
    await page.selectOption('#f-domain', 'finance');
    const finance = await visibleRows('t-findings');
    const expected =
      check.results.filter((r) => r.domain === 'finance').flatMap((r) => r.findings).length +
      events.filter((e) => e.domain === 'finance').reduce((n, e) => n + e.result.details.length, 0);
    expect(finance.length).toBe(expected);
    expect(finance.length).toBeGreaterThan(0);
    expect(finance.length).toBeLessThan(all.length);
    expect(finance.every((r) => r['domain'] === 'finance')).toBe(true);
    expect((await visibleRows('t-posture')).every((r) => r['domain'] === 'finance')).toBe(true);
    expect(await figure('passed')).toBe(check.results.filter((r) => r.domain === 'finance' && r.allowed && !r.error).length);
    expect(await page.isVisible('#timeline figure[data-chart-domain="finance"]')).toBe(true);
    await page.screenshot({ path: join(OUT, 'fixtures-finance.png'), fullPage: true });
    await page.click('#f-reset');
    expect((await visibleRows('t-findings')).length).toBe(all.length);
  });

  it('the subject kind filter keeps only that kind', async () => {
    await page.selectOption('#f-kind', 'terraform');
    const rows = await visibleRows('t-findings');
    expect(rows.length).toBe(check.results.filter((r) => r.file.endsWith('.plan.json')).flatMap((r) => r.findings).length + events.filter((e) => e.kind === 'terraform').reduce((n, e) => n + e.result.details.length, 0));
    expect(rows.every((r) => r['kind'] === 'terraform')).toBe(true);
    await page.click('#f-reset');
  });

  it('a figure links to its findings', async () => {
    const link = page.locator('#t-rules tbody tr[data-rule="global/contract_owner_required"] a[data-go]').first();
    await link.click();
    const rows = await visibleRows('t-findings');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r['rule'] === 'global/contract_owner_required')).toBe(true);
    await page.click('#f-reset');
  });

  it('hostile strings from the input stay text', async () => {
    expect(dialogs).toEqual([]);
    const cells = await page.$$eval('#t-subjects tbody th', (ths) => ths.map((t) => t.textContent));
    expect(cells).toContain('<script>alert("mg-xss")</script>');
    expect(await page.$$eval('script', (s) => s.length)).toBe(1);
  });

  it('is accessible: captions and header cells on every table, labelled charts and controls', async () => {
    const tables = await page.$$eval('table', (ts) => ts.map((t) => ({ caption: !!t.querySelector('caption'), cols: t.querySelectorAll('thead th[scope="col"]').length })));
    expect(tables.length).toBeGreaterThan(5);
    expect(tables.every((t) => t.caption && t.cols > 0)).toBe(true);
    expect(await page.$$eval('svg', (s) => s.every((x) => x.getAttribute('role') === 'img' && !!x.getAttribute('aria-label')))).toBe(true);
    expect(await page.$$eval('select', (s) => s.every((x) => !!x.closest('label')))).toBe(true);
    await page.focus('#f-domain');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-kind');
  });

  it('text has WCAG AA contrast against its background (badges, links, table text)', async () => {
    const pairs = await page.$$eval('.badge, #t-rules a, #t-posture td, caption, .chart .lbl', (els) => {
      const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const bg = (el: Element | null): string => {
        for (let e = el; e; e = e.parentElement) {
          const c = getComputedStyle(e).backgroundColor;
          if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
      };
      return els.map((el) => {
        const st = getComputedStyle(el);
        return { fg: rgb(el instanceof SVGElement ? st.fill : st.color), bg: rgb(bg(el instanceof SVGElement ? el.closest('svg') : el)) };
      });
    });
    const lum = (c: number[]): number => {
      const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: number[], b: number[]): number => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    expect(pairs.length).toBeGreaterThan(10);
    const worst = Math.min(...pairs.map((p) => ratio(p.fg, p.bg)));
    expect(worst).toBeGreaterThanOrEqual(4.5);
  });

  it('without JavaScript every table is readable and the filters are hidden', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const p = await ctx.newPage();
    await p.goto(`file://${html}`);
    expect(await p.isVisible('#filters')).toBe(false);
    expect(await p.$$eval('#t-findings tbody tr:not(.empty)', (t) => t.filter((r) => !(r as HTMLElement).hidden).length)).toBe(check.results.flatMap((r) => r.findings).length + events.reduce((n, e) => n + e.result.details.length, 0));
    expect(Number((await p.textContent('#fig-passed'))!.replace(/,/g, ''))).toBe(check.summary.passed);
    await ctx.close();
  });
});
