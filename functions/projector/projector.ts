import type { Projection } from "../../domain/projections/projection.ts";
import { ConcurrencyConflict, CorruptEvent, DocumentTooLarge, DomainError, RecordTooLarge, StoreUnavailable } from "../../domain/errors.ts";
import type { RecordedEvent } from "../../events/index.ts";
import type { EventStore } from "../store/event-store.ts";
import { MAX_TRANSACTION_BYTES } from "../store/limits.ts";
import type { DocumentWrite, ReadModelStore, StoredDocument } from "./read-model-store.ts";

/** The projection's own code (documentIds, apply, listing) threw: a bug, the same on every retry. */
export class ProjectionFailed extends DomainError {
  readonly code = "projection-failed";
  readonly retryable = false;
  constructor(readonly projection: string, readonly streamId: string, readonly version: number, cause: unknown) {
    super(`${projection} failed on ${streamId} v${version}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ProjectionFailed";
  }
}

/**
 * An event the projector cannot apply, and retrying will not change that (a document too large, a
 * corrupt event, a bug in the projection, a store refusing for good). Not retried: dead-lettered at
 * once, and re-driven after the fix (docs/deploy.md, "Dead letters"). Later events of its stream
 * wait behind it (per-stream order); other streams go on.
 */
export class PoisonEvent extends DomainError {
  readonly code = "poison-event";
  readonly retryable = false;
  constructor(readonly projection: string, readonly streamId: string, readonly version: number, cause: unknown) {
    super(`${projection} cannot apply ${streamId} v${version}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "PoisonEvent";
  }
}

/** Failures that are the same on every retry. StoreUnavailable that is retryable, conflicts and the unknown are worth another try. */
export function isPermanentFailure(error: unknown): boolean {
  return (
    error instanceof PoisonEvent ||
    error instanceof ProjectionFailed ||
    error instanceof DocumentTooLarge ||
    error instanceof CorruptEvent ||
    error instanceof RecordTooLarge ||
    (error instanceof StoreUnavailable && !error.retryable)
  );
}

/** One commit is one TransactWriteItems: at most 100 actions (one is the checkpoint) and 4 MB. */
export interface CommitLimits {
  readonly maxDocuments: number;
  readonly maxBytes: number;
}

export const transactionLimits: CommitLimits = { maxDocuments: 99, maxBytes: MAX_TRANSACTION_BYTES - 256 * 1024 };

interface Touched {
  doc: unknown;
  revision: number;
  readonly expectedRevision: number;
}

/**
 * The documents a run of one stream's events touches, folded event by event. Shared by the live
 * projector and the rebuild, so both produce the same documents and revisions.
 */
export class DocumentFold {
  private readonly touched = new Map<string, Touched>();

  constructor(
    private readonly projection: Projection,
    private readonly load: (docId: string) => Promise<StoredDocument | undefined> | StoredDocument | undefined,
  ) {}

  /** Applies one event; returns a function that takes it back out (the fold as it was before). */
  async apply(event: RecordedEvent): Promise<() => void> {
    const docIds = this.guarded(event, () => this.projection.documentIds(event));
    const before = new Map<string, Touched | undefined>();
    for (const docId of docIds) {
      if (before.has(docId)) continue;
      const current = this.touched.get(docId);
      before.set(docId, current && { ...current });
    }
    // Every document of the event is loaded before any is changed, so each can read the others as they were.
    for (const docId of docIds) {
      if (this.touched.has(docId)) continue;
      const stored = await this.load(docId);
      this.touched.set(docId, { doc: stored?.doc, revision: stored?.revision ?? 0, expectedRevision: stored?.revision ?? 0 });
    }
    const sibling = (id: string) => (docIds.includes(id) ? this.touched.get(id)?.doc : undefined);
    for (const docId of docIds) {
      const current = this.touched.get(docId)!;
      const next = this.guarded(event, () => this.projection.apply(current.doc, event, docId, sibling));
      if (next !== undefined) {
        current.doc = next;
        current.revision += 1;
      }
    }
    return () => {
      for (const [docId, was] of before) {
        if (was) this.touched.set(docId, was);
        else this.touched.delete(docId);
      }
    };
  }

