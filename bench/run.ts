import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { projections } from "../domain/projections/index.ts";
import type { NewEvent } from "../events/index.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../functions/projector/rebuild.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, readModelsTable } from "../functions/store/tables.ts";
import { localCredentials, localRegion, startDynamoDbLocal } from "../local/dynamodb-local.ts";

/**
 * Measures the event store and the rebuild on DynamoDB Local, each against a baseline taken in
 * the same run (the machines are noisy: ratios travel, absolute numbers do not).
 */
const { values } = parseArgs({ options: { appends: { type: "string", default: "1000" }, events: { type: "string", default: "20000" }, writers: { type: "string", default: "8" } } });
const appends = Number(values.appends);
const logSize = Number(values.events);
const writers = Number(values.writers);

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const dynamo = await startDynamoDbLocal();
const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
const documents = DynamoDBDocumentClient.from(client);
const results: Record<string, unknown> = {};

try {
  const tableName = `bench-events-${randomUUID().slice(0, 6)}`;
  await createTable(client, tableName, eventsTable);
  const store = new DynamoDbEventStore({ client, tableName });
  const metadata = { actor: "bench", role: "admin", channel: "system" as const, correlationId: "bench" };
  const event = (n: number, schemeId = "bench"): NewEvent => ({
    type: "BudgetTrancheReleased",
    data: { schemeId, schemeVersion: "sha256:bench", budgetLineId: "main", amountCents: n + 1, boardDecision: `decision ${n}` },
  });

  // Warm the JVM (DynamoDB Local is about 3x slower for its first couple of thousand requests) so neither side pays for it.
  say("warming up DynamoDB Local");
  for (let i = 0; i < 3000; i++) await store.append([{ streamId: `scheme#warm-${i % 3}`, expectedVersion: Math.floor(i / 3), schemeId: "warm", events: [event(i)], metadata }]);

  say(`append latency: ${appends} sequential appends to one stream vs ${appends} plain puts`);
  const baseline: number[] = [];
  for (let i = 0; i < appends; i++) {
    const started = performance.now();
    await documents.send(new PutCommand({ TableName: tableName, Item: { streamId: "baseline#plain", version: i + 1, payload: JSON.stringify(event(i).data) } }));
    baseline.push(performance.now() - started);
  }
  const appendTimes: number[] = [];
  for (let i = 0; i < appends; i++) {
    const started = performance.now();
    await store.append([{ streamId: "scheme#latency", expectedVersion: i, schemeId: "bench", events: [event(i)], metadata }]);
    appendTimes.push(performance.now() - started);
  }
  baseline.sort((a, b) => a - b);
  appendTimes.sort((a, b) => a - b);
  results.appendLatencyMs = { p50: round(percentile(appendTimes, 50)), p99: round(percentile(appendTimes, 99)) };
  results.plainPutLatencyMs = { p50: round(percentile(baseline, 50)), p99: round(percentile(baseline, 99)) };
  results.appendToPlainPutRatioP50 = round(percentile(appendTimes, 50) / percentile(baseline, 50));
  say(JSON.stringify(results));

  say(`build a log of ${logSize} events with ${writers} writers`);
  const perWriter = Math.ceil(logSize / writers);
  const startedLog = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        // Short streams (10 events), as applications have: many streams, as in a real scheme.
        const streamId = `budget-line#w${w}-s${Math.floor(i / 10)}`;
        const first: NewEvent = {
          type: "BudgetLineOpened",
          data: { schemeId: "bench-log", schemeVersion: "sha256:bench", budgetLineId: "main", name: "Main", amountCents: 1e9, releasedCents: 0 },
        };
        await store.append([{ streamId, expectedVersion: i % 10, schemeId: "bench-log", events: [i % 10 === 0 ? first : event(i, "bench-log")], metadata }]);
        if (w === 0 && i % 1000 === 0 && i) say(`  ${i * writers} events`);
      }
    }),
  );
  const logSeconds = (performance.now() - startedLog) / 1000;
  results.concurrentAppendsPerSecond = round((perWriter * writers) / logSeconds, 0);

  say("read the whole log in global order (baseline for the rebuild)");
  let readCount = 0;
  const startedRead = performance.now();
  for await (const _ of store.readSchemeItems(["bench-log"])) readCount++;
  const readSeconds = (performance.now() - startedRead) / 1000;
  results.logReadEventsPerSecond = round(readCount / readSeconds, 0);

  say("rebuild every projection from the log into a fresh read-model table");
  const readModels = `bench-rm-${randomUUID().slice(0, 6)}`;
  await createTable(client, readModels, readModelsTable);
  const rebuilt = await rebuildProjections({
    events: store.readSchemes(["bench-log"]),
    projections,
    target: new DynamoDbReadModelStore(client, readModels),
    onProgress: (p) => say(`  ${p.events} events, ${Math.round(p.events / (p.elapsedMs / 1000))} events/s`),
  });
  results.rebuild = { events: rebuilt.events, items: rebuilt.items, eventsPerSecond: round(rebuilt.events / (rebuilt.elapsedMs / 1000), 0) };
  results.rebuildToLogReadRatio = round(rebuilt.events / (rebuilt.elapsedMs / 1000) / (readCount / readSeconds));
} finally {
  client.destroy();
  await dynamo.stop();
}
console.log(JSON.stringify(results, null, 2));
