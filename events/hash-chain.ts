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

/**
 * A short fingerprint of every leaf field of an event ("payload.technohub.name", "metadata.actor",
 * "recordedAt", …). Stored beside the event, outside the hash: the hash says that an event was
 * altered, the fingerprints say which field. A tamperer who also rewrites them hides only the
 * field, never the alteration.
 */
export function fieldFingerprints(content: HashedContent): Record<string, string> {
  const prints: Record<string, string> = {};
  const visit = (value: unknown, path: string) => {
    if (value !== null && typeof value === "object") {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      if (entries.length === 0) prints[path] = fingerprint(value);
      for (const [key, child] of entries) visit(child, path ? `${path}.${key}` : key);
      return;
    }
    prints[path] = fingerprint(value);
  };
  const { previousHash: _, ...fields } = content;
  visit(fields, "");
  return prints;
}

const fingerprint = (value: unknown) => createHash("sha256").update(canonicalJson(value ?? null)).digest("hex").slice(0, 12);

/** The fields whose fingerprints differ (or appear or vanish) between what was stored and what is there now. */
export function changedFields(stored: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): string[] {
  const paths = new Set([...Object.keys(stored), ...Object.keys(now)]);
  return [...paths].filter((p) => stored[p] !== now[p]).sort();
}
