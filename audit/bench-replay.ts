import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { projections } from "../domain/projections/index.ts";
import type { NewEvent } from "../events/index.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { foldProjections, rebuildProjections } from "../functions/projector/rebuild.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, readModelsTable } from "../functions/store/tables.ts";
import { localCredentials, localRegion, startDynamoDbLocal } from "../local/dynamodb-local.ts";
import { eventsOfExport, openExport, writeExport } from "./export.ts";
import { verifyLog } from "./verify.ts";

/**
 * Replay throughput on DynamoDB Local, from the table and from an export file, each against a
 * plain read of the same log in the same run (the machines are noisy: ratios travel, absolute
 * numbers do not). Writes its own log first: several concurrent writers, short streams.
 *
 *   npx tsx audit/bench-replay.ts --events 100000 --writers 8 --schemes 4
 */
const { values } = parseArgs({
  options: { events: { type: "string", default: "100000" }, writers: { type: "string", default: "8" }, schemes: { type: "string", default: "4" }, "stream-length": { type: "string", default: "10" } },
});
const logSize = Number(values.events);
const writers = Number(values.writers);
const schemeIds = Array.from({ length: Number(values.schemes) }, (_, i) => `bench-${i + 1}`);
const streamLength = Number(values["stream-length"]);

const say = (message: string) => process.stderr.write(`[bench-replay] ${message}\n`);
const perSecond = (events: number, ms: number) => Math.round((events * 1000) / ms);
const round = (n: number) => Math.round(n * 100) / 100;

async function timed<T>(label: string, run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  say(label);
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

async function count(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

const metadata = { actor: "bench", role: "admin", channel: "system" as const, correlationId: "bench" };

/** The i-th event of a stream: a budget line (opened, then tranches) or an application (registered, then found incomplete). */
function eventOf(schemeId: string, kind: "budget-line" | "application", id: string, i: number): NewEvent {
  if (kind === "budget-line") {
    return i === 0
      ? { type: "BudgetLineOpened", data: { schemeId, schemeVersion: "sha256:bench", budgetLineId: id, name: id, amountCents: 1e9, releasedCents: 0 } }
      : { type: "BudgetTrancheReleased", data: { schemeId, schemeVersion: "sha256:bench", budgetLineId: id, amountCents: 1000 + i, boardDecision: `decision ${i}` } };
  }
  return i === 0
    ? {
        type: "ApplicationRegistered",
        data: {
          applicationId: id, schemeId, schemeVersion: "sha256:bench", instrumentId: "execution", technohub: { name: "Hub", region: "Twente" },
          applicant: { companyName: "Bench BV", chamberOfCommerceNumber: null }, requestedAmountCents: 100_000, receivedAt: "2025-05-01T09:00:00.000Z",
        },
      }
    : { type: "ApplicationFoundIncomplete", data: { applicationId: id, missingSectionIds: [`section-${i}`], note: null } };
}

/** Each writer appends one event at a time to its own short streams, round-robin over the schemes. */
async function writeLog(store: DynamoDbEventStore) {
  const perWriter = Math.ceil(logSize / writers);
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const n = Math.floor(i / streamLength);
        const schemeId = schemeIds[(w + n) % schemeIds.length]!;
        const kind = n % 2 === 0 ? "budget-line" : "application";
        const id = `w${w}-s${n}`;
        const streamId = kind === "budget-line" ? `budget-line#${schemeId}.${id}` : `application#${id}`;
        await store.append([{ streamId, expectedVersion: i % streamLength, schemeId, events: [eventOf(schemeId, kind, id, i % streamLength)], metadata }]);
        if (++written % 10_000 === 0) say(`  ${written} events written`);
      }
    }),
  );
  return written;
}

const dynamo = await startDynamoDbLocal();
const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
const workDir = await mkdtemp(join(tmpdir(), "bench-replay-"));
const freshReadModels = async () => {
  const name = `bench-rm-${randomUUID().slice(0, 6)}`;
  await createTable(client, name, readModelsTable);
  return new DynamoDbReadModelStore(client, name);
};

