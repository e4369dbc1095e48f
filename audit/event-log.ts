import * as z from "zod";
import { storedFieldsOf } from "../functions/store/dynamodb-event-store.ts";

export { storedFieldsOf };

/**
 * A stored event item as the auditor reads it, from the table or an export line: the types the
 * hash needs, nothing more (the hash and the schemas judge the content). Strict, because an
 * attribute nobody hashes is an attribute anybody could have added.
 */
export const StoredEventShape = z
  .object({
    streamId: z.string(),
    version: z.number().int().positive(),
    eventId: z.string(),
    type: z.string(),
    schemaVersion: z.number(),
    payload: z.string(),
    metadata: z.string(),
    recordedAt: z.string(),
    schemeId: z.string(),
    previousHash: z.string(),
    hash: z.string(),
    fieldPrints: z.string().optional(),
    // The replay index keys: on items read from the table, absent from exports.
    orderPartition: z.string().optional(),
    orderKey: z.string().optional(),
    // Derived state a writer keeps beside the event (a budget line's balance, an application's position):
    // not hashed and not exported; verifyBudgetLineDerived checks it against a full fold.
    derived: z.string().optional(),
  })
  .strict();
export type StoredEvent = z.infer<typeof StoredEventShape>;



/** Which part of the log a read covers: some or all schemes, optionally a period of recorded time (inclusive). */
export const LogScope = z
  .object({
    schemes: z.array(z.string()),
    /** True when the read covered every scheme found in the table, so a stream missing from it is missing from the log. */
    allSchemes: z.boolean(),
    from: z.string().optional(),
    until: z.string().optional(),
  })
  .strict();
export type LogScope = z.infer<typeof LogScope>;

export const inPeriod =
  (scope: Pick<LogScope, "from" | "until">) =>
  (item: { readonly recordedAt: string }): boolean =>
    (scope.from === undefined || item.recordedAt >= scope.from) && (scope.until === undefined || item.recordedAt <= scope.until);

/** Whether a checkpoint's stream of this scheme must be present in a read of this scope. */
export const coversScheme = (scope: LogScope) => (schemeId: string) => scope.allSchemes || scope.schemes.includes(schemeId);

/** A period cuts streams: their tails (until) or heads (from) are left out on purpose. */
export const coversWholeStreams = (scope: LogScope) => scope.from === undefined && scope.until === undefined;
