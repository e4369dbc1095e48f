import type { Projection } from "../domain/projections/projection.ts";
import type { RecordedEvent } from "../events/index.ts";
import { foldProjections } from "../functions/projector/rebuild.ts";
import type { EffectiveDateContext } from "../domain/effective-date.ts";
import { type TimeAxis, newSelection, reachesProjection, restrictedTo, selectOnAxis, statementOf } from "./replay.ts";

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
  /** When it took effect (domain/effective-date.ts), and where that date comes from. */
  readonly effectiveAt: string;
  readonly effectiveFrom: string;
  /** Recorded more than a day after its effective date (recorded axis), or after the asked date (business axis). */
  readonly backdated: boolean;
}

export interface Explanation {
  readonly projection: string;
  readonly documentId: string;
  /** The document as these events produce it (undefined when none did). */
  readonly document: unknown;
  /** The document's revision: always the number of contributing events. */
  readonly revision: number;
  readonly events: ReadonlyArray<ContributingEvent>;
  readonly axis: TimeAxis;
  /** "effective on D, as known at T", or "as recorded at T" (T: now when not asked). */
  readonly statement: string;
}

/**
 * The events that produced a read-model document, in the order they were applied: those the
 * projection folded into it and that changed it, found by folding the log with the projection
 * narrowed to that document (so an event the projection routes elsewhere, or ignores, is not listed).
 * With `at`, as the document stood then on `axis` (recorded by default; business: the events
 * effective at or before `at` among those recorded by `knownAt`), as `stateAsOf` selects them.
 */
export async function explainDocument(options: {
  events: AsyncIterable<RecordedEvent>;
  projection: Projection;
  documentId: string;
  axis?: TimeAxis | undefined;
  at?: string | undefined;
  knownAt?: string | undefined;
  effectiveDates?: EffectiveDateContext | undefined;
}): Promise<Explanation> {
  const axis = options.axis ?? "recorded";
  const now = new Date().toISOString();
  const knownAt = axis === "recorded" ? (options.at ?? now) : (options.knownAt ?? now);
  const asOf = options.at ?? knownAt;
  const selection = newSelection(axis, asOf, knownAt);
  // Every event the narrowed projection reaches is dated here before the fold applies it.
  const effective = new Map<string, { effectiveAt: string; source: string; late: boolean }>();
  const contributions: ContributingEvent[] = [];
  // With its entries: a document may read one of them as it stood before an event (the budget line its application's position).
  const narrowed = restrictedTo(
    options.projection,
    options.documentId,
    (event) => {
      const dated = effective.get(event.eventId);
      contributions.push({
        streamId: event.streamId,
        version: event.version,
        type: event.type,
        recordedAt: event.recordedAt,
        actor: event.metadata.actor,
        role: event.metadata.role,
        channel: event.metadata.channel,
        eventId: event.eventId,
        effectiveAt: dated?.effectiveAt ?? event.recordedAt,
        effectiveFrom: dated?.source ?? "recorded",
        backdated: dated?.late ?? false,
      });
    },
    { withEntries: true },
  );
  const reaches = reachesProjection(narrowed);
  const selected = selectOnAxis(options.events, selection, reaches, options.effectiveDates, (event, dated, late) => {
    if (reaches(event)) effective.set(event.eventId, { effectiveAt: dated.effectiveAt, source: dated.source, late });
  });
  const folded = await foldProjections({ events: selected, projections: [narrowed] });
  const stored = folded.documents.get(narrowed.name)?.get(options.documentId);
  return {
    projection: narrowed.name,
    documentId: options.documentId,
    document: stored?.doc,
    revision: stored?.revision ?? 0,
    events: contributions,
    axis,
    statement: options.at === undefined && axis === "recorded" ? `as recorded at ${knownAt} (every event so far)` : statementOf(axis, asOf, knownAt),
  };
}

export function renderExplanation(explanation: Explanation): string {
  const lines = [`${explanation.projection} ${explanation.documentId} ${explanation.statement}: revision ${explanation.revision}, produced by ${explanation.events.length} event(s):`];
  for (const e of explanation.events) {
    lines.push(`  ${e.recordedAt}  ${e.streamId} v${e.version}  ${e.type}  by ${e.actor} (${e.role}, ${e.channel})  effective ${e.effectiveAt} (${e.effectiveFrom})${e.backdated ? "  BACKDATED" : ""}`);
  }
  lines.push("Document:", JSON.stringify(explanation.document, null, 2) ?? "(none)");
  return lines.join("\n");
}
