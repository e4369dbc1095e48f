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

export interface RebuiltDocument extends StoredDocument {
  readonly listing?: { readonly list: string; readonly sortKey: string } | undefined;
}

/** Every projection's documents after a fold of the log, held in memory (what `as-of` and the audit compare read). */
export interface FoldedReadModels {
  readonly events: number;
  /** projection name -> document id -> document */
  readonly documents: ReadonlyMap<string, ReadonlyMap<string, RebuiltDocument>>;
  /** projection name -> stream id -> last version applied: the projectors' checkpoints */
  readonly checkpoints: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * Where a rebuild loads what it folded. The read-model store lays the items out, so a rebuilt
 * table holds exactly the items the live projectors write.
 */
export type RebuildTarget = Pick<DynamoDbReadModelStore, "documentItem" | "checkpointItem" | "load">;

/**
 * Folds the log through the projections in memory, in the order given, exactly as the live
 * projector would per stream.
 */
export async function foldProjections(options: {
  events: AsyncIterable<RecordedEvent>;
  projections: ReadonlyArray<Projection>;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => number;
}): Promise<FoldedReadModels> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const documents = new Map<string, Map<string, RebuiltDocument>>(options.projections.map((p) => [p.name, new Map()]));
  const checkpoints = new Map<string, Map<string, number>>(options.projections.map((p) => [p.name, new Map()]));
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
      const docs = documents.get(projection.name)!;
      const writes = await foldEvents(projection, run, (docId) => docs.get(docId));
      for (const write of writes) docs.set(write.docId, { doc: write.doc, revision: write.revision, listing: write.listing });
      checkpoints.get(projection.name)!.set(event.streamId, event.version);
    }
    if (count % 5000 === 0) options.onProgress?.({ events: count, elapsedMs: now() - started });
  }
  return { events: count, documents, checkpoints };
}

/** The read-model items a fold amounts to, laid out by the target's store. */
export function readModelItemsOf(folded: FoldedReadModels, target: Pick<RebuildTarget, "documentItem" | "checkpointItem">): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  for (const [projection, docs] of folded.documents) {
    for (const [docId, stored] of docs) items.push(target.documentItem(projection, { docId, doc: stored.doc, revision: stored.revision, listing: stored.listing }));
  }
  for (const [projection, streams] of folded.checkpoints) {
    for (const [streamId, version] of streams) items.push(target.checkpointItem(projection, streamId, version));
  }
  return items;
}

/**
 * Rebuilds projections from the log into a fresh read-model table (blue/green: never the live one).
 * Folds in memory in the global order, exactly as the live projector would per stream, then loads.
 */
export async function rebuildProjections(options: {
  events: AsyncIterable<RecordedEvent>;
  projections: ReadonlyArray<Projection>;
  target: RebuildTarget;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => number;
}): Promise<RebuildResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const folded = await foldProjections({ ...options, now });
  const items = readModelItemsOf(folded, options.target);
  await options.target.load(items);
  const elapsedMs = now() - started;
  options.onProgress?.({ events: folded.events, elapsedMs });
  return { events: folded.events, items: items.length, elapsedMs };
}
