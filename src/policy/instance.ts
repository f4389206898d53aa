/**
 * One instance of an OPA policy module, instantiated by meshgate itself: the import object (memory,
 * `opa_abort`, the built-in dispatchers and the metering host function), the ABI checks and the
 * JSON transfer in and out of linear memory. The built-in implementations are the OPA SDK's
 * (@open-policy-agent/opa-wasm, with a Go-compatible sprintf); nothing here writes to stdout or stderr.
 */
import { MeshgateError } from '../errors.js';
import { loadSdkBuiltins } from './opa-sdk.js';
import { FUEL_EXPORT, METER_IMPORT } from './meter.js';
import { goSprintf } from './sprintf.js';
import { jsonString } from '../json-string.js';

/** A custom built-in: receives the JSON arguments, returns a JSON value. */
export type CustomBuiltin = (...args: unknown[]) => unknown;

// meshgate's own built-ins, looked up before the SDK's: the SDK's sprintf (sprintf-js) rejects `%q` and throws
// on null, so a Go-compatible one makes WASM and `opa eval` agree. The SDK's table is loaded only when a
// policy first calls a built-in not here (the shipped policies call sprintf alone), and is left as it is.
const OWN_BUILTINS: ReadonlyMap<string, CustomBuiltin> = new Map([['sprintf', goSprintf as CustomBuiltin]]);
let sdkTable: Readonly<Record<string, CustomBuiltin | undefined>> | undefined;
const sdkBuiltins = (): Readonly<Record<string, CustomBuiltin | undefined>> => (sdkTable ??= loadSdkBuiltins<CustomBuiltin>());
/** `table[name]` when it is the table's own entry (a built-in named `constructor` is not Object's). */
const ownEntry = (table: Readonly<Record<string, CustomBuiltin | undefined>>, name: string): CustomBuiltin | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);

type Fn = (...args: number[]) => number;

/** The exports of an OPA policy module that meshgate calls. */
interface OpaExports {
  opa_malloc: Fn;
  opa_json_parse: Fn;
  opa_json_dump: Fn;
  opa_heap_ptr_get: Fn;
  opa_heap_ptr_set: Fn;
  builtins: Fn;
  entrypoints: Fn;
  opa_eval?: Fn;
  opa_eval_ctx_new?: Fn;
  opa_eval_ctx_set_input?: Fn;
  opa_eval_ctx_set_data?: Fn;
  opa_eval_ctx_set_entrypoint?: Fn;
  opa_eval_ctx_get_result?: Fn;
  eval?: Fn;
}

