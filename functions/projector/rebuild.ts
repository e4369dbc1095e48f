import type { Projection } from "../../domain/projections/projection.ts";
import type { RecordedEvent } from "../../events/index.ts";
import type { DynamoDbReadModelStore, StoredDocument } from "./read-model-store.ts";
import { foldEvents } from "./projector.ts";

export interface RebuildProgress {
  readonly events: number;
  readonly elapsedMs: number;
}

export interface RebuildResult {
  readonly events: number;
  readonly items: number;
  readonly elapsedMs: number;
}

/**
 * Rebuilds projections from the log into a fresh read-model table (blue/green: never the live one).
 * Folds in memory in the global order, exactly as the live projector would per stream, then loads.
 */
export async function rebuildProjections(options: {
  events: AsyncIterable<RecordedEvent>;
  projections: ReadonlyArray<Projection>;
  target: DynamoDbReadModelStore;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => number;
}): Promise<RebuildResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const documents = new Map<string, Map<string, StoredDocument & { listing?: { list: string; sortKey: string } | undefined }>>();
  const checkpoints = new Map<string, number>();
  // Events a projection does not handle are applied only when a later handled event of the same
  // stream arrives, as the live projector does when it fills a gap.
  const pending = new Map<string, RecordedEvent[]>();
  let count = 0;

  for await (const event of options.events) {
    count++;
    for (const projection of options.projections) {
      const key = `${projection.name}|${event.streamId}`;
      if (!projection.handles.includes(event.type)) {
        const buffer = pending.get(key);
        if (buffer) buffer.push(event);
        else pending.set(key, [event]);
        continue;
      }
      const run = [...(pending.get(key) ?? []), event];
      pending.delete(key);
      let docs = documents.get(projection.name);
      if (!docs) documents.set(projection.name, (docs = new Map()));
      const writes = await foldEvents(projection, run, (docId) => docs.get(docId));
      for (const write of writes) docs.set(write.docId, { doc: write.doc, revision: write.revision, listing: write.listing });
      checkpoints.set(key, event.version);
    }
    if (count % 5000 === 0) options.onProgress?.({ events: count, elapsedMs: now() - started });
  }

  const items: Array<Record<string, unknown>> = [];
  for (const [projection, docs] of documents) {
    for (const [docId, stored] of docs) items.push(options.target.documentItem(projection, { docId, doc: stored.doc, revision: stored.revision, listing: stored.listing }));
  }
  for (const [key, version] of checkpoints) {
    const [projection, streamId] = key.split("|") as [string, string];
    items.push(options.target.checkpointItem(projection, streamId, version));
  }
  await options.target.load(items);
  const elapsedMs = now() - started;
  options.onProgress?.({ events: count, elapsedMs });
  return { events: count, items: items.length, elapsedMs };
}
