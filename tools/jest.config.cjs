// The tools' tests: the chaos suite's short run (tools/chaos/chaos.int.spec.ts).
module.exports = { ...require('../jest.preset.cjs'), displayName: 'tools', rootDir: __dirname };
