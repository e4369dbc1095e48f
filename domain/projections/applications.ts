import type { DomainEvent, EventData, RecordedEvent } from "../../events/index.ts";
import { type ApplicationStatus, applicationEventTypes } from "../application.ts";
import { hubKey } from "../eligibility.ts";
import { hubKeyOf } from "../evaluation.ts";
import { defineProjection } from "./projection.ts";

type Assessment = EventData<"ApplicationAssessed">;

/** What staff see of an application: its current state, with the stream version it reflects. */
export interface ApplicationView {
  readonly applicationId: string;
  readonly schemeId: string;
  readonly schemeVersion: string;
  readonly instrumentId: string;
  readonly technohub: { readonly name: string; readonly region: string | null };
  readonly applicant: { readonly companyName: string; readonly chamberOfCommerceNumber: string | null };
  readonly requestedAmountCents: number;
  readonly receivedAt: string;
  readonly status: ApplicationStatus;
  readonly sectionsReceived: ReadonlyArray<string>;
  /** Every document on file (issue 12 finding 5): sections and extras, with the message each came with (null: staff). */
  readonly documents: ReadonlyArray<{ sha256: string; name: string; contentType: string; bytes: number; messageKey?: string | null; role?: string; receivedAt?: string }>;
  /** Issue 12 finding 1: who may change the application by email and gets its receipts. Personal data. */
  readonly contacts: ReadonlyArray<{ address: string; name: string | null; source: string }>;
  readonly missingSectionIds: ReadonlyArray<string>;
  readonly details: EventData<"ApplicationDetailsRecorded"> | null;
  readonly queue: { readonly roundId: string; readonly completedAt: string; readonly queueKey: string } | null;
  readonly assessment: Omit<Assessment, "applicationId"> | null;
  readonly award: { readonly amountCents: number; readonly roundId: string; readonly decidedOn: string; readonly membersPresent: ReadonlyArray<string>; readonly formula: string } | null;
  readonly rejection: { readonly reasons: ReadonlyArray<string>; readonly decidedOn: string } | null;
  readonly refusal: { readonly code: string; readonly reason: string; readonly ruleIds: ReadonlyArray<string> } | null;
  readonly withdrawal: { readonly reason: string; readonly releasedCents: number } | null;
  readonly projectStartedOn: string | null;
  readonly lapse: { readonly lapsedOn: string; readonly releasedCents: number } | null;
  readonly vsoSupplement: { readonly partnerSchool: string; readonly pupilCount: number; readonly amountCents: number; readonly formula: string } | null;
  readonly awardLetter: { readonly grantId: string; readonly issuedOn: string; readonly commitments: ReadonlyArray<{ commitmentId: string; description: string }> } | null;
  /** The application stream's version this view includes; clients send it back as If-Match. */
  readonly version: number;
  readonly registeredVia: string;
}

