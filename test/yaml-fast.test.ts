/**
 * The fast path for contract YAML (src/subjects/contract/yaml-fast.ts) against the yaml package's path:
 * random documents rendered in the subset's styles, the public corpus and the repo's fixtures must give the
 * same tree (key order, prototype-free objects, value types) and the same locations; inputs outside the
 * subset give undefined, and parseSource's errors for broken documents stay the library's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshgateError } from '../src/errors.js';
import { parseSource, parseSourceWith, pathKey } from '../src/subjects/contract/tree.js';
import type { ParseSourceOptions, TreeValue } from '../src/subjects/contract/tree.js';
import { parseYamlFast } from '../src/subjects/contract/yaml-fast.js';
import { CORPUS, FIXTURES, ROOT, skipCorpus } from './helpers/paths.js';

type Path = (string | number)[];

const at = { file: undefined, lineShift: 0, colShift: 0 };

function allPaths(v: TreeValue, path: Path, out: Path[]): Path[] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...path, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) allPaths(v[k] as TreeValue, [...path, k], out);
  return out;
}

function prototypeFree(v: TreeValue): boolean {
  if (Array.isArray(v)) return v.every(prototypeFree);
  if (v !== null && typeof v === 'object') return Object.getPrototypeOf(v) === null && Object.keys(v).every((k) => prototypeFree(v[k] as TreeValue));
  return true;
}

/** Key order and value types, with -0 told apart from 0. */
function shape(v: TreeValue): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.keys(v).map((k) => [k, shape(v[k] as TreeValue)]);
  return typeof v === 'number' && Object.is(v, -0) ? '-0' : [typeof v, v];
}

