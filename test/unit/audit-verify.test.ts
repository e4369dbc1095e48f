import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkpointOf } from "../../audit/checkpoint.ts";
import { storedFieldsOf } from "../../audit/event-log.ts";
import { type IntegrityProblem, renderVerification, verifyLog } from "../../audit/verify.ts";
import { GENESIS_HASH, eventHash, verifyChain } from "../../events/hash-chain.ts";
import { type EventItem, hashedContentOf, orderKeyOf, orderShard } from "../../functions/store/dynamodb-event-store.ts";

const SCHEME = "verduurzamen-2025";

/** A stream of `length` tranche events as the store writes them: hashed, chained, with replay-index keys. */
function stream(streamId: string, length: number, schemeId = SCHEME): EventItem[] {
  const items: EventItem[] = [];
  let previousHash = GENESIS_HASH;
  for (let version = 1; version <= length; version++) {
    const recordedAt = new Date(Date.UTC(2025, 5, 12, 10, 0, version)).toISOString();
    const payload = { schemeId, schemeVersion: "sha256:v", budgetLineId: "board-reserve", amountCents: 1_000 * version, boardDecision: `decision ${version}` };
    const metadata = { actor: "u1", role: "admin", channel: "api" as const, correlationId: `corr-${version}` };
    const content = { eventId: `${streamId}-${version}`, streamId, version, type: "BudgetTrancheReleased", schemaVersion: 1, payload, metadata, recordedAt, schemeId, previousHash };
    const hash = eventHash(content);
    items.push({
      ...content,
      payload: JSON.stringify(payload),
      metadata: JSON.stringify(metadata),
      hash,
      orderPartition: `${schemeId}#${orderShard(streamId)}`,
      orderKey: orderKeyOf(recordedAt, streamId, version),
    });
    previousHash = hash;
  }
  return items;
}

async function* source<T>(items: ReadonlyArray<T>): AsyncIterable<T> {
  yield* items;
}

const withPayload = (item: EventItem, change: (payload: Record<string, unknown>) => void): EventItem => {
  const payload = JSON.parse(item.payload);
  change(payload);
  return { ...item, payload: JSON.stringify(payload) };
};
const rehashed = (item: EventItem): EventItem => ({ ...item, hash: eventHash(hashedContentOf(item)) });
const where = (problems: ReadonlyArray<IntegrityProblem>) => problems.map((p) => ({ kind: p.kind, streamId: p.streamId, version: p.version, fields: p.fields }));

