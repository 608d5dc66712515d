import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { COMMAND_CATALOG, COMMAND_TYPES, CommandResource, CommandType, commandSpec, pathFields } from '@points/contracts';
import { ApiClient, CliError } from './api-client';
import { bulkAwardUpload } from './bulk-award-command';
import { printJson } from './output';
import { referenceHint, resolveReference } from './references';
import { Session, idempotencyHeader, ownOptions, withSession } from './session';

/** A payload field and the option that sets it. */
interface Flag {
  field: string;
  option: Option;
  /** A boolean field (a schedule's `paused`), typed on the command line as true or false. */
  yesNo: boolean;
}

/**
 * A command whose HTTP body is not its JSON payload (a bulk award uploads a
 * CSV): it brings its own options and request, and gets the catalog flags'
 * values to send as it must.
 */
export interface Upload {
  options: Option[];
  run(session: Session, path: string, fields: Record<string, string>, options: Record<string, unknown>): Promise<number>;
}

/** `set-settings --file settings.json`: the settings are one nested document, so they come from a file rather than flags. */
const settingsUpload: Upload = {
  options: [new Option('--file <json>', 'the settings as JSON: {"timeZone": "Europe/Berlin", "limits": {"perAward": "500", "perGiver": {"amount": "5000", "period": "month"}, …}}').makeOptionMandatory().helpGroup('Required:')],
  async run(session, path, _fields, options) {
    const file = String(options.file);
    let settings: unknown;
    try {
      settings = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError(`--file: cannot read JSON from ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const answer = await session.client.request<unknown>('PUT', path, settings, { prefer: 'wait=30', ...idempotencyHeader(options.idempotencyKey) });
    return printAnswer(answer.status, answer.body, session.json);
  },
};

const UPLOADS: { [T in CommandType]?: Upload } = { bulk_award: bulkAwardUpload, update_settings: settingsUpload };

const REQUIRED = 'Required:';

/** One sub-command per command in the catalog: its name, help, options and route all come from there. */
export function addCatalogCommands(program: Command): void {
  program.commandsGroup('Commands (from the command catalog):');
  const taken = new Set(program.options.map((option) => option.long));
  for (const type of COMMAND_TYPES) {
    const spec = commandSpec(type);
    const flags = flagsOf(type);
    for (const { option } of flags) {
      // A catalog flag named like a global option would be silently taken by the program.
      if (taken.has(option.long)) throw new Error(`catalog flag ${option.long} of ${type} clashes with a global option`);
    }
    const upload = UPLOADS[type];
    const command = program
      .command(spec.cli.name)
      .summary(spec.route.summary)
      .description(spec.route.notes ? `${spec.route.summary}.\n\n${spec.route.notes}` : spec.route.summary)
      .addHelpText('after', `\n${(spec.route.method ?? 'post').toUpperCase()} ${spec.route.path}, allowed for: ${spec.roles.join(', ')}`);
    // Required options first, so their help group heads the list (groups show in order of first appearance).
    const options = [...flags.map((flag) => flag.option), ...(upload?.options ?? [])].sort((a, b) => Number(b.mandatory) - Number(a.mandatory));
    for (const option of options) command.addOption(option);
    command.addOption(new Option('--idempotency-key <key>', 'makes a retry safe: the same key with the same values returns the same command'));
    command.action(
      withSession(async (session, invoked) => {
        const options = ownOptions(invoked);
        const fields = await fieldValues(session.client, flags, options);
        if (upload) return upload.run(session, spec.route.path, fields, options);
        const { path, body } = routed(spec.route.path, fields);
        for (const { field, yesNo } of flags) if (yesNo && field in body) (body as Record<string, unknown>)[field] = body[field] === 'true';
        const answer = await session.client.request<unknown>((spec.route.method ?? 'post').toUpperCase(), path, body, { prefer: 'wait=30', ...idempotencyHeader(options.idempotencyKey) });
        return printAnswer(answer.status, answer.body, session.json);
      }),
    );
  }
}

/** A route's path fields (`/api/approvals/:approvalId/approve`) filled from the fields; the rest is the body. */
function routed(template: string, fields: Record<string, string>): { path: string; body: Record<string, string> } {
  const body = { ...fields };
  let path = template;
  for (const field of pathFields(template)) {
    path = path.replace(`:${field}`, encodeURIComponent(body[field] ?? ''));
    delete body[field];
  }
  return { path, body };
}

function flagsOf(type: CommandType): Flag[] {
  const { payload, cli } = commandSpec(type);
  if (!(payload instanceof z.ZodObject)) throw new Error(`the payload of ${type} is not an object`);
  const shape = payload.shape as Record<string, z.ZodType>;
  const declared: [string, string | { flag: string; default: string } | undefined][] = Object.entries(cli.flags);
  return declared.flatMap(([field, flag]) => (flag === undefined ? [] : [{ field, option: optionFor(field, flag, shape[field]), yesNo: layers(shape[field]).at(-1) instanceof z.ZodBoolean }]));
}

function optionFor(field: string, declared: string | { flag: string; default: string }, schema: z.ZodType): Option {
  const { flag, fallback } = typeof declared === 'string' ? { flag: declared, fallback: undefined } : { flag: declared.flag, fallback: declared.default };
  const about = [referenceHint(field), described(schema)].filter(Boolean).join('; ') || words(field);
  const option = new Option(`--${flag} <${field}>`, about);
  const inner = layers(schema).at(-1);
  if (inner instanceof z.ZodEnum) option.choices(inner.options.map(String));
  if (inner instanceof z.ZodBoolean) option.choices(['true', 'false']);
  if (fallback !== undefined) option.default(fallback);
  else if (isRequired(schema)) option.makeOptionMandatory().helpGroup(REQUIRED);
  return option;
}

/** Null or absent both mean "not given" to a person typing flags (a bulk award's description is stored as null). */
const isRequired = (schema: z.ZodType) => !schema.safeParse(undefined).success && !schema.safeParse(null).success;

/** A field's schema and every schema it wraps (optional, nullable, default, transform), outermost first. */
function layers(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) return [schema, ...layers(schema.unwrap() as z.ZodType)];
  if (schema instanceof z.ZodPipe) return [schema, ...layers(schema.in as z.ZodType)];
  return [schema];
}

/** The outermost description: `.describe()` may sit on any layer (an amount's is under its transform). */
const described = (schema: z.ZodType) => layers(schema).find((layer) => layer.description)?.description;

/** `referenceNote` → "reference note", for a field the schema does not describe. */
const words = (field: string) => field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

async function fieldValues(client: ApiClient, flags: Flag[], options: Record<string, unknown>): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const { field, option } of flags) {
    const value = options[option.attributeName()];
    if (typeof value === 'string') fields[field] = await resolveReference(client, field, value, option.long ?? field);
  }
  return fields;
}

/** What a command route answers: the command (200), "still running" (202), or the ledger's rejection (the status of its code). */
interface Answers {
  succeeded: CommandResource;
  rejected: { error: { code: string; message: string }; command: CommandResource };
  running: { commandId: string; statusUrl: string };
}

function printAnswer(status: number, body: unknown, json: boolean): number {
  if (json) printJson(body);
  else if (status >= 400) {
    const { error } = body as Answers['rejected'];
    console.log(`✗ rejected: ${error.code}: ${error.message}`);
  } else if (status === 202) {
    const { commandId, statusUrl } = body as Answers['running'];
    console.log(`… still running: ${statusUrl} (follow it with: npm run cli -- command ${commandId})`);
  } else printCommand(body as Answers['succeeded']);
  return status >= 400 ? 2 : 0;
}

/** A command resource as a person reads it: its outcome, and the result of a succeeded one. */
export function printCommand(command: CommandResource): void {
  const name = COMMAND_CATALOG[command.type].cli.name;
  if (command.status === 'succeeded') {
    console.log(`✓ ${name} succeeded`);
    printJson(command.result);
  } else if (command.error) console.log(`✗ ${command.status}: ${command.error.code}: ${command.error.message}`);
  else console.log(`… ${name} is ${command.status}`);
}
