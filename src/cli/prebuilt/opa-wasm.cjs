// Entry of the CLI's prebuilt dist/cli/opa-wasm.cjs (tsup.config.ts): the opa-wasm SDK's built-ins table
// as ONE file, so a CLI run loads one module instead of walking node_modules. The table is the SDK's own
// object (meshgate only reads it: its own sprintf is looked up first); its yaml dependency is loaded on first use (yaml-v1.cjs).
module.exports = {
  builtins: require('../../../node_modules/@open-policy-agent/opa-wasm/src/builtins/index.js'),
};
