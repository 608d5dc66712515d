// Bundles one app into dist/apps/<app>/main.js: workspace libs are compiled in
// (so the path aliases disappear), npm packages stay external.
import { build } from 'esbuild';
import { ROOT } from './lib/paths.mjs';

const app = process.argv[2];
await build({
  entryPoints: [`${ROOT}/apps/${app}/src/main.ts`],
  outfile: `${ROOT}/dist/apps/${app}/main.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  tsconfig: `${ROOT}/tsconfig.base.json`,
  plugins: [
    {
      name: 'external-npm-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@points/') ? undefined : { path: args.path, external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
console.log(`built dist/apps/${app}/main.js`);
