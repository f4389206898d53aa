/**
 * scan.ts's scanJson over the bytes of an all-ASCII plan, in a few hundred bytes of hand-assembled
 * WebAssembly. The JavaScript scanner walks a megabyte of plan in code that is not optimised yet for most of
 * a CLI run (14-19 ms for a 1 000-resource plan in the CLI); V8's baseline WebAssembly code, skipping the
 * strings (most of a plan) 16 bytes at a time with SIMD, takes 8-12 ms, its set-up included. Same results
 * as scanJson, held to it by property tests (test/scan-wasm.test.ts); text that is not ASCII (where a byte
 * offset is not a string index), and a runtime without WebAssembly SIMD or memory for it, keep scanJson.
 * Pure: a fresh memory per scan.
 */
import { sleb, uleb } from '../../leb128.js';
import type { ScanResult, TextPosition } from './scan.js';

// opcodes
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f;
const GET = 0x20, SET = 0x21, TEE = 0x22, MUL = 0x6c;
const LOAD8 = 0x2d, STORE = 0x36, CONST = 0x41;
const EQZ = 0x45, EQ = 0x46, LT_S = 0x48, GT_U = 0x4b, GE_U = 0x4f;
const ADD = 0x6a, SUB = 0x6b, AND = 0x71, OR = 0x72;
const VOID = 0x40, I32 = 0x7f;

// parameters and locals
const LEN = 0, START = 1, MAX = 2, OUT = 3, LINE0 = 4, LSTART0 = 5;
const I = 6, C = 7, DEPTH = 8, EXPECT = 9, KEY = 10, RC_KEY = 11, RC_OPEN = 12, LINE = 13, LSTART = 14, N = 15, J = 16, K = 17, M = 18;
const V = 19; // the one v128 local
const LOCALS = 13;
// SIMD (0xfd prefix): v128.load, i8x16.splat, i8x16.eq, v128.or, i8x16.bitmask; and i32.ctz
const SIMD = 0xfd, V_LOAD = 0x00, SPLAT = 0x0f, V_EQ = 0x23, V_OR = 0x50, BITMASK = 0x64, CTZ = 0x68, V128 = 0x7b;

/** Where the input starts in memory (bytes 0-3 hold the count of positions written). */
const BASE = 16;
const KEY_TEXT = 'resource_changes';

const get = (x: number): number[] => [GET, x];
const set = (x: number): number[] => [SET, x];
const c32 = (v: number): number[] => [CONST, ...sleb(v)];
/** The byte at input offset `x` (a local). */
const byteAt = (x: number): number[] => [...get(x), LOAD8, 0x00, ...uleb(BASE)];
/** Stores the position (column, line) of input offset `x` as entry N of the output, N += 1. */
const record = (x: number): number[] => [
  ...get(OUT), ...get(N), ...c32(8), MUL, ADD, TEE, K,
  ...get(x), ...get(LSTART), SUB, ...c32(1), ADD, STORE, 0x02, 0x00,
  ...get(K), ...get(LINE), STORE, 0x02, 0x04,
  ...get(N), ...c32(1), ADD, ...set(N),
];
/** Stores the count of positions at address 0 and returns `value` (instructions leaving an i32). */
const finish = (value: number[]): number[] => [...c32(0), ...get(N), STORE, 0x02, 0x00, ...value, RETURN];

/**
 * The scanner's code, as scan.ts's scanJson: strings are skipped (a backslash skips the next byte), the key
 * `resource_changes` at depth 1 opens the array whose depth-2 objects are recorded. Assembled on first use.
 */
