import * as z from "zod";
import { Identifier, Instant } from "./primitives.ts";

/** Who did it, through which door, and why: recorded on every event, never personal data beyond the actor id. */
export const EventMetadata = z
  .object({
    actor: z.string().min(1).max(200),
    role: z.string().min(1).max(50),
    channel: z.enum(["api", "email", "system", "cli", "replay"]),
    correlationId: z.string().min(1).max(200),
    causationId: z.string().min(1).max(200).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
    /** With an idempotency key: the route it was used on and the hash of the request, so a reused key is told from a retry. */
    route: z.string().min(1).max(100).optional(),
    requestHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  })
  .strict();
export type EventMetadata = z.infer<typeof EventMetadata>;

/** What a decision produces: a type, its current-version payload and who caused it. */
export interface NewEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/** An event as the store holds it. `version` is its place in the stream (1, 2, 3, ...). */
export interface RecordedEvent<T extends string = string, D = unknown> {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: T;
  /** The schema version the payload was written as; `data` is always upcast to the current one. */
  readonly schemaVersion: number;
  readonly data: D;
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
  /** The scheme whose log this event belongs to; drives the global replay order. */
  readonly schemeId: string;
  /** sha256 over this event's content and `previousHash`: the per-stream tamper-evident chain. */
  readonly hash: string;
  readonly previousHash: string;
}

export const StreamId = z.string().regex(/^[a-z-]+#[A-Za-z0-9][A-Za-z0-9._:-]*$/, "kind#id");
export const RecordedEventShape = z.object({
  eventId: z.string(),
  streamId: StreamId,
  version: z.number().int().positive(),
  type: z.string(),
  schemaVersion: z.number().int().positive(),
  data: z.unknown(),
  metadata: EventMetadata,
  recordedAt: Instant,
  schemeId: Identifier,
  hash: z.string(),
  previousHash: z.string(),
});

export const streamIds = {
  application: (id: string) => `application#${id}`,
  scheme: (id: string) => `scheme#${id}`,
  budgetLine: (schemeId: string, budgetLineId: string) => `budget-line#${schemeId}.${budgetLineId}`,
  grant: (id: string) => `grant#${id}`,
  /** One received message; the key is its idempotency key (see intake-events.ts). */
  intake: (messageKey: string) => `intake#${messageKey}`,
  /** Every distinct message that came with one Message-ID; the id is the sha256 of the Message-ID (see MessageIdUsed). */
  messageId: (messageIdSha256: string) => `message-id#${messageIdSha256}`,
  /** R-ST-01: the one regional plan a region number is bound to (see RegionNumberClaimed). */
  region: (schemeId: string, regionNumber: string) => `region#${schemeId}.${regionNumber}`,
  /** The evaluation of one funded hub within one scheme (see evaluation-events.ts). */
  hub: (schemeId: string, hubKey: string) => `hub#${schemeId}.${hubKey}`,
  /** One letter to an applicant; the id is derived from the event that caused it (see letter-events.ts). */
  letter: (letterId: string) => `letter#${letterId}`,
} as const;
