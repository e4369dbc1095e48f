import { projections as liveProjections } from "../domain/projections/index.ts";
import { type Projection, isDocumentOrEntryOf } from "../domain/projections/projection.ts";
import { canonicalJson } from "../events/canonical-json.ts";
import type { RecordedEvent } from "../events/index.ts";
import type { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { type RebuiltDocument, foldProjections, readModelItemsOf, rebuildProjections } from "../functions/projector/rebuild.ts";
import { type EffectiveDate, type EffectiveDateContext, recordedLate, withEffectiveDates } from "../domain/effective-date.ts";
import { type Change, changes } from "./changed-paths.ts";

export type ReadModelItem = Record<string, unknown>;

export interface ItemDifference {
  readonly pk: string;
  readonly sk: string;
  /** "only-live": the log does not produce the live item; "only-replayed": the live table lacks it. */
  readonly kind: "differs" | "only-live" | "only-replayed";
  readonly live?: ReadModelItem;
  readonly replayed?: ReadModelItem;
  /** Where the two differ and how (`before` live, `after` replayed), reading the stored `doc` JSON as a value (e.g. `doc.status`). */
  readonly changes?: ReadonlyArray<Change>;
}

export interface ReplayReport {
  readonly events: number;
  readonly items: number;
  readonly elapsedMs: number;
  /** Whether live items the replay did not produce count as differences (a replay of the whole log). */
  readonly wholeLog: boolean;
  readonly differences: ReadonlyArray<ItemDifference>;
}

const keyOf = (item: ReadModelItem) => `${String(item.pk)}\u0000${String(item.sk)}`;

/** The item with its JSON `doc` read as a value, so a difference is named by the document's field. */
function readable(item: ReadModelItem): ReadModelItem {
  if (typeof item.doc !== "string") return item;
  try {
    return { ...item, doc: JSON.parse(item.doc) };
  } catch {
    return item;
  }
}

/**
 * Compares two sets of read-model items key by key (pk, sk). With `wholeLog` false, the replay
 * covered part of the log (some schemes), so live items it did not produce are not differences.
 */
export function compareReadModels(live: Iterable<ReadModelItem>, replayed: Iterable<ReadModelItem>, wholeLog: boolean): ItemDifference[] {
  const liveByKey = new Map<string, ReadModelItem>();
  for (const item of live) liveByKey.set(keyOf(item), item);
  const differences: ItemDifference[] = [];
  for (const item of replayed) {
    const key = keyOf(item);
    const counterpart = liveByKey.get(key);
    liveByKey.delete(key);
    const at = { pk: String(item.pk), sk: String(item.sk) };
    if (!counterpart) differences.push({ ...at, kind: "only-replayed", replayed: item });
    else if (canonicalJson(counterpart) !== canonicalJson(item)) {
      differences.push({ ...at, kind: "differs", live: counterpart, replayed: item, changes: changes(readable(counterpart), readable(item)) });
    }
  }
  if (wholeLog) for (const item of liveByKey.values()) differences.push({ pk: String(item.pk), sk: String(item.sk), kind: "only-live", live: item });
  return differences.sort((a, b) => (a.pk === b.pk ? (a.sk < b.sk ? -1 : 1) : a.pk < b.pk ? -1 : 1));
}

/**
 * Replays the log through the live system's projections into a separate target (a fresh table,
 * or memory when none is given; never the live read models) and compares the result with the
 * live read models item by item.
 */
export async function replayAndCompare(options: {
  events: AsyncIterable<RecordedEvent>;
  live: Pick<DynamoDbReadModelStore, "dump" | "documentItem" | "checkpointItem" | "tableName">;
  /** A fresh, empty read-model table to load the replay into (blue/green). */
  target?: DynamoDbReadModelStore | undefined;
  wholeLog: boolean;
  projections?: ReadonlyArray<Projection>;
  now?: () => number;
}): Promise<ReplayReport> {
  const projections = options.projections ?? liveProjections;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let events: number;
  let replayed: ReadModelItem[];
  if (options.target) {
    if (options.target.tableName === options.live.tableName) throw new Error("a replay never writes into the live read models: name a fresh target table");
    events = (await rebuildProjections({ events: options.events, projections, target: options.target })).events;
    replayed = await options.target.dump();
  } else {
    // In memory, the items are laid out by the live store, exactly as a table would hold them.
    const folded = await foldProjections({ events: options.events, projections });
    events = folded.events;
    replayed = readModelItemsOf(folded, options.live);
  }
  const differences = compareReadModels(await options.live.dump(), replayed, options.wholeLog);
  return { events, items: replayed.length, elapsedMs: now() - started, wholeLog: options.wholeLog, differences };
}

/** Which time an as-of question is asked on: when facts were recorded, or when they took effect (bitemporal). */
export type TimeAxis = "recorded" | "business";
export const timeAxes: ReadonlyArray<TimeAxis> = ["recorded", "business"];

/** An event the answer used that was known only later than its date suggests. */
export interface BackdatedEvent {
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly eventId: string;
  readonly effectiveAt: string;
  /** Where the effective date comes from (`AwardGranted.decidedOn`, `scheme term opens`, ...: domain/effective-date.ts). */
  readonly effectiveFrom: string;
  readonly recordedAt: string;
}

/** At most this many backdated events are listed (all are counted): a migration backdates everything. */
export const BACKDATED_LISTED = 500;

export interface AsOfState {
  readonly projection: string;
  /** The asked moment on the asked axis: recorded time (recorded axis) or effective date (business axis). */
  readonly asOf: string;
  readonly axis: TimeAxis;
  /** Business axis: the effective date D; null on the recorded axis (every effective date). */
  readonly effectiveOn: string | null;
  /** The events recorded up to this instant were read (T; on the recorded axis, `asOf`). */
  readonly knownAt: string;
  /** "effective on D, as known at T" in words. */
  readonly statement: string;
  readonly events: number;
  /** Of the events used, how many are dated by their recorded time because they carry no business date. */
  readonly datedByRecording: number;
  /** Business axis: events known at T whose effective date is after D, left out. */
  readonly notYetEffective: number;
  /**
   * Business axis: events used whose effective date is at or before D but recorded after D.
   * Recorded axis: events used recorded more than a day after their effective date.
   * Only events that reach the asked document(s).
   */
  readonly backdated: ReadonlyArray<BackdatedEvent>;
  readonly backdatedCount: number;
  /** The projection's documents as they stood then (one, when a document id was asked for). */
  readonly documents: ReadonlyArray<{ readonly documentId: string } & RebuiltDocument>;
}

/** The events an as-of question uses, dated, with the counts its report states. */
export interface AxisSelection {
  readonly axis: TimeAxis;
  readonly asOf: string;
  readonly knownAt: string;
  datedByRecording: number;
  notYetEffective: number;
  backdatedCount: number;
  readonly backdated: BackdatedEvent[];
}

/** "effective on D, as known at T", or for the recorded axis "as recorded at T (every effective date)". */
export function statementOf(axis: TimeAxis, asOf: string, knownAt: string): string {
  return axis === "business" ? `effective on ${asOf}, as known at ${knownAt}` : `as recorded at ${knownAt} (every effective date)`;
}

/**
 * The events an answer on `axis` uses, in log order: recorded at or before `knownAt`, and on the
 * business axis effective at or before `asOf`. `reaches` tells which events touch the asked
 * documents, for the backdated list.
 */
export async function* selectOnAxis(
  events: AsyncIterable<RecordedEvent>,
  selection: AxisSelection,
  reaches: (event: RecordedEvent) => boolean,
  context: EffectiveDateContext = {},
  onSelected?: (event: RecordedEvent, effective: EffectiveDate, late: boolean) => void,
): AsyncIterable<RecordedEvent> {
  const known = recordedUntil(events, selection.knownAt);
  for await (const { event, effective } of withEffectiveDates(known, context)) {
    if (selection.axis === "business" && effective.effectiveAt > selection.asOf) {
      selection.notYetEffective++;
      continue;
    }
    if (effective.source.startsWith("recorded")) selection.datedByRecording++;
    const late =
      selection.axis === "business" ? event.recordedAt > selection.asOf : recordedLate(event.recordedAt, effective);
    if (late && reaches(event)) {
      selection.backdatedCount++;
      if (selection.backdated.length < BACKDATED_LISTED) {
        selection.backdated.push({ streamId: event.streamId, version: event.version, type: event.type, eventId: event.eventId, effectiveAt: effective.effectiveAt, effectiveFrom: effective.source, recordedAt: event.recordedAt });
      }
    }
    onSelected?.(event, effective, late);
    yield event;
  }
}

export function newSelection(axis: TimeAxis, asOf: string, knownAt: string): AxisSelection {
  return { axis, asOf, knownAt, datedByRecording: 0, notYetEffective: 0, backdatedCount: 0, backdated: [] };
}

/** Whether an event reaches one of the projection's documents (the projection possibly narrowed to one). */
export const reachesProjection = (projection: Projection) => (event: RecordedEvent) => projection.handles.includes(event.type) && projection.documentIds(event).length > 0;

/**
 * A projection's documents as they stood at a moment (R-X-04), folded in memory by the same code
 * as the live projector. On the recorded axis (the default): the replay of exactly the events
 * recorded at or before `asOf`. On the business axis: the events whose effective date
 * (domain/effective-date.ts) is at or before `asOf`, among those recorded at or before `knownAt`
 * (default: now), in log order. The caller reads the log up to `knownAt` (the
 * store's `until`); later events are refused here too. Asked for one document, it returns that
 * document and its history entries (`<id>/...`), the document first.
 */
export async function stateAsOf(options: {
  events: AsyncIterable<RecordedEvent>;
  projection: Projection;
  asOf: string;
  documentId?: string | undefined;
  axis?: TimeAxis | undefined;
  /** Business axis only: the recorded time the answer is known at (T); the recorded axis reads up to `asOf`. */
  knownAt?: string | undefined;
  effectiveDates?: EffectiveDateContext | undefined;
}): Promise<AsOfState> {
  const axis = options.axis ?? "recorded";
  const knownAt = axis === "recorded" ? options.asOf : (options.knownAt ?? new Date().toISOString());
  const projection = options.documentId === undefined ? options.projection : restrictedTo(options.projection, options.documentId, undefined, { withEntries: true });
  const selection = newSelection(axis, options.asOf, knownAt);
  const selected = selectOnAxis(options.events, selection, reachesProjection(projection), options.effectiveDates);
  const folded = await foldProjections({ events: selected, projections: [projection] });
  const docs = folded.documents.get(projection.name) ?? new Map<string, RebuiltDocument>();
  return {
    projection: projection.name,
    asOf: options.asOf,
    axis,
    effectiveOn: axis === "business" ? options.asOf : null,
    knownAt,
    statement: statementOf(axis, options.asOf, knownAt),
    events: folded.events,
    datedByRecording: selection.datedByRecording,
    notYetEffective: selection.notYetEffective,
    backdated: selection.backdated,
    backdatedCount: selection.backdatedCount,
    documents: [...docs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([documentId, doc]) => ({ documentId, ...doc })),
  };
}

async function* recordedUntil(events: AsyncIterable<RecordedEvent>, asOf: string): AsyncIterable<RecordedEvent> {
  for await (const event of events) if (event.recordedAt <= asOf) yield event;
}

/**
 * The projection narrowed to one document (and, `withEntries`, its history entries `<id>/...`):
 * it folds that document exactly as the full projection does (same name, same handled types, so
 * the same buffering of unhandled events) and touches no other. `onApplied` hears every event that
 * changed the document itself: its revision is their count.
 */
export function restrictedTo(projection: Projection, documentId: string, onApplied?: (event: RecordedEvent) => void, options: { withEntries?: boolean } = {}): Projection {
  const wanted = (id: string) => (options.withEntries ? isDocumentOrEntryOf(id, documentId) : id === documentId);
  return {
    name: projection.name,
    handles: projection.handles,
    documentIds: (event) => projection.documentIds(event).filter(wanted),
    apply(document, event, id, sibling) {
      const next = projection.apply(document, event, id, sibling);
      if (next !== undefined && id === documentId) onApplied?.(event);
      return next;
    },
    ...(projection.listing ? { listing: projection.listing.bind(projection) } : {}),
  };
}
