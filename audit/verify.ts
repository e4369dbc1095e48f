import type * as z from "zod";
import { EventSchemaViolation, RecordedEventShape, UnknownEventType, eventCatalogue, issuePaths } from "../events/index.ts";
import { withStandIns } from "../events/personal-data.ts";
import { GENESIS_HASH, type HashedContent, changedFields, eventHash, fieldFingerprints } from "../events/hash-chain.ts";
import { type StoredEventFields, hashedContentOf, orderKeyOf, orderShard } from "../functions/store/dynamodb-event-store.ts";
import { changedPaths } from "./changed-paths.ts";
import type { Checkpoint, StreamHead } from "./checkpoint.ts";
import { type StoredEvent, StoredEventShape } from "./event-log.ts";

export type ProblemKind =
  | "malformed-item"
  | "duplicate-version"
  | "version-gap"
  | "previous-hash-mismatch"
  | "hash-mismatch"
  | "schema-violation"
  | "index-key-mismatch"
  | "checkpoint-hash-differs"
  | "truncated"
  | "stream-deleted"
  | "export-incomplete";

export interface IntegrityProblem {
  readonly kind: ProblemKind;
  readonly streamId: string;
  readonly version: number;
  /** The field paths found wrong or changed, when they can be told (see `verifyLog`). */
  readonly fields?: ReadonlyArray<string>;
  readonly detail: string;
  /** The item's place in the source, 1-based (an export's line is this plus the header). */
  readonly position?: number;
}

export interface VerificationReport {
  readonly streams: number;
  readonly events: number;
  readonly problems: ReadonlyArray<IntegrityProblem>;
  /** The checkpoint the log was compared with, if any. */
  readonly checkpoint?: { readonly takenAt: string; readonly digest: string; readonly streams: number } | undefined;
}

export interface LogVerification {
  readonly report: VerificationReport;
  /** Every stream's last event as read: what a checkpoint records. */
  readonly heads: ReadonlyMap<string, StreamHead>;
}

export interface VerifyOptions {
  /**
   * Streams may begin after version 1 (an export of a period): a stream's first event's
   * previousHash is taken as the starting link, and only gaps inside the read are reported.
   */
  readonly startsMidStream?: boolean;
  /** Compare the heads with this checkpoint; `covers` says which of its streams this read must hold. */
  readonly checkpoint?: { readonly checkpoint: Checkpoint; readonly covers: (schemeId: string) => boolean } | undefined;
  /** An earlier copy of events (e.g. an older export): names the fields of an event that changed since. */
  readonly reference?: ((streamId: string, version: number) => StoredEventFields | undefined) | undefined;
  /** How many events the source says it holds (an export's header): fewer or more is reported. */
  readonly expectedEvents?: number | undefined;
}

interface StreamState {
  /** The version expected next. */
  next: number;
  /** The hash the next event's previousHash must equal; unknown right after a gap. */
  link: string | undefined;
  head: StreamHead;
}

const problemOrder: ReadonlyArray<ProblemKind> = [
  "malformed-item",
  "duplicate-version",
  "version-gap",
  "previous-hash-mismatch",
  "hash-mismatch",
  "schema-violation",
  "index-key-mismatch",
  "checkpoint-hash-differs",
  "truncated",
  "stream-deleted",
  "export-incomplete",
];

/**
 * Verifies a log read as raw stored items, streaming (memory grows with the number of streams,
 * not events). Each stream's events must come in ascending version order, as every source gives
 * them (the replay index, a table Scan, an export). Per event it checks, in the same terms as
 * `verifyChain`: the version follows the one before (else "version-gap" naming the first missing
 * version), previousHash equals the hash of the event before ("previous-hash-mismatch"), the
 * content matches its stored hash ("hash-mismatch"), and the payload validates against its
 * schema after upcasting ("schema-violation"). Unlike `verifyChain` it goes on after a break,
 * linking on from the stored hash, so one altered event cannot hide a second.
 *
 * Which field of an altered event changed: a hash says only that something did. The fields are
 * named when the evidence exists: a field that no longer validates, a hashed attribute that now
 * disagrees with its copy in the (unhashed) replay-index keys, or a difference from a reference
 * copy of the event (an earlier export). A change that is still valid can be named only with a
 * reference.
 */
