import type { DomainEvent, DomainEventOf, EventData } from "../events/index.ts";
import { type BudgetLineState, availableCents, grantsOnLineOtherThan, positionOf } from "./budget.ts";
import { localDate } from "./calendar.ts";
import { type Decision, accept, refuse, refuseAndRecord } from "./decision.ts";
import { type AssessmentInput, amountsBeyondMoney, eligibleCosts, maximumAmount, runChecks } from "./eligibility.ts";
import { type Cents, formatEuros } from "./money.ts";
import { queueKey, roundFor } from "./rounds.ts";
import { paymentPlan } from "./payments.ts";
import type { SchemeUnderDecision } from "./scheme.ts";

type Registration = EventData<"ApplicationRegistered">;
type Details = EventData<"ApplicationDetailsRecorded">;
type Assessment = EventData<"ApplicationAssessed">;

export type ApplicationStatus =
  | "unregistered"
  | "registered"
  | "incomplete"
  | "queued"
  | "awarded"
  | "rejected"
  | "refused"
  | "withdrawn"
  | "lapsed"
  | "granted";

export interface ApplicationState {
  readonly status: ApplicationStatus;
  readonly registration?: Registration;
  readonly details?: Details;
  /** Sections received so far, and when the latest arrived (R-TH-09). */
  readonly sections: ReadonlyArray<string>;
  readonly lastArrival?: string;
  readonly missing: ReadonlyArray<string>;
  readonly queued?: { readonly roundId: string; readonly completedAt: string };
  readonly assessment?: Assessment;
  readonly award?: { readonly amountCents: Cents; readonly budgetLineId: string; readonly roundId: string };
  readonly refusal?: { readonly code: string; readonly reason: string };
  readonly projectStartedOn?: string;
  readonly grantId?: string;
  /** Issue 12: the addresses that may change the application by email and get its receipts (lower case). */
  readonly contacts?: ReadonlyArray<string>;
  /** Issue 12 findings 5, 6: the documents on file (by hash) and how many were extras, over all messages (R-ST-05). */
  readonly filed?: { readonly sha256s: ReadonlyArray<string>; readonly extras: number };
}

export const initialApplicationState: ApplicationState = { status: "unregistered", sections: [], missing: [] };

export type ApplicationEventType =
  | "ApplicationRegistered"
  | "ApplicationDetailsRecorded"
  | "ApplicationSectionsReceived"
  | "ApplicationFoundIncomplete"
  | "ApplicationQueued"
  | "ApplicationAssessed"
  | "AwardGranted"
  | "ApplicationRejected"
  | "ApplicationRefused"
  | "ApplicationWithdrawn"
  | "ProjectStarted"
  | "AwardLapsed"
  | "AwardLetterIssued"
  | "VsoSupplementAwarded"
  | "DocumentsFiled"
  | "ContactAdded"
  | "ContactRemoved";
type ApplicationEvent = DomainEventOf<ApplicationEventType>;

export const applicationEventTypes: ReadonlySet<string> = new Set<ApplicationEventType>([
  "ApplicationRegistered",
  "ApplicationDetailsRecorded",
  "ApplicationSectionsReceived",
  "ApplicationFoundIncomplete",
  "ApplicationQueued",
  "ApplicationAssessed",
  "AwardGranted",
  "ApplicationRejected",
  "ApplicationRefused",
  "ApplicationWithdrawn",
  "ProjectStarted",
  "AwardLapsed",
  "AwardLetterIssued",
  "VsoSupplementAwarded",
  "DocumentsFiled",
  "ContactAdded",
  "ContactRemoved",
]);

const isApplicationEvent = (event: DomainEvent): event is ApplicationEvent => applicationEventTypes.has(event.type);

