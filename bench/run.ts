import { randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandOutput } from "@aws-sdk/lib-dynamodb";
import { projections } from "../domain/projections/index.ts";
import type { NewEvent } from "../events/index.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../functions/projector/rebuild.ts";
import { createTable } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, readModelsTable } from "../functions/store/tables.ts";
import { localCredentials, localRegion, startDynamoDbLocal } from "../local/dynamodb-local.ts";
import { measureCommandLatency } from "./command-latency.ts";
import { measureConcurrentAwards } from "./concurrency.ts";
import { measureFold } from "./fold.ts";
import { floorTable, measureRequestCosts } from "./floor.ts";
import { scaleTable, simulateScheme } from "./scale.ts";
import { measurePersonalData } from "./personal-data.ts";

/**
 * The benchmark suite (`npm run bench`), on DynamoDB Local, each figure against a baseline taken in
 * the same run (the machines are noisy: ratios travel, absolute numbers do not):
 *  - store: append vs a plain and a conditional put; a stream read vs a bare paginated Query; the
 *    rebuild vs reading the log; appends per second with several writers;
 *  - fold: the pure in-memory budget-line fold vs a bare loop over the same events;
 *  - latency: an award's latency against the budget line's length (issue 15's table);
 *  - concurrency: N awards at once on one line, every answer counted.
 * `--suites store,fold,latency,concurrency` picks some; the figures print as JSON and as a table.
 * `--suites scale` (not among the defaults: it takes minutes) is issue 15's simulation of a scheme of
 * `--applications N` (10,000) through their whole lives, `--scale-concurrency` at once, every
 * invariant checked at the end (bench/scale.ts); it exits 1 when one does not hold. `--suites floor`
 * measures what one request of each kind costs DynamoDB Local and this process (bench/floor.ts).
 */
const { values } = parseArgs({
  options: {
    suites: { type: "string", default: "store,fold,latency,concurrency,personal-data" },
    appends: { type: "string", default: "1000" },
    events: { type: "string", default: "20000" },
    writers: { type: "string", default: "8" },
    "fold-events": { type: "string", default: "1000000" },
    lengths: { type: "string", default: "10,1000,10000,100000" },
    samples: { type: "string", default: "15" },
    concurrency: { type: "string", default: "10,50,100" },
    applications: { type: "string", default: "10000" },
    "scale-concurrency": { type: "string", default: "16" },
    "progress-every": { type: "string" },
    "floor-seconds": { type: "string", default: "8" },
  },
});
const suites = new Set(values.suites.split(","));
const numbers = (list: string) => list.split(",").map(Number);

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const startedAt = new Date().toISOString();
const loadBefore = loadavg();
const dynamo = await startDynamoDbLocal();
const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
const documents = DynamoDBDocumentClient.from(client);
const results: Record<string, any> = {};

try {
  if (suites.has("store")) results.store = await storeSuite();
  if (suites.has("fold")) {
    say(`fold: ${values["fold-events"]} events in memory`);
    results.fold = [measureFold(100_000), measureFold(Number(values["fold-events"]))];
  }
  if (suites.has("latency")) results.latency = await measureCommandLatency({ lengths: numbers(values.lengths), samples: Number(values.samples), dynamo });
  if (suites.has("concurrency")) results.concurrency = await measureConcurrentAwards(numbers(values.concurrency), dynamo);
  if (suites.has("scale")) {
    const applications = Number(values.applications);
    results.scale = await simulateScheme({ applications, concurrency: Number(values["scale-concurrency"]), progressEvery: Number(values["progress-every"] ?? Math.max(10, Math.round(applications / 40))), dynamoEndpoint: dynamo.endpoint, dynamoPid: dynamo.pid });
  }
  // The cost of one request of each kind to DynamoDB Local and to this process: the floor under the scale simulation.
  if (suites.has("floor")) results.floor = await measureRequestCosts(client, { dynamoPid: dynamo.pid, seconds: Number(values["floor-seconds"]), clients: 16, say });
  // Issue 16: sealing on append and revealing on replay, against the same without (`--suites personal-data`).
  if (suites.has("personal-data")) results.personalData = await measurePersonalData(client, { appends: Math.min(Number(values.appends), 500), replayEvents: 2000 });
} finally {
  client.destroy();
  await dynamo.stop();
}
results.machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, startedAt, loadAverage1mBefore: round(loadBefore[0]!), loadAverage1mAfter: round(loadavg()[0]!) };
console.log(JSON.stringify(results, null, 2));
console.log(table(results));
if (results.floor) console.log(`\n${floorTable(results.floor)}`);
if (results.scale) {
  console.log(`\n${scaleTable(results.scale)}`);
  if (!results.scale.ok) {
    process.stderr.write(`[bench] scale: an invariant does not hold or commands failed: ${results.scale.failures.slice(0, 10).join("; ")}\n`);
    process.exitCode = 1;
  }
}