export async function verifyLog(records: AsyncIterable<unknown>, options: VerifyOptions = {}): Promise<LogVerification> {
  const streams = new Map<string, StreamState>();
  const problems: IntegrityProblem[] = [];
  let position = 0;

  for await (const record of records) {
    position++;
    const parsed = StoredEventShape.safeParse(record);
    if (!parsed.success) {
      const fields = shapeFields(parsed.error);
      problems.push(malformed(record, position, fields, `not a stored event: missing, mistyped or extra attributes (${fields.join(", ")})`));
    }
    // A malformed item that still names its stream and version keeps its place, so it is not also reported as a gap.
    const placed = parsed.success ? parsed.data : placeOf(record);
    if (!placed) continue;

    const state = streams.get(placed.streamId) ?? startStream(placed, options);
    streams.set(placed.streamId, state);
    if (placed.version < state.next) {
      problems.push({ kind: "duplicate-version", streamId: placed.streamId, version: placed.version, position, detail: `version ${placed.version} appears again after version ${state.next - 1}` });
      continue;
    }
    if (placed.version > state.next) {
      const missing = placed.version - 1 === state.next ? `version ${state.next} is missing` : `versions ${state.next}-${placed.version - 1} are missing`;
      problems.push({ kind: "version-gap", streamId: placed.streamId, version: state.next, position, detail: missing });
      state.link = undefined;
    }
    if (parsed.success) problems.push(...eventProblems(parsed.data, state.link, position, options));
    state.next = placed.version + 1;
    // Link on from the stored hash, so an altered event is reported once, not again at its successor.
    state.link = placed.hash;
    state.head = { version: placed.version, hash: placed.hash ?? "", schemeId: placed.schemeId ?? "" };
  }

  const heads = new Map([...streams].map(([streamId, state]) => [streamId, state.head]));
  if (options.checkpoint) problems.push(...checkpointProblems(heads, options.checkpoint.checkpoint, options.checkpoint.covers));
  if (options.expectedEvents !== undefined && options.expectedEvents !== position) {
    problems.push({ kind: "export-incomplete", streamId: "(export)", version: 0, detail: `the header announces ${options.expectedEvents} events, the file holds ${position}` });
  }
  problems.sort(byStreamVersionKind);
  const checkpoint = options.checkpoint?.checkpoint;
  return {
    heads,
    report: {
      streams: streams.size,
      events: position,
      problems,
      checkpoint: checkpoint && { takenAt: checkpoint.takenAt, digest: checkpoint.digest, streams: Object.keys(checkpoint.streams).length },
    },
  };
}

/** Where an item belongs in the log, when it says so. */
interface Place {
  readonly streamId: string;
  readonly version: number;
  readonly hash?: string | undefined;
  readonly schemeId?: string | undefined;
}

function placeOf(record: unknown): Place | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  const { streamId, version, hash, schemeId } = record as Record<string, unknown>;
  if (typeof streamId !== "string" || !Number.isInteger(version) || (version as number) < 1) return undefined;
  return { streamId, version: version as number, hash: typeof hash === "string" ? hash : undefined, schemeId: typeof schemeId === "string" ? schemeId : undefined };
}

function startStream(first: Place, options: VerifyOptions): StreamState {
  const midStream = options.startsMidStream === true && first.version > 1;
  return {
    next: midStream ? first.version : 1,
    link: midStream ? undefined : GENESIS_HASH,
    head: { version: first.version, hash: first.hash ?? "", schemeId: first.schemeId ?? "" },
  };
}

