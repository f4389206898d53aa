// Stands in for the yaml package inside the prebuilt opa-wasm SDK (tsup alias): the SDK's YAML built-ins
// call parse/stringify, and the SDK's own yaml (v1, nested under the SDK in node_modules) loads on the
// first call.
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');

let real;
function load() {
  if (!real) {
    const sdkMain = createRequire(__filename).resolve('@open-policy-agent/opa-wasm');
    real = createRequire(join(dirname(sdkMain), 'builtins', 'yaml.js'))('yaml');
  }
  return real;
}

module.exports = {
  parse: (text) => load().parse(text),
  stringify: (value) => load().stringify(value),
};
