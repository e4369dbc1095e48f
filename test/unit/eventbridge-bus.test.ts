import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { EVENT_SOURCE } from "../../events/index.ts";
import { BusUnavailable, EventBridgeBus } from "../../functions/bus/eventbridge-bus.ts";
import { busMessageOf } from "../../functions/relay/relay.ts";
import type { EventItem } from "../../functions/store/dynamodb-event-store.ts";
import { MAX_BUS_ENTRY_BYTES, busEntrySize } from "../../functions/store/limits.ts";

const BUS_NAME = "subsidy-back-office-test";
const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });

function item(version: number, type = "BudgetTrancheReleased"): EventItem {
  const recordedAt = new Date(Date.UTC(2025, 5, 12, 10, 0, version)).toISOString();
  return {
    streamId: "scheme#verduurzamen-2025",
    version,
    eventId: `event-${version}`,
    type,
    schemaVersion: 1,
    payload: JSON.stringify({ schemeId: "verduurzamen-2025", schemeVersion: "v", budgetLineId: "board-reserve", amountCents: version, boardDecision: "d" }),
    metadata: JSON.stringify({ actor: "u1", role: "admin", channel: "api", correlationId: `corr-${version}` }),
    recordedAt,
    schemeId: "verduurzamen-2025",
    previousHash: "0".repeat(64),
    hash: version.toString(16).padStart(64, "0"),
    orderPartition: "verduurzamen-2025#1",
    orderKey: `${recordedAt}#scheme#verduurzamen-2025#${String(version).padStart(10, "0")}`,
  };
}

const messages = (count: number) => Array.from({ length: count }, (_, i) => busMessageOf(item(i + 1)));

function sentEntries(call: number): PutEventsRequestEntry[] {
  return eventBridge.commandCalls(PutEventsCommand)[call]!.args[0].input.Entries ?? [];
}

const versionOf = (entry: PutEventsRequestEntry) => (JSON.parse(entry.Detail!) as { event: { version: number } }).event.version;

beforeEach(() => {
  eventBridge.reset();
});

afterAll(() => {
  eventBridge.restore();
});

describe("EventBridgeBus.publish", () => {
  it("25 messages go out as 3 PutEvents calls of 10, 10 and 5 entries, in order", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })),
    }));
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });

    // Act
    await bus.publish(messages(25));

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    expect([0, 1, 2].flatMap((c) => sentEntries(c).map(versionOf))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("finding 3: batches are cut by size too: no PutEvents request carries 256 KB or more of entries", async () => {
    // Prepare: 6 events of about 100 KB each (a large self-evaluation, say).
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })) }));
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });
    const large = Array.from({ length: 6 }, (_, i) => busMessageOf({ ...item(i + 1), payload: JSON.stringify({ text: "x".repeat(100 * 1024) }) }));

    // Act
    await bus.publish(large);

    // Assess: two entries a request, all six in order.
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([2, 2, 2]);
    for (const call of calls) {
      const size = (call.args[0].input.Entries ?? []).reduce((sum, e) => sum + busEntrySize({ source: e.Source!, detailType: e.DetailType!, detail: e.Detail! }), 0);
      expect(size).toBeLessThan(MAX_BUS_ENTRY_BYTES);
    }
    expect([0, 1, 2].flatMap((c) => sentEntries(c).map(versionOf))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("every entry names the bus, the back office as Source, the event type as DetailType, and carries the stored event as Detail", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "eb-1" }] });
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });
    const stored = item(7, "SchemeOpened");

    // Act
    await bus.publish([busMessageOf(stored)]);

    // Assess
    const [entry] = sentEntries(0);
    expect(entry).toMatchObject({ EventBusName: BUS_NAME, Source: EVENT_SOURCE, DetailType: "SchemeOpened" });
    expect(JSON.parse(entry!.Detail!)).toEqual({
      replay: false,
      event: {
        streamId: stored.streamId,
        version: 7,
        eventId: stored.eventId,
        type: "SchemeOpened",
        schemaVersion: 1,
        payload: stored.payload,
        metadata: stored.metadata,
        recordedAt: stored.recordedAt,
        schemeId: stored.schemeId,
        previousHash: stored.previousHash,
        hash: stored.hash,
      },
    });
  });

  it("publishing nothing makes no call", async () => {
    // Prepare
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });

    // Act
    await bus.publish([]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("a response with FailedEntryCount 2 sends only those 2 entries again", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: Array.from({ length: 10 }, (_, i) =>
          i === 3 || i === 7 ? { ErrorCode: "InternalFailure", ErrorMessage: "try again" } : { EventId: `eb-${i}` },
        ),
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "eb-a" }, { EventId: "eb-b" }] });
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });

    // Act
    await bus.publish(messages(10));

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    const first = sentEntries(0);
    const retried = sentEntries(1);
    expect(retried).toEqual([first[3], first[7]]);
    expect(retried.map(versionOf)).toEqual([4, 8]);
  });

  it("persistent entry failures throw BusUnavailable after maxAttempts calls", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }] });
    const bus = new EventBridgeBus(client, BUS_NAME, { maxAttempts: 3, backoffMs: 1 });

    // Act
    const error = await bus.publish(messages(1)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(BusUnavailable);
    expect(error).toMatchObject({ code: "bus-unavailable", failed: 1, cause: "ThrottlingException" });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it("uses 5 attempts when maxAttempts is not given", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure" }] });
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });

    // Act
    await expect(bus.publish(messages(1))).rejects.toBeInstanceOf(BusUnavailable);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(5);
  });

  it("an SDK exception on the call is retried, resending the whole batch", async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .resolves({ FailedEntryCount: 0, Entries: Array.from({ length: 3 }, (_, i) => ({ EventId: `eb-${i}` })) });
    const bus = new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 });

    // Act
    await bus.publish(messages(3));

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(sentEntries(1)).toEqual(sentEntries(0));
  });

  it("a persistent SDK exception throws BusUnavailable with the SDK error as cause after maxAttempts calls", async () => {
    // Prepare
    const sdkError = Object.assign(new Error("Service unavailable"), { name: "InternalException" });
    eventBridge.on(PutEventsCommand).rejects(sdkError);
    const bus = new EventBridgeBus(client, BUS_NAME, { maxAttempts: 2, backoffMs: 1 });

    // Act
    const error = await bus.publish(messages(4)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(BusUnavailable);
    expect(error).toMatchObject({ failed: 4 });
    expect((error as BusUnavailable).cause).toBe(sdkError);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it("a failing first batch stops before later batches are sent", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(new Error("down"));
    const bus = new EventBridgeBus(client, BUS_NAME, { maxAttempts: 2, backoffMs: 1 });

    // Act
    await expect(bus.publish(messages(15))).rejects.toBeInstanceOf(BusUnavailable);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.args[0].input.Entries?.length === 10)).toBe(true);
  });
});

describe("EventBridgeBus.publish: a failure count without per-entry errors", () => {
  it("sends the whole batch again rather than dropping it", async () => {
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1 }).resolves({ FailedEntryCount: 0, Entries: [] });
    await new EventBridgeBus(client, BUS_NAME, { backoffMs: 1 }).publish(messages(3));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(sentEntries(1).map(versionOf)).toEqual([1, 2, 3]);
  });
});
