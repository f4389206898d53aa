/**
 * The effective tags of a Terraform resource (provider default_tags, then tags_all, then tags; unknown
 * values null and named in `unknown`, sensitive ones replaced by the marker and named in `sensitive`) are
 * read without building a path array per key. Held against a plain reference written the obvious way
 * (Object.fromEntries of the concatenated entries, a path walk per key) over generated resources: odd
 * keys (`__proto__`, numeric ones), mirrors that are `true`, objects, arrays or missing, deleted resources.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveResource, SENSITIVE } from '../src/subjects/terraform/derive.js';
import type { PlanResource } from '../src/subjects/terraform/model.js';
import { marked } from '../src/subjects/terraform/values.js';
import { isObject } from '../src/is-object.js';

// the reference reads each tag through the per-path mirror walk (`marked`), as tags were read before
const isObj = isObject;
const markedRef = marked;

/** The reference reading of tags. */
function tagsRef(r: PlanResource): { tags: Record<string, unknown>; unknown: string[]; sensitive: string[]; taggable: boolean } {
  const unknown: string[] = [];
  const sensitive: string[] = [];
  const values = r.after ?? r.before ?? {};
  const entries: [string, unknown][] = [];
  if (r.defaultTags) for (const k of Object.keys(r.defaultTags)) entries.push([k, r.defaultTags[k]]);
  const taggable = Object.hasOwn(values, 'tags') || Object.hasOwn(values, 'tags_all') || markedRef(r.afterUnknown, ['tags']);
  for (const attr of ['tags_all', 'tags']) {
    const src = values[attr];
    if (!isObj(src)) continue;
    for (const k of Object.keys(src)) entries.push([k, src[k]]);
  }
  const tags = Object.fromEntries(entries) as Record<string, unknown>;
  const useAfter = r.after !== null;
  if (useAfter && markedRef(r.afterUnknown, ['tags']) && !isObj(values['tags'])) unknown.push('tags');
  for (const k of Object.keys(tags)) {
    if (useAfter && (markedRef(r.afterUnknown, ['tags', k]) || (markedRef(r.afterUnknown, ['tags_all', k]) && !isObj(values['tags'])))) {
      tags[k] = null;
      unknown.push(`tags.${k}`);
    }
    if (useAfter && (markedRef(r.afterSensitive, ['tags', k]) || markedRef(r.afterSensitive, ['tags_all', k]))) {
      tags[k] = SENSITIVE;
      sensitive.push(`tags.${k}`);
    }
  }
  return { tags, unknown, sensitive, taggable };
}

const key = fc.constantFrom('Domain', 'DataClassification', 'Owner', '__proto__', 'constructor', '10', '2', 'a b', '');
const value = fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null), fc.integer(), fc.constant(''));
/** An object built with own properties only (a `__proto__` key included), as JSON.parse gives it. */
const record = (v: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
  fc.array(fc.tuple(key, v), { maxLength: 5 }).map((pairs) => JSON.parse(JSON.stringify(Object.fromEntries(pairs))) as Record<string, unknown>);
const tagBlock = fc.oneof(record(value), fc.constant(undefined), fc.constant(null), fc.constant([]), fc.constant('x'));
const mirrorLeaf = fc.oneof(fc.boolean(), record(fc.boolean()), fc.constant([true]));
const mirror = fc.oneof(fc.constant(true), fc.constant({}), fc.constant(undefined), fc.record({ tags: mirrorLeaf, tags_all: mirrorLeaf }, { requiredKeys: [] }));
const values = fc.record({ tags: tagBlock, tags_all: tagBlock }, { requiredKeys: [] }).map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>);

const resource = fc
  .record({
    after: fc.oneof(values, fc.constant(null)),
    before: fc.oneof(values, fc.constant(null)),
    afterUnknown: mirror,
    afterSensitive: mirror,
    defaultTags: fc.oneof(record(value), fc.constant(undefined)),
  })
  .map(({ after, before, afterUnknown, afterSensitive, defaultTags }): PlanResource => {
    const r: PlanResource = {
      address: 'aws_instance.x',
      mode: 'managed',
      type: 'aws_instance',
      name: 'x',
      module: '',
      modulePath: '',
      actions: ['create'],
      action: 'create',
      before,
      after,
      afterUnknown: afterUnknown ?? {},
      afterSensitive: afterSensitive ?? {},
      deleted: false,
      drifted: false,
    };
    if (defaultTags) r.defaultTags = defaultTags;
    return r;
  });

describe('effective tags of a resource', () => {
  it('match the reference reading on generated resources', () => {
    fc.assert(
      fc.property(resource, (r) => {
        const got = deriveResource(r, undefined);
        const want = tagsRef(r);
        expect(got.tags).toStrictEqual(want.tags);
        expect(Object.keys(got.tags)).toEqual(Object.keys(want.tags));
        expect(got.unknown).toEqual(want.unknown);
        expect(got.sensitive).toEqual(want.sensitive);
        expect(got.taggable).toBe(want.taggable);
        expect(JSON.stringify(got.tags)).toBe(JSON.stringify(want.tags));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a `__proto__` tag as a plain own tag', () => {
    const after = JSON.parse('{"tags":{"__proto__":"x","Domain":"finance"}}') as Record<string, unknown>;
    const r: PlanResource = { address: 'a.b', mode: 'managed', type: 'aws_instance', name: 'b', module: '', modulePath: '', actions: ['create'], action: 'create', before: null, after, afterUnknown: {}, afterSensitive: {}, deleted: false, drifted: false };
    const { tags } = deriveResource(r, undefined);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.keys(tags)).toEqual(['__proto__', 'Domain']);
    expect(JSON.stringify(tags)).toBe('{"__proto__":"x","Domain":"finance"}');
  });
});