const REQUIRED = ['opa_malloc', 'opa_json_parse', 'opa_json_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'builtins', 'entrypoints'] as const;
const LEGACY_EVAL = ['opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result', 'eval'] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An instantiated policy module with its data loaded. */
export class PolicyInstance {
  /** The linear memory. */
  readonly mem: WebAssembly.Memory;
  /** The ABI minor version (`opa_wasm_abi_minor_version`). */
  readonly minorVersion: number;
  /** Entrypoint ids by name. */
  readonly entrypoints: Record<string, number>;
  /** The module's exports. */
  readonly exports: OpaExports;
  /** The metering fuel (absent when the module was not metered). */
  readonly fuel: WebAssembly.Global | undefined;
  /** Address of the loaded data document. */
  dataAddr = 0;
  /** Heap pointer just after the data (inputs are written here). */
  dataHeapPtr: number;
  private readonly baseHeapPtr: number;
  private builtinNames: Record<number, string> = {};

  /**
   * Instantiates `module` with a fresh memory. `tick` is the metering host function (required when the
   * module was metered). Throws MG_POLICY_ABI when the module is not an OPA policy of a supported ABI.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.MemoryDescriptor, private readonly custom: Record<string, CustomBuiltin>, tick: () => number, name: string) {
    this.mem = new WebAssembly.Memory(memory);
    const dispatch = (id: number, ...args: number[]): number => this.callBuiltin(id, args);
    const imports: WebAssembly.Imports = {
      env: {
        memory: this.mem,
        opa_abort: (addr: number): never => {
          throw this.readString(addr);
        },
        opa_println: (): void => {}, // print() output is a debugging aid; a library never writes to stdout
        opa_builtin0: (id: number) => dispatch(id),
        opa_builtin1: (id: number, _ctx: number, a: number) => dispatch(id, a),
        opa_builtin2: (id: number, _ctx: number, a: number, b: number) => dispatch(id, a, b),
        opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) => dispatch(id, a, b, c),
        opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) => dispatch(id, a, b, c, d),
      },
      [METER_IMPORT.module]: { [METER_IMPORT.name]: tick },
    };
    const instance = new WebAssembly.Instance(module, imports);
    const ex = instance.exports as Record<string, unknown>;
    const abi = globalValue(ex['opa_wasm_abi_version']);
    if (abi === undefined) throw new MeshgateError('MG_POLICY_ABI', `${name}: policy.wasm is not an OPA policy module (it exports no opa_wasm_abi_version)`);
    if (abi !== 1) throw new MeshgateError('MG_POLICY_ABI', `${name}: unsupported OPA WebAssembly ABI version ${abi} (meshgate supports 1)`);
    this.minorVersion = globalValue(ex['opa_wasm_abi_minor_version']) ?? 0;
    const missing = REQUIRED.filter((k) => typeof ex[k] !== 'function');
    if (typeof ex['opa_eval'] !== 'function' || this.minorVersion < 2) missing.push(...(LEGACY_EVAL.filter((k) => typeof ex[k] !== 'function') as never[]));
    if (missing.length > 0) throw new MeshgateError('MG_POLICY_ABI', `${name}: policy.wasm lacks the OPA ABI exports ${missing.join(', ')}`);
    this.exports = ex as unknown as OpaExports;
    this.fuel = ex[FUEL_EXPORT] instanceof WebAssembly.Global ? ex[FUEL_EXPORT] : undefined;
    const names = this.dump(this.exports.builtins()) as Record<string, number>;
    for (const [k, v] of Object.entries(names)) this.builtinNames[v] = k;
    this.dataAddr = this.loadText('{}');
    this.baseHeapPtr = this.exports.opa_heap_ptr_get();
    this.dataHeapPtr = this.baseHeapPtr;
    this.entrypoints = this.dump(this.exports.entrypoints()) as Record<string, number>;
  }

  /** Loads the data document from its JSON bytes (replacing any earlier data). */
  setData(json: Uint8Array): void {
    this.exports.opa_heap_ptr_set(this.baseHeapPtr);
    this.dataAddr = this.load(json);
    this.dataHeapPtr = this.exports.opa_heap_ptr_get();
  }

  /** ABI < 1.2 evaluation through an evaluation context, of the input's JSON text; returns the result set's JSON text. */
  evaluateLegacy(input: string, entrypoint: number): string {
    const ex = this.exports as Required<OpaExports>;
    ex.opa_heap_ptr_set(this.dataHeapPtr);
    const inputAddr = this.loadText(input);
    const ctx = ex.opa_eval_ctx_new();
    ex.opa_eval_ctx_set_input(ctx, inputAddr);
    ex.opa_eval_ctx_set_data(ctx, this.dataAddr);
    ex.opa_eval_ctx_set_entrypoint(ctx, entrypoint);
    ex.eval(ctx);
    return this.readText(ex.opa_json_dump(ex.opa_eval_ctx_get_result(ctx)));
  }

  /**
   * A byte view of the linear memory, re-made only when the memory has grown: growing detaches the old
   * buffer, and a view of a detached buffer has length 0 (cheaper to test than reading `mem.buffer`).
   */
  heap(): Uint8Array {
    if (this.heapView === undefined || this.heapView.length === 0) this.heapView = new Uint8Array(this.mem.buffer);
    return this.heapView;
  }
  private heapView: Uint8Array | undefined;

  /** A byte view of the linear memory from {@link dataHeapPtr} to its end (where inputs are written), re-made like {@link heap}'s. */
  inputView(): Uint8Array {
    const v = this.inView;
    if (v !== undefined && v.length !== 0 && v.byteOffset === this.dataHeapPtr) return v;
    return (this.inView = new Uint8Array(this.mem.buffer, this.dataHeapPtr));
  }
  private inView: Uint8Array | undefined;

  /** Reads the NUL-terminated JSON at `addr` and parses it. */
  readJson(addr: number): unknown {
    return JSON.parse(this.readText(addr));
  }

  /** Reads the NUL-terminated UTF-8 text at `addr` (a policy's JSON output). */
  readText(addr: number): string {
    const heap = this.heap();
    const end = heap.indexOf(0, addr);
    if (end < 0) throw new MeshgateError('MG_POLICY_RESULT_INVALID', 'policy result is not NUL-terminated');
    return decoder.decode(heap.subarray(addr, end));
  }

  private readString(addr: number): string {
    const heap = this.heap();
    const end = heap.indexOf(0, addr);
    return decoder.decode(heap.subarray(addr, end < 0 ? heap.length : end));
  }

  private dump(addr: number): unknown {
    return this.readJson(this.exports.opa_json_dump(addr));
  }

  private load(json: Uint8Array): number {
    const raw = this.exports.opa_malloc(json.byteLength);
    this.heap().set(json, raw);
    return this.parseAt(raw, json.byteLength);
  }

  /** Loads a value from its JSON text, encoded straight into the policy's heap (no intermediate byte array). */
  private loadText(text: string): number {
    const room = text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 code unit
    const raw = this.exports.opa_malloc(room);
    const { written } = encoder.encodeInto(text, this.heap().subarray(raw, raw + room));
    return this.parseAt(raw, written);
  }

  /** Parses the `length` bytes of JSON at `raw` in the heap into a policy value. */
  private parseAt(raw: number, length: number): number {
    const parsed = this.exports.opa_json_parse(raw, length);
    if (parsed === 0) throw new MeshgateError('MG_POLICY_RESULT_INVALID', 'the policy could not parse a JSON value handed to it');
    return parsed;
  }

  private callBuiltin(id: number, args: number[]): number {
    const impl = this.builtinImpls[id] ?? this.resolveBuiltin(id);
    const values: unknown[] = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) values[i] = this.dump(args[i] as number);
    const result = impl(...values);
    return result === undefined ? 0 : this.loadText(typeof result === 'string' ? jsonString(result) : JSON.stringify(result));
  }

  /** The implementation of built-in `id` (meshgate's, the SDK's, else a custom one), looked up once per instance. */
  private resolveBuiltin(id: number): CustomBuiltin {
    const name = this.builtinNames[id];
    const impl = name === undefined ? undefined : (OWN_BUILTINS.get(name) ?? ownEntry(sdkBuiltins(), name) ?? ownEntry(this.custom, name));
    if (impl === undefined) {
      throw new MeshgateError('MG_POLICY_BUILTIN_MISSING', `the policy calls built-in ${name ?? `#${id}`}, which the WebAssembly runtime does not implement`);
    }
    this.builtinImpls[id] = impl;
    return impl;
  }
  private readonly builtinImpls: (CustomBuiltin | undefined)[] = [];
}

function globalValue(g: unknown): number | undefined {
  if (typeof g === 'number') return g;
  if (g instanceof WebAssembly.Global) return Number(g.value);
  return undefined;
}
