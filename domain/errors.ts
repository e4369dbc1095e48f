/**
 * Errors the application speaks in. Adapters turn infrastructure failures into these, so no
 * handler ever sees (or leaks) a raw SDK error.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** Someone else appended to the stream first, or the expected version lies beyond the stream's end. */
export class ConcurrencyConflict extends DomainError {
  readonly code = "concurrency-conflict";
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly reason: "stream-moved-on" | "beyond-stream-end",
    readonly actualVersion?: number,
  ) {
    super(
      reason === "beyond-stream-end"
        ? `stream ${streamId} has ${actualVersion ?? "fewer"} events; expected version ${expectedVersion} would leave a gap`
        : `stream ${streamId} moved on past version ${expectedVersion}`,
    );
    this.name = "ConcurrencyConflict";
  }
}

/** The store could not be reached or refused for capacity: the caller may retry later; nothing was written. */
export class StoreUnavailable extends DomainError {
  readonly code = "store-unavailable";
  constructor(readonly operation: string, readonly retryable: boolean, cause?: unknown) {
    super(`event store unavailable during ${operation}`, { cause });
    this.name = "StoreUnavailable";
  }
}

/** A stored event no longer reads: corrupted, unknown type or failing its schema. */
export class CorruptEvent extends DomainError {
  readonly code = "corrupt-event";
  constructor(readonly streamId: string, readonly version: number, detail: string) {
    super(`event ${streamId} v${version} cannot be read: ${detail}`);
    this.name = "CorruptEvent";
  }
}
