/**
 * Where the metering puts its checks (src/policy/meter.ts), on small hand-assembled modules: a call made
 * outside loops gets a check when it can close a cycle of such calls; a loop that calls gets a check per
 * iteration; a call chain without a cycle gets none. The fuel global the metering exports shows exactly how
 * many checks ran.
 */
import { describe, expect, it } from 'vitest';
import { FUEL_EXPORT, FUEL_PER_TICK, METER_IMPORT, meterWasm } from '../src/policy/meter.js';

const enc = new TextEncoder();
const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
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
