import { type ParseArgsConfig, parseArgs } from "node:util";

/** Bad input on the command line: the CLI prints it with the command's usage and exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

const sourceOptions = {
  file: { type: "string" },
  endpoint: { type: "string" },
  region: { type: "string" },
  "events-table": { type: "string" },
  scheme: { type: "string", multiple: true },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

const checkpointOptions = {
  "checkpoint-dir": { type: "string" },
  "checkpoint-bucket": { type: "string" },
  "checkpoint-prefix": { type: "string" },
} as const satisfies Options;

const SOURCE_HELP = `Where the log is read (one of):
  --file PATH              an export file: no AWS access needed
  --endpoint URL           DynamoDB Local, e.g. http://127.0.0.1:8000
  --region REGION          DynamoDB on AWS, standard credential chain (default: AWS_REGION)
  --events-table NAME      the events table (default: events, as npm start names it)
  --scheme ID              repeatable; default: every bundled scheme plus any found in the table
Output:
  --json                   JSON on stdout instead of text
  --quiet                  no progress lines on stderr (printed every 2,000 events otherwise)`;

const CHECKPOINT_HELP = `Checkpoints (default: the folder .local/checkpoints):
  --checkpoint-dir DIR     a local folder the back office never writes to
  --checkpoint-bucket NAME an S3 bucket with Object Lock (AWS)
  --checkpoint-prefix P    key prefix in the bucket (default: checkpoints/)`;

export const commands = {
  verify: {
    summary: "recompute every stream's hash chain, check versions and schemas, compare with the latest checkpoint",
    usage: `backoffice-audit verify [source] [--checkpoint-dir DIR | --checkpoint-bucket NAME] [--reference EARLIER.jsonl]

Reports, per stream and version: version-gap, previous-hash-mismatch, hash-mismatch (with the
changed field when it can be told), schema-violation, index-key-mismatch; against the latest
checkpoint: truncated (a deleted tail), stream-deleted, checkpoint-hash-differs.
  --reference FILE         an earlier export: names the fields of an event that changed since

${SOURCE_HELP}
${CHECKPOINT_HELP}`,
    options: { ...sourceOptions, ...checkpointOptions, reference: { type: "string" } },
  },
  checkpoint: {
    summary: "verify the log, then record every stream's head where the writers cannot change it",
    usage: `backoffice-audit checkpoint [--endpoint URL | --region REGION] [--checkpoint-dir DIR | --checkpoint-bucket NAME [--retention-years N]]

Refuses (exit 1) when the log does not verify, so a checkpoint never vouches for a broken log.
  --retention-years N      S3 Object Lock (COMPLIANCE) retention (default: 7, the bewaarplicht)

${SOURCE_HELP}
${CHECKPOINT_HELP}`,
    options: { ...sourceOptions, ...checkpointOptions, "retention-years": { type: "string" } },
  },
  export: {
    summary: "write the raw log as JSON Lines (one stored event per line, hashes included)",
    usage: `backoffice-audit export [--endpoint URL | --region REGION] [--scheme ID]... [--from T] [--until T] [--out FILE]

  --out FILE               write here (never overwrites; the header then counts the events); stdout otherwise
  --from T, --until T      only events recorded in this period (ISO 8601, inclusive)

${SOURCE_HELP}`,
    options: { ...sourceOptions, out: { type: "string" }, from: { type: "string" }, until: { type: "string" } },
  },
  replay: {
    summary: "fold the log through the live projections into a separate target and compare with the live read models",
    usage: `backoffice-audit replay [source] [--read-models-table NAME] [--target-table NAME]

Every difference is listed by item (pk, sk) with the live and the replayed value; exit 1 if any.
  --read-models-table NAME the live read models to compare with (default: read-models; with --file, only when given)
  --target-table NAME      replay into this fresh table (created if missing, must be empty); in memory otherwise

${SOURCE_HELP}`,
    options: { ...sourceOptions, "read-models-table": { type: "string" }, "target-table": { type: "string" } },
  },
  "as-of": {
    summary: "a projection's documents as they stood at a moment, on recorded or business time (effective on D, as known at T)",
    usage: `backoffice-audit as-of [source] --at T --projection NAME [--id DOCUMENT] [--axis recorded|business] [--known-at T]

  --at T                   the asked moment, inclusive. Recorded axis: an ISO 8601 instant with Z or an
                           offset (a bare date means 00:00 UTC of that day). Business axis: the effective
                           date D (a bare date means the whole day, until 23:59:59.999 UTC)
  --axis AXIS              recorded (default): the events recorded until --at.
                           business: the events effective on or before --at (their decision, receipt or
                           payment date: domain/effective-date.ts) among those recorded until --known-at
  --known-at T             business axis only: what was known at this recorded time (default: now)
  --projection NAME        e.g. schemes, applications, budget-lines
  --id DOCUMENT            one document (e.g. an application id); every document otherwise

Lists as backdated the events used that were known only later: recorded after D (business axis),
or recorded more than a day after their effective date (recorded axis).

${SOURCE_HELP}`,
    options: { ...sourceOptions, at: { type: "string" }, projection: { type: "string" }, id: { type: "string" }, axis: { type: "string" }, "known-at": { type: "string" } },
  },
  explain: {
    summary: "list the events that produced one read-model document, with their effective dates",
    usage: `backoffice-audit explain [source] --projection NAME --id DOCUMENT [--at T [--axis recorded|business] [--known-at T]]

  --at, --axis, --known-at as for as-of: the document as it stood then (every event so far without --at)

${SOURCE_HELP}`,
    options: { ...sourceOptions, projection: { type: "string" }, id: { type: "string" }, at: { type: "string" }, axis: { type: "string" }, "known-at": { type: "string" } },
  },
} as const satisfies Record<string, { summary: string; usage: string; options: Options }>;

export type CommandName = keyof typeof commands;

export const generalUsage = `Usage: backoffice-audit <command> [options]   (backoffice-audit <command> --help for its options)

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join("\n")}

Exit codes: 0 done and sound; 1 verification failed or the replay differs; 2 bad input or the source cannot be read.`;

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(commands, name);
}

/** Parses one command's flags; unknown flags, stray arguments and missing values are usage errors. */
export function parseCommand(command: CommandName, argv: ReadonlyArray<string>): ParsedValues {
  try {
    return parseArgs({ args: [...argv], options: commands[command].options, strict: true, allowPositionals: false }).values as ParsedValues;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** An instant from the command line, normalised to the form the log records (ISO 8601 UTC, milliseconds). */
export function instantOption(values: ParsedValues, flag: string): string | undefined {
  const text = values[flag];
  if (text === undefined) return undefined;
  const ms = typeof text === "string" ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} ${String(text)} is not a date or ISO 8601 instant`);
  return new Date(ms).toISOString();
}

export function stringOption(values: ParsedValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === "string" ? value : undefined;
}

export function requiredOption(values: ParsedValues, flag: string): string {
  const value = stringOption(values, flag);
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

/** --axis: recorded (the default) or business. */
export function axisOption(values: ParsedValues): "recorded" | "business" {
  const axis = stringOption(values, "axis") ?? "recorded";
  if (axis !== "recorded" && axis !== "business") throw new UsageError(`--axis ${axis} is neither recorded nor business`);
  return axis;
}

/** An effective date D from the command line: a bare date means the whole of that day (UTC), as the API reads it. */
export function effectiveDateOption(values: ParsedValues, flag: string): string | undefined {
  const text = values[flag];
  if (typeof text === "string" && /^\d{4}-\d{2}-\d{2}$/.test(text)) return instantOption({ [flag]: `${text}T23:59:59.999Z` }, flag);
  return instantOption(values, flag);
}