describe("R-X-01 verify: the log's chains, versions and schemas", () => {
  it("an intact log of three streams has no problem, and each stream's head is its last event", async () => {
    // Prepare
    const a = stream("budget-line#v.a", 5);
    const b = stream("budget-line#v.b", 3);
    const c = stream("budget-line#v.c", 1);

    // Act
    const { report, heads } = await verifyLog(source([...a, ...b, ...c]));

    // Assess
    expect(report).toMatchObject({ streams: 3, events: 9, problems: [] });
    expect(heads.get("budget-line#v.a")).toEqual({ version: 5, hash: a[4]!.hash, schemeId: SCHEME });
    expect(heads.get("budget-line#v.c")).toEqual({ version: 1, hash: c[0]!.hash, schemeId: SCHEME });
  });

  it("streams interleaved (the global order) verify as well as streams one after the other", async () => {
    const a = stream("budget-line#v.a", 4);
    const b = stream("budget-line#v.b", 4);
    const interleaved = a.flatMap((item, i) => [item, b[i]!]);
    expect((await verifyLog(source(interleaved))).report.problems).toEqual([]);
  });

  it("a payload field changed to another valid value is a hash-mismatch at that stream and version only", async () => {
    const items = stream("budget-line#v.a", 5);
    items[2] = withPayload(items[2]!, (p) => (p.amountCents = 999_999));

    const { report } = await verifyLog(source(items));

    // The successor links to the stored hash, so it is not reported too.
    expect(where(report.problems)).toEqual([{ kind: "hash-mismatch", streamId: "budget-line#v.a", version: 3, fields: undefined }]);
    expect(report.problems[0]!.detail).toMatch(/--reference/);
  });

  it("a payload field changed to an invalid value is reported with the field's path", async () => {
    const items = stream("budget-line#v.a", 3);
    items[1] = withPayload(items[1]!, (p) => (p.amountCents = -5));

    const { report } = await verifyLog(source(items));

    expect(where(report.problems)).toEqual([
      { kind: "hash-mismatch", streamId: "budget-line#v.a", version: 2, fields: ["payload.amountCents"] },
      { kind: "schema-violation", streamId: "budget-line#v.a", version: 2, fields: ["payload.amountCents"] },
    ]);
  });

  it("a changed recordedAt is named by the replay-index key that still holds the original", async () => {
    const items = stream("budget-line#v.a", 3);
    items[0] = { ...items[0]!, recordedAt: "2020-01-01T00:00:00.000Z" };

    const { report } = await verifyLog(source(items));

    expect(where(report.problems)).toEqual([
      { kind: "hash-mismatch", streamId: "budget-line#v.a", version: 1, fields: ["recordedAt"] },
      { kind: "index-key-mismatch", streamId: "budget-line#v.a", version: 1, fields: ["recordedAt"] },
    ]);
  });

  it("with a reference copy (an earlier export), a still-valid change is named by its field", async () => {
    const original = stream("budget-line#v.a", 4);
    const items = [...original];
    items[3] = withPayload(items[3]!, (p) => (p.boardDecision = "decision 4, amended"));
    const reference = new Map(original.map((i) => [`${i.streamId}#${i.version}`, storedFieldsOf(i)]));

    const { report } = await verifyLog(source(items), { reference: (s, v) => reference.get(`${s}#${v}`) });

    expect(where(report.problems)).toEqual([{ kind: "hash-mismatch", streamId: "budget-line#v.a", version: 4, fields: ["payload.boardDecision"] }]);
  });

  it("an event deleted in the middle is a version-gap naming the missing version, and the chain is checked on after it", async () => {
    const items = stream("budget-line#v.a", 6);
    items[4] = withPayload(items[4]!, (p) => (p.amountCents = 1));
    const withoutThird = items.filter((i) => i.version !== 3);

    const { report } = await verifyLog(source(withoutThird));

    expect(where(report.problems)).toEqual([
      { kind: "version-gap", streamId: "budget-line#v.a", version: 3, fields: undefined },
      { kind: "hash-mismatch", streamId: "budget-line#v.a", version: 5, fields: undefined },
    ]);
    expect(report.problems[0]!.detail).toBe("version 3 is missing");
  });

  it("an altered event given a fresh hash breaks the link at its successor", async () => {
    const items = stream("budget-line#v.a", 4);
    items[1] = rehashed(withPayload(items[1]!, (p) => (p.amountCents = 5)));

    const { report } = await verifyLog(source(items));

    expect(where(report.problems)).toEqual([{ kind: "previous-hash-mismatch", streamId: "budget-line#v.a", version: 3, fields: undefined }]);
  });

  it("agrees with verifyChain on the first broken link of any stream with one event altered, re-hashed or deleted", async () => {
    const tamper = fc.constantFrom("payload", "hash", "previousHash", "rehashed-payload", "delete");
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.nat(), tamper, async (length, pick, how) => {
        const items = stream("scheme#prop", length);
        const index = pick % length;
        const target = items[index]!;
        if (how === "payload") items[index] = withPayload(target, (p) => (p.amountCents = 7));
        if (how === "hash") items[index] = { ...target, hash: "f".repeat(64) };
        if (how === "previousHash") items[index] = { ...target, previousHash: "e".repeat(64) };
        if (how === "rehashed-payload") items[index] = rehashed(withPayload(target, (p) => (p.amountCents = 7)));
        if (how === "delete") items.splice(index, 1);

        const expected = verifyChain(items.map((i) => ({ ...hashedContentOf(i), hash: i.hash })));
        const first = (await verifyLog(source(items))).report.problems[0];

        expect(first && { streamId: first.streamId, version: first.version, problem: first.kind }).toEqual(
          expected && { streamId: expected.streamId, version: expected.version, problem: expected.problem },
        );
      }),
      { numRuns: 200 },
    );
  });

  it("a period export starting mid-stream verifies from its first event's previousHash, and only then", async () => {
    const slice = stream("budget-line#v.a", 8).slice(3);

    expect((await verifyLog(source(slice), { startsMidStream: true })).report.problems).toEqual([]);
    expect(where((await verifyLog(source(slice))).report.problems)).toEqual([{ kind: "version-gap", streamId: "budget-line#v.a", version: 1, fields: undefined }]);
  });

  it("an item that is not a stored event, a non-JSON payload and a repeated version are reported, not thrown", async () => {
    const items: unknown[] = stream("budget-line#v.a", 3);
    items.push({ ...(items[2] as EventItem), version: 2 });
    items.push({ ...stream("budget-line#v.b", 1)[0]!, payload: "{not json" });
    items.push({ ...stream("budget-line#v.c", 1)[0]!, approvedBy: "someone" });
    items.push("garbage line");
    const d = stream("budget-line#v.d", 3);
    items.push(d[0], { ...d[1]!, metadata: "" }, d[2]);

    const { report } = await verifyLog(source(items));

    // The unreadable middle event of stream d keeps its place: no gap is reported around it.
    expect(where(report.problems)).toEqual([
      { kind: "malformed-item", streamId: "(unknown stream)", version: 0, fields: ["(root)"] },
      { kind: "duplicate-version", streamId: "budget-line#v.a", version: 2, fields: undefined },
      { kind: "malformed-item", streamId: "budget-line#v.b", version: 1, fields: ["payload"] },
      { kind: "malformed-item", streamId: "budget-line#v.c", version: 1, fields: ["approvedBy"] },
      { kind: "malformed-item", streamId: "budget-line#v.d", version: 2, fields: ["metadata"] },
    ]);
    expect(report.problems.map((p) => p.position)).toEqual([7, 4, 5, 6, 9]);
  });

  it("a source holding fewer events than its header announced is reported as incomplete", async () => {
    const { report } = await verifyLog(source(stream("budget-line#v.a", 3)), { expectedEvents: 4 });
    expect(report.problems.map((p) => p.kind)).toEqual(["export-incomplete"]);
  });
});

