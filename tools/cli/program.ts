import { Command, CommanderError } from 'commander';
import { addCatalogCommands } from './catalog-commands';
import { addReadCommands } from './read-commands';
import { GLOBAL_OPTIONS } from './session';

/** The whole CLI: one sub-command per catalog command, then the reads. */
export function buildProgram(): Command {
  const program = new Command('npm run cli --')
    .description('A thin client over the points gateway HTTP API: every command in the command catalog, and the everyday reads.')
    // Settings first: sub-commands copy them when they are created.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true });
  for (const option of GLOBAL_OPTIONS) program.addOption(option);
  addCatalogCommands(program);
  addReadCommands(program);
  return program;
}

/**
 * Runs the CLI on `argv` (the words after the script) and returns the exit code:
 * 0 done, 2 the ledger rejected it, 1 the CLI's own error (printed as one
 * message, never a stack trace).
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // commander has already printed its own message (or the help it was asked for).
    if (error instanceof CommanderError) return error.exitCode;
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
