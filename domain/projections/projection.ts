import type { RecordedEvent } from "../../events/index.ts";

/**
 * A read model as a pure fold over events. A projection may only depend on the order of events
 * within one stream: documents fed by several streams must combine them order-independently
 * (sums, sets, sorted lists), because live delivery and replay interleave streams differently.
 *
 * No document may grow with history (DynamoDB holds at most 400 KB per item): a document keeps the
 * current state and bounded summaries, and each history entry is a document of its own, with an
 * id `<documentId>/<kind>/<key>` and a listing (a list per parent, sort key = version or date), so
 * readers page through it with a query and a cursor, and as-of reads of a document include its
 * entries.
 */
export interface Projection<D = unknown> {
  readonly name: string;
  /** Event types routed to it (the bus rule's detail-types). */
  readonly handles: ReadonlyArray<string>;
  /** The documents an event changes; empty when it changes none. */
  documentIds(event: RecordedEvent): ReadonlyArray<string>;
  /**
   * The document `documentId` after the event; undefined when there is (still) no document.
   * `sibling` reads another document the same event changes, as it stands before the event when it
   * comes later in `documentIds` (a total that needs one entry's previous value, without keeping
   * every entry inside the document).
   */
  apply(document: D | undefined, event: RecordedEvent, documentId: string, sibling?: (documentId: string) => D | undefined): D | undefined;
  /** Where the document is listed (a partition and a sort key), if anywhere. */
  listing?(document: D): { readonly list: string; readonly sortKey: string } | undefined;
}

export const defineProjection = <D>(projection: Projection<D>): Projection<D> => projection;

/** Is `documentId` the document `parentId` or one of its history entries (`<parentId>/...`)? */
export const isDocumentOrEntryOf = (documentId: string, parentId: string): boolean => documentId === parentId || documentId.startsWith(`${parentId}/`);
