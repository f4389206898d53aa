/**
 * Instruction metering for policy WebAssembly, injected at load time. The module gets one mutable i32
 * global (the fuel) and one imported host function (`meshgate.tick: () -> i32`). The fuel is decremented
 * before every call made outside loops that can close a cycle of such calls (a recursion that would pass no
 * loop; `call_indirect` reaching every function a table holds), at the header of every loop that holds
 * another loop or calls more than one function of unbounded work, and before the one such call of a loop
 * that has only one (see rewriteCode); when it reaches zero the host is called, which checks the wall-clock
 * deadline and either returns a fresh fuel (go on) or throws (the evaluation is cut). What is left unchecked
 * is bounded: a call chain without a cycle (its length is fixed by the module), and the turns of a loop that
 * hold no inner loop and call only flat functions (no loop, no cycle, no host call), each of bounded work,
 * which in OPA's runtime walk a piece of memory (a string, a hash bucket). Every runaway evaluation therefore
 * passes through the host within a bounded number of steps, which bounds even a synchronous evaluation.
 *
 * The rewrite decodes every instruction (MVP, sign-extension, the 0xFC saturating/bulk-memory group and
 * reference types) so loops are found exactly and function indices shifted by the new import are
 * re-encoded; anything else (SIMD, exceptions, tail calls, threads) is refused with a coded error rather
 * than run unmetered.
 */
import { MeshgateError } from '../errors.js';
import { sleb, uleb } from '../leb128.js';

/** Where the injected host function is imported from. */
export const METER_IMPORT = { module: 'meshgate', name: 'tick' } as const;

/** The export name of the fuel global (read by the runtime to count the steps of an evaluation). */
export const FUEL_EXPORT = 'meshgate_fuel';

/** Fuel granted per host check: how many checked calls and loop iterations run between two checks. */
export const FUEL_PER_TICK = 20_000;

const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, datacount: 12 } as const;
/** Canonical order of the non-custom sections (datacount sits between element and code). */
const ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
const I32 = 0x7f;

function invalid(why: string): MeshgateError {
  return new MeshgateError('MG_POLICY_WASM_INVALID', `policy.wasm cannot be metered: ${why}`);
}

/** A forward-only reader of the binary format. */
class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  byte(): number {
    if (this.pos >= this.end) throw invalid('unexpected end of data');
    return this.buf[this.pos++]!;
  }
  u32(): number {
    // most indices and immediates fit one byte
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80 && this.pos < this.end) {
      this.pos++;
      return first;
    }
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw invalid('LEB128 integer too long');
  }
  /** Skips a signed LEB128 of at most `maxBytes` bytes. */
  skipSigned(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw invalid('LEB128 integer too long');
  }
  skip(n: number): void {
    if (this.pos + n > this.end) throw invalid('unexpected end of data');
    this.pos += n;
  }
  name(): void {
    this.skip(this.u32());
  }
}