/** The fold behind every view of an application (the list, the round agendas). */
export function applyToApplicationView(view: ApplicationView | undefined, event: RecordedEvent): ApplicationView | undefined {
  const e = { type: event.type, data: event.data } as DomainEvent;
  if (e.type === "ApplicationRegistered") {
    return {
      ...e.data,
      status: "registered",
      sectionsReceived: [],
      documents: [],
      contacts: [],
      missingSectionIds: [],
      details: null,
      queue: null,
      assessment: null,
      award: null,
      rejection: null,
      refusal: null,
      withdrawal: null,
      projectStartedOn: null,
      lapse: null,
      vsoSupplement: null,
      awardLetter: null,
      version: event.version,
      registeredVia: event.metadata.channel,
    };
  }
  if (!view) return undefined;
  const next = { ...view, version: event.version };
  switch (e.type) {
    case "ApplicationDetailsRecorded":
      return { ...next, details: e.data };
    case "ApplicationSectionsReceived": {
      const sectionsReceived = [...new Set([...view.sectionsReceived, ...e.data.sectionIds])];
      return { ...next, sectionsReceived, documents: [...view.documents, ...e.data.documents], missingSectionIds: view.missingSectionIds.filter((id) => !sectionsReceived.includes(id)) };
    }
    case "DocumentsFiled": {
      const known = new Set(view.documents.map((d) => d.sha256));
      const fresh = e.data.documents.filter((d) => !known.has(d.sha256)).map(({ sectionIds: _, ...d }) => ({ ...d, messageKey: e.data.messageKey, receivedAt: e.data.receivedAt }));
      return { ...next, documents: [...view.documents, ...fresh] };
    }
    case "ContactAdded":
      return { ...next, contacts: [...(view.contacts ?? []).filter((c) => c.address !== e.data.address), { address: e.data.address, name: e.data.name, source: e.data.source }] };
    case "ContactRemoved":
      return { ...next, contacts: (view.contacts ?? []).filter((c) => c.address !== e.data.address) };
    case "ApplicationFoundIncomplete":
      return { ...next, status: "incomplete", missingSectionIds: e.data.missingSectionIds.filter((id) => !view.sectionsReceived.includes(id)) };
    case "ApplicationQueued":
      return { ...next, status: "queued", missingSectionIds: [], queue: { roundId: e.data.roundId, completedAt: e.data.completedAt, queueKey: e.data.queueKey } };
    case "ApplicationAssessed": {
      const { applicationId: _, ...assessment } = e.data;
      return { ...next, assessment };
    }
    case "AwardGranted":
      return { ...next, status: "awarded", refusal: null, award: { amountCents: e.data.amountCents, roundId: e.data.roundId, decidedOn: e.data.decidedOn, membersPresent: e.data.membersPresent, formula: e.data.derivation.formula } };
    case "ApplicationRejected":
      return { ...next, status: "rejected", rejection: { reasons: e.data.reasons, decidedOn: e.data.decidedOn } };
    case "ApplicationRefused":
      return { ...next, status: "refused", refusal: { code: e.data.code, reason: e.data.reason, ruleIds: e.data.ruleIds } };
    case "ApplicationWithdrawn":
      return { ...next, status: "withdrawn", withdrawal: { reason: e.data.reason, releasedCents: e.data.releasedCents } };
    case "ProjectStarted":
      return { ...next, projectStartedOn: e.data.startedOn };
    case "AwardLapsed":
      return { ...next, status: "lapsed", lapse: { lapsedOn: e.data.lapsedOn, releasedCents: e.data.releasedCents } };
    case "VsoSupplementAwarded":
      return {
        ...next,
        award: view.award && { ...view.award, amountCents: view.award.amountCents + e.data.amountCents },
        vsoSupplement: { partnerSchool: e.data.partnerSchool, pupilCount: e.data.pupilCount, amountCents: e.data.amountCents, formula: e.data.derivation.formula },
      };
    case "AwardLetterIssued":
      return { ...next, status: "granted", awardLetter: { grantId: e.data.grantId, issuedOn: e.data.issuedOn, commitments: e.data.commitments.map(({ commitmentId, description }) => ({ commitmentId, description })) } };
    default:
      // Events it does not read still move the version on, so If-Match stays exact.
      return next;
  }
}

const applicationIdOf = (event: RecordedEvent) => (event.streamId.startsWith("application#") ? [event.streamId.slice("application#".length)] : []);

/**
 * An application's claim on its hub (R-TH-07) or its region (R-TH-08): an entry of the application's
 * document (`<applicationId>/claim/hub|region`), listed per hub and per region of the scheme, so the
 * assessment queries the applications it competes with instead of reading the whole scheme (issue 15).
 * Written once, at registration: the hub and region an application names never change after it.
 */
export interface ApplicationClaim {
  /** `evaluation`: listed by the hub's key across schemes (`hubKeyOf`, HUBS_LIST), the slug the evaluation's routes name a hub by. */
  readonly claim: "hub" | "region" | "evaluation";
  readonly applicationId: string;
  readonly schemeId: string;
  readonly instrumentId: string;
  readonly technohub: string;
  readonly region: string | null;
  readonly receivedAt: string;
}

type ApplicationDocument = ApplicationView | ApplicationClaim;
const isClaim = (document: ApplicationDocument): document is ApplicationClaim => "claim" in document;

