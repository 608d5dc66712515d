module.exports = { ...require('../../jest.preset.cjs'), displayName: 'ledger-worker', rootDir: __dirname };