/** A growable byte sink (one contiguous buffer, doubled when full). */
class Writer {
  private buf: Uint8Array;
  private len = 0;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }
  get size(): number {
    return this.len;
  }
  private grow(need: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + need));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }
  u32(v: number): void {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }
  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Forgets the content, keeping the buffer (a scratch writer reused per function). */
  reset(): void {
    this.len = 0;
  }
  /** The bytes written so far, as a view valid until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const leb = (v: number): Uint8Array => Uint8Array.from(uleb(v));

interface Section {
  id: number;
  body: Uint8Array;
}

function readSections(wasm: Uint8Array): Section[] {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw invalid('not a WebAssembly binary');
  if (wasm[4] !== 1 || wasm[5] !== 0 || wasm[6] !== 0 || wasm[7] !== 0) throw invalid('unsupported binary version');
  const r = new Reader(wasm, 8);
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    out.push({ id, body: wasm.subarray(start, start + size) });
  }
  return out;
}

/** Context of the rewrite: the index of the new import and how defined functions shift. */
interface Remap {
  /** Function imports before the rewrite: indices at or above this move up by one. */
  importedFuncs: number;
  fuel: number;
  tick: number;
  /** The global holding the page count the module believes it has (0 until first used). */
  pages: number;
  /** The injected `memory.size` and `memory.grow` replacements. */
  sizeFn: number;
  growFn: number;
  /** Original indices of the functions the expression calls directly (collected per function body). */
  callees: number[];
  /** Set by {@link rewriteExpr} when the expression calls through a table (`call_indirect`). */
  indirect: boolean;
  /** Original indices of every function that can be called through a table: element segments and `ref.func`. */
  tableFuncs: Set<number>;
  /** Whether the memory replacements are injected (the module has a memory). */
  injected: boolean;
  /** For the function being rewritten: where each loop header ends in the output (by loop order). */
  loopMarks: number[];
  /**
   * For the function being rewritten: where each call made outside loops starts in the output, and its
   * callee (an original function index, or -1 for a `call_indirect`).
   */
  callMarks: { at: number; callee: number }[];
  /**
   * For the function being rewritten: where each direct call made inside a loop starts in the output, its
   * callee (an original function index) and its innermost loop (by loop order).
   */
  loopCalls: { at: number; callee: number; loop: number }[];
}

const mapFunc = (m: Remap, idx: number): number => (idx >= m.importedFuncs ? idx + 1 : idx);

/** Emits the fuel check: `fuel -= 1; if (fuel == 0) fuel = tick();`. */
function emitCheck(w: Writer, m: Remap): void {
  w.byte(0x23); w.u32(m.fuel); // global.get fuel
  w.byte(0x41); w.byte(0x01); // i32.const 1
  w.byte(0x6b); // i32.sub
  w.byte(0x24); w.u32(m.fuel); // global.set fuel
  w.byte(0x23); w.u32(m.fuel);
  w.byte(0x45); // i32.eqz
  w.byte(0x04); w.byte(0x40); // if (no result)
  w.byte(0x10); w.u32(m.tick); // call tick
  w.byte(0x24); w.u32(m.fuel);
  w.byte(0x0b); // end
}

function skipBlockType(r: Reader): void {
  const b = r.buf[r.pos];
  if (b === 0x40 || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f) r.pos++;
  else r.skipSigned(5); // s33 type index
}

const skipMemarg = (r: Reader): void => {
  r.u32();
  r.u32();
};

/** What a loop of a function holds, as far as the placement of its check goes (see rewriteCode). */
interface LoopShape {
  /** It holds another loop. */
  nested: boolean;
  /** It calls through a table (any function a table holds may be next). */
  indirect: boolean;
}

/**
 * Copies an expression from `r` to `w` up to and including the `end` that closes it, shifting function
 * indices; when `meter` is set, records in `m.loopMarks` where each `loop` header ends in the output and in
 * `m.loopCalls` the direct calls made inside loops. Returns, per loop (in order), what it holds.
 */
