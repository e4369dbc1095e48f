import { PutCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { verifyChain } from "../../events/hash-chain.ts";
import type { NewEvent } from "../../events/index.ts";
import { DynamoDbEventStore, hashedContentOf } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";

const client = localClient();
let store: DynamoDbEventStore;
let tableName: string;

const tranche = (n: number, schemeId = "technohubs-2020"): NewEvent => ({
  type: "BudgetTrancheReleased",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId: "main", amountCents: n, boardDecision: `decision ${n}` },
});

beforeAll(async () => {
  tableName = (await freshTables(client, "store")).events;
  store = new DynamoDbEventStore({ client, tableName });
});

const appendOne = (streamId: string, expectedVersion: number, event: NewEvent, schemeId = "technohubs-2020") =>
  store.append([{ streamId, expectedVersion, schemeId, events: [event], metadata: testMetadata() }]);

describe("event store on DynamoDB Local", () => {
  it("50 parallel appends at the same expected version: exactly 1 wins, 49 get a typed conflict, nothing is lost", async () => {
    const streamId = "scheme#race-50";
    await appendOne(streamId, 0, tranche(1));
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => appendOne(streamId, 1, tranche(100 + i))));
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const loss of lost) {
      expect(loss.reason).toBeInstanceOf(ConcurrencyConflict);
      expect(loss.reason.reason).toBe("stream-moved-on");
    }
    const stream = await store.readStream(streamId);
    expect(stream.map((e) => e.version)).toEqual([1, 2]);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof appendOne>>>).value[0]!;
    expect(stream[1]!.eventId).toBe(winner.eventId);
  });

  it("8 writers x 250 appends on distinct streams: 2,000 events, all readable, every hash chain verifies", async () => {
    const writers = Array.from({ length: 8 }, (_, w) => `scheme#writer-${w}`);
    await Promise.all(
      writers.map(async (streamId) => {
        for (let version = 0; version < 250; version++) await appendOne(streamId, version, tranche(version + 1));
      }),
    );
    let total = 0;
    for (const streamId of writers) {
      const items = await store.readStreamItems(streamId);
      total += items.length;
      expect(items.map((i) => i.version)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      expect(verifyChain(items.map((i) => ({ ...hashedContentOf(i), hash: i.hash })))).toBeUndefined();
      const events = await store.readStream(streamId);
      expect(events.map((e) => (e.data as { amountCents: number }).amountCents)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    }
    expect(total).toBe(2000);
  });

  it("an expected version beyond the stream's end is refused and no gap is written", async () => {
    const streamId = "scheme#gap";
    await appendOne(streamId, 0, tranche(1));
    const attempt = appendOne(streamId, 5, tranche(2));
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflict);
    await expect(attempt).rejects.toMatchObject({ reason: "beyond-stream-end", actualVersion: 1 });
    expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1]);
  });

  it("R-X-02 a decision touching two streams is all-or-nothing: one stale stream writes neither", async () => {
    await appendOne("scheme#pair-a", 0, tranche(1));
    await appendOne("scheme#pair-b", 0, tranche(1));
    await appendOne("scheme#pair-b", 1, tranche(2)); // b moved on
    const attempt = store.append([
      { streamId: "scheme#pair-a", expectedVersion: 1, schemeId: "technohubs-2020", events: [tranche(10), tranche(11)], metadata: testMetadata() },
      { streamId: "scheme#pair-b", expectedVersion: 1, schemeId: "technohubs-2020", events: [tranche(12)], metadata: testMetadata() },
    ]);
    await expect(attempt).rejects.toMatchObject({ streamId: "scheme#pair-b", reason: "stream-moved-on", expectedVersion: 1 });
    expect(await store.readStream("scheme#pair-a")).toHaveLength(1);
    expect(await store.readStream("scheme#pair-b")).toHaveLength(2);

    const written = await store.append([
      { streamId: "scheme#pair-a", expectedVersion: 1, schemeId: "technohubs-2020", events: [tranche(10), tranche(11)], metadata: testMetadata() },
      { streamId: "scheme#pair-b", expectedVersion: 2, schemeId: "technohubs-2020", events: [tranche(12)], metadata: testMetadata() },
    ]);
    expect(written.map((e) => `${e.streamId}@${e.version}`)).toEqual(["scheme#pair-a@2", "scheme#pair-a@3", "scheme#pair-b@3"]);
  });

  it("an event whose payload breaks its schema is refused before anything is written", async () => {
    const bad: NewEvent = { type: "BudgetTrancheReleased", data: { schemeId: "x", amountCents: -5 } };
    await expect(appendOne("scheme#invalid", 0, bad)).rejects.toThrow(/BudgetTrancheReleased v2 does not match its schema/);
    expect(await store.readStream("scheme#invalid")).toEqual([]);
  });

  it("reads a stream from a version", async () => {
    const streamId = "scheme#from";
    for (let v = 0; v < 5; v++) await appendOne(streamId, v, tranche(v + 1));
    expect((await store.readStream(streamId, 3)).map((e) => e.version)).toEqual([3, 4, 5]);
  });

  it("reads a scheme's log in one deterministic global order (recorded time, stream, version) across index shards", async () => {
    let tick = Date.parse("2021-01-01T00:00:00.000Z");
    const clocked = new DynamoDbEventStore({ client, tableName, now: () => new Date((tick += 1000)) });
    const streams = ["scheme#o-1", "application#o-2", "application#o-3", "application#o-4", "application#o-5"];
    const versions = new Map(streams.map((s) => [s, 0]));
    for (let i = 0; i < 20; i++) {
      const streamId = streams[(i * 7) % streams.length]!;
      const v = versions.get(streamId)!;
      await clocked.append([{ streamId, expectedVersion: v, schemeId: "ordering-test", events: [tranche(i + 1, "ordering-test")], metadata: testMetadata() }]);
      versions.set(streamId, v + 1);
    }
    const read = [];
    for await (const event of clocked.readSchemes(["ordering-test"])) read.push(event);
    expect(read).toHaveLength(20);
    expect(read.map((e) => (e.data as { amountCents: number }).amountCents)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const sorted = [...read].sort((a, b) => (a.recordedAt + a.streamId + a.version).localeCompare(b.recordedAt + b.streamId + b.version));
    expect(read).toEqual(sorted);

    const until = [];
    for await (const event of clocked.readSchemes(["ordering-test"], { until: read[9]!.recordedAt })) until.push(event);
    expect(until).toHaveLength(10);
  });

  it("upcasts an old ApplicationRegistered v1 item to the current version when read", async () => {
    const documents = DynamoDBDocumentClient.from(client);
    const payload = {
      applicationId: "legacy-1",
      schemeId: "technohubs-2020",
      instrument: "execution",
      technohubName: "Technohub Oost",
      applicantCompany: "Metaal BV",
      requestedAmountEuros: 1234.56,
      receivedAt: "2020-06-01T09:00:00.000Z",
    };
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          streamId: "application#legacy-1", version: 1, eventId: "e-legacy", type: "ApplicationRegistered", schemaVersion: 1,
          payload: JSON.stringify(payload), metadata: JSON.stringify(testMetadata()), recordedAt: "2020-06-01T09:00:00.000Z",
          schemeId: "technohubs-2020", previousHash: "0".repeat(64), hash: "not-checked-here", orderPartition: "technohubs-2020#0", orderKey: "x",
        },
      }),
    );
    const [event] = await store.readStream("application#legacy-1");
    expect(event!.schemaVersion).toBe(1);
    expect(event!.data).toEqual({
      applicationId: "legacy-1", schemeId: "technohubs-2020", schemeVersion: "unrecorded", instrumentId: "execution",
      technohub: { name: "Technohub Oost", region: null }, applicant: { companyName: "Metaal BV", chamberOfCommerceNumber: null },
      requestedAmountCents: 123456, receivedAt: "2020-06-01T09:00:00.000Z",
    });
  });
});
