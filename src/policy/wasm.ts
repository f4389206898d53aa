/**
 * The policy runtime. Compiles each WebAssembly module once (cached by its bytes) after injecting
 * instruction metering ({@link meterWasm}), instantiates it with a bounded memory, evaluates entrypoints by
 * name synchronously under a wall-clock deadline, and turns everything that fails (strings, plain objects,
 * RangeErrors, traps) into a coded MeshgateError. After any failure — a deadline included — the instance is
 * re-created, so one bad input never poisons the next decision.
 */
import { MeshgateError, describeThrown } from '../errors.js';
import { deepFreeze } from '../freeze.js';
import { lengthCrcKey, sameBytes } from '../crc32.js';
import { monotonicMs } from '../monotonic.js';
import { PolicyInstance, type CustomBuiltin } from './instance.js';
import { FUEL_PER_TICK, meterWasm } from './meter.js';
import { premetered } from './prebuilt.js';

/** Results of {@link PolicyRuntime.evaluateJsonShared} remembered per runtime, and the longest result text remembered. */
const SHARED_MAX = 256;
const SHARED_TEXT_MAX = 4096;

/** 64 KiB WebAssembly pages. */
const PAGE = 65536;
/** Inputs at least this long (UTF-16 units of JSON) get an instance sized for them first. */
const LARGE_INPUT_CHARS = 1 << 20;
/** Memory to provide per byte of input JSON: parsed OPA values take several times the text's size. */
const HEADROOM_FACTOR = 12;

/** Options for {@link PolicyRuntime.load}. */
export interface PolicyRuntimeOptions {
  /** Maximum WebAssembly memory in 64 KiB pages (default 8192 = 512 MiB). */
  memoryMaxPages?: number;
  /** Initial memory in pages (default 32 = 2 MiB). */
  memoryInitialPages?: number;
  /** Custom built-ins supplied to the policy (for built-ins the WASM target lacks). */
  builtins?: Record<string, CustomBuiltin>;
  /** A name for error messages (the layer). */
  name?: string;
  /**
   * Wall-clock limits of evaluations (see {@link PolicyDeadlines}); `false` runs the module unmetered and
   * unbounded (for measuring the metering's overhead only).
   */
  deadlines?: PolicyDeadlines | false;
  /** Evaluate every entrypoint once on `{}` at load (default true; a lazily loaded layer skips it). */
  warmUp?: boolean;
}

/** Wall-clock limits, in milliseconds, enforced inside the WebAssembly by instruction metering. */
export interface PolicyDeadlines {
  /** One access evaluation (`meshgate/access` and its view); default 1 000. */
  accessMs?: number;
  /** One evaluation of any other entrypoint (contracts, changes, plans); default 60 000. */
  checkMs?: number;
  /** Loading the data into an instance and warming each entrypoint up on `{}`; default 60 000. */
  loadMs?: number;
}

/** The defaults of {@link PolicyDeadlines}. */
export const DEFAULT_DEADLINES: Readonly<Required<PolicyDeadlines>> = { accessMs: 1000, checkMs: 60_000, loadMs: 60_000 };

/**
 * Compiled modules, bucketed by {@link lengthCrcKey} of their policy.wasm (metered or not); a hit is the
 * entry holding the same bytes (a CRC is no identity: four chosen bytes give any CRC).
 */
const moduleCache = new Map<string, { bytes: Uint8Array; module: WebAssembly.Module }[]>();

function cacheKey(key: string, metered: boolean): string {
  return `${metered ? 'm' : 'u'}:${key}`;
}

function cached(bytes: Uint8Array, key: string): WebAssembly.Module | undefined {
  return moduleCache.get(key)?.find((e) => sameBytes(e.bytes, bytes))?.module;
}

function remember(bytes: Uint8Array, key: string, module: WebAssembly.Module): void {
  const list = moduleCache.get(key);
  if (list === undefined) moduleCache.set(key, [{ bytes, module }]);
  else list.push({ bytes, module });
}

/**
 * The code to compile: the policy.wasm metered (see {@link meterWasm}; metered at build time for the
 * bundles the CLI ships, see {@link premetered}) unless told not to.
 */