function rewriteExpr(r: Reader, w: Writer, m: Remap, meter: boolean): LoopShape[] {
  let depth = 1;
  // open blocks (loop ordinal, or -1) and, per loop, what it holds
  const open: number[] = [];
  const shapes: LoopShape[] = [];
  let loops = 0; // loops open around the current instruction
  let inner = -1; // the innermost open loop
  const innermost = (): number => {
    for (let i = open.length - 1; i >= 0; i--) if ((open[i] as number) >= 0) return open[i] as number;
    return -1;
  };
  let copied = r.pos; // bytes from `copied` to r.pos are copied verbatim on the next flush
  const flush = (upTo: number): void => {
    if (upTo > copied) w.bytes(r.buf.subarray(copied, upTo));
    copied = upTo;
  };
  while (depth > 0) {
    const at = r.pos;
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x04: // block, if
        skipBlockType(r);
        depth++;
        open.push(-1);
        break;
      case 0x03: { // loop
        skipBlockType(r);
        depth++;
        for (const l of open) if (l >= 0) (shapes[l] as LoopShape).nested = true;
        const idx = shapes.length;
        shapes.push({ nested: false, indirect: false });
        open.push(idx);
        inner = idx;
        loops++;
        // where the check goes, if this loop needs one (known at the end of the function: see rewriteCode)
        if (meter) {
          flush(r.pos);
          m.loopMarks.push(w.size);
        }
        break;
      }
      case 0x0b:
        depth--;
        if ((open.pop() ?? -1) >= 0) {
          loops--;
          inner = innermost();
        }
        break;
      case 0x00: case 0x01: case 0x05: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        break;
      case 0x0c: case 0x0d: // br, br_if
        r.u32();
        break;
      case 0x0e: { // br_table
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x10: case 0xd2: { // call f, ref.func f
        flush(at);
        const idx = r.u32();
        if (op === 0x10) {
          if (meter && loops === 0) {
            m.callees.push(idx);
            m.callMarks.push({ at: w.size, callee: idx });
          } else if (meter) m.loopCalls.push({ at: w.size, callee: idx, loop: inner });
        } else m.tableFuncs.add(idx);
        w.byte(op);
        w.u32(mapFunc(m, idx));
        copied = r.pos;
        break;
      }
      case 0x11: // call_indirect type table
        if (loops === 0 && meter) {
          m.indirect = true;
          flush(at); // copied as is from here on; the mark is where the instruction starts in the output
          m.callMarks.push({ at: w.size, callee: -1 });
        } else if (loops > 0) (shapes[inner] as LoopShape).indirect = true;
        r.u32();
        r.u32();
        break;
      case 0x1c: { // select t*
        const n = r.u32();
        r.skip(n);
        break;
      }
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
        r.u32();
        break;
      case 0x3f: case 0x40: { // memory.size, memory.grow → the injected replacements (see growBody)
        if (!meter) {
          r.u32();
          break;
        }
        flush(at);
        if (r.u32() !== 0) throw invalid(`memory instruction on a memory other than 0 at byte ${at}`);
        w.byte(0x10);
        w.u32(op === 0x3f ? m.sizeFn : m.growFn);
        copied = r.pos;
        break;
      }
      case 0x41:
        r.skipSigned(5);
        break;
      case 0x42:
        r.skipSigned(10);
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0: // ref.null t
        r.byte();
        break;
      case 0xfc: {
        const sub = r.u32();
        if (sub <= 7) break; // saturating truncations
        if (sub === 8) { r.u32(); r.u32(); break; } // memory.init data mem
        if (sub === 9 || sub === 13 || sub === 15 || sub === 16 || sub === 17) { r.u32(); break; }
        if (sub === 10 || sub === 12 || sub === 14) { r.u32(); r.u32(); break; }
        if (sub === 11) { r.u32(); break; } // memory.fill mem
        throw invalid(`unsupported instruction 0xfc ${sub} at byte ${at}`);
      }
      default:
        if (op >= 0x28 && op <= 0x3e) {
          skipMemarg(r);
          break;
        }
        if (op >= 0x45 && op <= 0xc4) break; // numeric, conversions, sign extension
        throw invalid(`unsupported instruction 0x${op.toString(16)} at byte ${at}`);
    }
  }
  flush(r.pos);
  return shapes;
}

function vecCount(body: Uint8Array): { count: number; rest: Reader } {
  const r = new Reader(body);
  return { count: r.u32(), rest: r };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const p of parts) w.bytes(p);
  return w.finish();
}

