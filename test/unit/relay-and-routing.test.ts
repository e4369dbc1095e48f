import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { projections } from "../../domain/projections/index.ts";
import { EVENT_SOURCE } from "../../events/index.ts";
import { type DeadLetter, InProcessBus, type Target } from "../../functions/bus/in-process-bus.ts";
import { type BusMessage, type BusRule, type EventBus, busRules, eventPattern, matches } from "../../functions/bus/routing.ts";
import { busMessageOf, relayStreamRecords } from "../../functions/relay/relay.ts";
import type { EventItem } from "../../functions/store/dynamodb-event-store.ts";

function item(version: number, type = "ApplicationRegistered", streamId = "application#a1"): EventItem {
  const recordedAt = new Date(Date.UTC(2025, 3, 15, 9, 0, 0, version)).toISOString();
  return {
    streamId,
    version,
    eventId: `event-${streamId}-${version}`,
    type,
    schemaVersion: 2,
    payload: JSON.stringify({ n: version }),
    metadata: JSON.stringify({ actor: "u1", role: "intake", channel: "api", correlationId: `corr-${version}` }),
    recordedAt,
    schemeId: "verduurzamen-2025",
    previousHash: "0".repeat(64),
    hash: version.toString(16).padStart(64, "0"),
    orderPartition: "verduurzamen-2025#2",
    orderKey: `${recordedAt}#${streamId}#${String(version).padStart(10, "0")}`,
  };
}

let sequence = 1_000;