async function storeSuite(): Promise<Record<string, unknown>> {
  const appends = Number(values.appends);
  const logSize = Number(values.events);
  const writers = Number(values.writers);
  const out: Record<string, unknown> = {};
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

  say(`append latency: ${appends} sequential appends to one stream vs ${appends} plain and conditional puts`);
  const timed = async (run: (i: number) => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < appends; i++) {
      const started = performance.now();
      await run(i);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  };
  const plain = await timed((i) => documents.send(new PutCommand({ TableName: tableName, Item: { streamId: "baseline#plain", version: i + 1, payload: JSON.stringify(event(i).data) } })));
  const conditional = await timed((i) =>
    documents.send(new PutCommand({ TableName: tableName, Item: { streamId: "baseline#conditional", version: i + 1, payload: JSON.stringify(event(i).data) }, ConditionExpression: "attribute_not_exists(streamId)" })),
  );
  // The head as a command has it (read with the stream or its last event), so the append is one conditional put.
  let head: Awaited<ReturnType<DynamoDbEventStore["append"]>>[number] | undefined;
  const withHead = await timed(async (i) => {
    [head] = await store.append([{ streamId: "scheme#latency", expectedVersion: i, head, schemeId: "bench", events: [event(i)], metadata }]);
  });
  const withoutHead = await timed((i) => store.append([{ streamId: "scheme#latency-no-head", expectedVersion: i, schemeId: "bench", events: [event(i)], metadata }]));
  out.appendMs = { p50: round(percentile(withHead, 50)), p99: round(percentile(withHead, 99)) };
  out.appendWithoutHeadMs = { p50: round(percentile(withoutHead, 50)), p99: round(percentile(withoutHead, 99)) };
  out.plainPutMs = { p50: round(percentile(plain, 50)), p99: round(percentile(plain, 99)) };
  out.conditionalPutMs = { p50: round(percentile(conditional, 50)), p99: round(percentile(conditional, 99)) };
  out.appendToConditionalPutP50 = round(percentile(withHead, 50) / percentile(conditional, 50));
  out.appendWithoutHeadToConditionalPutP50 = round(percentile(withoutHead, 50) / percentile(conditional, 50));
  say(JSON.stringify(out));

  say("stream read: one stream of the appends above through the store vs a bare paginated Query of the same items");
  const readRatios: number[] = [];
  for (let r = 0; r < 5; r++) {
    let started = performance.now();
    let bare = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await documents.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: "streamId = :s", ExpressionAttributeValues: { ":s": "scheme#latency" }, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      bare += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const bareSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const read = (await store.readStream("scheme#latency")).length;
    const storeSeconds = (performance.now() - started) / 1000;
    if (read !== bare) throw new Error(`the store read ${read} events, the bare query ${bare}`);
    readRatios.push(bareSeconds / storeSeconds);
  }
  out.streamReadToBareQuery = round(readRatios.sort((a, b) => a - b)[2]!);

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
  out.concurrentAppendsPerSecond = round((perWriter * writers) / logSeconds, 0);

  say("read the whole log in global order (baseline for the rebuild)");
  let readCount = 0;
  const startedRead = performance.now();
  for await (const _ of store.readSchemeItems(["bench-log"])) readCount++;
  const readSeconds = (performance.now() - startedRead) / 1000;
  out.logReadEventsPerSecond = round(readCount / readSeconds, 0);

  say("rebuild every projection from the log into a fresh read-model table");
  const readModels = `bench-rm-${randomUUID().slice(0, 6)}`;
  await createTable(client, readModels, readModelsTable);
  const rebuilt = await rebuildProjections({
    events: store.readSchemes(["bench-log"]),
    projections,
    target: new DynamoDbReadModelStore(client, readModels),
    onProgress: (p) => say(`  ${p.events} events, ${Math.round(p.events / (p.elapsedMs / 1000))} events/s`),
  });
  out.rebuild = { events: rebuilt.events, items: rebuilt.items, eventsPerSecond: round(rebuilt.events / (rebuilt.elapsedMs / 1000), 0) };
  out.rebuildToLogReadRatio = round(rebuilt.events / (rebuilt.elapsedMs / 1000) / (readCount / readSeconds));
  return out;
}