/** Counts imports by kind; returns the imported function and global counts. */
function countImports(body: Uint8Array | undefined): { funcs: number; globals: number; memories: number } {
  let funcs = 0;
  let globals = 0;
  let memories = 0;
  if (!body) return { funcs, globals, memories };
  const { count, rest: r } = vecCount(body);
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0) {
      r.u32();
      funcs++;
    } else if (kind === 1) {
      r.byte();
      const flags = r.u32();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 2) {
      memories++;
      const flags = r.u32();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 3) {
      r.byte();
      r.byte();
      globals++;
    } else throw invalid(`unsupported import kind ${kind}`);
  }
  return { funcs, globals, memories };
}

function rewriteExports(body: Uint8Array, m: Remap): Uint8Array {
  const { count, rest: r } = vecCount(body);
  const w = new Writer();
  w.u32(count + 1);
  const fuelName = new TextEncoder().encode(FUEL_EXPORT);
  w.u32(fuelName.length);
  w.bytes(fuelName);
  w.byte(0x03);
  w.u32(m.fuel);
  for (let i = 0; i < count; i++) {
    const nameStart = r.pos;
    r.name();
    w.bytes(body.subarray(nameStart, r.pos));
    const kind = r.byte();
    const idx = r.u32();
    w.byte(kind);
    w.u32(kind === 0 ? mapFunc(m, idx) : idx);
  }
  return w.finish();
}

function rewriteGlobals(body: Uint8Array | undefined, m: Remap): Uint8Array {
  const w = new Writer();
  const { count, rest: r } = body ? vecCount(body) : { count: 0, rest: new Reader(new Uint8Array(0)) };
  w.u32(count + 2);
  for (let i = 0; i < count; i++) {
    w.byte(r.byte());
    w.byte(r.byte());
    rewriteExpr(r, w, m, false);
  }
  // the fuel: mutable i32, initialised to one tick's worth
  w.byte(I32);
  w.byte(1);
  w.byte(0x41);
  w.bytes(signedLeb(FUEL_PER_TICK));
  w.byte(0x0b);
  // the module's idea of its memory size in pages (0: not read yet)
  w.bytes(Uint8Array.of(I32, 1, 0x41, 0x00, 0x0b));
  return w.finish();
}

const signedLeb = (v: number): Uint8Array => Uint8Array.from(sleb(v));

function rewriteElements(body: Uint8Array, m: Remap): Uint8Array {
  const { count, rest: r } = vecCount(body);
  const w = new Writer();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    w.u32(flags);
    if (flags > 7) throw invalid(`unsupported element segment kind ${flags}`);
    if ((flags & 1) === 0) {
      if (flags & 2) w.u32(r.u32()); // table index
      rewriteExpr(r, w, m, false); // offset
    }
    const exprs = (flags & 4) !== 0;
    if (flags & 3) w.byte(r.byte()); // elemkind or reftype
    const n = r.u32();
    w.u32(n);
    for (let j = 0; j < n; j++) {
      if (exprs) rewriteExpr(r, w, m, false); // a `ref.func f` in it is recorded as a table function
      else {
        const f = r.u32();
        m.tableFuncs.add(f);
        w.u32(mapFunc(m, f));
      }
    }
  }
  return w.finish();
}

/** One function body rewritten (function indices shifted), before its fuel checks are spliced in. */
interface RewrittenBody {
  locals: Uint8Array;
  code: Uint8Array;
  /** Where each loop header ends in `code`, by loop order, and what that loop holds. */
  loopMarks: number[];
  shapes: LoopShape[];
  /** Where each call made outside loops starts in `code`, and its callee (-1: through a table). */
  callMarks: { at: number; callee: number }[];
  /** Where each direct call made inside a loop starts in `code`, its callee and its innermost loop. */
  loopCalls: { at: number; callee: number; loop: number }[];
  /** Original indices of the functions it calls directly; whether it calls through a table. */
  callees: number[];
  indirect: boolean;
}

