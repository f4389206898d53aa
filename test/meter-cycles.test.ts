/**
 * Where the metering puts its checks (src/policy/meter.ts), on small hand-assembled modules: a call made
 * outside loops gets a check when it can close a cycle of such calls; a loop that calls gets a check per
 * iteration; a call chain without a cycle gets none. The fuel global the metering exports shows exactly how
 * many checks ran.
 */
import { describe, expect, it } from 'vitest';
import { FUEL_EXPORT, FUEL_PER_TICK, METER_IMPORT, meterWasm } from '../src/policy/meter.js';
import { uleb } from '../src/leb128.js';

const enc = new TextEncoder();
const leb = uleb;
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const fn = (code: number[]): number[] => [...leb(code.length + 1), 0x00, ...code]; // no locals
const name = (s: string): number[] => [...leb(s.length), ...enc.encode(s)];

// (i32) -> i32 functions:
//   0 rec_a(n) = n == 0 ? 0 : rec_b(n - 1)     } a cycle of calls outside loops
//   1 rec_b(n) = n == 0 ? 0 : rec_a(n - 1)     }
//   2 chain(n) = leaf(n)                          a call chain without a cycle
//   3 leaf(n)  = n + 1
//   4 loop_rec(n) = n == 0 ? 0 : loop { loop_rec(n - 1) }   recursion only through a loop
const recurse = (callee: number): number[] => [0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, callee, 0x0b, 0x0b];
const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, 0x01, 0x7f, 0x01, 0x7f]])),
  ...section(3, vec([[0], [0], [0], [0], [0]])),
  ...section(7, vec([[...name('rec_a'), 0x00, 0], [...name('chain'), 0x00, 2], [...name('loop_rec'), 0x00, 4]])),
  ...section(
    10,
    vec([
      fn(recurse(1)),
      fn(recurse(0)),
      fn([0x20, 0x00, 0x10, 0x03, 0x0b]),
      fn([0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b]),
      fn([0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x03, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x04, 0x0b, 0x0b, 0x0b]),
    ]),
  ),
]);

function instantiate(): { call: (f: string, n: number) => number; used: () => number } {
  let ticks = 0;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(meterWasm(MODULE) as Uint8Array<ArrayBuffer>), {
    [METER_IMPORT.module]: { [METER_IMPORT.name]: () => (ticks++, FUEL_PER_TICK) },
  });
  const fuel = inst.exports[FUEL_EXPORT] as WebAssembly.Global;
  return {
    call: (f, n) => (inst.exports[f] as (n: number) => number)(n),
    used: () => ticks * FUEL_PER_TICK + FUEL_PER_TICK - (fuel.value as number),
  };
}

describe('metering checks', () => {
  it('the unmetered module computes what the metered one does', () => {
    const plain = new WebAssembly.Instance(new WebAssembly.Module(MODULE), {});
    const m = instantiate();
    for (const f of ['rec_a', 'chain', 'loop_rec']) expect(m.call(f, 7)).toBe((plain.exports[f] as (n: number) => number)(7));
  });

  it('a cycle of calls outside loops is checked at every call that closes it (mutual recursion cannot run unchecked)', () => {
    const m = instantiate();
    m.call('rec_a', 1000);
    // rec_a and rec_b call each other 1 000 times, each call one check (the first entry, from the host, none)
    expect(m.used()).toBe(1000);
    m.call('rec_a', 0);
    expect(m.used()).toBe(1000);
  });

  it('a call chain without a cycle costs no check', () => {
    const m = instantiate();
    expect(m.call('chain', 41)).toBe(42);
    expect(m.used()).toBe(0);
  });

  it('recursion through a loop is checked once per turn, by the loop (its call carries no second check)', () => {
    const m = instantiate();
    m.call('loop_rec', 1000);
    expect(m.used()).toBe(1000);
  });
});

