import { createHash } from "node:crypto";
import { type ApplicationState, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import { localDate } from "../../domain/calendar.ts";
import { formatDutchDate, formatDutchEuros, type LetterData, type LetterHeading } from "../../domain/letter-content.ts";
import { letterKindOf } from "../../domain/letters.ts";
import { type GrantState, evolveGrant, initialGrantState, maskIban } from "../../domain/payments.ts";
import { roundFor } from "../../domain/rounds.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import { ERASED } from "../../events/personal-data.ts";
import { type DomainEvent, type EventData, type RecordedEvent, streamIds } from "../../events/index.ts";
import type { LetterKind } from "../../events/letter-events.ts";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import type { EventStore } from "../store/event-store.ts";
import { firstEventOf } from "../store/first-events.ts";

/** One letter per source event: its id is derived from the event's place in the log, so a redelivery finds the same letter. */
export function letterIdOf(source: Pick<RecordedEvent, "streamId" | "version">): string {
  return createHash("sha256").update(`${source.streamId}#${source.version}`).digest("hex").slice(0, 40);
}

export interface GatheredLetter {
  readonly kind: LetterKind;
  readonly scheme: SchemeUnderDecision;
  readonly applicationId: string;
  readonly heading: LetterHeading;
  readonly data: LetterData;
  /** The application's contacts now: who the letter goes to. */
  readonly contacts: ReadonlyArray<string>;
}

/** A decision concerns an applicant when it makes a letter (domain/letters.ts `letterKindOf`). */
export const concernsApplicant = (event: Pick<RecordedEvent, "type">): boolean => event.type in letterKindOf;

const fold = <S>(events: ReadonlyArray<RecordedEvent>, initial: S, evolve: (s: S, e: DomainEvent) => S) => events.reduce((s, e) => evolve(s, e as DomainEvent), initial);

/**
 * What the letter for `source` says, from the log only: the application (and grant) as they stood
 * when the decision was recorded, so the letter reads the same whenever it is rendered again.
 * Undefined when the event makes no letter or its application cannot be found.
 */
export async function gatherLetter(source: RecordedEvent, deps: { events: EventStore; schemes: SchemeCatalogue }): Promise<GatheredLetter | undefined> {
  const kind = letterKindOf[source.type];
  if (!kind) return undefined;
  let grant: GrantState | undefined;
  let grantEvents: RecordedEvent[] = [];
  let applicationId: string;
  if (source.streamId.startsWith("grant#")) {
    grantEvents = await deps.events.readStream(source.streamId, 1, source.version);
    grant = fold(grantEvents, initialGrantState, evolveGrant);
    if (!grant.opened) return undefined;
    applicationId = grant.opened.applicationId;
  } else if (source.streamId.startsWith("application#")) {
    applicationId = source.streamId.slice("application#".length);
  } else return undefined;

  const applicationEvents = await deps.events.readStream(streamIds.application(applicationId));
  const atDecision = fold(
    applicationEvents.filter((e) => source.streamId !== streamIds.application(applicationId) || e.version <= source.version),
    initialApplicationState,
    evolveApplication,
  );
  const now = fold(applicationEvents, initialApplicationState, evolveApplication);
  const registration = atDecision.registration;
  if (!registration) return undefined;
  const scheme = deps.schemes.get(registration.schemeId);
  if (!scheme) throw new Error(`application ${applicationId} names scheme ${registration.schemeId}, which is not loaded`);
  const definition = scheme.definition;
  const instrument = definition.instruments.find((i) => i.id === registration.instrumentId);
  const recordedOn = localDate(source.recordedAt, definition.timeZone);

  const data = await letterData(source, { atDecision, grant, grantEvents, scheme, recordedOn, applicationEvents, deps });
  const heading: LetterHeading = {
    letterId: letterIdOf(source),
    applicationId,
    schemeTitle: definition.dutchTitle,
    instrumentName: instrument?.dutchName ?? registration.instrumentId,
    technohub: registration.technohub.name,
    region: registration.technohub.region ?? null,
    applicantName: registration.applicant.companyName,
    date: letterDate(data) ?? recordedOn,
  };
  // Issue 16: an erased contact has no address left to write to.
  return { kind, scheme, applicationId, heading, data, contacts: (now.contacts ?? []).filter((address) => address !== ERASED) };
}

/** What the grantee asked, in one Dutch sentence for the letter. */
function describeChange(change: EventData<"ChangeRequestSubmitted">["change"]): string {
  switch (change.kind) {
    case "increase":
      return `een verhoging van de subsidie voor ${change.basis.pupilCount} VSO-leerlingen van ${change.basis.partnerSchool} (addendum ${change.basis.addendumRef}).`;
    case "cost-line-shift":
      return `een verschuiving tussen kostenposten (${change.shifts.map((s) => `${formatDutchEuros(s.amountCents)} van ${s.fromLineId} naar ${s.toLineId}`).join("; ")}).`;
    case "end-date-extension":
      return `een latere einddatum van het project: ${formatDutchDate(change.newEndDate)}.`;
    case "decrease":
      return `een verlaging van de subsidie met ${formatDutchEuros(change.decreaseCents)}.`;
  }
}

/** The decision's own date where it has one. */
function letterDate(data: LetterData): string | undefined {
  switch (data.kind) {
    case "refused":
      return data.decidedOn ?? undefined;
    case "award":
      return undefined;
    case "change-request-decided":
      return data.decidedOn;
    case "payment":
      return data.valueDate;
    case "settlement":
      return data.settledOn;
    case "recovery":
      return data.receivedOn;
    default:
      return undefined;
  }
}

async function letterData(
  source: RecordedEvent,
  context: {
    atDecision: ApplicationState;
    grant: GrantState | undefined;
    grantEvents: RecordedEvent[];
    scheme: SchemeUnderDecision;
    recordedOn: string;
    applicationEvents: RecordedEvent[];
    deps: { events: EventStore };
  },
): Promise<LetterData> {
  const definition = context.scheme.definition;
  const event = source as DomainEvent & RecordedEvent;
  switch (event.type) {
    case "ApplicationFoundIncomplete": {
      const data = event.data;
      const titles = new Map(definition.requiredSections.map((s) => [s.id, s.dutchTitle ?? s.title]));
      const instrumentId = context.atDecision.registration!.instrumentId;
      // R-TH-10: complete by the next round's submission deadline to be heard in it; else by the term's end.
      // Counted from the application's own time (its latest arrival, R-TH-09), not the moment staff recorded the check.
      const asOf = context.atDecision.lastArrival && context.atDecision.lastArrival > context.atDecision.registration!.receivedAt ? context.atDecision.lastArrival : context.atDecision.registration!.receivedAt;
      const round = roundFor(definition, instrumentId, asOf);
      const completeBy = round
        ? { date: round.submissionDeadline, what: "de uiterste indieningsdatum van de eerstvolgende vergadering van de beoordelingscommissie" }
        : definition.term.closes >= localDate(asOf, definition.timeZone)
          ? { date: definition.term.closes, what: "het einde van de looptijd van de regeling" }
          : null;
      return { kind: "incomplete", missing: data.missingSectionIds.map((id) => ({ sectionId: id, title: titles.get(id) ?? id })), note: data.note, completeBy };
    }
    case "ApplicationRefused":
      return { kind: "refused", by: "intake", reasons: [event.data.reason], ruleIds: event.data.ruleIds, decidedOn: null };
    case "ApplicationRejected":
      return { kind: "refused", by: "committee", reasons: event.data.reasons, ruleIds: event.data.ruleIds, decidedOn: event.data.decidedOn };
    case "AwardLetterIssued": {
      const granted = context.applicationEvents.filter((e) => e.type === "AwardGranted" && e.version < source.version).at(-1)?.data as EventData<"AwardGranted"> | undefined;
      if (!granted) throw new Error(`award letter ${source.streamId} v${source.version} has no award before it`);
      // The payment plan was fixed when the grant opened, in the same append as the letter.
      const opened = await firstEventOf(context.deps.events, streamIds.grant(event.data.grantId));
      const tranches = opened?.type === "GrantOpened" ? (opened.data as EventData<"GrantOpened">).tranches : [];
      return {
        kind: "award",
        amountCents: event.data.amountCents,
        decidedOn: granted.decidedOn,
        roundId: granted.roundId,
        derivation: { formula: granted.derivation.formula, inputs: granted.derivation.inputs, ruleIds: granted.derivation.ruleIds },
        commitments: event.data.commitments,
        tranches: tranches.map((t) => ({ trancheId: t.trancheId, shareBasisPoints: t.shareBasisPoints, amountCents: t.amountCents })),
      };
    }
    case "PaymentMade":
      return {
        kind: "payment",
        amountCents: event.data.amountCents,
        trancheId: event.data.trancheId,
        valueDate: event.data.valueDate,
        ibanMasked: maskIban(event.data.iban),
        bankReference: event.data.bankReference,
        grantCents: context.grant!.opened!.amountCents,
        paidSoFarCents: context.grant!.paidCents,
      };
    case "GrantSettled":
      return {
        kind: "settlement",
        awardCents: event.data.awardCents,
        finalGrantCents: event.data.finalGrantCents,
        paidCents: event.data.paidCents,
        finalPaymentCents: event.data.finalPaymentCents,
        recoveryCents: event.data.recoveryCents,
        settledOn: event.data.settledOn,
        derivation: { formula: event.data.derivation.formula, inputs: event.data.derivation.inputs, ruleIds: event.data.derivation.ruleIds },
      };
    case "RecoveryReceived":
      return {
        kind: "recovery",
        amountCents: event.data.amountCents,
        receivedOn: event.data.receivedOn,
        bankReference: event.data.bankReference,
        claimCents: context.grant!.settlement?.recoveryCents ?? 0,
        receivedTotalCents: context.grant!.recoveredCents,
      };
    case "ChangeRequestGranted":
    case "ChangeRequestRefused": {
      const request = context.grant?.changeRequests?.[event.data.requestId];
      if (!request) throw new Error(`${source.type} ${source.streamId} v${source.version} names request ${event.data.requestId}, which the grant does not hold`);
      const granted = event.type === "ChangeRequestGranted" ? event.data : undefined;
      return {
        kind: "change-request-decided",
        changeRequestId: event.data.requestId,
        requestedOn: request.submitted.receivedOn,
        decidedOn: event.data.decidedOn,
        summary: describeChange(request.submitted.change),
        decision: granted ? "granted" : "refused",
        reasons: event.type === "ChangeRequestRefused" ? event.data.reasons : [],
        ruleIds: event.type === "ChangeRequestRefused" ? event.data.ruleIds : granted!.derivation.ruleIds,
        amountChange: granted && granted.amountCents !== granted.previousAmountCents ? { beforeCents: granted.previousAmountCents, afterCents: granted.amountCents } : null,
      };
    }
    default:
      throw new Error(`${source.type} makes no letter`);
  }
}
