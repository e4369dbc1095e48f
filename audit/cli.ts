import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { projectionNamed, projections } from "../domain/projections/index.ts";
import type { RecordedEvent } from "../events/index.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { foldProjections } from "../functions/projector/rebuild.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { readModelsTable } from "../functions/store/tables.ts";
import { localCredentials, localRegion } from "../local/dynamodb-local.ts";
import { bundledSchemes } from "../schemes/bundled.ts";
import { type CheckpointStore, CheckpointUnreadable, FolderCheckpointStore, checkpointOf } from "./checkpoint.ts";
import {
  axisOption,
  type CommandName,
  effectiveDateOption,
  type ParsedValues,
  UsageError,
  commands,
  generalUsage,
  instantOption,
  isCommand,
  parseCommand,
  requiredOption,
  stringOption,
} from "./cli-options.ts";
import { itemCountOf, scanTable, schemesInTable } from "./dynamodb-log.ts";
import { type LogScope, coversScheme, coversWholeStreams } from "./event-log.ts";
import { explainDocument, renderExplanation } from "./explain.ts";
import { ExportUnreadable, eventsOfExport, openExport, referenceOf, writeExport } from "./export.ts";
import { withProgress } from "./progress.ts";
import { type ItemDifference, replayAndCompare, stateAsOf } from "./replay.ts";
import { S3CheckpointStore } from "./s3-checkpoint-store.ts";
import { type VerifyOptions, renderVerification, verifyLog } from "./verify.ts";

/** The source or a service could not be read as asked (unreachable endpoint, missing table, no credentials). */
class SourceUnavailable extends Error {
  override name = "SourceUnavailable";
}

interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

interface Context {
  readonly values: ParsedValues;
  readonly io: Io;
  readonly progress: (line: string) => void;
}

/** A DynamoDB reached through --endpoint (DynamoDB Local) or the AWS defaults (--region, credential chain). */
interface Dynamo {
  readonly client: DynamoDBClient;
  readonly where: string;
}

function dynamoOf(values: ParsedValues): Dynamo {
  const endpoint = stringOption(values, "endpoint");
  const region = stringOption(values, "region");
  if (endpoint) {
    if (!URL.canParse(endpoint)) throw new UsageError(`--endpoint ${endpoint} is not a URL`);
    // DynamoDB Local checks no credentials, but the SDK insists on some.
    return { client: new DynamoDBClient({ endpoint, region: region ?? localRegion, credentials: localCredentials }), where: endpoint };
  }
  return { client: new DynamoDBClient(region ? { region } : {}), where: `AWS${region ? ` ${region}` : ""}` };
}

/** Proves the table answers before a long run, and turns the SDK's failures into a sentence. */
async function reachTable(dynamo: Dynamo, tableName: string): Promise<number | undefined> {
  try {
    return await itemCountOf(dynamo.client, tableName);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.name === "ResourceNotFoundException") throw new SourceUnavailable(`table ${tableName} does not exist at ${dynamo.where}`);
    if (e.name === "CredentialsProviderError") throw new SourceUnavailable(`no AWS credentials found (standard credential chain): ${e.message}`);
    if (/region is missing/i.test(e.message)) throw new SourceUnavailable("no AWS region: pass --region or set AWS_REGION");
    throw new SourceUnavailable(`cannot reach DynamoDB at ${dynamo.where}: ${e.code ?? e.name}${e.message ? ` (${e.message})` : ""}`);
  }
}

const eventsTableOf = (values: ParsedValues) => stringOption(values, "events-table") ?? "events";

function fileOf(values: ParsedValues): string | undefined {
  const file = stringOption(values, "file");
  if (file && (values.scheme as string[] | undefined)?.length) throw new UsageError("--scheme selects schemes in the table; an export file holds the scope it was exported with");
  return file;
}

/** The schemes named with --scheme, or every bundled scheme plus any found in the table. */
async function schemeScope(values: ParsedValues, dynamo: Dynamo, tableName: string): Promise<LogScope> {
  const named = values.scheme as string[] | undefined;
  if (named?.length) return { schemes: [...new Set(named)], allSchemes: false };
  const bundled = bundledSchemes()
    .all()
    .map((s) => s.definition.id);
  return { schemes: [...new Set([...bundled, ...(await schemesInTable(dynamo.client, tableName))])].sort(), allSchemes: true };
}

