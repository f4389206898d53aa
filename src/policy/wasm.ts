/**
 * The only importer of @open-policy-agent/opa-wasm. Compiles each WebAssembly module once (cached by
 * content hash), instantiates it with a bounded memory, evaluates entrypoints by name synchronously, and
 * turns everything the SDK throws (strings, plain objects, RangeErrors) into a coded MeshgateError.
 * After any failure the instance is re-created, so one bad input never poisons the next decision.
 */
import { createHash } from 'node:crypto';
import { MeshgateError, describeThrown } from '../errors.js';
import { loadOpaSdk } from './opa-sdk.js';
import { goSprintf } from './sprintf.js';

interface LoadedPolicyLike {
  entrypoints: Record<string, number>;
  evaluate(input: ArrayBuffer | undefined, entrypoint: number | string): unknown;
  setData(data: object | ArrayBuffer): void;
  /** The SDK's (documented) fields used by the direct evaluation path. */
  minorVersion: number | undefined;
  mem: WebAssembly.Memory;
  wasmInstance: WebAssembly.Instance;
  dataAddr: number;
  dataHeapPtr: number;
}

type OpaEval = (reserved: number, entrypoint: number, dataAddr: number, inputAddr: number, inputLen: number, heapAddr: number, format: number) => number;
type CustomBuiltin = (...args: unknown[]) => unknown;
interface OpaWasmModule {
  loadPolicy(wasm: BufferSource | WebAssembly.Module, memory: WebAssembly.MemoryDescriptor, builtins: Record<string, CustomBuiltin>): Promise<LoadedPolicyLike>;
  loadPolicySync(wasm: BufferSource | WebAssembly.Module, memory: WebAssembly.MemoryDescriptor, builtins: Record<string, CustomBuiltin>): LoadedPolicyLike;
}

// The SDK's built-ins win over custom ones, and its sprintf (sprintf-js) rejects `%q` and throws on null:
// replace it in the SDK's own table with a Go-compatible one, so WASM and `opa eval` agree.
const opa = loadOpaSdk({ sprintf: goSprintf }) as OpaWasmModule;

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
  /** Evaluate every entrypoint once on `{}` at load (default true; a one-shot run skips it). */
  warmUp?: boolean;
}

const moduleCache = new Map<string, WebAssembly.Module>();

/** Compiles (or returns the cached compilation of) a policy.wasm. */
export async function compileWasm(bytes: Uint8Array, name = 'policy'): Promise<WebAssembly.Module> {
  const key = createHash('sha256').update(bytes).digest('hex');
  const hit = moduleCache.get(key);
  if (hit) return hit;
  try {
    const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    moduleCache.set(key, mod);
    return mod;
  } catch (e) {
    throw new MeshgateError('MG_POLICY_WASM_INVALID', `${name}: policy.wasm is not a valid WebAssembly module: ${describeThrown(e)}`, { cause: e });
  }
}

