import type { Projection } from "../../domain/projections/projection.ts";
import type { EventStore } from "../store/event-store.ts";
import { Projector } from "./projector.ts";
import type { ReadModelStore } from "./read-model-store.ts";

/** What a catch-up needs to know of each event: where it lies and what it is (a Scan of three attributes gives it). */
export interface EventPosition {
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
}

export interface StreamBehind {
  readonly projection: string;
  readonly streamId: string;
  /** The projector's checkpoint for the stream, and the last version it should have applied. */
  readonly checkpoint: number;
  readonly head: number;
}

export interface CatchUpReport {
  readonly events: number;
  /** Every (projection, stream) whose checkpoint lay behind the log. */
  readonly behind: ReadonlyArray<StreamBehind>;
  /** Of those, the ones applied now. */
  readonly caughtUp: number;
  /** Of those, the ones that still fail (the fix is not in, or another poison waits): the error per stream. */
  readonly failed: ReadonlyArray<StreamBehind & { readonly error: string }>;
}

/**
 * The re-drive that works the same locally and on AWS, whatever the dead-letter queues hold:
 * compares every projector's per-stream checkpoint with the log and, for each stream behind,
 * hands the projector the stream's last event it handles; the projector (idempotent, gap-aware)
 * reads the missing events from the store and applies them in order, in commits that fit a
 * transaction. Safe while the live projectors run: commits are conditional on the checkpoint.
 * Run it after a fix has been deployed; then `backoffice-audit replay` proves live equals the log.
 */
export async function catchUpProjections(options: {
  positions: AsyncIterable<EventPosition>;
  projections: ReadonlyArray<Projection>;
  readModels: ReadModelStore & { checkpoints(projection: string, streamIds: ReadonlyArray<string>): Promise<Map<string, number>> };
  events: Pick<EventStore, "readStream">;
  /** Only report what lies behind; apply nothing. */
  dryRun?: boolean;
  onProgress?: (line: string) => void;
}): Promise<CatchUpReport> {
  // projection -> stream -> the last version of it the projection handles
  const heads = new Map<string, Map<string, number>>(options.projections.map((p) => [p.name, new Map()]));
  let events = 0;
  for await (const position of options.positions) {
    events++;
    for (const projection of options.projections) {
      if (!projection.handles.includes(position.type)) continue;
      const streams = heads.get(projection.name)!;
      if ((streams.get(position.streamId) ?? 0) < position.version) streams.set(position.streamId, position.version);
    }
  }
  const behind: StreamBehind[] = [];
  for (const projection of options.projections) {
    const streams = heads.get(projection.name)!;
    const checkpoints = await options.readModels.checkpoints(projection.name, [...streams.keys()]);
    for (const [streamId, head] of streams) {
      const checkpoint = checkpoints.get(streamId) ?? 0;
      if (checkpoint < head) behind.push({ projection: projection.name, streamId, checkpoint, head });
    }
  }
  options.onProgress?.(`${events} events read; ${behind.length} (projection, stream) pair(s) behind the log`);
  if (options.dryRun) return { events, behind, caughtUp: 0, failed: [] };

  let caughtUp = 0;
  const failed: Array<StreamBehind & { error: string }> = [];
  const projectors = new Map(options.projections.map((p) => [p.name, new Projector(p, options.readModels, options.events)]));
  for (const stream of behind) {
    try {
      const [last] = await options.events.readStream(stream.streamId, stream.head, stream.head);
      if (!last) throw new Error(`${stream.streamId} v${stream.head} is not in the store`);
      await projectors.get(stream.projection)!.handle(last);
      caughtUp++;
      options.onProgress?.(`${stream.projection}: ${stream.streamId} v${stream.checkpoint + 1}..${stream.head} applied`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ ...stream, error: message });
      options.onProgress?.(`${stream.projection}: ${stream.streamId} still fails: ${message}`);
    }
  }
  return { events, behind, caughtUp, failed };
}