/**
 * The cycles of calls made outside every loop: the strongly connected components of that call graph, each
 * function's component, and whether the component is a cycle (more than one function, or one calling
 * itself). A cycle through a call made inside a loop passes a check on every turn (the loop's, or the one
 * before that call: see rewriteCode); a cycle of calls outside loops would recurse without ever passing one, so each
 * such call from a function to another of its own cyclic component gets a check (see rewriteCode). A
 * `call_indirect` may reach any function a table can hold. Calls to imports are not edges: the host
 * functions meshgate provides call back into the module only to move JSON in and out (`opa_json_dump`,
 * `opa_malloc`, `opa_json_parse`), which never calls a host function that calls back again. Iterative
 * Tarjan (no recursion on deep call graphs).
 */
function callCycles(bodies: readonly RewrittenBody[], importedFuncs: number, tableFuncs: ReadonlySet<number>): { component: Int32Array; cyclic: boolean[]; table: number[] } {
  const n = bodies.length;
  const table: number[] = [];
  for (const f of tableFuncs) if (f >= importedFuncs && f - importedFuncs < n) table.push(f - importedFuncs);
  const edges = (v: number): number[] => {
    const b = bodies[v] as RewrittenBody;
    const out: number[] = [];
    for (const c of b.callees) if (c >= importedFuncs && c - importedFuncs < n) out.push(c - importedFuncs);
    if (b.indirect) out.push(...table);
    return out;
  };
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const cyclic: boolean[] = [];
  const selfCalls = new Uint8Array(n);
  const stack: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; out: number[]; i: number }[] = [{ v: root, out: edges(root), i: 0 }];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1] as { v: number; out: number[]; i: number };
      if (top.i < top.out.length) {
        const w = top.out[top.i++] as number;
        if (w === top.v) selfCalls[w] = 1;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          work.push({ v: w, out: edges(w), i: 0 });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v] as number, index[w] as number);
        continue;
      }
      work.pop();
      const v = top.v;
      if (work.length > 0) {
        const parent = (work[work.length - 1] as { v: number }).v;
        low[parent] = Math.min(low[parent] as number, low[v] as number);
      }
      if (low[v] === index[v]) {
        const id = cyclic.length;
        let size = 0;
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component[w] = id;
          size++;
        } while (w !== v);
        cyclic.push(size > 1 || selfCalls[v] === 1);
      }
    }
  }
  return { component, cyclic, table };
}

/**
 * Which functions are flat (1): no loop, no call through a table or to an import, in no cycle of calls, and
 * calling only flat functions. Computed callees first (a flat function's calls form no cycle).
 */
function flatFunctions(bodies: readonly RewrittenBody[], importedFuncs: number, component: Int32Array, cyclic: readonly boolean[]): Uint8Array {
  const n = bodies.length;
  // 0: not known yet, 1: flat, 2: not flat, 3: being decided
  const state = new Uint8Array(n);
  const candidate = (v: number): boolean => {
    const b = bodies[v] as RewrittenBody;
    return b.loopMarks.length === 0 && !b.indirect && !cyclic[component[v] as number];
  };
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    // iterative depth-first walk over candidates; a candidate is flat when every callee is
    const work: { v: number; i: number }[] = [{ v: root, i: 0 }];
    state[root] = candidate(root) ? 3 : 2;
    if (state[root] === 2) continue;
    while (work.length > 0) {
      const top = work[work.length - 1] as { v: number; i: number };
      const callees = (bodies[top.v] as RewrittenBody).callees;
      if (state[top.v] === 3 && top.i < callees.length) {
        const c = callees[top.i++] as number;
        const d = c - importedFuncs;
        if (c < importedFuncs || d >= n) {
          state[top.v] = 2; // an import (the host) or an index out of range
          continue;
        }
        if (state[d] === 0) {
          state[d] = candidate(d) ? 3 : 2;
          if (state[d] === 3) {
            work.push({ v: d, i: 0 }); // decided when popped, which tells this caller
            continue;
          }
        }
        if (state[d] !== 1) state[top.v] = 2; // not flat, or (never among candidates) a callee still open
        continue;
      }
      if (state[top.v] === 3) state[top.v] = 1;
      work.pop();
      const caller = work[work.length - 1];
      if (caller !== undefined && state[top.v] === 2) state[caller.v] = 2;
    }
  }
  return state;
}

