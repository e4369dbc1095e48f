import type { DomainEvent, EventData, RecordedEvent } from "../../events/index.ts";
import { grantEventTypes, maskIban } from "../payments.ts";
import { defineProjection } from "./projection.ts";

/** A payment or a repayment in the payout history, with the events behind it (R-X-04). */
export interface Payout {
  readonly kind: "payment" | "recovery";
  readonly grantId: string;
  readonly schemeId: string;
  readonly technohub: string;
  readonly trancheId: string | null;
  /** Negative for money that came back. */
  readonly amountCents: number;
  readonly ibanMasked: string | null;
  readonly invoiceNumber: string | null;
  readonly registeredBy: string | null;
  readonly approvedBy: string | null;
  readonly bankReference: string;
  readonly valueDate: string;
  readonly eventIds: ReadonlyArray<string>;
}

/** A change request on the grant and its outcome (issue 13); at most MAX_CHANGE_REQUESTS_PER_GRANT per grant. */
export interface ChangeRequestView {
  readonly requestId: string;
  readonly kind: EventData<"ChangeRequestSubmitted">["change"]["kind"];
  readonly receivedOn: string;
  readonly change: EventData<"ChangeRequestSubmitted">["change"];
  readonly explanation: string | null;
  readonly documentRef: string | null;
  readonly status: "submitted" | "granted" | "refused";
  readonly decidedOn: string | null;
  readonly refusal: { readonly refusedBy: "rules" | "staff"; readonly reasons: ReadonlyArray<string>; readonly ruleIds: ReadonlyArray<string> } | null;
  readonly eventIds: ReadonlyArray<string>;
}

/** One amendment in the grant's history: what a granted change request changed, with its derivation. */
export interface AmendmentView {
  readonly requestId: string;
  readonly kind: EventData<"ChangeRequestGranted">["kind"];
  readonly decidedOn: string;
  readonly previousAmountCents: number;
  readonly amountCents: number;
  readonly trancheAmounts: Readonly<Record<string, number>>;
  readonly budgetEffect: EventData<"ChangeRequestGranted">["budgetEffect"];
  readonly formula: string;
  readonly ruleIds: ReadonlyArray<string>;
  readonly eventId: string;
}

export interface GrantView {
  readonly grantId: string;
  readonly applicationId: string;
  readonly schemeId: string;
  readonly technohub: string;
  readonly instrumentId: string;
  readonly budgetLineId: string;
  /** The grant's amount now: as awarded, or as the last granted change request left it (issue 13). */
  readonly awardCents: number;
  /** The amount the award letter opened the grant with. */
  readonly openedAmountCents?: number;
  readonly openedOn: string;
  readonly tranches: EventData<"GrantOpened">["tranches"];
  readonly invoices: ReadonlyArray<{
    readonly invoiceId: string;
    readonly trancheId: string;
    readonly invoiceNumber: string;
    readonly invoiceDate: string;
    readonly amountCents: number;
    readonly ibanMasked: string;
    readonly status: "registered" | "approved" | "paid";
    readonly registeredBy: string;
    readonly approvedBy: string | null;
    readonly eventIds: ReadonlyArray<string>;
  }>;
  readonly paidCents: number;
  readonly finalReport: { readonly status: "submitted" | "approved" | "returned"; readonly approvedEligibleCostsCents: number | null; readonly returnReason: string | null } | null;
  readonly settlement: Omit<EventData<"GrantSettled">, "grantId"> | null;
  readonly recoveredCents: number;
  readonly status: "open" | "settled" | "recovery-due" | "closed";
  readonly payouts: ReadonlyArray<Payout>;
  /** Issue 13: the change requests, the amendments they made, and what those amended. */
  readonly changeRequests?: ReadonlyArray<ChangeRequestView>;
  readonly amendments?: ReadonlyArray<AmendmentView>;
  readonly costLines?: EventData<"ChangeRequestGranted">["costLines"];
  readonly plannedEndDate?: string | null;
  readonly commitmentsAdded?: EventData<"ChangeRequestGranted">["commitmentsAdded"];
  readonly version: number;
}

function statusOf(view: GrantView): GrantView["status"] {
  if (!view.settlement) return "open";
  if (view.settlement.recoveryCents > view.recoveredCents) return "recovery-due";
  return view.paidCents - view.recoveredCents === view.settlement.finalGrantCents ? "closed" : "settled";
}