/** Fast path result (undefined when refused) checked against the library path when it accepted. */
function agree(text: string, opts: ParseSourceOptions = {}): boolean {
  const at = { file: opts.file, lineShift: opts.lineShift ?? 0, colShift: opts.colShift ?? 0 };
  const fast = parseYamlFast(text, at);
  if (fast === undefined) return false;
  const lib = parseSourceWith(text, opts, false);
  expect(shape(fast.root)).toEqual(shape(lib.root));
  // (not toStrictEqual: it compares `.constructor`, which a `constructor` key of the data makes differ)
  expect(fast.root).toEqual(lib.root);
  expect([prototypeFree(fast.root), prototypeFree(lib.root)]).toEqual([true, true]);
  const paths = allPaths(lib.root, [], []);
  expect(fast.locations.size).toBe(new Set(paths.map(pathKey)).size); // [] and [''] share a key
  for (const p of paths) expect([p, fast.locations.get(pathKey(p))]).toEqual([p, lib.locate(p)]);
  const viaParseSource = parseSourceWith(text, opts, true);
  expect(shape(viaParseSource.root)).toEqual(shape(lib.root));
  expect(viaParseSource.syntax).toBe('yaml');
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// random documents in the subset

/** The yaml package's core-schema tests: such plain text is null, a boolean or a number, not a string. */
const TYPED = [/^(?:~|[Nn]ull|NULL)?$/, /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, /^[-+]?[0-9]+$/, /^0o[0-7]+$/, /^0x[0-9a-fA-F]+$/, /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/];
const INDICATOR = '-?:,[]{}#&*!|>\'"%@`';

function plainOk(s: string): boolean {
  return s.length > 0 && !/[\n\t]/.test(s) && !INDICATOR.includes(s[0] ?? '') && s[0] !== ' ' && !s.endsWith(' ') && !s.endsWith(':') && !s.includes(': ') && !s.includes(' #') && !TYPED.some((re) => re.test(s));
}

const quoteDouble = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
const quoteSingle = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const charArb = fc.constantFrom(...'abcxyzAZ019 -_./:#()[]{},\'"@é中😀'.match(/./gu) ?? []);
const textArb = fc.array(charArb, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
/** Strings that look like other types or need quoting. */
const trickyArb = fc.constantFrom('1.0.0', '2020-01-01', '1e5', '0x1F', '0o17', '007', '+1', '.5', '.inf', '-.inf', '.nan', 'true', 'False', 'null', '~', 'yes', 'no', 'on', '-x', '1.2.3-rc1', '12:30', 'a: b', 'a #b', '#x', '- x', '', ' lead', 'trail ', 'http://x.y/z', 'decimal(10,2)', '^[A-Z]{3}$', "it's", 'say "hi"', 'back\\slash', 'line\nbreak', 'tab\there', '__proto__');

interface Scalar { kind: 'scalar'; text: string; flowOk: boolean }
interface Block { kind: 'block'; header: string; lines: string[] }
interface Flow { kind: 'flow'; text: string; empty: boolean }
interface MapNode { kind: 'map'; entries: { key: string; id: string; value: YNode }[] }
interface SeqNode { kind: 'seq'; items: YNode[]; compact: boolean }
interface Empty { kind: 'empty' }
type YNode = Scalar | Block | Flow | MapNode | SeqNode | Empty;

/** A string rendered plain when that reads back as the string, else quoted (single or double). */
const stringScalar = fc.tuple(fc.oneof(textArb, trickyArb), fc.boolean(), fc.boolean()).map(([s, preferQuote, dbl]): Scalar => {
  if (plainOk(s) && !preferQuote) return { kind: 'scalar', text: s, flowOk: !/[,[\]{}:#"']/.test(s) };
  const text = dbl || /[\n\t]/.test(s) ? quoteDouble(s) : quoteSingle(s);
  return { kind: 'scalar', text, flowOk: true };
});
const typedScalar = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => String(n)),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 0, max: 9999 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('-0', '0', '0.0', '-0.5', '10.50', '123456789012345', 'true', 'True', 'FALSE', 'null', 'Null', 'NULL', '~'),
).map((text): Scalar => ({ kind: 'scalar', text, flowOk: !text.startsWith('-') }));
const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(stringScalar, typedScalar);

const blockLine = fc.oneof({ weight: 4, arbitrary: textArb.map((t) => t.replace(/^ +/, '')).filter((t) => t.length > 0) }, { weight: 1, arbitrary: fc.constant('') }, { weight: 1, arbitrary: textArb.map((t) => `x${t} `) });
const blockArb = fc.tuple(fc.constantFrom('|', '>'), fc.constantFrom('', '-', '+'), fc.boolean(), fc.array(blockLine, { minLength: 1, maxLength: 5 }), fc.array(fc.constant(''), { maxLength: 2 }))
  .filter(([, , , lines]) => lines[0] !== '' && lines[lines.length - 1] !== '')
  .map(([style, chomp, comment, lines, trailing]): Block => ({ kind: 'block', header: `${style}${chomp}${comment ? ' # c' : ''}`, lines: [...lines, ...trailing] }));
const flowArb = fc.oneof(
  fc.constantFrom('[]', '{}', '[ ]', '{ }').map((text): Flow => ({ kind: 'flow', text, empty: true })),
  fc.array(scalarArb.filter((s) => s.flowOk), { minLength: 1, maxLength: 4 }).map((items): Flow => ({ kind: 'flow', text: `[${items.map((i) => i.text).join(', ')}]`, empty: false })),
);

/** Keys: identifiers, numeric-looking and special keys (ids: the key string the tree gets). */
const keyArb = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).map((k) => [k, k] as const) },
  { weight: 3, arbitrary: fc.constantFrom<readonly [string, string]>(['__proto__', '__proto__'], ['constructor', 'constructor'], ['200', '200'], ['1.10', '1.1'], ['-3', '-3'], ['null', ''], ['~', ''], ['true', 'true'], ['False', 'false'], ['"quoted key"', 'quoted key'], ["'it''s'", "it's"], ['"1.10"', '1.10'], ['é中', 'é中'], ['😀key', '😀key'], ['a b', 'a b'], ['a:b', 'a:b'], ['a#b', 'a#b'], ['x[0]', 'x[0]'], ['urn:x:y', 'urn:x:y'], ['"a: b"', 'a: b'], ['1.0.0', '1.0.0'], ['$ref', '$ref']) },
);

const { node } = fc.letrec<{ node: YNode; map: MapNode; seq: SeqNode; leaf: YNode }>((tie) => ({
  leaf: fc.oneof({ weight: 6, arbitrary: scalarArb }, { weight: 2, arbitrary: blockArb }, { weight: 2, arbitrary: flowArb }, { weight: 1, arbitrary: fc.constant<Empty>({ kind: 'empty' }) }),
  map: fc.uniqueArray(fc.tuple(keyArb, tie('node')), { minLength: 1, maxLength: 4, selector: ([[, id]]) => id })
    .map((es): MapNode => ({ kind: 'map', entries: es.map(([[key, id], value]) => ({ key, id, value })) })),
  seq: fc.tuple(fc.array(fc.oneof(tie('map'), tie('leaf')).filter((n) => n.kind !== 'empty'), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([items, compact]): SeqNode => ({ kind: 'seq', items, compact })),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('map'), tie('seq')),
}));