function rewriteCode(body: Uint8Array, m: Remap): Uint8Array {
  const { count, rest: r } = vecCount(body);
  // scratch writer reused for every function's rewritten code
  const code = new Writer(1 << 16);
  const bodies: RewrittenBody[] = [];
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const end = r.pos + size;
    const fr = new Reader(r.buf, r.pos, end);
    const localsStart = fr.pos;
    const groups = fr.u32();
    for (let g = 0; g < groups; g++) {
      fr.u32();
      fr.byte();
    }
    const locals = body.subarray(localsStart, fr.pos);
    m.indirect = false;
    m.callees = [];
    m.loopMarks = [];
    m.callMarks = [];
    m.loopCalls = [];
    code.reset();
    const shapes = rewriteExpr(fr, code, m, true);
    if (fr.pos !== end) throw invalid(`function ${i} has trailing bytes`);
    bodies.push({ locals, code: code.view().slice(), loopMarks: m.loopMarks, shapes, callMarks: m.callMarks, loopCalls: m.loopCalls, callees: m.callees, indirect: m.indirect });
    r.pos = end;
  }
  if (!r.done) throw invalid('code section has trailing bytes');
  // Where the checks go. Every unbounded run of a module loops or recurses.
  // - A loop that holds another loop, or calls through a table, gets the check after its header.
  // - A loop that calls nothing but flat functions (below) and holds no loop does a bounded amount of work
  //   per turn and is left unmetered, like a loop that calls nothing: in OPA's runtime such loops walk a
  //   bounded piece of memory (a string, a hash bucket), which keeps the hot lexing and comparison loops
  //   cheap.
  // - A loop holding no loop with exactly one call site to a function that is not flat gets the check before
  //   that call: every turn that does more than a bounded amount of work passes it, and the turns that do
  //   not (the lexer's walk over a string, which calls a helper only for a `\u` escape) cost nothing. With
  //   two such call sites or more, the check after the header (once per turn) is never more frequent than
  //   checks at the calls would be.
  // - A call made outside loops gets the check before it when it can close a cycle of such calls (its
  //   callee is in the caller's own cyclic component): every turn of a recursion that passes no loop crosses
  //   one of those calls, while a first call into a recursive function (a single comparison of two strings,
  //   say) costs nothing. Any other call chain ends within a bound fixed by the module itself.
  // A flat function has no loop, calls nothing through a table or outside the module, is in no cycle of
  // calls and calls only flat functions: its work is bounded by the module itself.
  const { component, cyclic, table } = callCycles(bodies, m.importedFuncs, m.tableFuncs);
  const closesCycle = (caller: number, callee: number): boolean => {
    const c = component[caller] as number;
    if (!cyclic[c]) return false;
    if (callee >= 0) return callee >= m.importedFuncs && component[callee - m.importedFuncs] === c;
    return table.some((f) => component[f] === c); // through a table: any function it holds may be next
  };
  const flat = flatFunctions(bodies, m.importedFuncs, component, cyclic);
  const isFlat = (callee: number): boolean => callee >= m.importedFuncs && flat[callee - m.importedFuncs] === 1;
  const w = new Writer(body.length + (body.length >> 3));
  w.u32(count + (m.injected ? 2 : 0));
  const head = new Writer();
  for (const [i, b] of bodies.entries()) {
    // every check's offset in the rewritten code (loop headers' ends, starts of checked calls), in order
    const marks: number[] = [];
    const sites: number[][] = b.shapes.map(() => []);
    for (const call of b.loopCalls) if (!isFlat(call.callee)) (sites[call.loop] as number[]).push(call.at);
    for (const [l, mark] of b.loopMarks.entries()) {
      const shape = b.shapes[l] as LoopShape;
      const at = sites[l] as number[];
      if (shape.nested || shape.indirect || at.length > 1) marks.push(mark);
      else if (at.length === 1) marks.push(at[0] as number);
    }
    for (const call of b.callMarks) if (closesCycle(i, call.callee)) marks.push(call.at);
    marks.sort((x, y) => x - y);
    head.reset();
    let from = 0;
    for (const mark of marks) {
      head.bytes(b.code.subarray(from, mark));
      emitCheck(head, m);
      from = mark;
    }
    head.bytes(b.code.subarray(from));
    w.u32(b.locals.length + head.size);
    w.bytes(b.locals);
    w.bytes(head.view());
  }
  for (const extra of m.injected ? [sizeBody(m), growBody(m)] : []) {
    w.u32(extra.length);
    w.bytes(extra);
  }
  return w.finish();
}

