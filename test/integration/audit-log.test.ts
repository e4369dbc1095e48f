import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FolderCheckpointStore, checkpointOf } from "../../audit/checkpoint.ts";
import { scanTable } from "../../audit/dynamodb-log.ts";
import { coversScheme } from "../../audit/event-log.ts";
import { openExport, referenceOf, writeExport } from "../../audit/export.ts";
import { type IntegrityProblem, verifyLog } from "../../audit/verify.ts";
import type { NewEvent } from "../../events/index.ts";
import { DynamoDbEventStore, type EventItem } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";

const client = localClient();
const documents = DynamoDBDocumentClient.from(client);
const schemes = ["audit-a", "audit-b"] as const;
const lines = ["main", "reserve", "extra", "spare"] as const;
let tableName: string;
let store: DynamoDbEventStore;
let workDir: string;
let checkpointDir: string;
let referenceFile: string;

const opened = (schemeId: string): NewEvent => ({
  type: "SchemeOpened",
  data: { schemeId, schemeVersion: "sha256:test", title: `Scheme ${schemeId}`, budgetLines: lines.map((l) => ({ budgetLineId: l, name: l, amountCents: 1_000_000, releasedCents: 0 })) },
});
const lineOpened = (schemeId: string, budgetLineId: string): NewEvent => ({
  type: "BudgetLineOpened",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId, name: budgetLineId, amountCents: 1_000_000, releasedCents: 100_000 },
});
const tranche = (schemeId: string, budgetLineId: string, amountCents: number): NewEvent => ({
  type: "BudgetTrancheReleased",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId, amountCents, boardDecision: `board decision ${amountCents}` },
});
const registered = (schemeId: string, n: number): NewEvent => ({
  type: "ApplicationRegistered",
  data: {
    applicationId: `${schemeId}-app-${n}`, schemeId, schemeVersion: "sha256:test", instrumentId: "execution",
    technohub: { name: `Hub ${n}`, region: null }, applicant: { companyName: `Company ${n}`, chamberOfCommerceNumber: null },
    requestedAmountCents: 10_000 * n, receivedAt: "2021-01-20T09:00:00.000Z",
  },
});

const append = (streamId: string, expectedVersion: number, schemeId: string, events: NewEvent[]) =>
  store.append([{ streamId, expectedVersion, schemeId, events, metadata: testMetadata() }]);

/** Per scheme: the scheme stream (1 event), 4 budget lines (opened + 4 tranches each), 4 applications: 25 events, 9 streams. */
async function buildHistory(schemeId: string) {
  await append(`scheme#${schemeId}`, 0, schemeId, [opened(schemeId)]);
  for (const line of lines) {
    await append(`budget-line#${schemeId}.${line}`, 0, schemeId, [lineOpened(schemeId, line)]);
    for (let v = 1; v <= 4; v++) await append(`budget-line#${schemeId}.${line}`, v, schemeId, [tranche(schemeId, line, v * 1_000)]);
  }
  for (let n = 1; n <= 4; n++) await append(`application#${schemeId}-app-${n}`, 0, schemeId, [registered(schemeId, n)]);
}

const key = (streamId: string, version: number) => ({ TableName: tableName, Key: { streamId, version } });
/** Tampering as an attacker with table access would: a raw write that bypasses the store. */
async function rewritePayload(streamId: string, version: number, attribute: "payload" | "metadata", change: (value: Record<string, unknown>) => void) {
  const [item] = await store.readStreamItems(streamId, version, version);
  const value = JSON.parse(item![attribute]);
  change(value);
  await documents.send(new UpdateCommand({ ...key(streamId, version), UpdateExpression: "SET #a = :v", ExpressionAttributeNames: { "#a": attribute }, ExpressionAttributeValues: { ":v": JSON.stringify(value) } }));
}