/** Layout choices: indentation widths, comments and blank lines, drawn as the renderer goes. */
class Layout {
  private k = 0;
  constructor(private readonly choices: number[]) {}
  pick(n: number): number {
    const c = this.choices[this.k++ % this.choices.length] ?? 0;
    return c % n;
  }
  trailing(): string {
    return this.pick(5) === 0 ? ' # note: x' : '';
  }
  /** Blank and comment lines put before a line at indent `n`. */
  filler(n: number): string[] {
    const r = this.pick(8);
    if (r === 0) return [''];
    if (r === 1) return [`${' '.repeat(this.pick(n + 1))}# comment - a: b`];
    if (r === 2) return [' '.repeat(this.pick(n + 1))];
    return [];
  }
}

function renderBlock(b: Block, indent: number, lay: Layout): string[] {
  const extra = 1 + lay.pick(3);
  return b.lines.map((l) => (l === '' ? '' : ' '.repeat(indent + extra) + l));
}

/** Lines of a map's entries at indent `n`. */
function renderMap(m: MapNode, n: number, lay: Layout): string[] {
  const out: string[] = [];
  for (const e of m.entries) {
    out.push(...lay.filler(n));
    out.push(...renderValue(`${' '.repeat(n)}${e.key}:`, e.value, n, lay, true));
  }
  return out;
}

/** `head` (a key and colon, or a dash) followed by the value, for a collection at indent `n`. */
function renderValue(head: string, v: YNode, n: number, lay: Layout, inMap: boolean): string[] {
  switch (v.kind) {
    case 'scalar':
    case 'flow':
      return [`${head} ${v.text}${lay.trailing()}`];
    case 'empty':
      return [`${head}${lay.trailing()}`];
    case 'block':
      return [`${head} ${v.header}`, ...renderBlock(v, n, lay)];
    case 'map':
      return [`${head}${lay.trailing()}`, ...renderMap(v, n + 1 + lay.pick(4), lay)];
    case 'seq': {
      const at = inMap && v.compact ? n : n + 1 + lay.pick(4);
      return [`${head}${lay.trailing()}`, ...renderSeq(v, at, lay)];
    }
  }
}

function renderSeq(s: SeqNode, m: number, lay: Layout): string[] {
  const out: string[] = [];
  for (const item of s.items) {
    out.push(...lay.filler(m));
    const dash = `${' '.repeat(m)}-${' '.repeat(1 + lay.pick(2))}`;
    if (item.kind === 'map') {
      const lines = renderMap(item, dash.length, lay);
      const first = lines.findIndex((l) => l.startsWith(' '.repeat(dash.length)) && l.trim() !== '' && !l.trim().startsWith('#'));
      const [firstLine] = lines.splice(0, first + 1).slice(-1);
      out.push(dash + (firstLine ?? '').slice(dash.length), ...lines);
    } else {
      out.push(...renderValue(dash.trimEnd(), item, m, lay, false));
    }
  }
  return out;
}

function renderDocument(root: MapNode, lay: Layout): string {
  const head = [[], ['# a contract', ''], ['---'], ['# c', '--- # start'], ['', '---', '']][lay.pick(5)] ?? [];
  return `${[...head, ...renderMap(root, 0, lay), 'END: 1'].join('\n')}\n`;
}

const rootArb = fc.uniqueArray(fc.tuple(keyArb.filter(([k]) => k !== 'END'), node), { minLength: 1, maxLength: 5, selector: ([[, id]]) => id })
  .map((es): MapNode => ({ kind: 'map', entries: es.map(([[key, id], value]) => ({ key, id, value })) }));

describe('fast path = library path on random documents of the subset', () => {
  it('accepts every rendering and gives the same tree and locations', () => {
    fc.assert(
      fc.property(rootArb, fc.array(fc.nat(), { minLength: 16, maxLength: 64 }), fc.constantFrom<ParseSourceOptions>({}, { file: 'c.yaml' }, { file: 'x.md', lineShift: 4, colShift: 2 }), (root, choices, opts) => {
        const text = renderDocument(root, new Layout(choices));
        expect(agree(text, opts), text).toBe(true);
      }),
      { numRuns: Number(process.env['YAML_FAST_RUNS'] ?? 200) },
    );
  });
});

