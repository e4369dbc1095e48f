import type { Projection } from "../../domain/projections/projection.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { RecordedEvent } from "../../events/index.ts";
import type { EventStore } from "../store/event-store.ts";
import type { DocumentWrite, ReadModelStore, StoredDocument } from "./read-model-store.ts";

/**
 * Folds a run of one stream's consecutive events into the documents they touch. Shared by the
 * live projector and the rebuild, so both produce the same documents and revisions.
 */
export async function foldEvents(
  projection: Projection,
  events: ReadonlyArray<RecordedEvent>,
  load: (docId: string) => Promise<StoredDocument | undefined> | StoredDocument | undefined,
): Promise<DocumentWrite[]> {
  const touched = new Map<string, { doc: unknown; revision: number; expectedRevision: number }>();
  for (const event of events) {
    for (const docId of projection.documentIds(event)) {
      let current = touched.get(docId);
      if (!current) {
        const stored = await load(docId);
        current = { doc: stored?.doc, revision: stored?.revision ?? 0, expectedRevision: stored?.revision ?? 0 };
        touched.set(docId, current);
      }
      const next = projection.apply(current.doc, event);
      if (next !== undefined) {
        current.doc = next;
        current.revision += 1;
      }
    }
  }
  return [...touched]
    .filter(([, d]) => d.revision !== d.expectedRevision)
    .map(([docId, d]) => ({ docId, doc: d.doc, revision: d.revision, expectedRevision: d.expectedRevision, listing: projection.listing?.(d.doc) }));
}

export type Outcome = "applied" | "duplicate";

/**
 * Applies events delivered at least once, in any order. Idempotent: a version at or below the
 * stream's checkpoint is a duplicate and skipped. Gap-aware: when versions are missing before the
 * delivered one, it reads them from the event store and applies them first.
 */
export class Projector {
  constructor(
    readonly projection: Projection,
    private readonly readModels: ReadModelStore,
    private readonly events: Pick<EventStore, "readStream">,
    private readonly maxAttempts = 20,
  ) {}

  async handle(event: RecordedEvent): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const checkpoint = await this.readModels.checkpoint(this.projection.name, event.streamId);
      if (event.version <= checkpoint) return "duplicate";
      const run = event.version === checkpoint + 1 ? [event] : [...(await this.events.readStream(event.streamId, checkpoint + 1, event.version - 1)), event];
      if (run.some((e, i) => e.version !== checkpoint + 1 + i)) {
        throw new Error(`stream ${event.streamId} is missing versions between ${checkpoint} and ${event.version}`);
      }
      const writes = await foldEvents(this.projection, run, (docId) => this.readModels.document(this.projection.name, docId));
      try {
        await this.readModels.commit(this.projection.name, event.streamId, checkpoint, event.version, writes);
        return "applied";
      } catch (error) {
        // Another delivery of this stream (or of a stream feeding the same document) won: read again.
        if (!(error instanceof ConcurrencyConflict) || attempt >= this.maxAttempts) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }
}