  writes(): DocumentWrite[] {
    return [...this.touched]
      .filter(([, d]) => d.revision !== d.expectedRevision)
      .map(([docId, d]) => ({
        docId,
        doc: d.doc,
        revision: d.revision,
        expectedRevision: d.expectedRevision,
        listing: this.guarded(undefined, () => this.projection.listing?.(d.doc)),
      }));
  }

  /** What a commit of the writes would hold: documents, and bytes estimated as the store lays the items out (the document as JSON text). */
  estimate(): { readonly documents: number; readonly bytes: number } {
    let documents = 0;
    let bytes = 0;
    for (const [docId, d] of this.touched) {
      if (d.revision === d.expectedRevision) continue;
      documents++;
      bytes += 2 * Buffer.byteLength(docId, "utf8") + Buffer.byteLength(JSON.stringify(d.doc) ?? "", "utf8") + 200;
    }
    return { documents, bytes };
  }

  fits(limits: CommitLimits): boolean {
    const { documents, bytes } = this.estimate();
    return documents <= limits.maxDocuments && bytes <= limits.maxBytes;
  }

  private guarded<T>(event: RecordedEvent | undefined, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new ProjectionFailed(this.projection.name, event?.streamId ?? "(listing)", event?.version ?? 0, error);
    }
  }
}

/** Folds a run of one stream's consecutive events into the documents they touch (the rebuild's fold: no commit limits in memory). */
export async function foldEvents(
  projection: Projection,
  events: ReadonlyArray<RecordedEvent>,
  load: (docId: string) => Promise<StoredDocument | undefined> | StoredDocument | undefined,
): Promise<DocumentWrite[]> {
  const fold = new DocumentFold(projection, load);
  for (const event of events) await fold.apply(event);
  return fold.writes();
}

export type Outcome = "applied" | "duplicate";

/**
 * Applies events delivered at least once, in any order. Idempotent: a version at or below the
 * stream's checkpoint is a duplicate and skipped. Gap-aware: when versions are missing before the
 * delivered one, it reads them from the event store and applies them first, in as many commits as
 * the transaction limits need (a long gap, after a re-drive, never makes one oversized commit).
 * A failure that retrying cannot mend is thrown as PoisonEvent.
 */
export class Projector {
  /**
   * What this projector last committed, per stream (its checkpoint) and per document (with its
   * revision): the next in-order event of a stream is folded on it without reading them again, which
   * halves a delivery's reads (issue 15's simulation: checkpoint and document reads were a third of
   * all requests). A hint only: every commit is conditional on the checkpoint and each document's
   * revision, so a stale entry (another instance, a re-drive) fails the commit, the hints are dropped
   * and the delivery reads the store. A duplicate is only ever decided on the stored checkpoint.
   */
  private readonly committedCheckpoints = new BoundedMap<string, number>(10_000);
  private readonly committedDocuments = new BoundedMap<string, StoredDocument>(10_000);

  constructor(
    readonly projection: Projection,
    private readonly readModels: ReadModelStore,
    private readonly events: Pick<EventStore, "readStream">,
    private readonly maxAttempts = 20,
    private readonly limits: CommitLimits = transactionLimits,
  ) {}

  async handle(event: RecordedEvent): Promise<Outcome> {
    try {
      return await this.oneAtATime(event.streamId, () => this.project(event));
    } catch (error) {
      if (isPermanentFailure(error) && !(error instanceof PoisonEvent)) throw new PoisonEvent(this.projection.name, event.streamId, event.version, error);
      throw error;
    }
  }

