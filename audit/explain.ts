import type { Projection } from "../domain/projections/projection.ts";
import type { RecordedEvent } from "../events/index.ts";
import { foldProjections } from "../functions/projector/rebuild.ts";
import { restrictedTo } from "./replay.ts";

/** One event behind a read-model document, as an auditor cites it. */
export interface ContributingEvent {
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly actor: string;
  readonly role: string;
  readonly channel: string;
  readonly eventId: string;
}

export interface Explanation {
  readonly projection: string;
  readonly documentId: string;
  /** The document as these events produce it (undefined when none did). */
  readonly document: unknown;
  /** The document's revision: always the number of contributing events. */
  readonly revision: number;
  readonly events: ReadonlyArray<ContributingEvent>;
}

const contributionOf = (event: RecordedEvent): ContributingEvent => ({
  streamId: event.streamId,
  version: event.version,
  type: event.type,
  recordedAt: event.recordedAt,
  actor: event.metadata.actor,
  role: event.metadata.role,
  channel: event.metadata.channel,
  eventId: event.eventId,
});

/**
 * The events that produced a read-model document, in the order they were applied: those the
 * projection folded into it and that changed it, found by folding the log with the projection
 * narrowed to that document (so an event the projection routes elsewhere, or ignores, is not listed).
 */
export async function explainDocument(options: { events: AsyncIterable<RecordedEvent>; projection: Projection; documentId: string }): Promise<Explanation> {
  const contributions: ContributingEvent[] = [];
  // With its entries: a document may read one of them as it stood before an event (the budget line its application's position).
  const narrowed = restrictedTo(options.projection, options.documentId, (event) => contributions.push(contributionOf(event)), { withEntries: true });
  const folded = await foldProjections({ events: options.events, projections: [narrowed] });
  const stored = folded.documents.get(narrowed.name)?.get(options.documentId);
  return { projection: narrowed.name, documentId: options.documentId, document: stored?.doc, revision: stored?.revision ?? 0, events: contributions };
}

export function renderExplanation(explanation: Explanation): string {
  const lines = [`${explanation.projection} ${explanation.documentId}: revision ${explanation.revision}, produced by ${explanation.events.length} event(s):`];
  for (const e of explanation.events) lines.push(`  ${e.recordedAt}  ${e.streamId} v${e.version}  ${e.type}  by ${e.actor} (${e.role}, ${e.channel})`);
  lines.push("Document:", JSON.stringify(explanation.document, null, 2) ?? "(none)");
  return lines.join("\n");
}
