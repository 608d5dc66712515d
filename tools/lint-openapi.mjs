// `npm run lint:openapi -- <file or URL>`: the gateway's OpenAPI document against
// Redocly's `recommended` ruleset and Spectral's `oas` ruleset. Prints every
// problem; exits 1 if either reports an error. The tests run it on the document
// a live gateway serves (apps/gateway/test/pagination-and-docs.int.spec.ts).
import { readFile } from 'node:fs/promises';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';

const source = process.argv[2];
if (!source) {
  console.error('usage: npm run lint:openapi -- <openapi.json file or URL>');
  process.exit(2);
}
const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : await readFile(source, 'utf8');

const redocly = await lintFromString({ source: text, absoluteRef: source, config: await createConfig({ extends: ['recommended'] }) });
const spectral = new spectralCore.Spectral();
spectral.setRuleset({ extends: [[spectralRulesets.oas, 'recommended']] });
const SEVERITY = ['error', 'warn', 'info', 'hint'];
const spectralProblems = await spectral.run(new spectralCore.Document(text, spectralParsers.Json));

const problems = [
  ...redocly.map((p) => ({ tool: 'redocly', severity: p.severity, rule: p.ruleId, message: p.message, where: p.location?.[0]?.pointer ?? '' })),
  ...spectralProblems.map((p) => ({ tool: 'spectral', severity: SEVERITY[p.severity], rule: p.code, message: p.message, where: `#/${p.path.join('/')}` })),
];
for (const p of problems) console.log(`${p.severity.padEnd(5)} ${p.tool} ${p.rule}: ${p.message} ${p.where}`);
const errors = problems.filter((p) => p.severity === 'error').length;
console.log(`${errors} errors, ${problems.length - errors} warnings (Redocly recommended, Spectral oas)`);
process.exit(errors > 0 ? 1 : 0);