export const applicationClaimId = (applicationId: string, claim: ApplicationClaim["claim"]) => `${applicationId}/claim/${claim}`;
/** The applications of a scheme that name this hub ("TechnoHUB Woerden" and "Technohub woerden" are one, see `hubKey`). */
export const hubClaimList = (schemeId: string, technohub: string) => `scheme#${schemeId}#hub#${hubKey(technohub)}`;
/** The applications of a scheme that name this region (compared without case, as R-TH-08's check does). */
export const regionClaimList = (schemeId: string, region: string) => `scheme#${schemeId}#region#${region.toLowerCase()}`;
/**
 * Every scheme's applications by their hub's key (`hubKeyOf`, the slug of the hub registry and the
 * evaluation's routes), in one list ordered by key, scheme and arrival: the hub registry pages
 * through it a hub at a time, and a hub command reads one hub's entries of one scheme (`hubRange`)
 * instead of reading the scheme (issue 15). Not `hubClaimList`'s key: that one is R-TH-07's comparison.
 */
export const HUBS_LIST = "hubs";
const hubSortKey = (hubKey: string, schemeId: string, arrival: string) => `${hubKey}#${schemeId}#${arrival}`;
/** The sort keys of one hub's entries: of one scheme, or of every scheme. '#' sorts before every character a key or a scheme id holds. */
export const hubRange = (hubKey: string, schemeId?: string) => ({ from: `${hubKey}#${schemeId ? `${schemeId}#` : ""}`, to: `${hubKey}#${schemeId ? `${schemeId}#` : ""}\uffff` });
/** Arrival order, as the scheme's own list: R-TH-09. */
export const arrivalKey = (document: { receivedAt: string; applicationId: string }) => `${document.receivedAt}#${document.applicationId}`;

export const applicationsProjection = defineProjection<ApplicationDocument>({
  name: "applications",
  handles: [...applicationEventTypes],
  documentIds: (event) => {
    const ids = applicationIdOf(event);
    if (event.type !== "ApplicationRegistered" || ids.length === 0) return ids;
    const region = (event.data as EventData<"ApplicationRegistered">).technohub.region;
    return [ids[0]!, applicationClaimId(ids[0]!, "hub"), ...(region ? [applicationClaimId(ids[0]!, "region")] : []), applicationClaimId(ids[0]!, "evaluation")];
  },
  apply: (document, event, documentId) => {
    if (!documentId.includes("/claim/")) return applyToApplicationView(document as ApplicationView | undefined, event);
    if (event.type !== "ApplicationRegistered") return document;
    const data = event.data as EventData<"ApplicationRegistered">;
    return {
      claim: documentId.endsWith("/claim/region") ? "region" : documentId.endsWith("/claim/evaluation") ? "evaluation" : "hub",
      applicationId: data.applicationId,
      schemeId: data.schemeId,
      instrumentId: data.instrumentId,
      technohub: data.technohub.name,
      region: data.technohub.region,
      receivedAt: data.receivedAt,
    };
  },
  listing: (document) => {
    if (!isClaim(document)) return { list: `scheme#${document.schemeId}`, sortKey: arrivalKey(document) };
    const list =
      document.claim === "hub"
        ? hubClaimList(document.schemeId, document.technohub)
        : document.claim === "evaluation"
          ? HUBS_LIST
          : regionClaimList(document.schemeId, document.region!);
    return { list, sortKey: document.claim === "evaluation" ? hubSortKey(hubKeyOf(document.technohub), document.schemeId, arrivalKey(document)) : arrivalKey(document) };
  },
});

/** R-TH-10: a round's agenda, in queue order; an application appears once it is queued. */
export const agendaProjection = defineProjection<ApplicationView>({
  name: "agenda",
  handles: [...applicationEventTypes],
  documentIds: applicationIdOf,
  apply: applyToApplicationView,
  listing: (view) => (view.queue ? { list: `round#${view.schemeId}#${view.queue.roundId}`, sortKey: view.queue.queueKey } : undefined),
});
