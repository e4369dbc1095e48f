import type { EventType, RecordedEvent } from "../events/index.ts";

/**
 * Business time (issue 13, part 4): the date a fact took effect, next to the time it was recorded.
 * An application that reached the fund on 20 January and was registered in March (back-office
 * catch-up, a migration, a correction) was received on 20 January; an award is dated by the
 * committee's decision, a payment by its value date. This table is the one place that says, per
 * event type, where that date comes from:
 *
 * - `field`: a date or instant in the event's own data;
 * - `decision`: the event carries no date but was appended with one that does (the same request,
 *   i.e. the same correlation id): a budget reservation is dated by its award's `decidedOn`;
 * - `scheme-term`: the scheme's set-up (SchemeOpened, BudgetLineOpened) counts from the opening
 *   date of the scheme's term, not from the day the back office was installed;
 * - `recorded`: no business date can be told from the event: its recorded time stands in, and the
 *   as-of report counts the events dated that way.
 *
 * A `decision` whose companion is not found (written alone, e.g. by a migration) falls back to
 * the recorded time too. A new event type fails to compile here, and fails the unit test, until
 * someone decides where its date comes from.
 */
export type EffectiveDateRule =
  | { readonly kind: "field"; readonly field: string }
  | { readonly kind: "decision"; readonly of: ReadonlyArray<EventType> }
  | { readonly kind: "scheme-term" }
  | { readonly kind: "recorded"; readonly why: string };

const field = (name: string): EffectiveDateRule => ({ kind: "field", field: name });
const decision = (...of: EventType[]): EffectiveDateRule => ({ kind: "decision", of });
const recorded = (why: string): EffectiveDateRule => ({ kind: "recorded", why });

export const effectiveDateRules: { readonly [T in EventType]: EffectiveDateRule } = {
  SchemeOpened: { kind: "scheme-term" },
  BudgetLineOpened: { kind: "scheme-term" },
  // Issue 13: the board's decision date when the release states it (V2); before that, its recorded time.
  BudgetTrancheReleased: field("decidedOn"),
  BudgetReserved: decision("AwardGranted", "VsoSupplementAwarded", "ChangeRequestGranted"),
  BudgetCommitted: decision("AwardLetterIssued", "ChangeRequestGranted"),
  BudgetReleased: decision("AwardLapsed", "GrantSettled", "ApplicationWithdrawn", "ChangeRequestGranted"),
  BudgetLineIntakeClosed: decision("AwardGranted", "ApplicationRegistered", "BudgetLineLowered", "BudgetTrancheReleaseCorrected", "BudgetTransferSent"),
  ApplicationRegistered: field("receivedAt"),
  ApplicationDetailsRecorded: recorded("details carry no date of their own"),
  ApplicationSectionsReceived: field("receivedAt"),
  ApplicationFoundIncomplete: recorded("the completeness check carries no date"),
  ApplicationQueued: field("completedAt"),
  ApplicationAssessed: recorded("the assessment carries no date"),
  AwardGranted: field("decidedOn"),
  ApplicationRejected: field("decidedOn"),
  ApplicationRefused: decision("ApplicationRegistered"),
  ApplicationWithdrawn: recorded("a withdrawal carries no date"),
  ProjectStarted: field("startedOn"),
  AwardLapsed: field("lapsedOn"),
  AwardLetterIssued: field("issuedOn"),
  GrantOpened: field("openedOn"),
  VsoSupplementAwarded: field("requestedOn"),
  InvoiceRegistered: field("invoiceDate"),
  PaymentApproved: recorded("an approval carries no date"),
  PaymentMade: field("valueDate"),
  FinalReportSubmitted: field("submittedOn"),
  FinalReportApproved: field("approvedOn"),
  FinalReportReturned: field("returnedOn"),
  GrantSettled: field("settledOn"),
  RecoveryReceived: field("receivedOn"),
  BudgetPaid: decision("PaymentMade"),
  BudgetRecovered: decision("RecoveryReceived"),
  MailReceived: field("receivedAt"),
  IntakeFailed: decision("MailReceived"),
  MailFiled: decision("MailReceived"),
  AcknowledgementSent: recorded("a receipt is sent when it is recorded"),
  AcknowledgementNotSent: recorded("a failed receipt is recorded when it failed"),
  MessageIdUsed: decision("MailReceived"),
  DocumentsFiled: field("receivedAt"),
  ContactAdded: recorded("a contact carries no date"),
  ContactRemoved: recorded("a contact's removal carries no date"),
  RegionNumberClaimed: decision("ApplicationRegistered"),
  CorrespondenceReceived: decision("MailReceived"),
  CorrespondenceAttached: recorded("staff's handling carries no date"),
  CorrespondenceAnswered: recorded("an answer is sent when it is recorded"),
  CorrespondenceDismissed: recorded("staff's handling carries no date"),
  HubClassified: field("classifiedOn"),
  SelfEvaluationSubmitted: field("submittedOn"),
  EvaluationFindingRecorded: field("date"),
  KnowledgeSessionAttended: recorded("the session is named, not dated"),
  OzoneModuleLoaded: field("loadedOn"),
  ChangeRequestSubmitted: field("receivedOn"),
  ChangeRequestGranted: field("decidedOn"),
  ChangeRequestRefused: field("decidedOn"),
  // The board's budget decisions (issue 13) take effect on the day the board decided.
  BudgetLineLowered: field("decidedOn"),
  BudgetTrancheReleaseCorrected: field("decidedOn"),
  BudgetTransferSent: field("decidedOn"),
  BudgetTransferReceived: field("decidedOn"),
  LetterSent: recorded("a letter is sent when it is recorded"),
  LetterAccepted: recorded("the mail service accepts a letter when it is recorded"),
  LetterBounced: recorded("a bounce is recorded when the mail service reports it"),
  LetterComplaintReceived: recorded("a complaint is recorded when the mail service reports it"),
  LetterResendRequested: recorded("staff's request carries no date"),
  PersonalDataErasureRequested: field("requestedOn"),
  PersonalDataErased: field("erasedOn"),
  PersonalDataErasureRefused: recorded("a refusal is decided when it is recorded"),
};

