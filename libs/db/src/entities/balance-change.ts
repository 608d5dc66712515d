import { bigint, money } from './columns';

/**
 * An account's balance before and after a change, and the version the change gave it:
 * the columns the account journals and the allocation log share.
 */
export const balanceChange = () => ({ previousBalance: money(), newBalance: money(), version: bigint() });

export const balanceChangeChecks = (tableName: string) => [
  { name: `${tableName}_previous_balance_check`, expression: 'previous_balance >= 0' },
  { name: `${tableName}_new_balance_check`, expression: 'new_balance >= 0' },
  { name: `${tableName}_version_check`, expression: 'version > 0' },
];
