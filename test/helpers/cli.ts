/** Spawning the built CLI (`node dist/cli/main.js`) from tests, building it first when dist is missing or stale. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** The built CLI entry. */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Runs `npx tsup` when a built entry (CLI, worker, ESM or CommonJS library) is missing or older than any file under src/. */
export function ensureBuilt(): void {
  const built = [CLI, join(ROOT, 'dist', 'cli', 'worker.js'), join(ROOT, 'dist', 'index.js'), join(ROOT, 'dist', 'index.cjs')];
  if (built.every((f) => existsSync(f)) && Math.min(...built.map((f) => statSync(f).mtimeMs)) >= newestMtime(join(ROOT, 'src'))) return;
  const r = spawnSync('npx', ['tsup'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npx tsup failed:\n${r.stdout}\n${r.stderr}`);
}

/** The outcome of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args` in the repo root, feeding `input` to stdin. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