/** Where an event's effective date came from, as the report names it: `AwardGranted.decidedOn`, `recorded`, ... */
export interface EffectiveDate {
  /** An instant (ISO 8601 UTC, ms); a calendar date counts from 00:00 UTC of that day. */
  readonly effectiveAt: string;
  readonly source: string;
  /** Set when the date is a calendar date: the fact holds from some moment of that whole day (UTC). */
  readonly wholeDay?: true;
}

export interface DatedEvent {
  readonly event: RecordedEvent;
  readonly effective: EffectiveDate;
}

export interface EffectiveDateContext {
  /** The opening date of a scheme's term (its definition), for the scheme's set-up events. */
  readonly schemeOpensOn?: (schemeId: string) => string | undefined;
}

const DAY_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z)?$/;

/** A calendar date or instant as an instant: a date counts from 00:00 UTC of that day. */
export function instantOfDate(value: string): string | undefined {
  if (!DAY_OR_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00.000Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const recordedDate = (event: RecordedEvent): EffectiveDate => ({ effectiveAt: event.recordedAt, source: "recorded" });

function ruleOf(type: string): EffectiveDateRule {
  return (effectiveDateRules as Record<string, EffectiveDateRule | undefined>)[type] ?? recorded("an event type without a rule");
}

/**
 * The effective date an event states by itself (`field`, `scheme-term`, `recorded`); undefined for a
 * `decision` rule, whose date is its companion's (see `withEffectiveDates`).
 */
export function ownEffectiveDate(event: RecordedEvent, context: EffectiveDateContext = {}): EffectiveDate | undefined {
  const rule = ruleOf(event.type);
  switch (rule.kind) {
    case "field": {
      const value = (event.data as Record<string, unknown> | null)?.[rule.field];
      const at = typeof value === "string" ? instantOfDate(value) : undefined;
      if (!at) return recordedDate(event);
      return { effectiveAt: at, source: `${event.type}.${rule.field}`, ...((value as string).length === 10 ? { wholeDay: true as const } : {}) };
    }
    case "scheme-term": {
      const opens = context.schemeOpensOn?.(event.schemeId);
      const at = opens === undefined ? undefined : instantOfDate(opens);
      return at ? { effectiveAt: at, source: "scheme term opens", wholeDay: true } : recordedDate(event);
    }
    case "recorded":
      return recordedDate(event);
    case "decision":
      return undefined;
    default: {
      const unknownRule: never = rule;
      throw new Error(`no effective-date rule kind ${JSON.stringify(unknownRule)}`);
    }
  }
}

const applicationOf = (event: RecordedEvent) => {
  const id = (event.data as { applicationId?: unknown } | null)?.applicationId;
  return typeof id === "string" ? id : undefined;
};

/** How long after an event the log is searched for its decision: one append's streams are recorded within milliseconds. */
export const DECISION_WINDOW_MS = 60_000;

interface Candidate {
  readonly type: string;
  readonly applicationId: string | undefined;
  readonly recordedMs: number;
  readonly effective: EffectiveDate;
}

/**
 * The log with every event's effective date, in the order given. An event dated by its decision
 * waits (and every event after it, so the order holds) until the decision's event shows up with
 * the same correlation id (and the same application, when both name one), at most
 * DECISION_WINDOW_MS of recorded time later; otherwise its recorded time stands in.
 */
export async function* withEffectiveDates(events: AsyncIterable<RecordedEvent>, context: EffectiveDateContext = {}): AsyncIterable<DatedEvent> {
  const queue: Array<{ event: RecordedEvent; effective: EffectiveDate | undefined; recordedMs: number }> = [];
  const recent = new Map<string, Candidate[]>();
  const order: Array<{ correlationId: string; candidate: Candidate; recordedMs: number }> = [];
  const companionTypes = new Set(Object.values(effectiveDateRules).flatMap((r) => (r.kind === "decision" ? r.of : [])));

  const matches = (waiting: RecordedEvent, candidate: Candidate) => {
    const rule = ruleOf(waiting.type);
    if (rule.kind !== "decision" || !rule.of.includes(candidate.type as EventType)) return false;
    const applicationId = applicationOf(waiting);
    return applicationId === undefined || candidate.applicationId === undefined || applicationId === candidate.applicationId;
  };

  for await (const event of events) {
    const recordedMs = Date.parse(event.recordedAt);
    const own = ownEffectiveDate(event, context);
    const entry = { event, effective: own, recordedMs };
    if (own === undefined) {
      const found = recent.get(event.metadata.correlationId)?.find((c) => matches(event, c) && Math.abs(c.recordedMs - recordedMs) <= DECISION_WINDOW_MS);
      if (found) entry.effective = { ...found.effective, source: `${found.effective.source} (same decision)` };
    }
    queue.push(entry);
    if (own !== undefined && companionTypes.has(event.type as EventType)) {
      const candidate: Candidate = { type: event.type, applicationId: applicationOf(event), recordedMs, effective: own };
      const list = recent.get(event.metadata.correlationId);
      if (list) list.push(candidate);
      else recent.set(event.metadata.correlationId, [candidate]);
      order.push({ correlationId: event.metadata.correlationId, candidate, recordedMs });
      for (const waiting of queue) {
        if (waiting.effective === undefined && waiting.event.metadata.correlationId === event.metadata.correlationId && matches(waiting.event, candidate)) {
          waiting.effective = { ...own, source: `${own.source} (same decision)` };
        }
      }
    }
    while (queue.length > 0) {
      const head = queue[0]!;
      if (head.effective === undefined) {
        if (recordedMs - head.recordedMs <= DECISION_WINDOW_MS) break;
        head.effective = { effectiveAt: head.event.recordedAt, source: "recorded (no decision found)" };
      }
      queue.shift();
      yield { event: head.event, effective: head.effective };
    }
    // Forget candidates older than the window, oldest first (the log comes in recorded order).
    while (order.length > 0 && recordedMs - order[0]!.recordedMs > DECISION_WINDOW_MS) {
      const old = order.shift()!;
      const list = recent.get(old.correlationId)?.filter((c) => c !== old.candidate);
      if (list?.length) recent.set(old.correlationId, list);
      else recent.delete(old.correlationId);
    }
  }
  for (const rest of queue) yield { event: rest.event, effective: rest.effective ?? { effectiveAt: rest.event.recordedAt, source: "recorded (no decision found)" } };
}

const DAY_MS = 86_400_000;

/**
 * Whether an event was recorded more than a day after it took effect: for a calendar date, more
 * than a day after the end of that day (an award decided on the 25th and recorded on the 26th is on time).
 */
export function recordedLate(recordedAt: string, effective: EffectiveDate): boolean {
  const effectiveEnd = Date.parse(effective.effectiveAt) + (effective.wholeDay ? DAY_MS - 1 : 0);
  return Date.parse(recordedAt) - effectiveEnd > DAY_MS;
}