describe("R-X-01 verify against a checkpoint: what a per-stream chain cannot see", () => {
  const a = stream("budget-line#v.a", 5);
  const b = stream("budget-line#v.b", 2);
  const other = stream("budget-line#x.z", 2, "other-scheme");
  const headsOf = async (items: EventItem[]) => (await verifyLog(source(items))).heads;

  it("a deleted tail is 'truncated' from the first missing version, a deleted stream is 'stream-deleted'", async () => {
    const checkpoint = checkpointOf(await headsOf([...a, ...b]), new Date("2025-06-13T00:00:00.000Z"));

    const { report } = await verifyLog(source(a.slice(0, 3)), { checkpoint: { checkpoint, covers: () => true } });

    expect(where(report.problems)).toEqual([
      { kind: "truncated", streamId: "budget-line#v.a", version: 4, fields: undefined },
      { kind: "stream-deleted", streamId: "budget-line#v.b", version: 2, fields: undefined },
    ]);
    expect(report.checkpoint).toEqual({ takenAt: "2025-06-13T00:00:00.000Z", digest: checkpoint.digest, streams: 2 });
  });

  it("a head whose hash differs from the checkpointed one is reported, even when the stream chains on cleanly", async () => {
    const checkpoint = checkpointOf(await headsOf(a), new Date());
    const rewritten = a.map((item) => item);
    rewritten[4] = rehashed(withPayload(a[4]!, (p) => (p.amountCents = 1)));

    const { report } = await verifyLog(source(rewritten), { checkpoint: { checkpoint, covers: () => true } });

    expect(where(report.problems)).toEqual([{ kind: "checkpoint-hash-differs", streamId: "budget-line#v.a", version: 5, fields: undefined }]);
  });

  it("streams that grew since the checkpoint are fine, and schemes outside the read's scope are not expected", async () => {
    const checkpoint = checkpointOf(await headsOf([...a.slice(0, 2), ...other]), new Date());

    const { report } = await verifyLog(source(a), { checkpoint: { checkpoint, covers: (schemeId) => schemeId === SCHEME } });

    expect(report.problems).toEqual([]);
  });

  it("the text report names stream, version, problem and field", async () => {
    const items = stream("budget-line#v.a", 2);
    items[1] = withPayload(items[1]!, (p) => (p.amountCents = "lots"));

    const { report } = await verifyLog(source(items));
    const text = renderVerification(report, "test log", (position) => `line ${position + 1}`);

    expect(text).toContain("budget-line#v.a v2  hash-mismatch [field: payload.amountCents]");
    expect(text).toContain("(line 3)");
    expect(text).toContain("No checkpoint compared");
  });
});
