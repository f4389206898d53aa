/**
 * `check` on the main thread keeps a few small files in flight (read and parsed while the first waits
 * for the global module to compile): outcomes and audit events must still come in input order, one per
 * file, whatever each file is (plans, a contract, a broken plan, a file that is not for check, a file
 * that disappeared), and the results must be those of checking the files one at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memorySink } from '../src/audit/index.js';
import { checkFile, type CheckOutcome, type CheckTask } from '../src/cli/check-file.js';
import { createCliEngine } from '../src/cli/engine-setup.js';
import { runChecks } from '../src/cli/pool.js';
import { FIXTURES } from './helpers/paths.js';

let tmp: string;
let tasks: CheckTask[];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshgate-ahead-'));
  const files: [string, string | undefined][] = [
    ['a.plan.json', join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-logging.plan.json')],
    ['b.yaml', join(FIXTURES, 'contracts', 'customer-profile.yaml')],
    ['c.plan.json', join(FIXTURES, 'plans', 'data-product-foundation.plan.json')],
    ['d.json', undefined],
    ['e.plan.json', join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-sse.plan.json')],
    ['f.json', undefined],
    ['g.plan.json', join(FIXTURES, 'plans', 'failing', 'pii-bucket-without-tags.plan.json')],
    ['h.plan.json', join(FIXTURES, 'plans', 'data-product-foundation.plan.json')],
  ];
  for (const [name, from] of files) if (from) copyFileSync(from, join(tmp, name));
  writeFileSync(join(tmp, 'd.json'), '{"format_version": "1.2", "resource_changes": [ {"address": '); // a broken plan
  writeFileSync(join(tmp, 'f.json'), '{"hello": "world"}'); // not for check
  tasks = files.map(([name], index) => ({ index, path: join(tmp, name), display: name, explicit: false }));
  tasks.push({ index: tasks.length, path: join(tmp, 'gone.plan.json'), display: 'gone.plan.json', explicit: true });
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('inline checks with files in flight', () => {
  it('delivers outcomes and audit events in input order, as checking one file at a time does', async () => {
    const sink = memorySink();
    const outcomes: CheckOutcome[] = [];
    await runChecks(tasks, { spec: {}, options: { failOn: 'soft' }, jobs: 1, sinks: [sink], onOutcome: (o) => outcomes.push(o) });
    expect(outcomes.map((o) => o.index)).toEqual(tasks.map((t) => t.index));

    // the reference: a fresh engine, one file at a time
    const refSink = memorySink();
    const engine = await createCliEngine({}, [refSink]);
    const reference: CheckOutcome[] = [];
    for (const t of tasks) reference.push(await checkFile(engine, t, { failOn: 'soft' }));
    await engine.close();

    const comparable = (o: CheckOutcome): unknown => JSON.parse(JSON.stringify(o));
    expect(outcomes.map(comparable)).toEqual(reference.map(comparable));
    expect(sink.events.map((e) => e.subject)).toEqual(refSink.events.map((e) => e.subject));
    expect(sink.events.length).toBeGreaterThanOrEqual(6); // every plan and the contract was decided
    const decided = tasks.filter((t) => outcomes[t.index]?.result && !outcomes[t.index]?.result?.error).map((t) => t.display);
    expect(sink.events.map((e) => e.file ?? e.subject)).toEqual(decided);
  });
});