function checkpointStoreOf(values: ParsedValues): CheckpointStore {
  const bucket = stringOption(values, "checkpoint-bucket");
  if (!bucket) return new FolderCheckpointStore(stringOption(values, "checkpoint-dir"));
  const region = stringOption(values, "region");
  const years = stringOption(values, "retention-years");
  if (years !== undefined && !(Number.isInteger(Number(years)) && Number(years) > 0)) throw new UsageError(`--retention-years ${years} is not a positive whole number`);
  return new S3CheckpointStore({
    client: new S3Client(region ? { region } : {}),
    bucket,
    prefix: stringOption(values, "checkpoint-prefix"),
    retentionYears: years === undefined ? undefined : Number(years),
  });
}

async function latestCheckpoint(store: CheckpointStore) {
  try {
    return await store.latest();
  } catch (error) {
    if (error instanceof CheckpointUnreadable) throw error;
    throw new SourceUnavailable(`cannot read the checkpoints: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const progressed = <T>(context: Context, items: AsyncIterable<T>, total?: number) => withProgress(items, { report: context.progress, total });

/** The log as raw stored items, with what verify needs to know about how it was read. */
interface RawLog {
  readonly records: AsyncIterable<unknown>;
  readonly scope: LogScope;
  readonly label: string;
  readonly options: Pick<VerifyOptions, "startsMidStream" | "expectedEvents">;
  readonly itemLabel?: (position: number) => string;
}

async function rawLogOf(context: Context): Promise<RawLog> {
  const file = fileOf(context.values);
  if (file) {
    const opened = await openExport(file);
    const scope = opened.header.scope;
    const { from, until } = scope;
    return {
      records: progressed(context, opened.records, opened.header.eventCount),
      scope,
      label: `${file} (exported ${opened.header.exportedAt}${from || until ? `, recorded ${from ?? "…"} to ${until ?? "…"}` : ""})`,
      options: { startsMidStream: from !== undefined, expectedEvents: opened.header.eventCount },
      itemLabel: (position) => `line ${position + 1}`,
    };
  }
  const dynamo = dynamoOf(context.values);
  const table = eventsTableOf(context.values);
  const count = await reachTable(dynamo, table);
  const named = context.values.scheme as string[] | undefined;
  if (named?.length) {
    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table });
    return { records: progressed(context, store.readSchemeItems(named)), scope: { schemes: named, allSchemes: false }, label: `${table} at ${dynamo.where}, schemes ${named.join(", ")}`, options: {} };
  }
  // Everything: a Scan sees every item, also one whose index keys were altered or whose scheme nobody knows.
  return { records: progressed(context, scanTable(dynamo.client, table), count), scope: { schemes: [], allSchemes: true }, label: `${table} at ${dynamo.where}, whole table`, options: {} };
}

async function verifyRaw(context: Context, log: RawLog, reference?: VerifyOptions["reference"]) {
  const checkpoint = coversWholeStreams(log.scope) ? await latestCheckpoint(checkpointStoreOf(context.values)) : undefined;
  return verifyLog(log.records, { ...log.options, reference, checkpoint: checkpoint && { checkpoint, covers: coversScheme(log.scope) } });
}

async function verify(context: Context): Promise<number> {
  const referenceFile = stringOption(context.values, "reference");
  const reference = referenceFile ? await referenceOf(await openExport(referenceFile)) : undefined;
  const log = await rawLogOf(context);
  const { report } = await verifyRaw(context, log, reference);
  context.io.stdout.write(context.values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderVerification(report, log.label, log.itemLabel)}\n`);
  return report.problems.length ? 1 : 0;
}

async function checkpoint(context: Context): Promise<number> {
  if (fileOf(context.values)) throw new UsageError("a checkpoint records the live log: read it from DynamoDB (--endpoint or --region), not from a file");
  const store = checkpointStoreOf(context.values);
  const log = await rawLogOf(context);
  const { report, heads } = await verifyRaw(context, log);
  if (report.problems.length) {
    context.io.stderr.write(`${renderVerification(report, log.label)}\nNo checkpoint taken: the log does not verify.\n`);
    return 1;
  }
  const taken = checkpointOf(heads, new Date());
  const location = await store.write(taken);
  const summary = { location, takenAt: taken.takenAt, streams: heads.size, events: report.events, digest: taken.digest };
  context.io.stdout.write(context.values.json ? `${JSON.stringify(summary, null, 2)}\n` : `Checkpoint of ${heads.size} streams (${report.events} events verified) written to ${location}\ndigest ${taken.digest}\n`);
  return 0;
}

async function exportLog(context: Context): Promise<number> {
  if (fileOf(context.values)) throw new UsageError("export reads the table (--endpoint or --region); an export file is already an export");
  const dynamo = dynamoOf(context.values);
  const table = eventsTableOf(context.values);
  await reachTable(dynamo, table);
  const from = instantOption(context.values, "from");
  const until = instantOption(context.values, "until");
  if (from && until && from > until) throw new UsageError(`--from ${from} is after --until ${until}`);
  const scope: LogScope = { ...(await schemeScope(context.values, dynamo, table)), ...(from ? { from } : {}), ...(until ? { until } : {}) };
  const out = stringOption(context.values, "out");
  const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table });
  const { events } = await writeExport({ items: progressed(context, store.readSchemeItems(scope.schemes, { until })), scope, exportedAt: new Date(), to: out ?? context.io.stdout });
  const summary = { file: out ?? "(stdout)", events, scope };
  // With no --out the export itself is on stdout: the summary goes to stderr.
  const channel = out ? context.io.stdout : context.io.stderr;
  channel.write(context.values.json ? `${JSON.stringify(summary, null, 2)}\n` : `Exported ${events} events of ${scope.schemes.join(", ")} to ${summary.file}\n`);
  return 0;
}

