import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { ConcurrencyConflict, DocumentTooLarge, StoreUnavailable } from "../../domain/errors.ts";
import { type Projection, defineProjection } from "../../domain/projections/projection.ts";
import { EVENT_SOURCE, type RecordedEvent } from "../../events/index.ts";
import { InProcessBus, type Target } from "../../functions/bus/in-process-bus.ts";
import type { BusRule } from "../../functions/bus/routing.ts";
import { handleBusEvent } from "../../functions/projector/handler.ts";
import { PoisonEvent, Projector } from "../../functions/projector/projector.ts";
import { type DocumentWrite, DynamoDbReadModelStore, type ReadModelStore, type StoredDocument } from "../../functions/projector/read-model-store.ts";
import { foldProjections } from "../../functions/projector/rebuild.ts";
import { busMessageOf } from "../../functions/relay/relay.ts";
import { type EventItem, recordedEventOf } from "../../functions/store/dynamodb-event-store.ts";

/**
 * Finding 2, the projector side: a poison event (one the projector can never apply) goes to the
 * dead letters at once, the projector keeps serving other streams, transient failures are
 * retried, and after the fix a re-drive makes the live documents equal a full fold again.
 */

const scheme = "verduurzamen-2025";

/** A stored OzoneModuleLoaded event of hub `hub`, as the relay would put it on the bus. */
function stored(hub: string, version: number, moduleName: string): EventItem {
  const streamId = `hub#${scheme}.${hub}`;
  const recordedAt = new Date(Date.UTC(2026, 0, 1, 9, 0, 0, version)).toISOString();
  return {
    streamId,
    version,
    eventId: `${hub}-${version}`,
    type: "OzoneModuleLoaded",
    schemaVersion: 1,
    payload: JSON.stringify({ schemeId: scheme, hubKey: hub, hubName: hub, applicationId: `app-${hub}`, moduleName, loadedOn: "2026-01-01" }),
    metadata: JSON.stringify({ actor: "u1", role: "intake", channel: "api", correlationId: `c-${hub}-${version}` }),
    recordedAt,
    schemeId: scheme,
    previousHash: "0".repeat(64),
    hash: version.toString(16).padStart(64, "0"),
    orderPartition: `${scheme}#0`,
    orderKey: `${recordedAt}#${streamId}#${String(version).padStart(10, "0")}`,
  };
}

/** A log of stored events, read back per stream as the event store does (for gaps). */
class Log {
  readonly items: EventItem[] = [];
  add(...items: EventItem[]) {
    this.items.push(...items);
    return items;
  }
  async readStream(streamId: string, from = 1, to = Number.MAX_SAFE_INTEGER): Promise<RecordedEvent[]> {
    return this.items.filter((i) => i.streamId === streamId && i.version >= from && i.version <= to).sort((a, b) => a.version - b.version).map(recordedEventOf);
  }
  async *all(): AsyncIterable<RecordedEvent> {
    for (const item of this.items) yield recordedEventOf(item);
  }
}

/** Read models in memory with the store's contract: conditional commits of documents and checkpoint, all or nothing. */
class MemoryReadModels implements ReadModelStore {
  readonly documents = new Map<string, StoredDocument>();
  readonly checkpoints = new Map<string, number>();
  commits = 0;
  /** Makes the next commits fail, one error each. */
  readonly failures: Error[] = [];

  async checkpoint(projection: string, streamId: string) {
    return this.checkpoints.get(`${projection}|${streamId}`) ?? 0;
  }
  async document(projection: string, docId: string) {
    return this.documents.get(`${projection}|${docId}`);
  }
  async commit(projection: string, streamId: string, from: number, to: number, writes: ReadonlyArray<DocumentWrite>) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if ((await this.checkpoint(projection, streamId)) !== from) throw new ConcurrencyConflict(streamId, from, "stream-moved-on");
    for (const w of writes) if ((this.documents.get(`${projection}|${w.docId}`)?.revision ?? 0) !== w.expectedRevision) throw new ConcurrencyConflict(streamId, from, "stream-moved-on");
    for (const w of writes) this.documents.set(`${projection}|${w.docId}`, { doc: w.doc, revision: w.revision });
    this.checkpoints.set(`${projection}|${streamId}`, to);
    this.commits++;
  }
  async list() {
    return [];
  }
}

interface ModulesDoc {
  readonly hub: string;
  readonly modules: ReadonlyArray<string>;
}