/** The payment or repayment an event records, from the grant as it stood before it; undefined for other events. */
function payoutOf(view: GrantView, event: RecordedEvent): Payout | undefined {
  const e = { type: event.type, data: event.data } as DomainEvent;
  if (e.type === "PaymentMade") {
    const invoice = view.invoices.find((i) => i.invoiceId === e.data.invoiceId)!;
    return {
      kind: "payment", grantId: view.grantId, schemeId: view.schemeId, technohub: view.technohub, trancheId: e.data.trancheId, amountCents: e.data.amountCents,
      ibanMasked: maskIban(e.data.iban), invoiceNumber: invoice.invoiceNumber, registeredBy: invoice.registeredBy, approvedBy: e.data.approvedBy,
      bankReference: e.data.bankReference, valueDate: e.data.valueDate, eventIds: [...invoice.eventIds, event.eventId],
    };
  }
  if (e.type === "RecoveryReceived") {
    return {
      kind: "recovery", grantId: view.grantId, schemeId: view.schemeId, technohub: view.technohub, trancheId: null, amountCents: -e.data.amountCents,
      ibanMasked: null, invoiceNumber: null, registeredBy: event.metadata.actor, approvedBy: null, bankReference: e.data.bankReference, valueDate: e.data.receivedOn, eventIds: [event.eventId],
    };
  }
  return undefined;
}

/**
 * One payout as an entry of its own (`<grantId>/payout/<eventId>`), listed per scheme by value date
 * (`payoutsList`): the payout history is read a page and a period at a time, not by loading every
 * grant of the scheme (issue 15). The grant's view keeps its own payouts too.
 */
export interface PayoutEntry extends Payout {
  readonly entry: "payout";
}

type GrantDocument = GrantView | PayoutEntry;

/** The scheme's payouts in order of value date (then grant and event): what ListPayouts pages through. */
export const payoutsList = (schemeId: string) => `scheme#${schemeId}#payouts`;
export const payoutSortKey = (payout: Payout) => `${payout.valueDate}#${payout.grantId}#${payout.eventIds.at(-1)}`;
const payoutEntryId = (grantId: string, eventId: string) => `${grantId}/payout/${eventId}`;

/** A grant's payments, final report, settlement and payout history, folded from its own stream. */
export const grantsProjection = defineProjection<GrantDocument>({
  name: "grants",
  handles: [...grantEventTypes],
  documentIds: (event) => {
    if (!event.streamId.startsWith("grant#")) return [];
    const grantId = event.streamId.slice("grant#".length);
    // The entry first: it reads the grant as it stood before the event (see Projection.apply's sibling).
    return event.type === "PaymentMade" || event.type === "RecoveryReceived" ? [payoutEntryId(grantId, event.eventId), grantId] : [grantId];
  },
  apply(document, event, documentId, sibling) {
    if (documentId.includes("/payout/")) {
      const grant = sibling?.(documentId.slice(0, documentId.indexOf("/payout/"))) as GrantView | undefined;
      const payout = grant && payoutOf(grant, event);
      return payout ? { entry: "payout", ...payout } : document;
    }
    return applyToGrantView(document as GrantView | undefined, event);
  },
  listing: (document) =>
    "entry" in document ? { list: payoutsList(document.schemeId), sortKey: payoutSortKey(document) } : { list: `scheme#${document.schemeId}`, sortKey: `${document.openedOn}#${document.grantId}` },
});