/** A DynamoDB Streams record as Lambda receives it (images marshalled as DynamoDB JSON). */
function streamRecord(eventName: "INSERT" | "MODIFY" | "REMOVE", stored: EventItem): DynamoDBRecord {
  sequence += 1;
  const image = marshall(stored) as unknown as NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"];
  const keys = marshall({ streamId: stored.streamId, version: stored.version }) as unknown as NonNullable<DynamoDBRecord["dynamodb"]>["Keys"];
  return {
    eventID: `rec-${sequence}`,
    eventName,
    eventSource: "aws:dynamodb",
    awsRegion: "eu-west-1",
    dynamodb: {
      Keys: keys,
      ...(eventName === "REMOVE" ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: String(sequence).padStart(21, "0"),
      StreamViewType: "NEW_IMAGE",
    },
  };
}

/** A bus that records every publish call and can be told to throw on a given call. */
function recordingBus(failOnCall?: number): EventBus & { calls: BusMessage[][] } {
  const calls: BusMessage[][] = [];
  return {
    calls,
    async publish(messages) {
      calls.push([...messages]);
      if (calls.length === failOnCall) throw new Error("bus down");
    },
  };
}

const rule = (overrides: Partial<BusRule> = {}): BusRule => ({
  name: "applications-projector",
  source: EVENT_SOURCE,
  detailTypes: ["ApplicationRegistered"],
  acceptsReplays: true,
  target: { kind: "projector", projection: "applications" },
  ...overrides,
});

const message = (detailType = "ApplicationRegistered", replay = false, source = EVENT_SOURCE): BusMessage => {
  const base = busMessageOf(item(1, detailType), replay);
  return { ...base, source };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("relayStreamRecords: the outbox relay from DynamoDB Streams to the bus", () => {
  it("publishes only INSERT records, in stream order, in batches of at most 10", async () => {
    // Prepare: 23 inserts with a MODIFY and a REMOVE in between
    const records: DynamoDBRecord[] = [];
    for (let v = 1; v <= 23; v++) {
      records.push(streamRecord("INSERT", item(v)));
      if (v === 5) records.push(streamRecord("MODIFY", item(5)));
      if (v === 12) records.push(streamRecord("REMOVE", item(12)));
    }
    const bus = recordingBus();

    // Act
    const response = await relayStreamRecords(records, bus);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(bus.calls.flat().map((m) => m.detail.event.version)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  it("each message is the stored event as written, unmarshalled from the stream image, marked as not a replay", async () => {
    // Prepare
    const stored = item(4, "SchemeOpened", "scheme#verduurzamen-2025");
    const bus = recordingBus();

    // Act
    await relayStreamRecords([streamRecord("INSERT", stored)], bus);

    // Assess
    expect(bus.calls).toHaveLength(1);
    expect(bus.calls[0]).toEqual([busMessageOf(stored)]);
    expect(bus.calls[0]![0]).toMatchObject({ source: EVENT_SOURCE, detailType: "SchemeOpened", detail: { replay: false } });
    expect(bus.calls[0]![0]!.detail.event).not.toHaveProperty("orderPartition");
  });

  it("a batch without inserts publishes nothing and reports no failure", async () => {
    // Prepare
    const bus = recordingBus();

    // Act
    const response = await relayStreamRecords([streamRecord("MODIFY", item(1)), streamRecord("REMOVE", item(2))], bus);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(bus.calls).toHaveLength(0);
  });

  it("when the bus throws on the second batch, reports the first record of that batch so Lambda retries from there", async () => {
    // Prepare: the second batch starts at the 11th INSERT, which comes after a MODIFY
    const records: DynamoDBRecord[] = [];
    const inserts: DynamoDBRecord[] = [];
    for (let v = 1; v <= 25; v++) {
      if (v === 11) records.push(streamRecord("MODIFY", item(10)));
      const insert = streamRecord("INSERT", item(v));
      records.push(insert);
      inserts.push(insert);
    }
    const bus = recordingBus(2);

    // Act
    const response = await relayStreamRecords(records, bus);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: inserts[10]!.dynamodb!.SequenceNumber }] });
    expect(bus.calls).toHaveLength(2);
    expect(bus.calls[1]![0]!.detail.event.version).toBe(11);
  });

  it("when the bus throws on the first batch, reports the very first insert", async () => {
    // Prepare
    const records = [streamRecord("REMOVE", item(1)), streamRecord("INSERT", item(2)), streamRecord("INSERT", item(3))];

    // Act
    const response = await relayStreamRecords(records, recordingBus(1));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
  });
});

describe("bus routing rules", () => {
  it("matches a message by source and detail-type", () => {
    // Assess
    expect(matches(rule(), message("ApplicationRegistered"))).toBe(true);
    expect(matches(rule(), message("SchemeOpened"))).toBe(false);
    expect(matches(rule(), message("ApplicationRegistered", false, "someone.else"))).toBe(false);
  });

  it("a rule with acceptsReplays false skips replays and takes live events", () => {
    // Prepare
    const sideEffects = rule({ name: "award-letters", acceptsReplays: false });

    // Assess
    expect(matches(sideEffects, message("ApplicationRegistered", true))).toBe(false);
    expect(matches(sideEffects, message("ApplicationRegistered", false))).toBe(true);
    expect(matches(rule(), message("ApplicationRegistered", true))).toBe(true);
  });

  it("eventPattern of a rule that accepts replays is the EventBridge pattern on source and detail-type", () => {
    // Act
    const pattern = eventPattern(rule({ detailTypes: ["ApplicationRegistered", "SchemeOpened"] }));

    // Assess
    expect(pattern).toEqual({ source: [EVENT_SOURCE], "detail-type": ["ApplicationRegistered", "SchemeOpened"] });
  });

  it("eventPattern of a rule that skips replays adds detail.replay [false]", () => {
    // Act
    const pattern = eventPattern(rule({ acceptsReplays: false }));

    // Assess
    expect(pattern).toEqual({ source: [EVENT_SOURCE], "detail-type": ["ApplicationRegistered"], detail: { replay: [false] } });
  });

  it("eventPattern and matches agree for every declared rule and every handled type", () => {
    for (const declared of busRules) {
      const pattern = eventPattern(declared) as { source: string[]; "detail-type": string[] };
      for (const type of pattern["detail-type"]) {
        expect(matches(declared, message(type))).toBe(true);
      }
      expect(pattern.source).toEqual([EVENT_SOURCE]);
    }
  });

  it("there is one projector rule per projection, routing exactly the types it handles", () => {
    // Assess
    expect(busRules.map((r) => r.target)).toEqual(projections.map((p) => ({ kind: "projector", projection: p.name })));
    for (const declared of busRules) {
      const projection = projections.find((p) => p.name === declared.target.projection)!;
      expect(declared.detailTypes).toEqual(projection.handles);
    }
  });
});

describe("InProcessBus: the local stand-in for EventBridge", () => {
  it("delivers a message to every matching target and none to others", async () => {
    // Prepare
    const received: string[] = [];
    const rules = [rule({ name: "a" }), rule({ name: "b", detailTypes: ["SchemeOpened"] })];
    const targets = new Map<string, Target>([
      ["a", async (m) => received.push(`a:${m.detailType}`)],
      ["b", async (m) => received.push(`b:${m.detailType}`)],
    ]);
    const bus = new InProcessBus(rules, targets);

    // Act
    await bus.publish([message("ApplicationRegistered"), message("SchemeOpened"), message("BudgetTrancheReleased")]);
    await bus.idle();

    // Assess
    expect(received.sort()).toEqual(["a:ApplicationRegistered", "b:SchemeOpened"]);
    expect(bus.deadLetters).toEqual([]);
  });

  it("retries a failing target until it succeeds, without a dead letter", async () => {
    // Prepare
    let attempts = 0;
    const target: Target = async () => {
      attempts += 1;
      if (attempts < 3) throw new Error(`failure ${attempts}`);
    };
    const bus = new InProcessBus([rule()], new Map([["applications-projector", target]]), { maxAttempts: 5, backoffMs: 1 });

    // Act
    await bus.publish([message()]);
    await bus.idle();

    // Assess
    expect(attempts).toBe(3);
    expect(bus.deadLetters).toEqual([]);
  });

  it("after maxAttempts failures records a dead letter naming the rule, the message and the error", async () => {
    // Prepare
    let attempts = 0;
    const reported: DeadLetter[] = [];
    const target: Target = async () => {
      attempts += 1;
      throw new Error("projector broken");
    };
    const bus = new InProcessBus([rule()], new Map([["applications-projector", target]]), {
      maxAttempts: 4,
      backoffMs: 1,
      onDeadLetter: (letter) => reported.push(letter),
    });
    const sent = message();

    // Act
    await bus.publish([sent]);
    await bus.idle();

    // Assess
    expect(attempts).toBe(4);
    expect(bus.deadLetters).toEqual([{ rule: "applications-projector", message: sent, error: "projector broken", attempts: 4, permanent: false }]);
    expect(reported).toEqual(bus.deadLetters);
  });

  it("idle() waits for deliveries still in flight, also ones published by a delivery", async () => {
    // Prepare
    const done: string[] = [];
    const rules = [rule({ name: "first" }), rule({ name: "second", detailTypes: ["SchemeOpened"] })];
    let bus: InProcessBus;
    const targets = new Map<string, Target>([
      [
        "first",
        async () => {
          await sleep(20);
          done.push("first");
          await bus.publish([message("SchemeOpened")]);
        },
      ],
      [
        "second",
        async () => {
          await sleep(20);
          done.push("second");
        },
      ],
    ]);
    bus = new InProcessBus(rules, targets);

    // Act
    await bus.publish([message("ApplicationRegistered")]);
    const beforeIdle = [...done];
    await bus.idle();

    // Assess
    expect(beforeIdle).toEqual([]);
    expect(done).toEqual(["first", "second"]);
  });

  it("refuses a rule without a target", () => {
    expect(() => new InProcessBus([rule({ name: "orphan" })], new Map())).toThrow("bus rule orphan has no target");
  });
});
