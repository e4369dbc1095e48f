import type { RecordedEvent } from "../../events/index.ts";

/**
 * A read model as a pure fold over events. A projection may only depend on the order of events
 * within one stream: documents fed by several streams must combine them order-independently
 * (sums, sets, sorted lists), because live delivery and replay interleave streams differently.
 */
export interface Projection<D = unknown> {
  readonly name: string;
  /** Event types routed to it (the bus rule's detail-types). */
  readonly handles: ReadonlyArray<string>;
  /** The documents an event changes; empty when it changes none. */
  documentIds(event: RecordedEvent): ReadonlyArray<string>;
  /** The document after the event; undefined when there is (still) no document. */
  apply(document: D | undefined, event: RecordedEvent): D | undefined;
  /** Where the document is listed (a partition and a sort key), if anywhere. */
  listing?(document: D): { readonly list: string; readonly sortKey: string } | undefined;
}

export const defineProjection = <D>(projection: Projection<D>): Projection<D> => projection;