function codeOf(bytes: Uint8Array, key: string, name: string, metered: boolean): Uint8Array {
  try {
    return metered ? (premetered(bytes, key) ?? meterWasm(bytes)) : bytes;
  } catch (e) {
    if (e instanceof MeshgateError) throw new MeshgateError(e.code, `${name}: ${e.message}`, { cause: e });
    throw e;
  }
}

function invalidWasm(name: string, e: unknown): MeshgateError {
  return new MeshgateError('MG_POLICY_WASM_INVALID', `${name}: policy.wasm is not a valid WebAssembly module: ${describeThrown(e)}`, { cause: e });
}

/**
 * Compiles off the main thread (or returns the cached compilation of) a policy.wasm, metered unless told not
 * to. `key` is {@link lengthCrcKey} of `bytes` when the caller computed it already (it must be theirs).
 */
export async function compileWasm(bytes: Uint8Array, name = 'policy', metered = true, key = lengthCrcKey(bytes)): Promise<WebAssembly.Module> {
  const k = cacheKey(key, metered);
  const hit = cached(bytes, k);
  if (hit) return hit;
  const code = codeOf(bytes, key, name, metered);
  try {
    const mod = await WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
    remember(bytes, k, mod);
    return mod;
  } catch (e) {
    throw invalidWasm(name, e);
  }
}

/** The synchronous {@link compileWasm} (same cache, same metering), for a module first needed on a synchronous path. */
export function compileWasmSync(bytes: Uint8Array, name = 'policy', metered = true, key = lengthCrcKey(bytes)): WebAssembly.Module {
  const k = cacheKey(key, metered);
  const hit = cached(bytes, k);
  if (hit) return hit;
  const code = codeOf(bytes, key, name, metered);
  try {
    const mod = new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
    remember(bytes, k, mod);
    return mod;
  } catch (e) {
    throw invalidWasm(name, e);
  }
}

/** Serialises an input to JSON bytes; cycles, BigInts and other unserialisable values are coded errors. */
export function serialiseInput(input: unknown, name = 'input'): ArrayBuffer {
  const bytes = encoder.encode(serialiseText(input, name));
  // encode() normally returns a view of a buffer of exactly its size: hand that buffer over without a copy
  return (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
}

/** Serialises an input to JSON text; cycles, BigInts and other unserialisable values are coded errors. */
export function serialiseText(input: unknown, name = 'input'): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (e) {
    const why = describeThrown(e);
    const kind = /BigInt/i.test(why) ? 'a BigInt' : /circular|cyclic/i.test(why) ? 'a cycle' : 'an unserialisable value';
    throw new MeshgateError('MG_INPUT_UNSERIALISABLE', `${name} contains ${kind} and cannot be given to a policy: ${why}`, { cause: e });
  }
  if (text === undefined) {
    throw new MeshgateError('MG_INPUT_UNSERIALISABLE', `${name} is not a JSON value (got ${typeof input})`);
  }
  return text;
}

const encoder = new TextEncoder();

/** The deadline cut an evaluation: thrown by the metering host function, unwinding the WebAssembly stack. */
function deadlineError(ms: number): MeshgateError {
  return new MeshgateError('MG_POLICY_DEADLINE', `evaluation exceeded its ${ms} ms deadline`);
}

/**
 * ABI 1.2+ evaluation without per-call buffers and copies: the input is UTF-8-encoded straight into the
 * instance's memory above its data heap, `opa_eval` runs, and the NUL-terminated JSON text of the result
 * set is decoded in place (parsed by the caller).
 */
function evalDirect(inst: PolicyInstance, opaEval: OpaEval, entrypointId: number, text: string): string {
  const addr = inst.dataHeapPtr;
  let view = inst.inputView();
  if (view.length < text.length) {
    inst.mem.grow(Math.ceil((text.length - view.length) / PAGE));
    view = inst.inputView();
  }
  let { read, written } = encoder.encodeInto(text, view);
  if (read < text.length) {
    // multi-byte characters: at most 3 bytes per UTF-16 code unit
    inst.mem.grow(Math.ceil((text.length * 3 - view.length) / PAGE));
    ({ read, written } = encoder.encodeInto(text, inst.inputView()));
  }
  const resultAddr = opaEval(0, entrypointId, inst.dataAddr, addr, written, addr + written, 0);
  return inst.readText(resultAddr);
}

type OpaEval = (reserved: number, entrypoint: number, dataAddr: number, inputAddr: number, inputLen: number, heapAddr: number, format: number) => number;