const scannerCode = (): number[] => [
  ...get(START), ...set(I),
  ...get(LINE0), ...set(LINE),
  ...get(LSTART0), ...set(LSTART),
  LOOP, VOID,
  BLOCK, VOID, // br 0 from inside: on to the next byte
  // end of input: the value ends here only at depth 0
  ...get(I), ...get(LEN), GE_U, IF, VOID, ...finish([...get(DEPTH), EQZ, IF, I32, ...get(LEN), ELSE, ...c32(-1), END]), END,
  ...byteAt(I), ...set(C),
  ...get(C), ...c32(34), EQ, IF, VOID, // a string
  ...get(DEPTH), ...c32(1), EQ, ...get(EXPECT), AND, IF, VOID, ...get(I), ...c32(1), ADD, ...set(KEY), END,
  ...get(I), ...c32(1), ADD, ...set(J),
  BLOCK, VOID, LOOP, VOID,
  // 16 bytes at a time while none is a quote or a backslash
  BLOCK, VOID, LOOP, VOID,
  ...get(J), ...c32(16), ADD, ...get(LEN), GT_U, BR_IF, 1,
  ...get(J), SIMD, V_LOAD, 0x00, ...uleb(BASE), TEE, V,
  ...c32(34), SIMD, SPLAT, SIMD, V_EQ,
  ...get(V), ...c32(92), SIMD, SPLAT, SIMD, V_EQ,
  SIMD, V_OR, SIMD, BITMASK, TEE, M,
  EQZ, IF, VOID, ...get(J), ...c32(16), ADD, ...set(J), BR, 1, END,
  ...get(J), ...get(M), CTZ, ADD, ...set(J), BR, 1,
  END, END,
  ...get(J), ...get(LEN), GE_U, IF, VOID, ...finish(c32(-1)), END,
  ...byteAt(J), ...c32(92), EQ, IF, VOID, ...get(J), ...c32(2), ADD, ...set(J), BR, 1 /* the string loop */, END,
  ...byteAt(J), ...c32(34), EQ, BR_IF, 1 /* block: closing quote at J */,
  ...get(J), ...c32(1), ADD, ...set(J), BR, 0,
  END, END,
  // a key at depth 1: is it `resource_changes` (compared byte by byte, raw as scanJson compares it)?
  ...get(DEPTH), ...c32(1), EQ, ...get(EXPECT), AND, IF, VOID,
  ...get(J), ...get(KEY), SUB, ...c32(KEY_TEXT.length), EQ, ...set(RC_KEY),
  ...[...KEY_TEXT].flatMap((ch, n) => [...get(RC_KEY), ...get(KEY), LOAD8, 0x00, ...uleb(BASE + n), ...c32(ch.charCodeAt(0)), EQ, AND, ...set(RC_KEY)]),
  ...c32(0), ...set(EXPECT),
  END,
  ...get(DEPTH), EQZ, IF, VOID, ...finish([...get(J), ...c32(1), ADD]), END,
  ...get(J), ...c32(1), ADD, ...set(I),
  BR, 2 /* main loop, without the step */, END,
  // { or [
  ...get(C), ...c32(123), EQ, ...get(C), ...c32(91), EQ, OR, IF, VOID,
  ...get(DEPTH), ...c32(2), EQ, ...get(RC_OPEN), AND, ...get(C), ...c32(123), EQ, AND, IF, VOID, ...record(I), END,
  ...get(DEPTH), ...c32(1), ADD, TEE, DEPTH, ...get(MAX), GT_U, IF, VOID, ...record(I), ...finish(c32(-2)), END,
  ...get(DEPTH), ...c32(1), EQ, IF, VOID, ...get(C), ...c32(123), EQ, ...set(EXPECT),
  ELSE, ...get(DEPTH), ...c32(2), EQ, IF, VOID, ...get(C), ...c32(91), EQ, ...get(RC_KEY), AND, ...set(RC_OPEN), END,
  END,
  BR, 1 /* next byte */, END,
  // } or ]
  ...get(C), ...c32(125), EQ, ...get(C), ...c32(93), EQ, OR, IF, VOID,
  ...get(DEPTH), ...c32(1), SUB, TEE, DEPTH, ...c32(1), EQ, IF, VOID, ...c32(0), ...set(RC_OPEN), END,
  ...get(DEPTH), EQZ, IF, VOID, ...finish([...get(I), ...c32(1), ADD]), END,
  ...get(DEPTH), ...c32(0), LT_S, IF, VOID, ...finish(get(I)), END,
  BR, 1, END,
  // ,
  ...get(C), ...c32(44), EQ, IF, VOID, ...get(DEPTH), ...c32(1), EQ, IF, VOID, ...c32(1), ...set(EXPECT), END, BR, 1, END,
  // a line feed
  ...get(C), ...c32(10), EQ, IF, VOID, ...get(LINE), ...c32(1), ADD, ...set(LINE), ...get(I), ...c32(1), ADD, ...set(LSTART), END,
  END, // block: next byte
  ...get(I), ...c32(1), ADD, ...set(I),
  BR, 0,
  END, // loop
  ...c32(-1), // unreachable in practice: every path in the loop returns or branches
  END,
];

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];

/** The module: imports `env.memory`, exports `scan(len, start, maxDepth, out, line0, lineStart0) -> i32`. */
function moduleBytes(): Uint8Array {
  const code = [...uleb(2), LOCALS, I32, 1, V128, ...scannerCode()];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 6, I32, I32, I32, I32, I32, I32, 1, I32]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('scan'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** The compiled module; null when this runtime cannot compile it (no WebAssembly SIMD): scanJson then. */
let compiled: WebAssembly.Module | null | undefined;

function scanner(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes() as Uint8Array<ArrayBuffer>);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65536;

/**
 * Scans the all-ASCII JSON in `bytes` from `start` (its line and that line's start given, as scanJson
 * computes them); the same {@link ScanResult} as scanJson on the decoded text, or undefined when this
 * runtime cannot run the scanner. The caller checks that the text is ASCII (as many characters as bytes).
 */
export function scanAsciiJson(bytes: Uint8Array, start: number, startPos: TextPosition, maxDepth: number): ScanResult | undefined {
  const module = scanner();
  if (module === null) return undefined;
  const len = bytes.length;
  // output: one (column, line) pair per recorded object; every recorded `{` is preceded by a `[` or `,`
  const out = BASE + len + 8 - ((BASE + len) % 8);
  const need = out + 8 * (Math.floor(len / 2) + 2);
  let memory: WebAssembly.Memory;
  let end: number;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(need / PAGE) });
    new Uint8Array(memory.buffer, BASE, len).set(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const scan = instance.exports['scan'] as (len: number, start: number, max: number, out: number, line0: number, lineStart0: number) => number;
    end = scan(len, start, maxDepth, out, startPos.line, start - (startPos.column - 1));
  } catch {
    return undefined; // no memory for it (a RangeError): scanJson then
  }
  const words = new Int32Array(memory.buffer);
  const count = words[0] as number;
  const positions: TextPosition[] = new Array<TextPosition>(count);
  for (let k = 0; k < count; k++) positions[k] = { line: words[(out >> 2) + 2 * k + 1] as number, column: words[(out >> 2) + 2 * k] as number };
  if (end === -2) {
    const deepAt = positions.pop() as TextPosition;
    return { end: -1, tooDeep: true, deepAt, resourceChanges: positions };
  }
  return { end, tooDeep: false, resourceChanges: positions };
}