function applyToGrantView(view: GrantView | undefined, event: RecordedEvent): GrantView | undefined {
  const e = { type: event.type, data: event.data } as DomainEvent;
  if (e.type === "GrantOpened") {
    const d = e.data;
    return {
      grantId: d.grantId, applicationId: d.applicationId, schemeId: d.schemeId, technohub: d.technohub, instrumentId: d.instrumentId, budgetLineId: d.budgetLineId,
      awardCents: d.amountCents, openedOn: d.openedOn, tranches: d.tranches, invoices: [], paidCents: 0, finalReport: null, settlement: null, recoveredCents: 0,
      status: "open", payouts: [], openedAmountCents: d.amountCents, changeRequests: [], amendments: [], costLines: null, plannedEndDate: null, commitmentsAdded: [], version: event.version,
    };
  }
  if (!view) return undefined;
  const next = ((): GrantView => {
    switch (e.type) {
      case "InvoiceRegistered": {
        const d = e.data;
        const invoice = { invoiceId: d.invoiceId, trancheId: d.trancheId, invoiceNumber: d.invoiceNumber, invoiceDate: d.invoiceDate, amountCents: d.amountCents, ibanMasked: maskIban(d.iban), status: "registered" as const, registeredBy: d.registeredBy, approvedBy: null, eventIds: [event.eventId] };
        return { ...view, invoices: [...view.invoices, invoice] };
      }
      case "PaymentApproved":
        return { ...view, invoices: view.invoices.map((i) => (i.invoiceId === e.data.invoiceId ? { ...i, status: "approved" as const, approvedBy: e.data.approvedBy, eventIds: [...i.eventIds, event.eventId] } : i)) };
      case "PaymentMade": {
        const payout = payoutOf(view, event)!;
        return {
          ...view,
          paidCents: view.paidCents + e.data.amountCents,
          invoices: view.invoices.map((i) => (i.invoiceId === e.data.invoiceId ? { ...i, status: "paid" as const, eventIds: [...i.eventIds, event.eventId] } : i)),
          payouts: [...view.payouts, payout],
        };
      }
      case "FinalReportSubmitted":
        return { ...view, finalReport: { status: "submitted", approvedEligibleCostsCents: null, returnReason: null } };
      case "FinalReportApproved":
        return { ...view, finalReport: { status: "approved", approvedEligibleCostsCents: e.data.approvedEligibleCostsCents, returnReason: null } };
      case "FinalReportReturned":
        return { ...view, finalReport: { status: "returned", approvedEligibleCostsCents: null, returnReason: e.data.reason } };
      case "GrantSettled": {
        const { grantId: _, ...settlement } = e.data;
        return { ...view, settlement };
      }
      case "RecoveryReceived": {
        const payout = payoutOf(view, event)!;
        return { ...view, recoveredCents: view.recoveredCents + e.data.amountCents, payouts: [...view.payouts, payout] };
      }
      case "ChangeRequestSubmitted": {
        const d = e.data;
        const request: ChangeRequestView = {
          requestId: d.requestId, kind: d.change.kind, receivedOn: d.receivedOn, change: d.change, explanation: d.explanation, documentRef: d.documentRef,
          status: "submitted", decidedOn: null, refusal: null, eventIds: [event.eventId],
        };
        return { ...view, changeRequests: [...(view.changeRequests ?? []), request] };
      }
      case "ChangeRequestGranted": {
        const d = e.data;
        const amendment: AmendmentView = {
          requestId: d.requestId, kind: d.kind, decidedOn: d.decidedOn, previousAmountCents: d.previousAmountCents, amountCents: d.amountCents,
          trancheAmounts: Object.fromEntries(d.tranches.map((t) => [t.trancheId, t.amountCents])), budgetEffect: d.budgetEffect, formula: d.derivation.formula, ruleIds: d.derivation.ruleIds, eventId: event.eventId,
        };
        return {
          ...view,
          awardCents: d.amountCents,
          tranches: d.tranches,
          ...(d.costLines ? { costLines: d.costLines } : {}),
          ...(d.plannedEndDate ? { plannedEndDate: d.plannedEndDate } : {}),
          commitmentsAdded: [...(view.commitmentsAdded ?? []), ...d.commitmentsAdded],
          changeRequests: (view.changeRequests ?? []).map((r) => (r.requestId === d.requestId ? { ...r, status: "granted" as const, decidedOn: d.decidedOn, eventIds: [...r.eventIds, event.eventId] } : r)),
          amendments: [...(view.amendments ?? []), amendment],
        };
      }
      case "ChangeRequestRefused": {
        const d = e.data;
        const refusal = { refusedBy: d.refusedBy, reasons: d.reasons, ruleIds: d.ruleIds };
        return { ...view, changeRequests: (view.changeRequests ?? []).map((r) => (r.requestId === d.requestId ? { ...r, status: "refused" as const, decidedOn: d.decidedOn, refusal, eventIds: [...r.eventIds, event.eventId] } : r)) };
      }
      default:
        return view;
    }
  })();
  return { ...next, status: statusOf(next), version: event.version };
}
