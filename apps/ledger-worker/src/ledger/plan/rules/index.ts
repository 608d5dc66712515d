import { CommandOf, CommandType } from '@points/contracts';
import { allocate } from './allocate';
import { award } from './award';
import { bulkAward } from './bulk-award';
import { clawback } from './clawback';
import { CommandRule } from './command-rule';
import { createUser } from './create-user';
import { delegate } from './delegate';
import { recognition } from './recognition';
import { updateSettings } from './update-settings';
import { approveAward, declineAward } from './decide-award';
import { createDepartment, setUserDepartment, updateDepartment } from './departments';
import { fundDepartment, returnDepartmentFunds } from './department-transfers';
import { reverseAllocation } from './reverse-allocation';
import { reverseAward } from './reverse-award';
import { createSchedule, deleteSchedule, runSchedule, updateSchedule } from './schedules';

/** One rule per command type of the catalog: a type without a rule does not compile. */
const RULES: { [T in CommandType]: CommandRule<T> } = {
  allocate,
  clawback,
  delegate,
  award,
  recognition,
  create_user: createUser,
  bulk_award: bulkAward,
  update_settings: updateSettings,
  approve_award: approveAward,
  decline_award: declineAward,
  create_department: createDepartment,
  update_department: updateDepartment,
  fund_department: fundDepartment,
  return_department_funds: returnDepartmentFunds,
  set_user_department: setUserDepartment,
  reverse_award: reverseAward,
  reverse_allocation: reverseAllocation,
  create_schedule: createSchedule,
  update_schedule: updateSchedule,
  delete_schedule: deleteSchedule,
  run_schedule: runSchedule,
};

export function ruleFor<T extends CommandType>(command: CommandOf<T>): CommandRule<T> {
  return RULES[command.type];
}

export type { CommandRule };
