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

/**
 * A record would exceed a size limit of the store or the bus (DynamoDB's 400 KB item, EventBridge's
 * 256 KB entry). Nothing was written; the same request can never succeed, so it is the caller's to change.
 */
export class RecordTooLarge extends DomainError {
  readonly code = "record-too-large";
  constructor(
    readonly what: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
    detail: string,
  ) {
    super(`${what} is too large: ${detail}`);
    this.name = "RecordTooLarge";
  }
}

/**
 * A read-model item would exceed DynamoDB's 400 KB (or a projector's commit its transaction's
 * 4 MB / 100 items). A projection's design fault, not the caller's: the event is dead-lettered at
 * once (retrying cannot help) and re-driven once the projection is fixed.
 */
export class DocumentTooLarge extends DomainError {
  readonly code = "document-too-large";
  /** Never worth a retry: the same fold produces the same document. */
  readonly retryable = false;
  constructor(
    readonly projection: string,
    readonly documentId: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`${projection} document ${documentId} would be ${Math.ceil(sizeBytes / 1024)} KB; one read-model item holds at most ${Math.floor(limitBytes / 1024)} KB`);
    this.name = "DocumentTooLarge";
  }
}