/** A test-only projection with a switchable bug: while `broken`, a module named "poison" makes apply throw. */
function modulesProjection(state: { broken: boolean }): Projection<ModulesDoc> {
  return defineProjection<ModulesDoc>({
    name: "modules",
    handles: ["OzoneModuleLoaded"],
    documentIds: (event) => [event.streamId],
    apply(doc, event) {
      const data = event.data as { hubKey: string; moduleName: string };
      if (state.broken && data.moduleName === "poison") throw new TypeError("cannot read properties of undefined (reading 'x')");
      return { hub: data.hubKey, modules: [...(doc?.modules ?? []), data.moduleName] };
    },
  });
}

const rule: BusRule = { name: "modules-projector", source: EVENT_SOURCE, detailTypes: ["OzoneModuleLoaded"], acceptsReplays: true, target: { kind: "projector", projection: "modules" } };

function busFor(projector: Projector, attempts?: { count: number }) {
  const target: Target = (message) => {
    if (attempts) attempts.count++;
    return handleBusEvent(message.detail, projector);
  };
  return new InProcessBus([rule], new Map([[rule.name, target]]), { maxAttempts: 5, backoffMs: 1 });
}

/** What a full fold of the log gives, as `projection|docId -> {doc, revision}`. */
async function fullFold(log: Log, projection: Projection) {
  const folded = await foldProjections({ events: log.all(), projections: [projection] });
  return new Map([...folded.documents.get(projection.name)!].map(([id, d]) => [`${projection.name}|${id}`, { doc: d.doc, revision: d.revision }]));
}