/** Classifies a VM failure into a code (a MeshgateError keeps its own). */
function classify(e: unknown): { code: `MG_${string}`; text: string } {
  const text = describeThrown(e);
  if (e instanceof MeshgateError) return { code: e.code, text: e.message };
  if (e instanceof RangeError || /memory|out of bounds|grow/i.test(text)) return { code: 'MG_POLICY_MEMORY', text };
  if (/not implemented|builtin|built-in/i.test(text)) return { code: 'MG_POLICY_BUILTIN_MISSING', text };
  if (e instanceof WebAssembly.RuntimeError || /unreachable|abort/i.test(text)) return { code: 'MG_POLICY_TRAP', text };
  if (/json/i.test(text)) return { code: 'MG_POLICY_RESULT_INVALID', text };
  return { code: 'MG_POLICY_RUNTIME', text };
}

/** The clock the metering host function reads: when the evaluation in progress must stop. */
interface DeadlineClock {
  /** {@link monotonicMs} value after which the evaluation is cut. */
  at: number;
  /** The limit in force, for the message. */
  ms: number;
  /** Host checks (refills) since the evaluation started. */
  ticks: number;
}

/** One compiled policy, instantiated with bounded memory, evaluated synchronously under a deadline. */
export class PolicyRuntime {
  /** Entrypoint names exposed by the module. */
  readonly entrypoints: readonly string[];
  private instance: PolicyInstance;
  private readonly clock: DeadlineClock = { at: Infinity, ms: 0, ticks: 0 };
  /** The instance of the last successful evaluation (undefined after a failure or before any). */
  private measured: PolicyInstance | undefined;
  private readonly tick: () => number;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly dataJson: Uint8Array,
    private memory: WebAssembly.MemoryDescriptor,
    private readonly builtins: Record<string, CustomBuiltin>,
    private readonly name: string,
    private readonly deadlines: Required<PolicyDeadlines> | undefined,
  ) {
    const clock = this.clock;
    this.tick = (): number => {
      if (monotonicMs() > clock.at) throw deadlineError(clock.ms);
      clock.ticks++;
      return FUEL_PER_TICK;
    };
    this.startClock(this.deadlines?.loadMs);
    this.instance = this.instantiate(memory);
    this.entrypoints = Object.keys(this.instance.entrypoints).sort();
  }

  /** Compiles (once, metered unless `deadlines` is false), instantiates, loads `data`, and warms up every entrypoint. */
  static async load(wasm: Uint8Array, data: Record<string, unknown>, options: PolicyRuntimeOptions = {}): Promise<PolicyRuntime> {
    return PolicyRuntime.instantiate(await compileWasm(wasm, options.name ?? 'policy', options.deadlines !== false), data, options);
  }

  /**
   * Instantiates a compiled module (metered by {@link compileWasm} unless `deadlines` is false: the two
   * must agree), loads `data`, and warms up every entrypoint (unless `warmUp: false`).
   */
  static instantiate(module: WebAssembly.Module, data: Record<string, unknown>, options: PolicyRuntimeOptions = {}): PolicyRuntime {
    const name = options.name ?? 'policy';
    const deadlines = options.deadlines === false ? undefined : { ...DEFAULT_DEADLINES, ...options.deadlines };
    const maximum = options.memoryMaxPages ?? 8192;
    const memory: WebAssembly.MemoryDescriptor = { initial: Math.min(options.memoryInitialPages ?? 32, maximum), maximum };
    const dataJson = new Uint8Array(serialiseInput(data, `${name} data`));
    let rt: PolicyRuntime;
    try {
      rt = new PolicyRuntime(module, dataJson, memory, options.builtins ?? {}, name, deadlines);
    } catch (e) {
      const { code, text } = classify(e);
      throw new MeshgateError(code === 'MG_POLICY_RUNTIME' ? 'MG_POLICY_LOAD' : code, `${name}: cannot instantiate policy: ${text}`, { cause: e });
    }
    if (options.warmUp !== false) rt.warmUp();
    return rt;
  }

  /** True when the module exposes `entrypoint`. */
  has(entrypoint: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.instance.entrypoints, entrypoint);
  }

  /**
   * Evaluates `entrypoint` on `input` and returns its value, or `undefined` when the policy leaves it
   * undefined. Throws MeshgateError on any failure (MG_POLICY_DEADLINE when the deadline cut it); the
   * instance is then rebuilt for the next call.
   */
  evaluate(entrypoint: string, input: unknown): unknown {
    this.checkEntrypoint(entrypoint);
    // Serialise before evaluating: an unserialisable input is the caller's error, not the policy's.
    return this.run(entrypoint, serialiseText(input));
  }

  /**
   * {@link evaluate} on an input already serialised: `json` must be the JSON text of a value (as
   * `JSON.stringify` gives it). For a caller that serialises one input once and hands it to several layers.
   */
  evaluateJson(entrypoint: string, json: string): unknown {
    this.checkEntrypoint(entrypoint);
    return this.run(entrypoint, json);
  }

  /**
   * {@link evaluateJson} for a caller that only reads the result: the value may be shared between calls
   * with the same result (deeply frozen; parsed once per distinct result text, a bounded memo). Access
   * decisions return few distinct results, so most calls skip parsing the result.
   */
  evaluateJsonShared(entrypoint: string, json: string): unknown {
    this.checkEntrypoint(entrypoint);
    const text = this.runText(entrypoint, json);
    let memo = this.shared.get(entrypoint);
    if (memo === undefined) this.shared.set(entrypoint, (memo = new Map()));
    const hit = memo.get(text);
    if (hit !== undefined) return hit.value;
    const value = deepFreeze(this.resultOf(entrypoint, text));
    if (text.length <= SHARED_TEXT_MAX) {
      if (memo.size >= SHARED_MAX) memo.clear();
      memo.set(text, { value });
    }
    return value;
  }
  /** Per entrypoint: result text → its parsed, frozen result. */
  private readonly shared = new Map<string, Map<string, { value: unknown }>>();

  private checkEntrypoint(entrypoint: string): void {
    if (!this.has(entrypoint)) {
      throw new MeshgateError('MG_POLICY_ENTRYPOINT_MISSING', `${this.name}: entrypoint ${entrypoint} is not in this bundle (has: ${this.entrypoints.join(', ') || 'none'})`);
    }
  }

  private run(entrypoint: string, json: string): unknown {
    return this.resultOf(entrypoint, this.runText(entrypoint, json));
  }

  /** Evaluates and returns the JSON text of the result set (the instance is rebuilt after any failure). */
  private runText(entrypoint: string, json: string): string {
    let text: string;
    let inst = this.instance;
    const direct = inst.minorVersion >= 2 ? inst.exports.opa_eval : undefined;
    try {
      this.startClock(this.deadlines === undefined ? undefined : isAccess(entrypoint) ? this.deadlines.accessMs : this.deadlines.checkMs);
      if (direct && json.length >= LARGE_INPUT_CHARS) inst = this.sizedFor(inst, json.length);
      const id = inst.entrypoints[entrypoint] as number;
      if (inst.fuel) inst.fuel.value = FUEL_PER_TICK;
      this.clock.ticks = 0;
      this.measured = undefined;
      text = direct ? evalDirect(inst, inst.exports.opa_eval as OpaEval, id, json) : inst.evaluateLegacy(json, id);
    } catch (e) {
      this.reset();
      const { code, text } = classify(e);
      throw new MeshgateError(code, `${this.name}: policy failed evaluating ${entrypoint}: ${text}`, { cause: e });
    }
    this.measured = inst; // its fuel tells the steps (read only when asked: see lastSteps)
    return text;
  }

  /** The result of a result set's JSON text: its one `result`, or undefined for an empty set. */
  private resultOf(entrypoint: string, text: string): unknown {
    let rs: unknown;
    try {
      rs = JSON.parse(text);
    } catch (e) {
      throw new MeshgateError('MG_POLICY_RESULT_INVALID', `${this.name}: ${entrypoint} returned a result that is not JSON: ${describeThrown(e)}`, { cause: e });
    }
    if (!Array.isArray(rs)) {
      throw new MeshgateError('MG_POLICY_RESULT_INVALID', `${this.name}: ${entrypoint} returned a non-array result set`);
    }
    if (rs.length === 0) return undefined;
    if (rs.length > 1) throw new MeshgateError('MG_POLICY_RESULT_INVALID', `${this.name}: ${entrypoint} returned ${rs.length} results; expected one`);
    const first: unknown = rs[0];
    if (typeof first !== 'object' || first === null || !('result' in first)) {
      throw new MeshgateError('MG_POLICY_RESULT_INVALID', `${this.name}: ${entrypoint} returned a result set without a result`);
    }
    return (first as { result: unknown }).result;
  }

  /**
   * The metered steps (recursive calls and loop iterations inside the WebAssembly) of the last
   * successful evaluation: a deterministic measure of its work, independent of the machine's speed.
   * `undefined` when the module runs unmetered or the last evaluation failed.
   */
  get lastSteps(): number | undefined {
    const fuel = this.measured?.fuel;
    return fuel === undefined ? undefined : this.clock.ticks * FUEL_PER_TICK + (FUEL_PER_TICK - (fuel.value as number));
  }

  /** Current size of the instance's linear memory in bytes (for diagnostics). */
  memoryBytes(): number {
    return this.instance.mem.buffer.byteLength;
  }

  /** Maximum memory in bytes. */
  get memoryLimitBytes(): number {
    return (this.memory.maximum ?? 0) * PAGE;
  }

  private startClock(ms: number | undefined): void {
    this.clock.ms = ms ?? 0;
    this.clock.at = ms === undefined ? Infinity : monotonicMs() + ms;
  }

  private instantiate(memory: WebAssembly.MemoryDescriptor): PolicyInstance {
    const inst = new PolicyInstance(this.module, { ...memory }, this.builtins, this.tick, this.name);
    inst.setData(this.dataJson);
    return inst;
  }

  /**
   * For a large input, an instance whose memory already holds what parsing it will take. OPA's allocator
   * grows the memory one 64 KiB page at a time from its own idea of where the heap ends (growing it from
   * JS does not help), and V8 answers every growth of this external memory with a full collection of the
   * JS heap — on a 100 MB plan most of the run time. Re-instantiating once with a larger initial memory
   * avoids all of that; the larger instance is kept for later calls.
   */
  private sizedFor(inst: PolicyInstance, textLength: number): PolicyInstance {
    const need = inst.dataHeapPtr + textLength * HEADROOM_FACTOR;
    if (need <= inst.mem.buffer.byteLength) return inst;
    const maximum = this.memory.maximum ?? Math.ceil(need / PAGE);
    const pages = Math.min(maximum, Math.ceil(need / PAGE));
    if (pages <= this.memory.initial) return inst;
    try {
      const fresh = this.instantiate({ initial: pages, maximum });
      this.instance = fresh;
      this.memory = { initial: pages, maximum };
      return fresh;
    } catch (e) {
      if (e instanceof MeshgateError && e.code === 'MG_POLICY_DEADLINE') throw e;
      return inst; // could not get the memory: evaluate as is (a policy that runs out fails closed)
    }
  }

  private reset(): void {
    try {
      this.startClock(this.deadlines?.loadMs);
      this.instance = this.instantiate(this.memory);
    } catch {
      // keep the old instance: the next evaluation fails closed again if it is broken
    }
  }

  /**
   * Evaluates every entrypoint once on `{}` under the load deadline. Ordinary failures are left to the
   * real decisions (which fail closed); a policy that cannot even finish on `{}` in time is refused.
   */
  warmUp(): void {
    for (const ep of this.entrypoints) {
      try {
        this.startClock(this.deadlines?.loadMs);
        evalDirectOrLegacy(this.instance, ep);
      } catch (e) {
        this.reset();
        if (e instanceof MeshgateError && e.code === 'MG_POLICY_DEADLINE') {
          throw new MeshgateError('MG_POLICY_DEADLINE', `${this.name}: warming up ${ep} on {} exceeded the ${this.clock.ms} ms load deadline`, { cause: e });
        }
      }
    }
  }
}

function evalDirectOrLegacy(inst: PolicyInstance, entrypoint: string): unknown {
  const id = inst.entrypoints[entrypoint] as number;
  const opaEval = inst.minorVersion >= 2 ? inst.exports.opa_eval : undefined;
  return opaEval ? evalDirect(inst, opaEval as OpaEval, id, '{}') : inst.evaluateLegacy('{}', id);
}

/** Access decisions (`…/access` and its ABI view) get the short deadline; every other entrypoint the check deadline. */
function isAccess(entrypoint: string): boolean {
  return entrypoint.endsWith('/access');
}