function table(r: Record<string, any>): string {
  const lines: string[] = [`machine: ${r.machine.cpus} x ${r.machine.model}, Node ${r.machine.node}, ${r.machine.startedAt}, load average (1 min) ${r.machine.loadAverage1mBefore} before / ${r.machine.loadAverage1mAfter} after`, ""];
  if (r.latency) {
    const first = r.latency[0].awardMs.p50;
    lines.push("| budget-line events | award p50 (ms) | p90 | max | short line's award p50, in turns (ms) | long / short | vs first row (p50) | answers | budget document (bytes) |", "|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    for (const row of r.latency) lines.push(`| ${row.lineEvents} | ${row.awardMs.p50} | ${row.awardMs.p90} | ${row.awardMs.max} | ${row.shortLineAwardMs.p50} | ${row.longToShortP50} | ${round(row.awardMs.p50 / first)}x | ${JSON.stringify(row.statuses)} | ${row.budgetDocumentBytes} |`);
    lines.push("");
  }
  if (r.store) {
    const s = r.store;
    lines.push("| store | figure | baseline | ratio |", "|---|---:|---:|---:|");
    lines.push(`| append (head known) p50 | ${s.appendMs.p50} ms | conditional put ${s.conditionalPutMs.p50} ms | ${s.appendToConditionalPutP50}x |`);
    lines.push(`| append (head read) p50 | ${s.appendWithoutHeadMs.p50} ms | conditional put ${s.conditionalPutMs.p50} ms | ${s.appendWithoutHeadToConditionalPutP50}x |`);
    lines.push(`| stream read (${values.appends} events) | store | bare paginated Query | ${s.streamReadToBareQuery}x the Query's speed |`);
    lines.push(`| rebuild | ${s.rebuild.eventsPerSecond} events/s | log read ${s.logReadEventsPerSecond} events/s | ${s.rebuildToLogReadRatio}x |`);
    lines.push("");
  }
  if (r.fold) {
    lines.push("| in-memory fold | events | foldBudgetLine (events/s) | evolveBudgetLine one by one | bare loop |", "|---|---:|---:|---:|---:|");
    for (const f of r.fold) lines.push(`| budget line, trios | ${f.events} | ${f.foldBudgetLineEventsPerSecond} | ${f.evolveBudgetLineEventsPerSecond} | ${f.bareLoopEventsPerSecond} |`);
    lines.push("");
  }
  if (r.concurrency) {
    lines.push("| concurrent awards N | answers (503 re-sent) | final | time to outcome p50 / p99 / max (ms) | balance vs full fold |", "|---:|---|---|---|---|");
    for (const c of r.concurrency) lines.push(`| ${c.n} | ${JSON.stringify(c.answers)} | ${JSON.stringify(c.final)} | ${c.decisionMs.p50} / ${c.decisionMs.p99} / ${c.decisionMs.max} | ${c.balanceMismatches === 0 ? "equal" : `${c.balanceMismatches} mismatches`} |`);
  }
  return lines.join("\n");
}