/** Everything wrong with one event in its place: link, content hash, schema, index keys, checkpoint. */
function eventProblems(item: StoredEvent, link: string | undefined, position: number, options: VerifyOptions): IntegrityProblem[] {
  const at = { streamId: item.streamId, version: item.version, position };
  const problems: IntegrityProblem[] = [];
  let content: HashedContent;
  try {
    content = hashedContentOf(item);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const unparseable = (["payload", "metadata"] as const).filter((field) => !isJson(item[field]));
    return [malformed(item, position, unparseable, `${unparseable.join(" and ")} is not JSON`)];
  }
  const invalid = schemaIssues(item, content);
  const misindexed = indexDisagreements(item);
  const linkBroken = link !== undefined && item.previousHash !== link;
  const altered = eventHash(content) !== item.hash;

  if (linkBroken || altered) {
    const changed = referenceChanges(item, options.reference);
    if (linkBroken) {
      problems.push({ ...at, kind: "previous-hash-mismatch", fields: fieldsOrNone(changed.fields), detail: withNote("previousHash does not match the hash of the event before", changed.note) });
    }
    if (altered) {
      const suspects = [...new Set([...invalid.map((i) => i.path), ...misindexed, ...changed.fields, ...fingerprintChanges(item, content)])].sort();
      problems.push({ ...at, kind: "hash-mismatch", fields: fieldsOrNone(suspects), detail: withNote(alteredDetail(suspects), changed.note) });
    }
  }
  if (invalid.length) {
    problems.push({ ...at, kind: "schema-violation", fields: [...new Set(invalid.map((i) => i.path))], detail: invalid.map((i) => `${i.path}: ${i.message}`).join("; ") });
  }
  if (misindexed.length) {
    problems.push({ ...at, kind: "index-key-mismatch", fields: misindexed, detail: "the replay index keys (orderKey, orderPartition) disagree with the item, so replays would misplace it" });
  }
  const checkpointed = options.checkpoint?.checkpoint.streams[item.streamId];
  if (checkpointed?.version === item.version && checkpointed.hash !== item.hash) {
    problems.push({ ...at, kind: "checkpoint-hash-differs", detail: `the checkpoint of ${options.checkpoint!.checkpoint.takenAt} recorded another hash for this version` });
  }
  return problems;
}

/** The fields whose stored fingerprints no longer match the content (events written before fingerprints name none). */
function fingerprintChanges(item: StoredEvent, content: HashedContent): string[] {
  if (item.fieldPrints === undefined) return [];
  let stored: Record<string, string>;
  try {
    stored = JSON.parse(item.fieldPrints) as Record<string, string>;
  } catch {
    return ["fieldPrints"];
  }
  return changedFields(stored, fieldFingerprints(content));
}

/** The envelope, the metadata and the payload (after upcasting) against the event contract. */
function schemaIssues(item: StoredEvent, content: HashedContent): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const envelope = RecordedEventShape.safeParse({ ...content, data: content.payload, hash: item.hash });
  if (!envelope.success) issues.push(...issuePaths(envelope.error));
  try {
    // Sealed personal data (issue 16) is checked as the schema sees it, without keys: a stand-in of its format.
    const { payload: checkable } = withStandIns(item.type, content.payload);
    eventCatalogue.parse(item.type, item.schemaVersion, checkable);
  } catch (error) {
    if (error instanceof EventSchemaViolation) issues.push(...error.issues.map((i) => ({ path: `payload.${i.path}`, message: i.message })));
    else if (error instanceof UnknownEventType) issues.push({ path: "type", message: error.message });
    else throw error;
  }
  return issues;
}

/**
 * The hashed attributes that disagree with their copies in the replay-index keys (items read from
 * the table only). The keys are not hashed, so a disagreement points at the attribute that moved.
 */
function indexDisagreements(item: StoredEvent): string[] {
  const fields: string[] = [];
  if (item.orderKey !== undefined && item.orderKey !== orderKeyOf(item.recordedAt, item.streamId, item.version)) {
    const indexedAt = item.orderKey.slice(0, item.orderKey.indexOf("#"));
    fields.push(indexedAt === item.recordedAt ? "orderKey" : "recordedAt");
  }
  if (item.orderPartition !== undefined && item.orderPartition !== `${item.schemeId}#${orderShard(item.streamId)}`) {
    const indexedScheme = item.orderPartition.slice(0, item.orderPartition.lastIndexOf("#"));
    fields.push(indexedScheme === item.schemeId ? "orderPartition" : "schemeId");
  }
  return fields;
}