/** The log as the domain reads it (upcast, validated), up to `until` when given, and whether it is the whole log. */
async function eventsOf(context: Context, until?: string): Promise<{ events: AsyncIterable<RecordedEvent>; wholeLog: boolean }> {
  const file = fileOf(context.values);
  if (file) {
    const opened = await openExport(file);
    const wholeLog = opened.header.scope.allSchemes && coversWholeStreams(opened.header.scope);
    return { events: progressed(context, eventsOfExport(opened.records, until), opened.header.eventCount), wholeLog };
  }
  const dynamo = dynamoOf(context.values);
  const table = eventsTableOf(context.values);
  await reachTable(dynamo, table);
  const scope = await schemeScope(context.values, dynamo, table);
  const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table });
  return { events: progressed(context, store.readSchemes(scope.schemes, { until })), wholeLog: scope.allSchemes };
}

async function freshTarget(dynamo: Dynamo, tableName: string): Promise<DynamoDbReadModelStore> {
  await createTable(dynamo.client, tableName, readModelsTable);
  const first = await DynamoDBDocumentClient.from(dynamo.client).send(new ScanCommand({ TableName: tableName, Limit: 1 }));
  if (first.Items?.length) throw new UsageError(`--target-table ${tableName} is not empty: a replay loads into a fresh table`);
  return new DynamoDbReadModelStore(dynamo.client, tableName);
}

function renderDifferences(differences: ReadonlyArray<ItemDifference>): string {
  const shown = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));
  return differences
    .map((d) => {
      const details =
        d.kind === "differs"
          ? (d.changes ?? []).map((c) => `    ${c.path}: live ${shown(c.before)}, replayed ${shown(c.after)}`)
          : [`    ${d.kind === "only-live" ? "live" : "replayed"}: ${JSON.stringify(d.live ?? d.replayed)}`];
      return [`  ${d.pk} / ${d.sk}  ${d.kind}`, ...details].join("\n");
    })
    .join("\n");
}

async function replay(context: Context): Promise<number> {
  const { events, wholeLog } = await eventsOf(context);
  const liveTable = stringOption(context.values, "read-models-table") ?? (fileOf(context.values) ? undefined : "read-models");
  const targetTable = stringOption(context.values, "target-table");
  if (!liveTable) {
    if (targetTable) throw new UsageError("--target-table needs --read-models-table: a replay into a table is there to be compared");
    const started = performance.now();
    const folded = await foldProjections({ events, projections });
    const documents = Object.fromEntries([...folded.documents].map(([name, docs]) => [name, docs.size]));
    const summary = { events: folded.events, documents, elapsedMs: Math.round(performance.now() - started), compared: false };
    context.io.stdout.write(context.values.json ? `${JSON.stringify(summary, null, 2)}\n` : `Replayed ${folded.events} events in ${summary.elapsedMs} ms into memory: ${JSON.stringify(documents)} (no live read models named: nothing compared)\n`);
    return 0;
  }
  const dynamo = dynamoOf(context.values);
  await reachTable(dynamo, liveTable);
  const live = new DynamoDbReadModelStore(dynamo.client, liveTable);
  if (targetTable === liveTable) throw new UsageError("--target-table must not be the live read models");
  const target = targetTable ? await freshTarget(dynamo, targetTable) : undefined;
  const report = await replayAndCompare({ events, live, target, wholeLog });
  if (context.values.json) context.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const scope = report.wholeLog ? "the whole log" : "part of the log (live items outside it are not compared)";
    context.io.stdout.write(
      `Replayed ${report.events} events of ${scope} into ${targetTable ?? "memory"}: ${report.items} items, compared with ${liveTable}.\n` +
        (report.differences.length ? `${report.differences.length} difference(s):\n${renderDifferences(report.differences)}\n` : "Identical, item for item.\n"),
    );
  }
  return report.differences.length ? 1 : 0;
}

