import { describe, expect, it } from "vitest";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import { defineProjection } from "../../domain/projections/projection.ts";
import type { RecordedEvent } from "../../events/index.ts";
import { Projector } from "../../functions/projector/projector.ts";
import type { DocumentWrite, ReadModelStore, StoredDocument } from "../../functions/projector/read-model-store.ts";

/**
 * Issue 15: a projector folds a stream's next event on what it last committed instead of reading
 * the checkpoint and documents again. Those are hints: the commit stays conditional on both, so a
 * hint gone stale (another instance, as Lambda runs several) fails the commit and the delivery
 * reads the store; the documents end as a full fold gives them either way.
 */

/** Read models in memory with the store's contract (conditional on checkpoint and revisions), counting reads. */
class CountingReadModels implements ReadModelStore {
  readonly documents = new Map<string, StoredDocument>();
  readonly checkpoints = new Map<string, number>();
  reads = 0;
  async checkpoint(projection: string, streamId: string) {
    this.reads++;
    return this.checkpoints.get(`${projection}#${streamId}`) ?? 0;
  }
  async document(projection: string, docId: string) {
    this.reads++;
    const found = this.documents.get(`${projection}#${docId}`);
    return found && { doc: structuredClone(found.doc), revision: found.revision };
  }
  async commit(projection: string, streamId: string, from: number, to: number, writes: ReadonlyArray<DocumentWrite>) {
    if ((this.checkpoints.get(`${projection}#${streamId}`) ?? 0) !== from) throw new ConcurrencyConflict(streamId, from, "stream-moved-on");
    for (const w of writes) if ((this.documents.get(`${projection}#${w.docId}`)?.revision ?? 0) !== w.expectedRevision) throw new ConcurrencyConflict(streamId, from, "stream-moved-on");
    this.checkpoints.set(`${projection}#${streamId}`, to);
    for (const w of writes) this.documents.set(`${projection}#${w.docId}`, { doc: structuredClone(w.doc), revision: w.revision });
  }
  async list() {
    return [];
  }
}

/** Every stream adds its events' amounts to one shared total: a document fed by several streams. */
const total = defineProjection<{ cents: number; events: number }>({
  name: "total",
  handles: ["Counted"],
  documentIds: () => ["total"],
  apply: (doc, event) => ({ cents: (doc?.cents ?? 0) + (event.data as { cents: number }).cents, events: (doc?.events ?? 0) + 1 }),
});

const event = (streamId: string, version: number, cents: number) =>
  ({ streamId, version, type: "Counted", data: { cents }, eventId: `${streamId}-${version}`, schemaVersion: 1, metadata: {}, recordedAt: "2026-01-01T00:00:00.000Z", schemeId: "s", hash: "", previousHash: "" }) as unknown as RecordedEvent;

describe("projector hints (issue 15)", () => {
  it("a stream's next event is applied on what the projector committed: no checkpoint or document read", async () => {
    const store = new CountingReadModels();
    const projector = new Projector(total, store, { readStream: async () => [] });
    await projector.handle(event("a", 1, 100));
    const readsAfterFirst = store.reads;
    for (let v = 2; v <= 10; v++) expect(await projector.handle(event("a", v, 100))).toBe("applied");
    expect(store.reads).toBe(readsAfterFirst);
    expect(store.documents.get("total#total")).toEqual({ doc: { cents: 1000, events: 10 }, revision: 10 });
  });

  it("a stream's first event reads no checkpoint; a redelivery of it to an instance that never saw it is refused by the commit and found a duplicate", async () => {
    const store = new CountingReadModels();
    const first = new Projector(total, store, { readStream: async () => [] });
    expect(await first.handle(event("a", 1, 100))).toBe("applied");
    // One read: the shared total. The checkpoint was not read.
    expect(store.reads).toBe(1);
    const fresh = new Projector(total, store, { readStream: async () => [] });
    expect(await fresh.handle(event("a", 1, 100))).toBe("duplicate");
    expect(store.documents.get("total#total")).toEqual({ doc: { cents: 100, events: 1 }, revision: 1 });
    expect(store.checkpoints.get("total#a")).toBe(1);
  });

  it("R-X-04 two instances taking turns on one document: stale hints fail the commit, the store is read, the total equals the full fold", async () => {
    const store = new CountingReadModels();
    const log: RecordedEvent[] = [];
    const readStream = async (streamId: string, from = 1, to = Number.MAX_SAFE_INTEGER) => log.filter((e) => e.streamId === streamId && e.version >= from && e.version <= to);
    const instances = [new Projector(total, store, { readStream }), new Projector(total, store, { readStream })];
    let expected = 0;
    for (let v = 1; v <= 12; v++) {
      for (const stream of ["a", "b"]) {
        const e = event(stream, v, v * 10 + (stream === "a" ? 1 : 2));
        log.push(e);
        expected += (e.data as { cents: number }).cents;
        // Deliveries alternate between the instances, so each one's hint of the shared total is stale half the time.
        expect(await instances[(v + (stream === "a" ? 0 : 1)) % 2]!.handle(e)).toBe("applied");
      }
    }
    // A redelivery is a duplicate, decided on the stored checkpoint.
    expect(await instances[0]!.handle(log[0]!)).toBe("duplicate");
    expect(store.documents.get("total#total")).toEqual({ doc: { cents: expected, events: 24 }, revision: 24 });
    expect(store.checkpoints.get("total#a")).toBe(12);
    expect(store.checkpoints.get("total#b")).toBe(12);
  });
});