/** The fields in which the event differs from an intact reference copy of it. */
function referenceChanges(item: StoredEvent, reference: VerifyOptions["reference"]): { fields: string[]; note?: string } {
  const original = reference?.(item.streamId, item.version);
  if (!original) return { fields: [] };
  if (eventHash(hashedContentOf(original)) !== original.hash) return { fields: [], note: "the reference copy is itself altered" };
  const comparable = (fields: StoredEventFields) => ({ ...hashedContentOf(fields), hash: fields.hash });
  return { fields: changedPaths(comparable(original), comparable(item)), note: "compared with the reference copy" };
}

function alteredDetail(suspects: ReadonlyArray<string>): string {
  return suspects.length
    ? "content does not match its stored hash"
    : "content does not match its stored hash; the changed field cannot be told from the log alone (verify with --reference <earlier export> to name it)";
}

function checkpointProblems(heads: ReadonlyMap<string, StreamHead>, checkpoint: Checkpoint, covers: (schemeId: string) => boolean): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  for (const [streamId, checkpointed] of Object.entries(checkpoint.streams)) {
    if (!covers(checkpointed.schemeId)) continue;
    const head = heads.get(streamId);
    if (!head) {
      problems.push({ kind: "stream-deleted", streamId, version: checkpointed.version, detail: `the checkpoint of ${checkpoint.takenAt} recorded ${checkpointed.version} events; none are left` });
    } else if (head.version < checkpointed.version) {
      problems.push({
        kind: "truncated",
        streamId,
        version: head.version + 1,
        detail: `the stream ends at version ${head.version}; the checkpoint of ${checkpoint.takenAt} recorded version ${checkpointed.version}`,
      });
    }
  }
  return problems;
}

function malformed(record: unknown, position: number, fields: string[], detail: string): IntegrityProblem {
  const known = (record ?? {}) as { streamId?: unknown; version?: unknown };
  return {
    kind: "malformed-item",
    streamId: typeof known.streamId === "string" ? known.streamId : "(unknown stream)",
    version: typeof known.version === "number" ? known.version : 0,
    position,
    fields,
    detail,
  };
}

/** The attributes a record lacks, has wrong, or has beyond a stored event's. */
function shapeFields(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => (issue.code === "unrecognized_keys" ? issue.keys : [issue.path.map(String).join(".") || "(root)"]));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const fieldsOrNone = (fields: ReadonlyArray<string>) => (fields.length ? fields : undefined);
const withNote = (detail: string, note: string | undefined) => (note ? `${detail} (${note})` : detail);

function byStreamVersionKind(a: IntegrityProblem, b: IntegrityProblem): number {
  if (a.streamId !== b.streamId) return a.streamId < b.streamId ? -1 : 1;
  if (a.version !== b.version) return a.version - b.version;
  return problemOrder.indexOf(a.kind) - problemOrder.indexOf(b.kind);
}

const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The report as an auditor reads it. */
export function renderVerification(report: VerificationReport, source: string, itemLabel = (position: number) => `item ${position}`): string {
  const lines = [`Verified ${source}: ${counted(report.streams, "stream")}, ${counted(report.events, "event")}.`];
  lines.push(
    report.checkpoint
      ? `Compared with the checkpoint of ${report.checkpoint.takenAt} (${counted(report.checkpoint.streams, "stream")}, digest ${report.checkpoint.digest.slice(0, 12)}…).`
      : "No checkpoint compared: a deleted tail or a deleted stream cannot be seen.",
  );
  if (report.problems.length === 0) {
    lines.push("No problems: every chain links, no version is missing, every event matches its schema.");
    return lines.join("\n");
  }
  lines.push(`${counted(report.problems.length, "problem")}:`);
  for (const p of report.problems) {
    const where = p.version ? `${p.streamId} v${p.version}` : p.streamId;
    const fields = p.fields?.length ? ` [field${p.fields.length === 1 ? "" : "s"}: ${p.fields.join(", ")}]` : "";
    lines.push(`  ${where}  ${p.kind}${fields}: ${p.detail}${p.position ? ` (${itemLabel(p.position)})` : ""}`);
  }
  return lines.join("\n");
}