function projectionOption(values: ParsedValues) {
  const name = requiredOption(values, "projection");
  try {
    return projectionNamed(name);
  } catch {
    throw new UsageError(`--projection ${name} is not a projection; there are: ${projections.map((p) => p.name).join(", ")}`);
  }
}

/** The asked moment on the asked axis, and the recorded time the log is read up to. */
function axisOf(values: ParsedValues, atRequired: boolean) {
  const axis = axisOption(values);
  const at = axis === "business" ? effectiveDateOption(values, "at") : instantOption(values, "at");
  if (atRequired && !at) throw new UsageError("--at is required");
  const knownAt = instantOption(values, "known-at");
  if (axis === "recorded" && knownAt) throw new UsageError("--known-at belongs to --axis business: on the recorded axis, --at is the recorded time");
  if (axis === "business" && !at) throw new UsageError("--axis business needs --at (the effective date)");
  return { axis, at, knownAt: axis === "business" ? (knownAt ?? new Date().toISOString()) : at };
}

/** The scheme's set-up events count from its term's opening date (bundled definitions). */
const effectiveDates = { schemeOpensOn: (schemeId: string) => bundledSchemes().get(schemeId)?.definition.term.opens };

async function asOf(context: Context): Promise<number> {
  const { axis, at, knownAt } = axisOf(context.values, true);
  const projection = projectionOption(context.values);
  const { events } = await eventsOf(context, knownAt);
  const state = await stateAsOf({ events, projection, asOf: at!, documentId: stringOption(context.values, "id"), axis, knownAt, effectiveDates });
  if (context.values.json) context.io.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  else {
    const header =
      `${state.projection} ${state.statement} (${state.events} events replayed, ${state.datedByRecording} of them dated by their recorded time` +
      `${axis === "business" ? `, ${state.notYetEffective} known but not yet effective` : ""}): ${state.documents.length} document(s)`;
    const backdated = state.backdatedCount
      ? [`Backdated: ${state.backdatedCount} event(s) known only later${state.backdatedCount > state.backdated.length ? ` (the first ${state.backdated.length} listed)` : ""}:`, ...state.backdated.map((b) => `  ${b.streamId} v${b.version}  ${b.type}  effective ${b.effectiveAt} (${b.effectiveFrom}), recorded ${b.recordedAt}`)]
      : [];
    context.io.stdout.write(`${[header, ...state.documents.map((d) => `${d.documentId} (revision ${d.revision}):\n${JSON.stringify(d.doc, null, 2)}`), ...backdated].join("\n")}\n`);
  }
  return 0;
}

async function explain(context: Context): Promise<number> {
  const projection = projectionOption(context.values);
  const documentId = requiredOption(context.values, "id");
  const { axis, at, knownAt } = axisOf(context.values, false);
  const { events } = await eventsOf(context, knownAt);
  const explanation = await explainDocument({ events, projection, documentId, axis, at, knownAt, effectiveDates });
  context.io.stdout.write(context.values.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${renderExplanation(explanation)}\n`);
  return 0;
}

const run: Record<CommandName, (context: Context) => Promise<number>> = { verify, checkpoint, export: exportLog, replay, "as-of": asOf, explain };

/** Runs one command line; returns the exit code (0 sound, 1 verification failed or replay differs, 2 bad input or unreadable source). */
export async function main(argv: ReadonlyArray<string>, io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${generalUsage}\n`);
    return 0;
  }
  if (!isCommand(name)) {
    io.stderr.write(`${name ? `backoffice-audit: unknown command ${name}\n\n` : ""}${generalUsage}\n`);
    return 2;
  }
  try {
    const values = parseCommand(name, rest);
    if (values.help) {
      io.stdout.write(`${commands[name].usage}\n`);
      return 0;
    }
    const progress = values.quiet ? () => undefined : (line: string) => io.stderr.write(`[${name}] ${line}\n`);
    return await run[name]({ values, io, progress });
  } catch (error) {
    const known = error instanceof UsageError || error instanceof SourceUnavailable || error instanceof ExportUnreadable || error instanceof CheckpointUnreadable;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`backoffice-audit ${name}: ${message}\n${error instanceof UsageError ? `\n${commands[name].usage}\n` : ""}`);
    if (!known && process.env.DEBUG) io.stderr.write(`${(error as Error).stack ?? ""}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