/** Lazily initialises the page-count global from the real memory size. */
function initPages(m: Remap): number[] {
  const g = [...leb(m.pages)];
  return [0x23, ...g, 0x45, 0x04, 0x40, 0x3f, 0x00, 0x24, ...g, 0x0b];
}

/** `memory.size` as the module sees it: the pages it has asked for (the real memory may be larger). */
function sizeBody(m: Remap): Uint8Array {
  return Uint8Array.from([0x00, ...initPages(m), 0x23, ...leb(m.pages), 0x0b]);
}

/**
 * `memory.grow(n)` with the same result as the instruction (the previous page count, or -1), but growing
 * the real memory geometrically (by at least half its size) and only when the pages asked for exceed it.
 * OPA's allocator grows one page at a time, and V8 answers each growth of a memory with a full garbage
 * collection of the JS heap: a large evaluation spent most of its time there, quadratically.
 * Locals: 0 = n, 1 = old, 2 = want, 3 = exact.
 */
function growBody(m: Remap): Uint8Array {
  const g = [...leb(m.pages)];
  return Uint8Array.from([
    0x01, 0x03, I32, // 3 locals
    ...initPages(m),
    0x23, ...g, 0x21, 0x01, // old = pages
    0x23, ...g, 0x20, 0x00, 0x6a, 0x21, 0x02, // want = pages + n
    0x20, 0x02, 0x3f, 0x00, 0x4b, // want > memory.size (unsigned)
    0x04, 0x40,
    0x20, 0x02, 0x3f, 0x00, 0x6b, 0x22, 0x03, // exact = want - size (tee)
    0x3f, 0x00, 0x41, 0x01, 0x76, // size >> 1
    0x20, 0x03, 0x3f, 0x00, 0x41, 0x01, 0x76, 0x4b, // exact > size >> 1
    0x1b, // select: the larger
    0x40, 0x00, 0x41, 0x7f, 0x46, // memory.grow(...) == -1
    0x04, 0x40,
    0x20, 0x03, 0x40, 0x00, 0x41, 0x7f, 0x46, // memory.grow(exact) == -1
    0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b, // return -1
    0x0b,
    0x0b,
    0x20, 0x02, 0x24, ...g, // pages = want
    0x20, 0x01, // old
    0x0b,
  ]);
}

/**
 * Returns a metered copy of a WebAssembly module: it imports {@link METER_IMPORT} (`() -> i32`) and
 * calls it whenever its fuel runs out. Throws MG_POLICY_WASM_INVALID on a module it cannot decode.
 */