const summary = (problems: ReadonlyArray<IntegrityProblem>) => problems.map((p) => ({ kind: p.kind, streamId: p.streamId, version: p.version, fields: p.fields }));
const verifyScheme = async (schemeId: string, options: Parameters<typeof verifyLog>[1] = {}) => (await verifyLog(store.readSchemeItems([schemeId]), options)).report;

const exec = promisify(execFile);
/** The CLI as an auditor runs it, in its own process. */
async function cli(args: string[], command: string[] = ["npx", "tsx", "audit/cli.ts"]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(command[0]!, [...command.slice(1), ...args], { cwd: process.cwd(), env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  tableName = (await freshTables(client, "audit-log")).events;
  let clock = Date.parse("2021-01-04T09:00:00.000Z");
  store = new DynamoDbEventStore({ client, tableName, now: () => new Date((clock += 1_000)) });
  for (const schemeId of schemes) await buildHistory(schemeId);
  workDir = await mkdtemp(join(tmpdir(), "audit-log-"));
  checkpointDir = join(workDir, "checkpoints");
  // Before any tampering: the checkpoint, and an export the auditor keeps as a reference copy.
  const { heads } = await verifyLog(scanTable(client, tableName));
  await new FolderCheckpointStore(checkpointDir).write(checkpointOf(heads, new Date("2021-02-01T00:00:00.000Z")));
  referenceFile = join(workDir, "reference.jsonl");
  await writeExport({ items: store.readSchemeItems([...schemes]), scope: { schemes: [...schemes], allSchemes: true }, exportedAt: new Date(), to: referenceFile });
}, 120_000);

afterAll(async () => {
  client.destroy();
  await rm(workDir, { recursive: true, force: true });
});

describe("R-X-01 verify the event log on DynamoDB Local", () => {
  it("an intact log has no problem, read whole by Scan (against the checkpoint) or per scheme through the replay index", async () => {
    const checkpoint = (await new FolderCheckpointStore(checkpointDir).latest())!;

    const whole = (await verifyLog(scanTable(client, tableName), { checkpoint: { checkpoint, covers: () => true } })).report;
    const perScheme = await verifyScheme("audit-a");

    expect(whole).toMatchObject({ streams: 18, events: 50, problems: [] });
    expect(whole.checkpoint?.streams).toBe(18);
    expect(perScheme).toMatchObject({ streams: 9, events: 25, problems: [] });
  });

  it("TAMPER: one payload field changed in place is reported with stream, version and field, from the log alone and against a reference export", async () => {
    await rewritePayload("budget-line#audit-a.main", 3, "payload", (p) => (p.amountCents = 2_000_000));

    const alone = await verifyScheme("audit-a");
    const withReference = await verifyScheme("audit-a", { reference: await referenceOf(await openExport(referenceFile)) });

    // The field fingerprints stored beside each event name the field without any earlier copy.
    expect(summary(alone.problems)).toEqual([{ kind: "hash-mismatch", streamId: "budget-line#audit-a.main", version: 3, fields: ["payload.amountCents"] }]);
    expect(summary(withReference.problems)).toEqual([{ kind: "hash-mismatch", streamId: "budget-line#audit-a.main", version: 3, fields: ["payload.amountCents"] }]);
  });

  it("TAMPER: a field changed to a value its schema forbids is reported with the field's path", async () => {
    await rewritePayload("budget-line#audit-a.reserve", 2, "metadata", (m) => (m.channel = "carrier-pigeon"));

    const problems = summary((await verifyScheme("audit-a")).problems).filter((p) => p.streamId === "budget-line#audit-a.reserve");

    expect(problems).toEqual([
      { kind: "hash-mismatch", streamId: "budget-line#audit-a.reserve", version: 2, fields: ["metadata.channel"] },
      { kind: "schema-violation", streamId: "budget-line#audit-a.reserve", version: 2, fields: ["metadata.channel"] },
    ]);
  });

  it("an event deleted from the middle of a stream is a version-gap at that version", async () => {
    await documents.send(new DeleteCommand(key("budget-line#audit-a.extra", 3)));

    const problems = summary((await verifyScheme("audit-a")).problems).filter((p) => p.streamId === "budget-line#audit-a.extra");

    expect(problems).toEqual([{ kind: "version-gap", streamId: "budget-line#audit-a.extra", version: 3, fields: undefined }]);
  });

  it("the last event of a stream deleted, and a whole stream deleted, are reported against the checkpoint", async () => {
    await documents.send(new DeleteCommand(key("budget-line#audit-a.spare", 5)));
    await documents.send(new DeleteCommand(key("application#audit-a-app-2", 1)));
    const checkpoint = (await new FolderCheckpointStore(checkpointDir).latest())!;

    const whole = (await verifyLog(scanTable(client, tableName), { checkpoint: { checkpoint, covers: () => true } })).report;
    const scoped = await verifyScheme("audit-b", { checkpoint: { checkpoint, covers: coversScheme({ schemes: ["audit-b"], allSchemes: false }) } });

    expect(summary(whole.problems).filter((p) => p.kind === "truncated" || p.kind === "stream-deleted")).toEqual([
      { kind: "stream-deleted", streamId: "application#audit-a-app-2", version: 1, fields: undefined },
      { kind: "truncated", streamId: "budget-line#audit-a.spare", version: 5, fields: undefined },
    ]);
    // The other scheme's read is not blamed for streams of a scheme it does not cover.
    expect(scoped.problems).toEqual([]);
  });
});

describe("export, and verify the file alone", () => {
  let exportFile: string;
  beforeAll(async () => {
    exportFile = join(workDir, "audit-b.jsonl");
    await writeExport({ items: store.readSchemeItems(["audit-b"]), scope: { schemes: ["audit-b"], allSchemes: false }, exportedAt: new Date(), to: exportFile });
  });

  it("a scheme's export holds a header and exactly its stored events, hashes included, and verifies with no AWS access", async () => {
    const [first, second] = (await readFile(exportFile, "utf8")).split("\n");
    const stored = (await store.readStreamItems("scheme#audit-b"))[0]!;
    const { orderKey: _k, orderPartition: _p, ...fields } = stored as EventItem;

    const opened = await openExport(exportFile);
    const { report } = await verifyLog(opened.records, { expectedEvents: opened.header.eventCount });

    expect(JSON.parse(first!)).toMatchObject({ format: "subsidy-back-office/event-log@1", scope: { schemes: ["audit-b"] }, eventCount: 25 });
    expect(JSON.parse(second!)).toEqual(fields);
    expect(report).toMatchObject({ streams: 9, events: 25, problems: [] });
  });

  it("a tampered line, a removed line and a cut-off file are each reported", async () => {
    const text = await readFile(exportFile, "utf8");
    const fileLines = text.trimEnd().split("\n");
    const target = fileLines.findIndex((l) => l.includes('"budget-line#audit-b.main"') && l.includes('"version":2'));
    const item = JSON.parse(fileLines[target]!);
    item.payload = item.payload.replace('"amountCents":1000', '"amountCents":1000000');
    const tampered = fileLines.map((l, i) => (i === target ? JSON.stringify(item) : l));
    const removed = fileLines.filter((l) => !(l.includes('"budget-line#audit-b.reserve"') && l.includes('"version":4')));
    const files = { tampered: join(workDir, "tampered.jsonl"), removed: join(workDir, "removed.jsonl") };
    await writeFile(files.tampered, `${tampered.join("\n")}\n`);
    await writeFile(files.removed, `${removed.join("\n")}\n`);

    const verifyFile = async (path: string) => {
      const opened = await openExport(path);
      return (await verifyLog(opened.records, { expectedEvents: opened.header.eventCount })).report.problems;
    };

    const tamperedProblems = await verifyFile(files.tampered);
    expect(summary(tamperedProblems)).toEqual([{ kind: "hash-mismatch", streamId: "budget-line#audit-b.main", version: 2, fields: ["payload.amountCents"] }]);
    expect(tamperedProblems[0]!.position! + 1).toBe(target + 1);
    expect(summary(await verifyFile(files.removed))).toEqual([
      { kind: "export-incomplete", streamId: "(export)", version: 0, fields: undefined },
      { kind: "version-gap", streamId: "budget-line#audit-b.reserve", version: 4, fields: undefined },
    ]);
  });

  it("an export of a period starting mid-stream verifies from each stream's first included event", async () => {
    const items = await store.readStreamItems("budget-line#audit-b.spare");
    const from = items[2]!.recordedAt;
    const periodFile = join(workDir, "period.jsonl");
    await writeExport({ items: store.readSchemeItems(["audit-b"]), scope: { schemes: ["audit-b"], allSchemes: false, from }, exportedAt: new Date(), to: periodFile });

    const opened = await openExport(periodFile);
    const { report } = await verifyLog(opened.records, { startsMidStream: opened.header.scope.from !== undefined, expectedEvents: opened.header.eventCount });

    expect(opened.header.scope.from).toBe(from);
    expect(report.events).toBeLessThan(25);
    expect(report.problems).toEqual([]);
  });
});

describe("the backoffice-audit CLI, run as an auditor runs it", () => {
  const source = () => ["--endpoint", inject("dynamoEndpoint"), "--events-table", tableName, "--quiet"];

  it("verify of an intact scheme exits 0; of a tampered one exits 1 naming stream, version and field", async () => {
    const intact = await cli(["verify", ...source(), "--checkpoint-dir", checkpointDir, "--scheme", "audit-b"]);
    const tampered = await cli(["verify", ...source(), "--checkpoint-dir", checkpointDir, "--scheme", "audit-a", "--json"]);

    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain("No problems");
    expect(intact.stdout).toContain("Compared with the checkpoint of 2021-02-01T00:00:00.000Z");
    expect(tampered.code).toBe(1);
    const report = JSON.parse(tampered.stdout);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: "hash-mismatch", streamId: "budget-line#audit-a.main", version: 3 }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: "truncated", streamId: "budget-line#audit-a.spare", version: 5 }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: "schema-violation", streamId: "budget-line#audit-a.reserve", fields: ["metadata.channel"] }));
  }, 60_000);

  it("through the bin shim: verify of an export file needs no endpoint; bad input exits 2 with a clear message", async () => {
    const shim = [process.execPath, "bin/backoffice-audit.mjs"];
    const file = await cli(["verify", "--file", join(workDir, "audit-b.jsonl"), "--quiet"], shim);
    const unknownFlag = await cli(["verify", "--evnets-table", "x"], shim);
    const missingFile = await cli(["verify", "--file", join(workDir, "nowhere.jsonl")], shim);
    const unreachable = await cli(["verify", "--endpoint", "http://127.0.0.1:9", "--quiet"], shim);

    expect(file.code).toBe(0);
    expect(file.stdout).toMatch(/25 events/);
    expect([unknownFlag.code, missingFile.code, unreachable.code]).toEqual([2, 2, 2]);
    expect(unknownFlag.stderr).toContain("Unknown option '--evnets-table'");
    expect(missingFile.stderr).toContain("nowhere.jsonl");
    expect(unreachable.stderr).toContain("cannot reach DynamoDB at http://127.0.0.1:9");
  }, 60_000);

  it("checkpoint writes a new checkpoint for a log that verifies, and refuses one that does not", async () => {
    const folder = join(workDir, "cli-checkpoints");
    const taken = await cli(["checkpoint", ...source(), "--checkpoint-dir", folder, "--scheme", "audit-b", "--json"]);
    const refused = await cli(["checkpoint", ...source(), "--checkpoint-dir", folder, "--scheme", "audit-a"]);

    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ streams: 9, events: 25 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("No checkpoint taken");
    expect(await readdir(folder)).toHaveLength(1);
  }, 60_000);
});