try {
  const tableName = `bench-events-${randomUUID().slice(0, 6)}`;
  await createTable(client, tableName, eventsTable);
  const store = new DynamoDbEventStore({ client, tableName });
  const writing = await timed(`write ${logSize} events: ${writers} writers, streams of ${streamLength}, ${schemeIds.length} schemes`, () => writeLog(store));
  const events = writing.result;

  // Warm-up passes: DynamoDB Local (a JVM) reads a table slower at first; no measurement pays for that.
  for (let pass = 0; pass < 2; pass++) await count(store.readSchemeItems(schemeIds));
  const plainRead = await timed("plain read of the log in global order (baseline)", () => count(store.readSchemeItems(schemeIds)));
  const replayMemory = await timed("replay from DynamoDB into memory", () => foldProjections({ events: store.readSchemes(schemeIds), projections }));
  const replayTable = await timed("replay from DynamoDB into a fresh read-model table", async () =>
    rebuildProjections({ events: store.readSchemes(schemeIds), projections, target: await freshReadModels() }),
  );
  const verifyTable = await timed("verify from DynamoDB", () => verifyLog(store.readSchemeItems(schemeIds)));

  const file = join(workDir, "log.jsonl");
  const exporting = await timed("export to a file", () =>
    writeExport({ items: store.readSchemeItems(schemeIds), scope: { schemes: schemeIds, allSchemes: true }, exportedAt: new Date(), to: file }),
  );
  const fileRead = await timed("plain read of the export file (baseline)", async () => count((await openExport(file)).records));
  const replayFileMemory = await timed("replay from the file into memory", async () => foldProjections({ events: eventsOfExport((await openExport(file)).records), projections }));
  const replayFileTable = await timed("replay from the file into a fresh read-model table", async () =>
    rebuildProjections({ events: eventsOfExport((await openExport(file)).records), projections, target: await freshReadModels() }),
  );
  const verifyFile = await timed("verify the file", async () => verifyLog((await openExport(file)).records));

  // The baseline again at the end: the faster of the two keeps the ratios conservative.
  const plainReadAgain = await timed("plain read of the log again (baseline, end of run)", () => count(store.readSchemeItems(schemeIds)));
  if (plainRead.result !== events || fileRead.result !== events || replayMemory.result.events !== events || verifyFile.result.report.problems.length) {
    throw new Error(`inconsistent run: wrote ${events}, read ${plainRead.result}, file ${fileRead.result}, problems ${verifyFile.result.report.problems.length}`);
  }
  const readRate = perSecond(events, Math.min(plainRead.ms, plainReadAgain.ms));
  const fileReadRate = perSecond(events, fileRead.ms);
  const rate = (ms: number) => ({ eventsPerSecond: perSecond(events, ms), toPlainLogRead: round(perSecond(events, ms) / readRate) });
  console.log(
    JSON.stringify(
      {
        events,
        streams: Math.ceil(events / streamLength),
        schemes: schemeIds.length,
        appendsPerSecond: perSecond(events, writing.ms),
        plainLogReadEventsPerSecond: { start: perSecond(events, plainRead.ms), end: perSecond(events, plainReadAgain.ms) },
        replayFromDynamoDb: { intoMemory: rate(replayMemory.ms), intoFreshTable: { ...rate(replayTable.ms), items: replayTable.result.items } },
        verifyFromDynamoDb: rate(verifyTable.ms),
        export: { ...rate(exporting.ms), bytes: (await stat(file)).size },
        plainFileReadEventsPerSecond: fileReadRate,
        replayFromFile: {
          intoMemory: { ...rate(replayFileMemory.ms), toPlainFileRead: round(perSecond(events, replayFileMemory.ms) / fileReadRate) },
          intoFreshTable: rate(replayFileTable.ms),
        },
        verifyFromFile: { ...rate(verifyFile.ms), toPlainFileRead: round(perSecond(events, verifyFile.ms) / fileReadRate) },
      },
      null,
      2,
    ),
  );
} finally {
  client.destroy();
  await dynamo.stop();
  await rm(workDir, { recursive: true, force: true });
}