// Where a loop's check goes, by what its turns call. (i32) -> i32 functions, the loop counting n down to 0:
//   0 leaf(n)     = n + 1                                   flat: no loop, no call
//   1 walker(n)   = loop { n -= 1 } until 0, then 0         a loop that calls nothing: not flat
//   2 via_leaf(n) = leaf(n)                                 flat: calls only a flat function
//   3 flat_calls(n)   loop turns each call leaf             bounded work per turn: no check
//   4 chain_calls(n)  loop turns each call via_leaf         the same through a chain of flat functions
//   5 one_site(n)     loop turns each call walker(1)        one call site that is not flat: checked there
//   6 rare_site(n)    loop turns call walker(1) when n % 8 == 0: only those turns are checked
//   7 two_sites(n)    loop turns call walker(1) twice       two such sites: the header's check, once per turn
const countdown = (body: number[]): number[] => [0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, ...body, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x41, 0x00, 0x0b];
const callDrop = (f: number, arg: number[]): number[] => [...arg, 0x10, f, 0x1a];
const walkerOnce = callDrop(1, [0x41, 0x01]);
const LOOPS = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, 0x01, 0x7f, 0x01, 0x7f]])),
  ...section(3, vec([[0], [0], [0], [0], [0], [0], [0], [0]])),
  ...section(7, vec(['flat_calls', 'chain_calls', 'one_site', 'rare_site', 'two_sites'].map((n, i) => [...name(n), 0x00, i + 3]))),
  ...section(
    10,
    vec([
      fn([0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b]),
      fn(countdown([])),
      fn([0x20, 0x00, 0x10, 0x00, 0x0b]),
      fn(countdown(callDrop(0, [0x20, 0x00]))),
      fn(countdown(callDrop(2, [0x20, 0x00]))),
      fn(countdown(walkerOnce)),
      fn(countdown([0x20, 0x00, 0x41, 0x07, 0x71, 0x45, 0x04, 0x40, ...walkerOnce, 0x0b])),
      fn(countdown([...walkerOnce, ...walkerOnce])),
    ]),
  ),
]);

describe('metering checks in loops', () => {
  let ticks = 0;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(meterWasm(LOOPS) as Uint8Array<ArrayBuffer>), {
    [METER_IMPORT.module]: { [METER_IMPORT.name]: () => (ticks++, FUEL_PER_TICK) },
  });
  const fuel = inst.exports[FUEL_EXPORT] as WebAssembly.Global;
  /** The checks one call of `f` ran. */
  const checks = (f: string, n: number): number => {
    ticks = 0;
    fuel.value = FUEL_PER_TICK;
    expect((inst.exports[f] as (n: number) => number)(n)).toBe(0);
    return ticks * FUEL_PER_TICK + FUEL_PER_TICK - (fuel.value as number);
  };

  it('the metered module computes what the plain one does', () => {
    const plain = new WebAssembly.Instance(new WebAssembly.Module(LOOPS), {});
    for (const f of ['flat_calls', 'chain_calls', 'one_site', 'rare_site', 'two_sites']) {
      expect((plain.exports[f] as (n: number) => number)(100)).toBe((inst.exports[f] as (n: number) => number)(100));
    }
  });

  it('a loop whose turns call only flat functions (directly or through a chain of them) costs no check', () => {
    expect(checks('flat_calls', 1000)).toBe(0);
    expect(checks('chain_calls', 1000)).toBe(0);
  });

  it('a loop with one call site of unbounded work is checked at that call, on every turn that makes it', () => {
    expect(checks('one_site', 1000)).toBe(1000);
    expect(checks('rare_site', 1000)).toBe(125); // n = 1000, 992, ..., 8
  });

  it('a loop with two such call sites is checked once per turn at its header (the exit test included)', () => {
    expect(checks('two_sites', 1000)).toBe(1001);
  });

  it('a runaway loop of any of these shapes still reaches the host within a bounded number of turns', () => {
    // 40 000 turns of a checked loop pass the host at least once (fuel 20 000 per tick)
    for (const f of ['one_site', 'two_sites']) {
      ticks = 0;
      fuel.value = FUEL_PER_TICK;
      (inst.exports[f] as (n: number) => number)(2 * FUEL_PER_TICK + 10);
      expect(ticks).toBeGreaterThanOrEqual(1);
    }
  });
});
