/**
 * Adds the `planned_values` section that `terraform show -json` always writes (bench/gen-plan.mjs emits
 * only resource_changes + configuration): one child module per module instance, each resource's
 * `values` = its planned `after`. Checkov reads resources from planned_values, so without it Checkov
 * would see an empty plan. Pure; returns a new plan object.
 */
export function withPlannedValues(plan) {
  const modules = new Map();
  const root = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.change?.actions?.includes('delete') && rc.change.after == null) continue;
    const r = { address: rc.address, mode: rc.mode, type: rc.type, name: rc.name, provider_name: rc.provider_name, schema_version: 0, values: rc.change?.after ?? {}, sensitive_values: {} };
    if (rc.index !== undefined) r.index = rc.index;
    if (!rc.module_address) root.push(r);
    else {
      if (!modules.has(rc.module_address)) modules.set(rc.module_address, []);
      modules.get(rc.module_address).push(r);
    }
  }
  const root_module = { resources: root, child_modules: [...modules].map(([address, resources]) => ({ address, resources })) };
  return { ...plan, planned_values: { root_module } };
}