  /**
   * Deliveries of one stream to this instance, one after the other. On Lambda an instance serves one
   * invocation at a time anyway; the local runtime hands one instance every delivery at once, where
   * two events of one stream racing each read the checkpoint, one fills the gap from the store and
   * the other loses its commit. Waiting instead, the later one finds the earlier one's commit in the
   * hints and reads nothing (issue 15's simulation). Other streams go on.
   */
  private readonly streamQueues = new Map<string, Promise<unknown>>();

  private async oneAtATime<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const before = this.streamQueues.get(streamId);
    const mine = (before ?? Promise.resolve()).catch(() => undefined).then(work);
    this.streamQueues.set(streamId, mine);
    try {
      return await mine;
    } finally {
      if (this.streamQueues.get(streamId) === mine) this.streamQueues.delete(streamId);
    }
  }

  private async project(event: RecordedEvent): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const committed = this.committedCheckpoints.get(event.streamId);
      // A stream's first event, on a first attempt, goes without reading the checkpoint: it is 0 but
      // for a redelivery, which the commit's condition (no checkpoint yet) refuses, and the next attempt reads it.
      const unread = committed === undefined && event.version === 1 && attempt === 1;
      const checkpoint = committed !== undefined && event.version === committed + 1 ? committed : unread ? 0 : await this.readModels.checkpoint(this.projection.name, event.streamId);
      if (event.version <= checkpoint) return "duplicate";
      const run = event.version === checkpoint + 1 ? [event] : [...(await this.events.readStream(event.streamId, checkpoint + 1, event.version - 1)), event];
      if (run.some((e, i) => e.version !== checkpoint + 1 + i)) {
        throw new Error(`stream ${event.streamId} is missing versions between ${checkpoint} and ${event.version}`);
      }
      try {
        await this.commitRun(event.streamId, checkpoint, run);
        return "applied";
      } catch (error) {
        // Another delivery of this stream (or of a stream feeding the same document) won: read again.
        if (!(error instanceof ConcurrencyConflict) || attempt >= this.maxAttempts) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  /** Commits the run in order, as few commits as the limits allow; each moves the checkpoint to its last event. */
  private async commitRun(streamId: string, checkpoint: number, run: ReadonlyArray<RecordedEvent>): Promise<void> {
    const load = (docId: string) => this.committedDocuments.get(docId) ?? this.readModels.document(this.projection.name, docId);
    const commit = async (from: number, to: number, writes: DocumentWrite[]) => {
      try {
        await this.readModels.commit(this.projection.name, streamId, from, to, writes);
      } catch (error) {
        // Whichever hint was stale, the next attempt reads these from the store.
        this.committedCheckpoints.delete(streamId);
        for (const write of writes) this.committedDocuments.delete(write.docId);
        throw error;
      }
      this.committedCheckpoints.set(streamId, to);
      for (const write of writes) this.committedDocuments.set(write.docId, { doc: write.doc, revision: write.revision });
    };
    let fold = new DocumentFold(this.projection, load);
    let from = checkpoint;
    let to = checkpoint;
    for (const event of run) {
      const takeBack = await fold.apply(event);
      if (!fold.fits(this.limits)) {
        if (to === from) throw this.tooLargeForOneCommit(streamId, event, fold);
        takeBack();
        await commit(from, to, fold.writes());
        from = to;
        fold = new DocumentFold(this.projection, load);
        await fold.apply(event);
        if (!fold.fits(this.limits)) throw this.tooLargeForOneCommit(streamId, event, fold);
      }
      to = event.version;
    }
    await commit(from, to, fold.writes());
  }

  /** One event alone changes more than one commit can hold. */
  private tooLargeForOneCommit(streamId: string, event: RecordedEvent, fold: DocumentFold): DocumentTooLarge {
    const { documents, bytes } = fold.estimate();
    return new DocumentTooLarge(this.projection.name, `(the ${documents} documents ${streamId} v${event.version} changes)`, bytes, this.limits.maxBytes);
  }
}

/** A map that forgets its oldest entries past `limit`: the projector's hints stay within a Lambda's memory. */
class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.entries.get(key);
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }
  delete(key: K): void {
    this.entries.delete(key);
  }
}