export function meterWasm(wasm: Uint8Array): Uint8Array {
  const sections = readSections(wasm);
  const byId = new Map<number, Section>();
  for (const s of sections) {
    if (s.id === SECTION.custom) continue;
    if (s.id > 12) throw invalid(`unknown section ${s.id}`);
    if (byId.has(s.id)) throw invalid(`duplicate section ${s.id}`);
    byId.set(s.id, s);
  }
  const imports = countImports(byId.get(SECTION.import)?.body);
  const types = byId.get(SECTION.type);
  const typeCount = types ? vecCount(types.body).count : 0;
  const globals = byId.get(SECTION.global);
  const definedGlobals = globals ? vecCount(globals.body).count : 0;
  if (!byId.has(SECTION.function)) byId.set(SECTION.function, { id: SECTION.function, body: Uint8Array.of(0) });
  if (!byId.has(SECTION.code)) byId.set(SECTION.code, { id: SECTION.code, body: Uint8Array.of(0) });
  const funcs = byId.get(SECTION.function)!;
  const definedFuncs = vecCount(funcs.body).count;
  const total = imports.funcs + 1 + definedFuncs;
  // the memory.size / memory.grow replacements exist only for a module with a memory
  const injected = imports.memories > 0 || byId.has(SECTION.memory) ? 2 : 0;
  const m: Remap = { importedFuncs: imports.funcs, tick: imports.funcs, fuel: imports.globals + definedGlobals, pages: imports.globals + definedGlobals + 1, sizeFn: total, growFn: total + 1, callees: [], indirect: false, tableFuncs: new Set(), injected: injected > 0, loopMarks: [], callMarks: [], loopCalls: [] };
  if (!byId.has(SECTION.export)) byId.set(SECTION.export, { id: SECTION.export, body: Uint8Array.of(0) });

  const out = new Map<number, Uint8Array>();
  const typeRest = types ? types.body.subarray(vecCount(types.body).rest.pos) : new Uint8Array(0);
  // type: append `() -> i32` (tick, size) and `(i32) -> i32` (grow)
  out.set(SECTION.type, concat([leb(typeCount + 2), typeRest, Uint8Array.of(0x60, 0x00, 0x01, I32, 0x60, 0x01, I32, 0x01, I32)]));
  // function: declare the two injected functions
  const funcRest = funcs.body.subarray(vecCount(funcs.body).rest.pos);
  out.set(SECTION.function, concat(injected ? [leb(definedFuncs + 2), funcRest, leb(typeCount), leb(typeCount + 1)] : [leb(definedFuncs), funcRest]));
  // import: append meshgate.tick
  const imp = byId.get(SECTION.import);
  const impCount = imp ? vecCount(imp.body).count : 0;
  const impRest = imp ? imp.body.subarray(vecCount(imp.body).rest.pos) : new Uint8Array(0);
  const enc = new TextEncoder();
  const modName = enc.encode(METER_IMPORT.module);
  const fnName = enc.encode(METER_IMPORT.name);
  out.set(SECTION.import, concat([leb(impCount + 1), impRest, leb(modName.length), modName, leb(fnName.length), fnName, Uint8Array.of(0x00), leb(typeCount)]));
  out.set(SECTION.global, rewriteGlobals(globals?.body, m));
  // elements before code: the functions a table can call are the targets of every `call_indirect`
  const elements = byId.get(SECTION.element);
  if (elements) out.set(SECTION.element, rewriteElements(elements.body, m));
  for (const [id, s] of byId) {
    if (id === SECTION.type || id === SECTION.import || id === SECTION.global || id === SECTION.function || id === SECTION.element) continue;
    if (id === SECTION.export) out.set(id, rewriteExports(s.body, m));
    else if (id === SECTION.start) out.set(id, leb(mapFunc(m, new Reader(s.body).u32())));
    else if (id === SECTION.code) out.set(id, rewriteCode(s.body, m));
    else out.set(id, s.body);
  }
  const w = new Writer();
  w.bytes(wasm.subarray(0, 8));
  // custom sections (names would no longer match the shifted indices) are dropped
  for (const id of ORDER) {
    const body = out.get(id);
    if (!body) continue;
    w.byte(id);
    w.u32(body.length);
    w.bytes(body);
  }
  return w.finish();
}