describe('fast path = library path on hand-written forms', () => {
  const accepted: Record<string, string> = {
    'no final newline': 'a: 1\nb: x',
    'block scalar at the end': 'a: 1\nb: |\n  x\n',
    'stripped folded scalar and blank lines at the end': 'a: >-\n  x\n  y\n\n  \n',
    'empty value at the end': 'a: 1\nb:',
    'document start with a comment': '# head\n\n--- # start\n# c\na: 1\n',
    'comments at any indent': 'a:\n      # deep\n  b: 1\n# top\n  c: 2\n',
    'compact sequence at the root': 'a:\n- 1\n- x: 2\n  y: 3\nb: []\nc: {}\n',
    'block scalars in sequence items': 'a:\n  - |\n   x\n    y\n  - >-\n     p\n     q\n\n     r\n  - z\n',
    'keep chomping then a comment': 'a: |+\n  x\n\n# c\nb: 1\n',
    'folded with trailing spaces': 'a: >\n  one \n  two  \nb: 1\n',
    'numbers and versions': 'a: 1.0.0\nb: 2020-01-01\nc: -12\nd: 0.50\ne: 1.10:x\nf: +x\ng: .x\n',
    'keys resolved by the core schema': '200: a\n1.10: b\nnull: c\ntrue: d\n-0: e\n',
    'escapes': 'a: "\\u00e9\\n\\t\\/\\\\\\"\\0"\nb: \'it\'\'s\'\n',
    'regex-like plain values': 'pattern: ^[A-Z]{3}-[0-9]+$\ntype: decimal(10,2)\nurl: https://x.y/z?a=b#frag\n',
  };
  for (const [name, text] of Object.entries(accepted)) {
    it(name, () => {
      expect(agree(text, { file: 'h.yaml', lineShift: 2, colShift: 1 })).toBe(true);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// the real corpus and the repo's fixtures

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/i.test(e.name) ? [join(dir, e.name)] : []));
}

const CONTRACTS = join(CORPUS, 'contracts');

describe.skipIf(skipCorpus('yaml fast path corpus'))('fast path = library path on the corpus', () => {
  it('agrees wherever it accepts, and accepts most contracts', () => {
    expect(existsSync(CONTRACTS)).toBe(true);
    const files = yamlFiles(CONTRACTS).sort();
    const accepted = files.filter((f) => agree(readFileSync(f, 'utf8'), { file: f }));
    console.log(`yaml fast path: accepted ${accepted.length}/${files.length} corpus contracts`);
    // measured 32/44 when written
    expect(accepted.length).toBeGreaterThanOrEqual(28);
  });
});

describe('fast path = library path on the fixtures', () => {
  it('agrees wherever it accepts', () => {
    const files = yamlFiles(FIXTURES).sort();
    let accepted = 0;
    for (const f of files) {
      let text = readFileSync(f, 'utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      let lib: ReturnType<typeof parseSourceWith> | undefined;
      try {
        lib = parseSourceWith(text, {}, false);
      } catch {
        // broken on purpose: the fast path must refuse it
        expect(parseYamlFast(text, { file: undefined, lineShift: 0, colShift: 0 }), relative(ROOT, f)).toBeUndefined();
        continue;
      }
      if (lib.syntax === 'yaml' && agree(text)) accepted++;
    }
    console.log(`yaml fast path: accepted ${accepted}/${files.length} fixtures`);
    expect(accepted).toBeGreaterThan(files.length / 2);
  });
});

describe('fast path on mutated fixtures: refuses, or agrees with a library that accepts', () => {
  const texts = yamlFiles(FIXTURES).sort().map((f) => readFileSync(f, 'utf8')).filter((t) => parseYamlFast(t, at) !== undefined);
  const mutation = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('dup', 'drop', 'indent', 'dedent', 'insert'), fc.constantFrom(...' -:#"\'|>[]{},&*!?~0.\n'.split('')));
  it('never accepts what the library rejects, and agrees otherwise', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (which, muts) => {
        const lines = (texts[which % texts.length] ?? '').split('\n');
        for (const [l, c, kind, ch] of muts) {
          const i = l % lines.length;
          const line = lines[i] ?? '';
          if (kind === 'dup') lines.splice(i, 0, line);
          else if (kind === 'drop') lines.splice(i, 1);
          else if (kind === 'indent') lines[i] = ` ${line}`;
          else if (kind === 'dedent') lines[i] = line.replace(/^ /, '');
          else lines[i] = line.slice(0, c % (line.length + 1)) + ch + line.slice(c % (line.length + 1));
        }
        const text = lines.join('\n');
        if (parseYamlFast(text, at) !== undefined) expect(agree(text), text).toBe(true);
      }),
      { numRuns: Number(process.env['YAML_FAST_RUNS'] ?? 200) },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// refusals, and the library's errors unchanged

describe('inputs outside the subset give undefined', () => {
  const refused: Record<string, string> = {
    anchor: 'a: &x 1\nb: 2\n',
    alias: 'a: 1\nb: *a\n',
    'anchor on a map': 'a: &x\n  b: 1\n',
    tag: 'a: !!str 1\n',
    'local tag': 'a: !foo x\n',
    'multi-line plain': 'a: one\n  two\nb: 3\n',
    'multi-line plain in a sequence': 'a:\n- one\n  two\n',
    'multi-line quoted': 'a: "one\n  two"\n',
    tab: 'a:\tb\n',
    'tab indentation': 'a:\n\tb: 1\n',
    'CR line ends': 'a: 1\r\nb: 2\r\n',
    'explicit key': '? a\n: 1\n',
    'duplicate key': 'a: 1\nb: 2\na: 3\n',
    'duplicate key after resolution': 'null: 1\n~: 2\n',
    'two documents': '---\na: 1\n---\nb: 2\n',
    'document end': 'a: 1\n...\n',
    directive: '%YAML 1.2\n---\na: 1\n',
    'explicit indentation indicator': 'a: |2\n   x\n',
    'folded more-indented line': 'a: >\n  x\n    y\n',
    'block scalar leading blank line': 'a: |\n\n  x\n',
    'nested sequence': 'a:\n- - x\n',
    'empty sequence item': 'a:\n-\n- x\n',
    'flow map with entries': 'a: {b: 1}\n',
    'nested flow': 'a: [[1]]\n',
    'root sequence': '- a\n- b\n',
    'root scalar': 'hello\n',
    'empty document': '# only a comment\n',
    'plain value with ": "': 'a: b: c\n',
    'octal-looking': 'a: 0o17\n',
    hex: 'a: 0x1F\n',
    exponent: 'a: 1e5\n',
    infinity: 'a: .inf\n',
    'leading zero': 'a: 007\n',
    'plus sign': 'a: +1\n',
    'too many digits': 'a: 1234567890123456\n',
    'unknown escape': 'a: "\\x41"\n',
    'merge key': 'a: 1\n<<: {}\n',
    'text after a quoted scalar': 'a: "x" y\n',
    'key with space before colon': 'a : 1\n',
    'keep chomping at the end': 'a: |+\n  x\n\n',
    'block scalar without final newline': 'a: |\n  x',
    'more-indented line after a value': 'a: 1\n   b: 2\n',
    'BOM': '\ufeffa: 1\n',
    'too deep': `${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`,
  };
  for (const [name, text] of Object.entries(refused)) {
    it(name, () => {
      expect(parseYamlFast(text, at)).toBeUndefined();
    });
  }

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab: -#\n\'"|>[]{},&*!?1.'.split('')), maxLength: 60 }), (text) => {
        const r = parseYamlFast(text, at);
        if (r !== undefined) expect(agree(text)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSource errors stay the library path’s', () => {
  const broken = {
    'duplicate key': 'a: 1\nb:\n  c: 2\n  c: 3\n',
    'bad indentation': 'a:\n  b: 1\n c: 2\n',
    'unterminated quote': 'a: "x\nb: 1\n',
    'alias to nothing': 'a: *nope\n',
    'tab indentation': 'a:\n\tb: 1\n',
  };
  for (const [name, text] of Object.entries(broken)) {
    it(name, () => {
      const err = (useFast: boolean): MeshgateError => {
        try {
          parseSourceWith(text, { file: 'b.yaml' }, useFast);
        } catch (e) {
          expect(e).toBeInstanceOf(MeshgateError);
          return e as MeshgateError;
        }
        throw new Error('expected an error');
      };
      const fast = err(true);
      const lib = err(false);
      expect([fast.code, fast.message, fast.location]).toEqual([lib.code, lib.message, lib.location]);
    });
  }

  it('a duplicate key is reported by the library with its message and location', () => {
    let e: unknown;
    try {
      parseSource('a: 1\nb:\n  c: 2\n  c: 3\n', { file: 'd.yaml' });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(MeshgateError);
    expect((e as MeshgateError).code).toBe('MG_CONTRACT_SYNTAX');
    expect((e as MeshgateError).message).toContain('Map keys must be unique: "c" is defined twice');
    expect((e as MeshgateError).location).toEqual({ file: 'd.yaml', line: 4, column: 3 });
  });
});
