#!/usr/bin/env node
/**
 * Writes a synthetic plan (bench/gen-plan.mjs + planned_values) to a file and prints
 * {"resources", "bytes", "expected_denies"} as JSON. Run as a child process so that the benchmark
 * process never holds a big plan in memory.
 *   node bench/lib/write-plan.mjs <resources> <file>
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { generatePlan } from '../gen-plan.mjs';
import { withPlannedValues } from './planned-values.mjs';

const n = Number(process.argv[2]);
const file = process.argv[3];
const { plan, expected } = generatePlan(n);
const full = withPlannedValues(plan);
// The generator cuts the plan at n resources, possibly inside the last data product, whose bucket then
// lacks split resources that `expected` assumed: count the denials that this truncation adds.
let truncationDenies = 0;
const lastModule = plan.resource_changes.at(-1)?.module_address;
const last = plan.resource_changes.filter((r) => r.module_address === lastModule);
const bucket = last.find((r) => r.type === 'aws_s3_bucket');
if (bucket) {
  const has = (t) => last.some((r) => r.type === t);
  const addr = bucket.address;
  const tags = bucket.change.after.tags;
  if (tags.DataClassification === 'PII' && !has('aws_s3_bucket_server_side_encryption_configuration')) truncationDenies++;
  if (tags.DataClassification === 'PII' && !has('aws_s3_bucket_logging') && !expected.piiWithoutLogging.includes(addr)) truncationDenies++;
  if (tags.Domain === 'finance' && !has('aws_s3_bucket_lifecycle_configuration') && !expected.financeWithoutRetention.includes(addr)) truncationDenies++;
}
// Written piecewise (one resource per write) so that a 100 MB plan never becomes one giant string.
const fd = openSync(file, 'w');
const { resource_changes: rcs, planned_values: pv, ...rest } = full;
writeSync(fd, `{\n "format_version": ${JSON.stringify(rest.format_version)},\n "terraform_version": ${JSON.stringify(rest.terraform_version)},\n "resource_changes": [\n`);
rcs.forEach((r, i) => writeSync(fd, `  ${JSON.stringify(r)}${i < rcs.length - 1 ? ',' : ''}\n`));
writeSync(fd, ' ],\n "planned_values": {"root_module": {"resources": [');
writeSync(fd, pv.root_module.resources.map((r) => JSON.stringify(r)).join(','));
writeSync(fd, '], "child_modules": [\n');
pv.root_module.child_modules.forEach((m, i) => writeSync(fd, `  ${JSON.stringify(m)}${i < pv.root_module.child_modules.length - 1 ? ',' : ''}\n`));
writeSync(fd, ' ]}},\n');
const tail = Object.entries(rest).filter(([k]) => k !== 'format_version' && k !== 'terraform_version');
writeSync(fd, tail.map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n'));
writeSync(fd, '\n}\n');
closeSync(fd);
process.stdout.write(JSON.stringify({ resources: rcs.length, bytes: statSync(file).size, expected_denies: expected.denies + truncationDenies, truncation_denies: truncationDenies }));