export function evolveApplication(state: ApplicationState, event: DomainEvent): ApplicationState {
  if (!isApplicationEvent(event)) return state;
  switch (event.type) {
    case "ApplicationRegistered":
      return { ...state, status: "registered", registration: event.data };
    case "ApplicationDetailsRecorded":
      return { ...state, details: event.data };
    case "ApplicationSectionsReceived": {
      const sections = [...new Set([...state.sections, ...event.data.sectionIds])];
      const lastArrival = state.lastArrival && state.lastArrival > event.data.receivedAt ? state.lastArrival : event.data.receivedAt;
      return { ...state, sections, lastArrival, missing: state.missing.filter((id) => !sections.includes(id)) };
    }
    case "ApplicationFoundIncomplete":
      return { ...state, status: "incomplete", missing: event.data.missingSectionIds.filter((id) => !state.sections.includes(id)) };
    case "ApplicationQueued":
      return { ...state, status: "queued", missing: [], queued: { roundId: event.data.roundId, completedAt: event.data.completedAt } };
    case "ApplicationAssessed":
      return { ...state, assessment: event.data };
    case "AwardGranted":
      return { ...state, status: "awarded", refusal: undefined, award: { amountCents: event.data.amountCents, budgetLineId: event.data.budgetLineId, roundId: event.data.roundId } };
    case "ApplicationRejected":
      return { ...state, status: "rejected" };
    case "ApplicationRefused":
      return { ...state, status: "refused", refusal: { code: event.data.code, reason: event.data.reason } };
    case "ApplicationWithdrawn":
      return { ...state, status: "withdrawn" };
    case "ProjectStarted":
      return { ...state, projectStartedOn: event.data.startedOn };
    case "AwardLapsed":
      return { ...state, status: "lapsed" };
    case "AwardLetterIssued":
      return { ...state, status: "granted", grantId: event.data.grantId };
    case "VsoSupplementAwarded":
      return state.award ? { ...state, award: { ...state.award, amountCents: state.award.amountCents + event.data.amountCents } } : state;
    case "DocumentsFiled": {
      const before = state.filed ?? { sha256s: [], extras: 0 };
      const fresh = event.data.documents.filter((d) => !before.sha256s.includes(d.sha256));
      return { ...state, filed: { sha256s: [...before.sha256s, ...fresh.map((d) => d.sha256)], extras: before.extras + fresh.filter((d) => d.role === "extra").length } };
    }
    case "ContactAdded":
      return { ...state, contacts: [...(state.contacts ?? []).filter((a) => a !== event.data.address), event.data.address] };
    case "ContactRemoved":
      return { ...state, contacts: (state.contacts ?? []).filter((a) => a !== event.data.address) };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled application event ${JSON.stringify(unhandled)}`);
    }
  }
}

type AppEvent<T extends ApplicationEventType> = DomainEventOf<T>;
type BudgetEvent<T extends "BudgetReserved" | "BudgetCommitted" | "BudgetReleased" | "BudgetLineIntakeClosed"> = DomainEventOf<T>;

const closedStatuses: ReadonlySet<ApplicationStatus> = new Set(["withdrawn", "lapsed", "rejected"]);

function requireOpen(state: ApplicationState, applicationId: string): Decision<never> | undefined {
  if (state.status === "unregistered") return refuse("not-found", `there is no application ${applicationId}`);
  if (closedStatuses.has(state.status)) return refuse("closed", `application ${applicationId} is ${state.status}`);
  return undefined;
}

function requiredSections(scheme: SchemeUnderDecision, instrumentId: string): string[] {
  return scheme.definition.requiredSections.filter((s) => s.instrumentIds.includes(instrumentId)).map((s) => s.id);
}

// ---------------------------------------------------------------------------------------------
// Registration (R-TH-01, R-TH-09, R-X-05)

export interface RegisterApplication {
  readonly applicationId: string;
  readonly instrumentId: string;
  readonly technohub: Registration["technohub"];
  readonly applicant: Registration["applicant"];
  readonly requestedAmountCents: Cents;
  /** R-TH-09: when the message reached the fund, not when staff processed it. */
  readonly receivedAt: string;
  /** Sections that arrived with the application, if any. */
  readonly sectionIds?: ReadonlyArray<string>;
}

/**
 * Records every application that reaches the fund. One that arrives outside the term, or for a
 * budget whose intake has closed, is recorded all the same and refused with the reason (R-TH-01).
 */
export function decideRegisterApplication(
  state: ApplicationState,
  command: RegisterApplication,
  scheme: SchemeUnderDecision,
  line: BudgetLineState,
): Decision<AppEvent<"ApplicationRegistered" | "ApplicationSectionsReceived" | "ApplicationRefused">> {
  if (state.status !== "unregistered") return refuse("already-exists", `application ${command.applicationId} is already registered`);
  const definition = scheme.definition;
  const instrument = definition.instruments.find((i) => i.id === command.instrumentId);
  if (!instrument) {
    return refuse("invalid", `scheme ${definition.id} has no instrument ${command.instrumentId}`, { details: { instruments: definition.instruments.map((i) => i.id) } });
  }
  const unknownSections = (command.sectionIds ?? []).filter((id) => !definition.requiredSections.some((s) => s.id === id));
  if (unknownSections.length) {
    return refuse("invalid", `unknown sections: ${unknownSections.join(", ")}`, { details: { sections: definition.requiredSections.map((s) => s.id) } });
  }
  const registered: AppEvent<"ApplicationRegistered"> = {
    type: "ApplicationRegistered",
    data: {
      applicationId: command.applicationId,
      schemeId: definition.id,
      schemeVersion: scheme.version,
      instrumentId: instrument.id,
      technohub: command.technohub,
      applicant: command.applicant,
      requestedAmountCents: command.requestedAmountCents,
      receivedAt: command.receivedAt,
    },
  };
  const events: Array<AppEvent<"ApplicationRegistered" | "ApplicationSectionsReceived" | "ApplicationRefused">> = [registered];
  if (command.sectionIds?.length) {
    events.push({ type: "ApplicationSectionsReceived", data: { applicationId: command.applicationId, sectionIds: [...command.sectionIds], receivedAt: command.receivedAt, documents: [] } });
  }
  const arrivedOn = localDate(command.receivedAt, definition.timeZone);
  const refusal = (code: "late" | "intake-closed" | "budget-exhausted", reason: string, ruleIds: string[]) =>
    refuseAndRecord(code === "budget-exhausted" ? "budget-exhausted" : "closed", reason, [...events, { type: "ApplicationRefused" as const, data: { applicationId: command.applicationId, code, reason, ruleIds } }], { ruleIds });
  if (arrivedOn < definition.term.opens) return refusal("intake-closed", `the intake of ${definition.id} opens on ${definition.term.opens}; this application arrived on ${arrivedOn}`, ["R-TH-01"]);
  if (arrivedOn > definition.term.closes) return refusal("late", `the intake of ${definition.id} closed on ${definition.term.closes}; this application arrived on ${arrivedOn}`, ["R-TH-01"]);
  if (!line.opened) return refuse("closed", `the scheme ${definition.id} is not open yet: its budget line has not been opened`);
  if (line.intakeClosed) return refusal("budget-exhausted", `the budget ${line.budgetLineId} of ${definition.id} is exhausted; its intake closed before this application arrived`, ["R-TH-01", "R-X-02"]);
  return accept(...events);
}

// ---------------------------------------------------------------------------------------------
// Content and completeness (R-TH-09, R-VD-03, R-ST-01, R-ST-05)

export function decideRecordDetails(state: ApplicationState, details: Details): Decision<AppEvent<"ApplicationDetailsRecorded">> {
  const closed = requireOpen(state, details.applicationId);
  if (closed) return closed;
  if (state.status === "awarded" || state.status === "granted") return refuse("closed", `application ${details.applicationId} has been decided; its details can no longer change`);
  return accept({ type: "ApplicationDetailsRecorded", data: details });
}

function queueOrRefuse(state: ApplicationState, scheme: SchemeUnderDecision, completedAt: string): AppEvent<"ApplicationQueued" | "ApplicationRefused"> {
  const registration = state.registration!;
  const round = roundFor(scheme.definition, registration.instrumentId, completedAt);
  if (!round) {
    return {
      type: "ApplicationRefused",
      data: { applicationId: registration.applicationId, code: "no-round", reason: `no committee round for ${registration.instrumentId} is left after ${localDate(completedAt, scheme.definition.timeZone)}`, ruleIds: ["R-TH-10"] },
    };
  }
  return {
    type: "ApplicationQueued",
    data: {
      applicationId: registration.applicationId,
      completedAt,
      firstReceivedAt: registration.receivedAt,
      roundId: round.id,
      queueKey: queueKey(completedAt, registration.receivedAt, registration.applicationId),
      schemeVersion: scheme.version,
    },
  };
}

export interface ReceiveSections {
  readonly applicationId: string;
  readonly sectionIds: ReadonlyArray<string>;
  readonly receivedAt: string;
  readonly documents?: EventData<"ApplicationSectionsReceived">["documents"];
}

/** Later pieces are added; the piece that supplies the last missing section completes and queues it. */
export function decideReceiveSections(
  state: ApplicationState,
  command: ReceiveSections,
  scheme: SchemeUnderDecision,
): Decision<AppEvent<"ApplicationSectionsReceived" | "ApplicationQueued" | "ApplicationRefused">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  const known = scheme.definition.requiredSections.map((s) => s.id);
  const unknownSections = command.sectionIds.filter((id) => !known.includes(id));
  if (unknownSections.length) return refuse("invalid", `unknown sections: ${unknownSections.join(", ")}`, { details: { sections: known } });
  const received: AppEvent<"ApplicationSectionsReceived"> = {
    type: "ApplicationSectionsReceived",
    data: { applicationId: command.applicationId, sectionIds: [...command.sectionIds], receivedAt: command.receivedAt, documents: command.documents ?? [] },
  };
  const after = evolveApplication(state, received);
  const stillMissing = requiredSections(scheme, state.registration!.instrumentId).filter((id) => !after.sections.includes(id));
  if (state.status === "incomplete" && stillMissing.length === 0) {
    return accept<AppEvent<"ApplicationSectionsReceived" | "ApplicationQueued" | "ApplicationRefused">>(received, queueOrRefuse(after, scheme, after.lastArrival ?? command.receivedAt));
  }
  return accept(received);
}

export interface RecordCompleteness {
  readonly applicationId: string;
  readonly complete: boolean;
  readonly missingSectionIds?: ReadonlyArray<string>;
  readonly note?: string | null;
}

/** Staff record an application complete (it is queued and scheduled) or incomplete with what is missing. */
export function decideRecordCompleteness(
  state: ApplicationState,
  command: RecordCompleteness,
  scheme: SchemeUnderDecision,
): Decision<AppEvent<"ApplicationFoundIncomplete" | "ApplicationQueued" | "ApplicationRefused">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  if (state.status !== "registered" && state.status !== "incomplete") return refuse("closed", `application ${command.applicationId} is already ${state.status}`);
  const required = requiredSections(scheme, state.registration!.instrumentId);
  if (command.complete) {
    const missing = required.filter((id) => !state.sections.includes(id));
    if (missing.length) return refuse("invalid", `cannot be complete: no ${missing.join(", ")} received`, { ruleIds: ["R-TH-09"], details: { missingSectionIds: missing } });
    return accept(queueOrRefuse(state, scheme, state.lastArrival ?? state.registration!.receivedAt));
  }
  const missing = command.missingSectionIds ?? [];
  const unknownSections = missing.filter((id) => !required.includes(id));
  if (missing.length === 0 || unknownSections.length) {
    return refuse("invalid", missing.length ? `not sections of this application: ${unknownSections.join(", ")}` : "name the missing sections", { details: { sections: required } });
  }
  return accept({ type: "ApplicationFoundIncomplete", data: { applicationId: command.applicationId, missingSectionIds: [...missing], note: command.note ?? null } });
}

// ---------------------------------------------------------------------------------------------
// Assessment (R-TH-02..08, R-TH-11, R-VD-05, R-VD-07, R-ST-02)

export interface Assess {
  readonly applicationId: string;
  readonly others: AssessmentInput["others"];
  readonly answers: AssessmentInput["answers"];
}

export function decideAssess(state: ApplicationState, command: Assess, scheme: SchemeUnderDecision): Decision<AppEvent<"ApplicationAssessed">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  const refusedForBudget = state.status === "refused" && state.refusal?.code === "budget-exhausted";
  if (state.status !== "queued" && !refusedForBudget) {
    return refuse("invalid", `only complete applications are assessed; application ${command.applicationId} is ${state.status}`, { ruleIds: ["R-TH-09"] });
  }
  // Finding 6: details whose amounts no number adds up to the cent are refused with the field, never a RangeError.
  const beyond = amountsBeyondMoney(state.details);
  if (beyond) return refuse("invalid", beyond.reason, { details: { field: beyond.field } });
  const registration = state.registration!;
  const instrument = scheme.definition.instruments.find((i) => i.id === registration.instrumentId)!;
  const checks = runChecks({ scheme: scheme.definition, registration, details: state.details, others: command.others, answers: command.answers });
  const lines = state.details?.costLines ?? [];
  const costs = eligibleCosts(lines, scheme.definition, registration.instrumentId);
  const hourlyCap = scheme.definition.costRules.externalHourlyRateCapCents !== null;
  const maximum = maximumAmount(instrument, costs.eligibleCostsCents, lines.length > 0, registration.requestedAmountCents, scheme.version, hourlyCap);
  const region = registration.technohub.region?.toLowerCase();
  return accept({
    type: "ApplicationAssessed",
    data: {
      applicationId: command.applicationId,
      schemeVersion: scheme.version,
      checks,
      eligible: checks.every((c) => c.outcome === "met" || c.outcome === "not-applicable"),
      eligibleCostsCents: costs.eligibleCostsCents,
      excludedCosts: costs.excludedCosts,
      maximumAmountCents: maximum.amountCents,
      derivation: maximum.derivation,
      regionOverlap: region
        ? command.others
            .filter((o) => o.applicationId !== command.applicationId && o.region?.toLowerCase() === region)
            .map((o) => ({ applicationId: o.applicationId, technohub: o.technohub, status: o.status }))
        : [],
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Committee decision and budget (R-TH-10, R-X-02, R-TH-01)

export interface CommitteeDecision {
  readonly applicationId: string;
  readonly roundId: string;
  readonly decision: "award" | "reject";
  readonly amountCents?: Cents;
  readonly reasons?: ReadonlyArray<string>;
  readonly membersPresent: ReadonlyArray<string>;
  readonly decidedOn: string;
}

type DecisionEvents = AppEvent<"AwardGranted" | "ApplicationRejected" | "ApplicationRefused"> | BudgetEvent<"BudgetReserved" | "BudgetLineIntakeClosed">;

/**
 * An award reserves its amount on the budget line in the same append as the decision, so the
 * line can never be over-committed (R-X-02). When the line cannot cover it, the refusal is
 * recorded and, where the scheme closes on exhaustion, the line's intake closes (R-TH-01).
 */
export function decideCommitteeDecision(
  state: ApplicationState,
  line: BudgetLineState,
  command: CommitteeDecision,
  scheme: SchemeUnderDecision,
): Decision<DecisionEvents> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  const refusedForBudget = state.status === "refused" && state.refusal?.code === "budget-exhausted";
  if (state.status !== "queued" && !refusedForBudget) return refuse("invalid", `application ${command.applicationId} is ${state.status}; only queued applications are decided`);
  if (state.queued?.roundId !== command.roundId) {
    return refuse("invalid", `application ${command.applicationId} is scheduled for round ${state.queued?.roundId}, not ${command.roundId}`, { ruleIds: ["R-TH-10"] });
  }
  const committee = { roundId: command.roundId, membersPresent: [...command.membersPresent], decidedOn: command.decidedOn };
  if (command.decision === "reject") {
    if (!command.reasons?.length) return refuse("invalid", "a rejection states its reasons");
    return accept({ type: "ApplicationRejected", data: { applicationId: command.applicationId, ...committee, reasons: [...command.reasons], ruleIds: ["R-TH-10"] } });
  }
  const assessment = state.assessment;
  if (!assessment) return refuse("invalid", `application ${command.applicationId} has not been assessed`);
  if (!assessment.eligible) {
    const failing = assessment.checks.filter((c) => c.outcome !== "met" && c.outcome !== "not-applicable");
    return refuse("ineligible", `the assessment found it ineligible: ${failing.map((c) => c.reason).join("; ")}`, { ruleIds: [...new Set(failing.flatMap((c) => c.ruleIds))] });
  }
  const requested = state.registration!.requestedAmountCents;
  const amount = command.amountCents ?? Math.min(assessment.maximumAmountCents, requested);
  if (amount <= 0) return refuse("invalid", "an award is a positive amount");
  if (!line.opened) return refuse("closed", `budget line ${line.budgetLineId || "of this instrument"} is not open`);
  if (amount > assessment.maximumAmountCents) {
    return refuse("invalid", `EUR ${formatEuros(amount)} is above the maximum of EUR ${formatEuros(assessment.maximumAmountCents)}: ${assessment.derivation.formula}`, { ruleIds: assessment.derivation.ruleIds });
  }
  if (amount > requested) return refuse("invalid", `EUR ${formatEuros(amount)} is more than the EUR ${formatEuros(requested)} requested`);
  const instrument = scheme.definition.instruments.find((i) => i.id === state.registration!.instrumentId)!;
  const budgetLineId = instrument.budgetLineId;
  // R-VD-02: a tier is meant for so many hubs (5 top, 4 middle); the line's reservations and commitments are its grants.
  const grantsOnLine = grantsOnLineOtherThan(line, command.applicationId);
  if (instrument.maxAwards !== null && grantsOnLine >= instrument.maxAwards) {
    return refuse("closed", `${instrument.id} is for at most ${instrument.maxAwards} hubs and has ${grantsOnLine} grants`, { ruleIds: [...instrument.ruleIds] });
  }
  const available = availableCents(line);
  const closesOnExhaustion = scheme.definition.term.closesWhenBudgetExhausted;
  if (amount > available) {
    const reason = `budget ${budgetLineId} has EUR ${formatEuros(available)} left, not enough for EUR ${formatEuros(amount)}`;
    const events: DecisionEvents[] = [{ type: "ApplicationRefused", data: { applicationId: command.applicationId, code: "budget-exhausted", reason, ruleIds: ["R-X-02", "R-TH-01"] } }];
    if (closesOnExhaustion && !line.intakeClosed) {
      events.push({ type: "BudgetLineIntakeClosed", data: { schemeId: scheme.definition.id, budgetLineId, availableCents: available, reason: `could not cover application ${command.applicationId} (EUR ${formatEuros(amount)})` } });
    }
    return refuseAndRecord("budget-exhausted", reason, events, { ruleIds: ["R-X-02", "R-TH-01"], details: { availableCents: available } });
  }
  const events: DecisionEvents[] = [
    { type: "AwardGranted", data: { applicationId: command.applicationId, ...committee, amountCents: amount, budgetLineId, derivation: { ...assessment.derivation, formula: `${assessment.derivation.formula}; awarded ${formatEuros(amount)}` } } },
    { type: "BudgetReserved", data: { schemeId: scheme.definition.id, budgetLineId, applicationId: command.applicationId, amountCents: amount } },
  ];
  if (closesOnExhaustion && available - amount === 0 && !line.intakeClosed) {
    events.push({ type: "BudgetLineIntakeClosed", data: { schemeId: scheme.definition.id, budgetLineId, availableCents: 0, reason: `fully awarded with application ${command.applicationId}` } });
  }
  return accept(...events);
}

// ---------------------------------------------------------------------------------------------
// After the award: withdrawal, start, lapse, award letter (R-TH-11, R-TH-13, R-VD-04, R-X-02)

/**
 * What the application holds on its line: its position there when the decision read the line (a
 * granted change request may have raised or lowered it, issue 13), else its award.
 */
function heldCents(state: ApplicationState, line?: BudgetLineState): Cents {
  if (!state.award) return 0;
  if (!line) return state.award.amountCents;
  const position = positionOf(line, state.registration!.applicationId);
  return (state.status === "granted" ? position.committed : position.reserved) ?? 0;
}

function release(state: ApplicationState, scheme: SchemeUnderDecision, reason: "withdrawn" | "lapsed", line?: BudgetLineState): Array<BudgetEvent<"BudgetReleased">> {
  const held = heldCents(state, line);
  if (!state.award || held === 0) return [];
  return [
    {
      type: "BudgetReleased",
      data: {
        schemeId: scheme.definition.id,
        budgetLineId: state.award.budgetLineId,
        applicationId: state.registration!.applicationId,
        amountCents: held,
        from: state.status === "granted" ? "committed" : "reserved",
        reason,
      },
    },
  ];
}

/** The applicant withdraws (e.g. no lead applicant found, as Technohub Logistics Lab); an award's money returns. */
export function decideWithdraw(
  state: ApplicationState,
  command: { applicationId: string; reason: string },
  scheme: SchemeUnderDecision,
  line?: BudgetLineState,
): Decision<AppEvent<"ApplicationWithdrawn"> | BudgetEvent<"BudgetReleased">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  const released = release(state, scheme, "withdrawn", line);
  return accept<AppEvent<"ApplicationWithdrawn"> | BudgetEvent<"BudgetReleased">>(
    { type: "ApplicationWithdrawn", data: { applicationId: command.applicationId, reason: command.reason, releasedCents: heldCents(state, line) } },
    ...released,
  );
}

export function decideReportProjectStart(state: ApplicationState, command: { applicationId: string; startedOn: string }): Decision<AppEvent<"ProjectStarted">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  if (state.status !== "awarded" && state.status !== "granted") return refuse("invalid", `application ${command.applicationId} has no award to start`);
  if (state.projectStartedOn) return refuse("already-exists", `the project started on ${state.projectStartedOn}`);
  return accept({ type: "ProjectStarted", data: { applicationId: command.applicationId, startedOn: command.startedOn } });
}

/** R-TH-11: an approved execution plan that has not started by the latest start date lapses. */
export function decideLapse(
  state: ApplicationState,
  command: { applicationId: string; today: string },
  scheme: SchemeUnderDecision,
  line?: BudgetLineState,
): Decision<AppEvent<"AwardLapsed"> | BudgetEvent<"BudgetReleased">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  if (state.status !== "awarded" && state.status !== "granted") return refuse("invalid", `application ${command.applicationId} has no award that could lapse`);
  const check = scheme.definition.eligibilityChecks.find((c) => c.kind === "latest-start-date" && c.instrumentIds.includes(state.registration!.instrumentId));
  if (!check || check.kind !== "latest-start-date") return refuse("invalid", `awards for ${state.registration!.instrumentId} have no latest start date`, { ruleIds: ["R-TH-11"] });
  // Only a start by the latest start date saves the award; a later start does not (R-TH-11).
  if (state.projectStartedOn && state.projectStartedOn <= check.latestDate) return refuse("invalid", `the project started on ${state.projectStartedOn}`, { ruleIds: ["R-TH-11"] });
  if (command.today <= check.latestDate) return refuse("invalid", `the project may still start until ${check.latestDate}`, { ruleIds: ["R-TH-11"] });
  return accept<AppEvent<"AwardLapsed"> | BudgetEvent<"BudgetReleased">>(
    { type: "AwardLapsed", data: { applicationId: command.applicationId, latestStartDate: check.latestDate, lapsedOn: command.today, releasedCents: heldCents(state, line), ruleIds: ["R-TH-11"] } },
    ...release(state, scheme, "lapsed", line),
  );
}

/** The award letter records the commitments and opens the grant for payments; the reservation becomes a commitment. */
export function decideIssueAwardLetter(
  state: ApplicationState,
  command: { applicationId: string; issuedOn: string },
  scheme: SchemeUnderDecision,
): Decision<AppEvent<"AwardLetterIssued"> | BudgetEvent<"BudgetCommitted"> | DomainEventOf<"GrantOpened">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  if (state.status === "granted") return refuse("already-exists", `the award letter for ${command.applicationId} was issued already`);
  if (state.status !== "awarded" || !state.award) return refuse("invalid", `application ${command.applicationId} has no award`);
  const registration = state.registration!;
  const grantId = registration.applicationId;
  return accept<AppEvent<"AwardLetterIssued"> | BudgetEvent<"BudgetCommitted"> | DomainEventOf<"GrantOpened">>(
    {
      type: "AwardLetterIssued",
      data: {
        applicationId: registration.applicationId,
        grantId,
        amountCents: state.award.amountCents,
        issuedOn: command.issuedOn,
        commitments: scheme.definition.commitments.map((c) => ({ commitmentId: c.id, description: c.description, ruleIds: [...c.ruleIds] })),
      },
    },
    { type: "BudgetCommitted", data: { schemeId: scheme.definition.id, budgetLineId: state.award.budgetLineId, applicationId: registration.applicationId, amountCents: state.award.amountCents } },
    {
      type: "GrantOpened",
      data: {
        grantId,
        applicationId: registration.applicationId,
        schemeId: scheme.definition.id,
        schemeVersion: scheme.version,
        instrumentId: registration.instrumentId,
        budgetLineId: state.award.budgetLineId,
        technohub: registration.technohub.name,
        amountCents: state.award.amountCents,
        openedOn: command.issuedOn,
        tranches: paymentPlan(state.award.amountCents, scheme.definition.paymentSchedule.tranches),
      },
    },
  );
}

// ---------------------------------------------------------------------------------------------
// R-ST-03: the VSO supplement by change request

export interface RequestVsoSupplement {
  readonly applicationId: string;
  readonly partnerSchool: string;
  readonly pupilCount: number;
  readonly addendumRef: string;
  readonly requestedOn: string;
}

/**
 * An approved region asks for the supplement for its VSO pupils: per pupil on the count date,
 * by the deadline, reserved on the budget line like the award itself and added to it before the
 * award letter fixes the grant.
 */
export function decideVsoSupplement(
  state: ApplicationState,
  line: BudgetLineState,
  command: RequestVsoSupplement,
  scheme: SchemeUnderDecision,
): Decision<AppEvent<"VsoSupplementAwarded"> | BudgetEvent<"BudgetReserved">> {
  const closed = requireOpen(state, command.applicationId);
  if (closed) return closed;
  const supplement = scheme.definition.vsoSupplement;
  if (!supplement || supplement.instrumentId !== state.registration!.instrumentId) return refuse("invalid", `scheme ${scheme.definition.id} has no VSO supplement for this instrument`, { ruleIds: ["R-ST-03"] });
  // Issue 13: after the award letter (the seed's order) the supplement is a change request on the grant.
  if (state.status === "granted") return refuse("invalid", `the award letter for ${command.applicationId} has gone; the VSO supplement is asked for as a change request on grant ${state.grantId}`, { ruleIds: ["R-ST-03"], details: { grantId: state.grantId } });
  if (state.status !== "awarded") return refuse("invalid", `only an approved region whose award letter is still to come can ask for the supplement; application ${command.applicationId} is ${state.status}`, { ruleIds: ["R-ST-03"] });
  if (command.requestedOn > supplement.requestLatestDate) return refuse("closed", `change requests for the VSO supplement closed on ${supplement.requestLatestDate}`, { ruleIds: ["R-ST-03"] });
  const amountCents = supplement.perPupilCents * command.pupilCount;
  const available = availableCents(line);
  if (amountCents > available) return refuse("budget-exhausted", `budget ${line.budgetLineId} has EUR ${formatEuros(available)} left, not enough for the supplement of EUR ${formatEuros(amountCents)}`, { ruleIds: ["R-X-02"] });
  return accept<AppEvent<"VsoSupplementAwarded"> | BudgetEvent<"BudgetReserved">>(
    {
      type: "VsoSupplementAwarded",
      data: {
        applicationId: command.applicationId,
        partnerSchool: command.partnerSchool,
        pupilCount: command.pupilCount,
        countDate: supplement.countDate,
        perPupilCents: supplement.perPupilCents,
        amountCents,
        addendumRef: command.addendumRef,
        requestedOn: command.requestedOn,
        derivation: {
          formula: `${command.pupilCount} x ${formatEuros(supplement.perPupilCents)} = ${formatEuros(amountCents)} [R-ST-03]`,
          inputs: { pupilCount: command.pupilCount, perPupilCents: supplement.perPupilCents },
          ruleIds: ["R-ST-03"],
          schemeVersion: scheme.version,
        },
      },
    },
    { type: "BudgetReserved", data: { schemeId: scheme.definition.id, budgetLineId: state.award!.budgetLineId, applicationId: command.applicationId, amountCents } },
  );
}

// ---------------------------------------------------------------------------------------------
// Contacts (issue 12 finding 1): who may change the application by email and gets its receipts

export interface ChangeContact {
  readonly applicationId: string;
  /** Lower case: addresses are compared without regard to case. */
  readonly address: string;
}

export function decideAddContact(state: ApplicationState, command: ChangeContact & { readonly name: string | null }): Decision<AppEvent<"ContactAdded">> {
  if (state.status === "unregistered") return refuse("not-found", `there is no application ${command.applicationId}`);
  if (state.contacts?.includes(command.address)) return refuse("already-exists", `${command.address} is already a contact of application ${command.applicationId}`);
  return accept({ type: "ContactAdded", data: { applicationId: command.applicationId, address: command.address, name: command.name, source: "staff" } });
}

export function decideRemoveContact(state: ApplicationState, command: ChangeContact & { readonly reason: string }): Decision<AppEvent<"ContactRemoved">> {
  if (state.status === "unregistered") return refuse("not-found", `there is no application ${command.applicationId}`);
  if (!state.contacts?.includes(command.address)) {
    return refuse("not-found", `${command.address} is not a contact of application ${command.applicationId}`, { details: { contacts: state.contacts ?? [] } });
  }
  return accept({ type: "ContactRemoved", data: { applicationId: command.applicationId, address: command.address, reason: command.reason } });
}