/** The synchronous {@link compileWasm} (same cache), for a module first needed on a synchronous path. */
export function compileWasmSync(bytes: Uint8Array, name = 'policy'): WebAssembly.Module {
  const key = createHash('sha256').update(bytes).digest('hex');
  const hit = moduleCache.get(key);
  if (hit) return hit;
  try {
    const mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    moduleCache.set(key, mod);
    return mod;
  } catch (e) {
    throw new MeshgateError('MG_POLICY_WASM_INVALID', `${name}: policy.wasm is not a valid WebAssembly module: ${describeThrown(e)}`, { cause: e });
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
const decoder = new TextDecoder();

/**
 * ABI 1.2+ evaluation without the SDK's per-call buffers and copies: the input is UTF-8-encoded straight
 * into the instance's memory above its data heap, `opa_eval` runs, and the NUL-terminated JSON result is
 * decoded in place with a shared decoder (the SDK encodes to a fresh buffer, copies it in, scans for the
 * NUL byte by byte and creates a decoder per call).
 */
function evalDirect(inst: LoadedPolicyLike, opaEval: OpaEval, entrypointId: number, text: string): unknown {
  const mem = inst.mem;
  const addr = inst.dataHeapPtr;
  let free = mem.buffer.byteLength - addr;
  if (free < text.length) {
    mem.grow(Math.ceil((text.length - free) / PAGE));
    free = mem.buffer.byteLength - addr;
  }
  let { read, written } = encoder.encodeInto(text, new Uint8Array(mem.buffer, addr, free));
  if (read < text.length) {
    // multi-byte characters: at most 3 bytes per UTF-16 code unit
    mem.grow(Math.ceil((text.length * 3 - free) / PAGE));
    ({ read, written } = encoder.encodeInto(text, new Uint8Array(mem.buffer, addr, mem.buffer.byteLength - addr)));
  }
  const resultAddr = opaEval(0, entrypointId, inst.dataAddr, addr, written, addr + written, 0);
  const heap = new Uint8Array(mem.buffer);
  const end = heap.indexOf(0, resultAddr);
  if (end < 0) throw new MeshgateError('MG_POLICY_RESULT_INVALID', 'policy result is not NUL-terminated');
  return JSON.parse(decoder.decode(heap.subarray(resultAddr, end)));
}

/** Classifies an SDK/VM failure into a code. */
function classify(e: unknown): { code: `MG_${string}`; text: string } {
  const text = describeThrown(e);
  if (e instanceof RangeError || /memory|out of bounds|grow/i.test(text)) return { code: 'MG_POLICY_MEMORY', text };
  if (/not implemented|builtin|built-in/i.test(text)) return { code: 'MG_POLICY_BUILTIN_MISSING', text };
  if (e instanceof WebAssembly.RuntimeError || /unreachable|abort/i.test(text)) return { code: 'MG_POLICY_TRAP', text };
  if (/json/i.test(text)) return { code: 'MG_POLICY_RESULT_INVALID', text };
  return { code: 'MG_POLICY_RUNTIME', text };
}

/** One compiled policy, instantiated with bounded memory, evaluated synchronously. */
export class PolicyRuntime {
  /** Entrypoint names exposed by the module. */
  readonly entrypoints: readonly string[];
  private instance: LoadedPolicyLike;
  private readonly data: Record<string, unknown>;

  private constructor(
    private readonly module: WebAssembly.Module,
    instance: LoadedPolicyLike,
    data: Record<string, unknown>,
    private memory: WebAssembly.MemoryDescriptor,
    private readonly builtins: Record<string, CustomBuiltin>,
    private readonly name: string,
  ) {
    this.instance = instance;
    this.data = data;
    this.entrypoints = Object.keys(instance.entrypoints).sort();
  }

  /** Compiles (once), instantiates, loads `data`, and warms up every entrypoint. */
  static async load(wasm: Uint8Array, data: Record<string, unknown>, options: PolicyRuntimeOptions = {}): Promise<PolicyRuntime> {
    return PolicyRuntime.instantiate(await compileWasm(wasm, options.name ?? 'policy'), data, options);
  }

  /** Instantiates a compiled module, loads `data`, and warms up every entrypoint (unless `warmUp: false`). */
  static instantiate(module: WebAssembly.Module, data: Record<string, unknown>, options: PolicyRuntimeOptions = {}): PolicyRuntime {
    const name = options.name ?? 'policy';
    const maximum = options.memoryMaxPages ?? 8192;
    const memory: WebAssembly.MemoryDescriptor = { initial: Math.min(options.memoryInitialPages ?? 32, maximum), maximum };
    const builtins = options.builtins ?? {};
    let instance: LoadedPolicyLike;
    try {
      // synchronous instantiation of the compiled module: the async path probes `instanceof Response`, which
      // loads Node's fetch implementation for nothing
      instance = opa.loadPolicySync(module, { ...memory }, builtins);
      instance.setData(serialiseInput(data, `${name} data`));
    } catch (e) {
      if (e instanceof MeshgateError) throw e;
      const { code, text } = classify(e);
      throw new MeshgateError(code === 'MG_POLICY_RUNTIME' ? 'MG_POLICY_LOAD' : code, `${name}: cannot instantiate policy: ${text}`, { cause: e });
    }
    const rt = new PolicyRuntime(module, instance, data, memory, builtins, name);
    if (options.warmUp !== false) rt.warmUp();
    return rt;
  }

  /** True when the module exposes `entrypoint`. */
  has(entrypoint: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.instance.entrypoints, entrypoint);
  }

  /**
   * Evaluates `entrypoint` on `input` and returns its value, or `undefined` when the policy leaves it
   * undefined. Throws MeshgateError on any failure; the instance is then rebuilt for the next call.
   */
  evaluate(entrypoint: string, input: unknown): unknown {
    if (!this.has(entrypoint)) {
      throw new MeshgateError('MG_POLICY_ENTRYPOINT_MISSING', `${this.name}: entrypoint ${entrypoint} is not in this bundle (has: ${this.entrypoints.join(', ') || 'none'})`);
    }
    let rs: unknown;
    let inst = this.instance;
    let direct = (inst.minorVersion ?? 0) >= 2 ? (inst.wasmInstance.exports['opa_eval'] as OpaEval | undefined) : undefined;
    // Serialise before the try: an unserialisable input is the caller's error, not the policy's.
    const text = direct ? serialiseText(input) : undefined;
    if (text !== undefined && text.length >= LARGE_INPUT_CHARS) {
      inst = this.sizedFor(inst, text.length);
      direct = inst.wasmInstance.exports['opa_eval'] as OpaEval;
    }
    const buf = direct ? undefined : serialiseInput(input); // the SDK's path wants an ArrayBuffer (it drops falsy inputs otherwise)
    try {
      rs = direct && text !== undefined ? evalDirect(inst, direct, inst.entrypoints[entrypoint] as number, text) : inst.evaluate(buf, entrypoint);
    } catch (e) {
      this.reset();
      const { code, text } = classify(e);
      throw new MeshgateError(code, `${this.name}: policy failed evaluating ${entrypoint}: ${text}`, { cause: e });
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

  /** Current size of the instance's linear memory in bytes (for diagnostics). */
  memoryBytes(): number {
    const mem = (this.instance as unknown as { mem?: WebAssembly.Memory }).mem;
    return mem ? mem.buffer.byteLength : 0;
  }

  /** Maximum memory in bytes. */
  get memoryLimitBytes(): number {
    return (this.memory.maximum ?? 0) * PAGE;
  }

  /**
   * For a large input, an instance whose memory already holds what parsing it will take. OPA's allocator
   * grows the memory one 64 KiB page at a time from its own idea of where the heap ends (growing it from
   * JS does not help), and V8 answers every growth of this external memory with a full collection of the
   * JS heap — on a 100 MB plan most of the run time. Re-instantiating once with a larger initial memory
   * avoids all of that; the larger instance is kept for later calls.
   */
  private sizedFor(inst: LoadedPolicyLike, textLength: number): LoadedPolicyLike {
    const need = inst.dataHeapPtr + textLength * HEADROOM_FACTOR;
    if (need <= inst.mem.buffer.byteLength) return inst;
    const maximum = this.memory.maximum ?? Math.ceil(need / PAGE);
    const pages = Math.min(maximum, Math.ceil(need / PAGE));
    if (pages <= this.memory.initial) return inst;
    try {
      const fresh = opa.loadPolicySync(this.module, { initial: pages, maximum }, this.builtins);
      fresh.setData(serialiseInput(this.data, `${this.name} data`));
      this.instance = fresh;
      this.memory = { initial: pages, maximum };
      return fresh;
    } catch {
      return inst; // could not get the memory: evaluate as is (a policy that runs out fails closed)
    }
  }

  private reset(): void {
    try {
      const fresh = opa.loadPolicySync(this.module, { ...this.memory }, this.builtins);
      fresh.setData(serialiseInput(this.data, `${this.name} data`));
      this.instance = fresh;
    } catch {
      // keep the old instance: the next evaluation fails closed again if it is broken
    }
  }

  private warmUp(): void {
    for (const ep of this.entrypoints) {
      try {
        this.instance.evaluate(serialiseInput({}), ep);
      } catch {
        this.reset();
      }
    }
  }
}
