import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";
import type { RecordedEvent } from "./envelope.ts";

/** The `previousHash` of a stream's first event. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields an event's hash covers: everything it says, plus the hash of the event before it. */
export type HashedContent = Omit<RecordedEvent, "hash" | "data"> & { readonly payload: unknown };

export function eventHash(content: HashedContent): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

export interface ChainBreak {
  readonly streamId: string;
  readonly version: number;
  readonly problem: "hash-mismatch" | "previous-hash-mismatch" | "version-gap";
  readonly detail: string;
}

/**
 * Recomputes a stream's chain from raw stored content (payload as written, before upcasting)
 * and reports the first broken link.
 */
export function verifyChain(events: ReadonlyArray<HashedContent & { readonly hash: string }>): ChainBreak | undefined {
  let previousHash = GENESIS_HASH;
  let expectedVersion = 1;
  for (const event of events) {
    if (event.version !== expectedVersion) {
      return { streamId: event.streamId, version: expectedVersion, problem: "version-gap", detail: `found version ${event.version} where ${expectedVersion} was expected` };
    }
    if (event.previousHash !== previousHash) {
      return { streamId: event.streamId, version: event.version, problem: "previous-hash-mismatch", detail: "previousHash does not match the hash of the event before" };
    }
    const { hash, ...content } = event;
    if (eventHash(content) !== hash) {
      return { streamId: event.streamId, version: event.version, problem: "hash-mismatch", detail: "content does not match its stored hash" };
    }
    previousHash = hash;
    expectedVersion++;
  }
  return undefined;
}
