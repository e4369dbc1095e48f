import type { EventMetadata, NewEvent, RecordedEvent } from "../../events/index.ts";

/** What one decision appends to one stream. `expectedVersion` is the version it decided on (0 = new stream). */
export interface StreamAppend {
  readonly streamId: string;
  readonly expectedVersion: number;
  readonly schemeId: string;
  readonly events: ReadonlyArray<NewEvent>;
  readonly metadata: EventMetadata;
  /**
   * The event at `expectedVersion` as the caller read it (consistently), when it has it: spares the
   * store reading the head again. Only its hash and time are used, so a wrong one breaks the chain
   * visibly rather than silently.
   */
  readonly head?: Pick<RecordedEvent, "version" | "hash" | "recordedAt">;
}

export interface AppendOptions {
  /** Makes a retried multi-stream append idempotent (DynamoDB ClientRequestToken, 10 minutes). */
  readonly idempotencyToken?: string;
}

/** The port every handler and projector uses; the DynamoDB adapter is the production implementation. */
export interface EventStore {
  /**
   * Appends all events of all streams, or none. Throws ConcurrencyConflict when any stream is not
   * at its expected version (including one beyond its end, which would leave a gap).
   */
  append(appends: ReadonlyArray<StreamAppend>, options?: AppendOptions): Promise<RecordedEvent[]>;
  /** The stream's events from `fromVersion` (inclusive), upcast to current versions. */
  readStream(streamId: string, fromVersion?: number, toVersion?: number): Promise<RecordedEvent[]>;
  /** All events of the schemes, in the deterministic global order (recordedAt, streamId, version). */
  readSchemes(schemeIds: ReadonlyArray<string>, options?: { until?: string }): AsyncIterable<RecordedEvent>;
}
