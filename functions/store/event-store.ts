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
  /**
   * Derived state to keep beside each event (aligned with `events`): JSON text the caller computed by
   * folding the log, e.g. a budget line's balance after the event. Not part of the event nor of its
   * hash, never published or exported; a reader may use it to skip the fold, and a full fold must
   * give the same (test/integration/budget-balance.test.ts).
   */
  readonly derived?: ReadonlyArray<string | undefined>;
}

/** An event as stored, with the derived state kept beside it (if any). */
export interface StoredEvent {
  readonly event: RecordedEvent;
  readonly derived?: string;
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
  /** As readStream, each event with the derived state kept beside it. */
  readStreamWithDerived?(streamId: string, fromVersion?: number): Promise<StoredEvent[]>;
  /** As readStreamWithDerived for several streams at once; their sealed values revealed together (one key read). */
  readStreamsWithDerived?(reads: ReadonlyArray<{ readonly streamId: string; readonly fromVersion: number }>): Promise<StoredEvent[][]>;
  /** The stream's last event (read consistently) with its derived state; undefined for an empty stream. */
  readLast?(streamId: string): Promise<StoredEvent | undefined>;
  /** All events of the schemes, in the deterministic global order (recordedAt, streamId, version). */
  readSchemes(schemeIds: ReadonlyArray<string>, options?: { until?: string }): AsyncIterable<RecordedEvent>;
}