describe("finding 2: a poison event is dead-lettered, the projector keeps serving, a re-drive after the fix catches up", () => {
  it("finding 2: a bug in apply dead-letters the event after one attempt; other streams project; later events of its stream wait; after the fix a re-drive makes live equal a full fold", async () => {
    // Prepare
    const state = { broken: true };
    const projection = modulesProjection(state);
    const log = new Log();
    const readModels = new MemoryReadModels();
    const attempts = { count: 0 };
    const bus = busFor(new Projector(projection, readModels, log), attempts);

    // Act: hub a's second event is the poison; hub b is untouched by it
    for (const item of log.add(stored("a", 1, "one"), stored("a", 2, "poison"), stored("b", 1, "one"), stored("b", 2, "two"))) {
      await bus.publish([busMessageOf(item)]);
      await bus.idle();
    }
    await bus.publish(log.add(stored("a", 3, "three")).map((i) => busMessageOf(i)));
    await bus.idle();

    // Assess: dead-lettered at once (no retries), as poison; b projected; a stays at v1
    expect(bus.deadLetters.map((l) => [l.message.detail.event.streamId, l.message.detail.event.version, l.attempts, l.permanent])).toEqual([
      [`hub#${scheme}.a`, 2, 1, true],
      [`hub#${scheme}.a`, 3, 1, true],
    ]);
    expect(bus.deadLetters[0]!.error).toMatch(/modules cannot apply hub#verduurzamen-2025\.a v2: modules failed on .* cannot read properties/);
    expect(attempts.count).toBe(5);
    expect(await readModels.checkpoint("modules", `hub#${scheme}.b`)).toBe(2);
    expect((await readModels.document("modules", `hub#${scheme}.b`))?.doc).toEqual({ hub: "b", modules: ["one", "two"] });
    expect(await readModels.checkpoint("modules", `hub#${scheme}.a`)).toBe(1);

    // Act: fix, then re-drive
    state.broken = false;
    const result = await bus.redrive();

    // Assess: both re-driven (the first brings v2 and v3, the second is a duplicate); live equals a full fold
    expect(result).toEqual({ redriven: 2, failedAgain: 0 });
    expect(bus.deadLetters).toEqual([]);
    expect(await readModels.checkpoint("modules", `hub#${scheme}.a`)).toBe(3);
    expect(readModels.documents).toEqual(await fullFold(log, projection));
  });

  it("finding 2: a transient StoreUnavailable is retried with backoff and applied, never dead-lettered", async () => {
    // Prepare
    const projection = modulesProjection({ broken: false });
    const log = new Log();
    const readModels = new MemoryReadModels();
    readModels.failures.push(new StoreUnavailable("commit read model", true), new StoreUnavailable("commit read model", true));
    const attempts = { count: 0 };
    const bus = busFor(new Projector(projection, readModels, log), attempts);

    // Act
    await bus.publish(log.add(stored("a", 1, "one")).map((i) => busMessageOf(i)));
    await bus.idle();

    // Assess
    expect(attempts.count).toBe(3);
    expect(bus.deadLetters).toEqual([]);
    expect(await readModels.checkpoint("modules", `hub#${scheme}.a`)).toBe(1);
  });

  it("finding 2: a StoreUnavailable that is not retryable, and a DocumentTooLarge, are dead-lettered after one attempt; a re-drive once the store is right applies them", async () => {
    // Prepare
    const projection = modulesProjection({ broken: false });
    const log = new Log();
    const readModels = new MemoryReadModels();
    readModels.failures.push(new StoreUnavailable("commit read model", false), new DocumentTooLarge("modules", `hub#${scheme}.b`, 500_000, 409_600));
    const attempts = { count: 0 };
    const bus = busFor(new Projector(projection, readModels, log), attempts);

    // Act
    await bus.publish(log.add(stored("a", 1, "one")).map((i) => busMessageOf(i)));
    await bus.idle();
    await bus.publish(log.add(stored("b", 1, "one")).map((i) => busMessageOf(i)));
    await bus.idle();

    // Assess
    expect(attempts.count).toBe(2);
    expect(bus.deadLetters.map((l) => [l.attempts, l.permanent])).toEqual([
      [1, true],
      [1, true],
    ]);
    expect(bus.deadLetters[1]!.error).toContain("one read-model item holds at most 400 KB");
    expect(await bus.redrive()).toEqual({ redriven: 2, failedAgain: 0 });
    expect(readModels.documents).toEqual(await fullFold(log, projection));
  });

  it("a long gap is applied in as many commits as the transaction limits need, in order; one event too large for any commit is poison", async () => {
    // Prepare: one document per event (as history entries are), at most 3 documents a commit
    const perEvent = defineProjection<{ n: number }>({ name: "entries", handles: ["OzoneModuleLoaded"], documentIds: (e) => [`${e.streamId}/${e.version}`], apply: (_d, e) => ({ n: e.version }) });
    const log = new Log();
    for (let v = 1; v <= 10; v++) log.add(stored("a", v, `m${v}`));
    const readModels = new MemoryReadModels();
    const projector = new Projector(perEvent, readModels, log, 20, { maxDocuments: 3, maxBytes: 1_000_000 });

    // Act: only the last event is delivered; the nine before it are read from the log
    const outcome = await projector.handle((await log.readStream(`hub#${scheme}.a`, 10, 10))[0]!);

    // Assess
    expect(outcome).toBe("applied");
    expect(readModels.commits).toBe(4);
    expect(await readModels.checkpoint("entries", `hub#${scheme}.a`)).toBe(10);
    expect(readModels.documents).toEqual(await fullFold(log, perEvent));

    const tiny = new Projector(perEvent, new MemoryReadModels(), log, 20, { maxDocuments: 3, maxBytes: 10 });
    const failure = await tiny.handle((await log.readStream(`hub#${scheme}.a`, 1, 1))[0]!).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PoisonEvent);
    expect((failure as PoisonEvent).cause).toBeInstanceOf(DocumentTooLarge);
  });
});

describe("finding 2: the read-model store checks each item's DynamoDB size before it writes", () => {
  const documents = mockClient(DynamoDBDocumentClient);
  afterAll(() => documents.restore());
  const store = new DynamoDbReadModelStore(new DynamoDBClient({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } }), "read-models-test");

  it("finding 2: a document over 400 KB is a DocumentTooLarge naming it, and nothing is sent to DynamoDB", async () => {
    // Prepare
    documents.reset();
    documents.on(TransactWriteCommand).resolves({});
    const write = (docId: string, text: string): DocumentWrite => ({ docId, doc: { text }, expectedRevision: 0, revision: 1 });

    // Act
    const failure = await store.commit("evaluation", "hub#s.h", 0, 1, [write("s.h", "x".repeat(410 * 1024))]).catch((e: unknown) => e);
    await store.commit("evaluation", "hub#s.h", 0, 1, [write("s.h", "x".repeat(390 * 1024))]);

    // Assess
    expect(failure).toBeInstanceOf(DocumentTooLarge);
    expect(failure).toMatchObject({ projection: "evaluation", documentId: "s.h", limitBytes: 400 * 1024, retryable: false });
    expect((failure as DocumentTooLarge).sizeBytes).toBeGreaterThan(410 * 1024);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
