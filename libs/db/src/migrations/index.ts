import { Migration20261123000000_initial } from './Migration20261123000000_initial';
import { Migration20261123010000_bulk_awards } from './Migration20261123010000_bulk_awards';
import { Migration20261123020000_tenant_consistent_journals } from './Migration20261123020000_tenant_consistent_journals';
import { Migration20261124000000_balance_tables_fillfactor } from './Migration20261124000000_balance_tables_fillfactor';
import { Migration20261124010000_distribution_provenance } from './Migration20261124010000_distribution_provenance';
import { Migration20261124050000_exactly_once_in_the_schema } from './Migration20261124050000_exactly_once_in_the_schema';
import { Migration20261124060000_events_count_once_delivered } from './Migration20261124060000_events_count_once_delivered';
import { Migration20261124070000_command_outcomes } from './Migration20261124070000_command_outcomes';
import { Migration20261124080000_outbox_outcomes } from './Migration20261124080000_outbox_outcomes';
import { Migration20261125000000_tenant_settings } from './Migration20261125000000_tenant_settings';
import { Migration20261125010000_award_holds } from './Migration20261125010000_award_holds';
import { Migration20261125020000_departments } from './Migration20261125020000_departments';
import { Migration20261125030000_bulk_award_holds } from './Migration20261125030000_bulk_award_holds';
import { Migration20261125040000_reversals } from './Migration20261125040000_reversals';
import { Migration20261125050000_allocation_schedules } from './Migration20261125050000_allocation_schedules';
import { Migration20261125060000_point_expiry } from './Migration20261125060000_point_expiry';
import { Migration20261125070000_budget_returns } from './Migration20261125070000_budget_returns';

/** Explicit list, so migrations run the same from TypeScript sources and bundles. */
export const MIGRATIONS = [
  { name: 'Migration20261123000000_initial', class: Migration20261123000000_initial },
  { name: 'Migration20261123010000_bulk_awards', class: Migration20261123010000_bulk_awards },
  { name: 'Migration20261123020000_tenant_consistent_journals', class: Migration20261123020000_tenant_consistent_journals },
  { name: 'Migration20261124000000_balance_tables_fillfactor', class: Migration20261124000000_balance_tables_fillfactor },
  { name: 'Migration20261124010000_distribution_provenance', class: Migration20261124010000_distribution_provenance },
  { name: 'Migration20261124050000_exactly_once_in_the_schema', class: Migration20261124050000_exactly_once_in_the_schema },
  { name: 'Migration20261124060000_events_count_once_delivered', class: Migration20261124060000_events_count_once_delivered },
  { name: 'Migration20261124070000_command_outcomes', class: Migration20261124070000_command_outcomes },
  { name: 'Migration20261124080000_outbox_outcomes', class: Migration20261124080000_outbox_outcomes },
  { name: 'Migration20261125000000_tenant_settings', class: Migration20261125000000_tenant_settings },
  { name: 'Migration20261125010000_award_holds', class: Migration20261125010000_award_holds },
  { name: 'Migration20261125020000_departments', class: Migration20261125020000_departments },
  { name: 'Migration20261125030000_bulk_award_holds', class: Migration20261125030000_bulk_award_holds },
  { name: 'Migration20261125040000_reversals', class: Migration20261125040000_reversals },
  { name: 'Migration20261125050000_allocation_schedules', class: Migration20261125050000_allocation_schedules },
  { name: 'Migration20261125060000_point_expiry', class: Migration20261125060000_point_expiry },
  { name: 'Migration20261125070000_budget_returns', class: Migration20261125070000_budget_returns },
];
