#!/usr/bin/env node
/**
 * Regenerates the governance report screenshots in docs/: the report of the repository's fixtures
 * (check JSON + audit log of one run) and of a 100 000-event synthetic audit log, opened in headless
 * Chromium (playwright-core, /usr/bin/chromium or $MESHGATE_CHROMIUM). Needs a built dist/.
 *   node scripts/report-screenshots.mjs
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { generateAuditLog } from '../bench/lib/gen-audit.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'test-output', 'screenshots');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const NOW = '2026-12-01T00:00:00Z';
mkdirSync(OUT, { recursive: true });

function cli(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 && !(args[0] === 'check' && r.status === 2)) throw new Error(`meshgate ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
}

const audit = path.join(OUT, 'fixtures-audit.jsonl');
spawnSync('rm', ['-f', audit]);
cli(['check', 'fixtures/contracts', 'fixtures/plans', 'fixtures/report', 'fixtures/cli/malformed', '--config', 'fixtures/config/meshgate.yaml', '--format', 'json', '--audit-log', audit, '-o', path.join(OUT, 'fixtures-check.json')]);
cli(['report', path.join(OUT, 'fixtures-check.json'), audit, '--config', 'fixtures/config/meshgate.yaml', '--now', NOW, '-o', path.join(OUT, 'fixtures.html')]);
const big = path.join(OUT, 'audit-100k.jsonl');
await generateAuditLog(big, 100_000);
cli(['report', big, '--now', NOW, '--verify-max-mb', '128', '-o', path.join(OUT, 'audit-100k.html')]);

const browser = await chromium.launch({ executablePath: process.env.MESHGATE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
await page.goto(`file://${path.join(OUT, 'fixtures.html')}`);
await page.screenshot({ path: path.join(ROOT, 'docs', 'report-fixtures.png') });
await page.goto(`file://${path.join(OUT, 'audit-100k.html')}`);
const rules = await page.locator('#rules').boundingBox();
await page.screenshot({ path: path.join(ROOT, 'docs', 'report-100k-events.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: rules.y + rules.height + 10 } });
const timeline = await page.locator('#timeline').boundingBox();
const logs = await page.locator('#logs').boundingBox();
await page.screenshot({ path: path.join(ROOT, 'docs', 'report-100k-timeline.png'), fullPage: true, clip: { x: 0, y: timeline.y - 10, width: 1280, height: Math.min(logs.y + logs.height - timeline.y + 20, 2400) } });
await browser.close();
console.error('wrote docs/report-fixtures.png, docs/report-100k-events.png and docs/report-100k-timeline.png');
