import { Migration20261123000000_initial } from './Migration20261123000000_initial';

/** Explicit list, so migrations run the same from TypeScript sources and bundles. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_initial', class: Migration20261123000000_initial },
];
