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

export interface GrantView {
  readonly grantId: string;
  readonly applicationId: string;
  readonly schemeId: string;
  readonly technohub: string;
  readonly instrumentId: string;
  readonly budgetLineId: string;
  readonly awardCents: number;
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
  readonly version: number;
}

function statusOf(view: GrantView): GrantView["status"] {
  if (!view.settlement) return "open";
  if (view.settlement.recoveryCents > view.recoveredCents) return "recovery-due";
  return view.paidCents - view.recoveredCents === view.settlement.finalGrantCents ? "closed" : "settled";
}

/** A grant's payments, final report, settlement and payout history, folded from its own stream. */
export const grantsProjection = defineProjection<GrantView>({
  name: "grants",
  handles: [...grantEventTypes],
  documentIds: (event) => (event.streamId.startsWith("grant#") ? [event.streamId.slice("grant#".length)] : []),
  apply(view: GrantView | undefined, event: RecordedEvent) {
    const e = { type: event.type, data: event.data } as DomainEvent;
    if (e.type === "GrantOpened") {
      const d = e.data;
      return {
        grantId: d.grantId, applicationId: d.applicationId, schemeId: d.schemeId, technohub: d.technohub, instrumentId: d.instrumentId, budgetLineId: d.budgetLineId,
        awardCents: d.amountCents, openedOn: d.openedOn, tranches: d.tranches, invoices: [], paidCents: 0, finalReport: null, settlement: null, recoveredCents: 0,
        status: "open", payouts: [], version: event.version,
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
          const invoice = view.invoices.find((i) => i.invoiceId === e.data.invoiceId)!;
          const payout: Payout = {
            kind: "payment", grantId: view.grantId, schemeId: view.schemeId, technohub: view.technohub, trancheId: e.data.trancheId, amountCents: e.data.amountCents,
            ibanMasked: maskIban(e.data.iban), invoiceNumber: invoice.invoiceNumber, registeredBy: invoice.registeredBy, approvedBy: e.data.approvedBy,
            bankReference: e.data.bankReference, valueDate: e.data.valueDate, eventIds: [...invoice.eventIds, event.eventId],
          };
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
          const payout: Payout = {
            kind: "recovery", grantId: view.grantId, schemeId: view.schemeId, technohub: view.technohub, trancheId: null, amountCents: -e.data.amountCents,
            ibanMasked: null, invoiceNumber: null, registeredBy: event.metadata.actor, approvedBy: null, bankReference: e.data.bankReference, valueDate: e.data.receivedOn, eventIds: [event.eventId],
          };
          return { ...view, recoveredCents: view.recoveredCents + e.data.amountCents, payouts: [...view.payouts, payout] };
        }
        default:
          return view;
      }
    })();
    return { ...next, status: statusOf(next), version: event.version };
  },
  listing: (view) => ({ list: `scheme#${view.schemeId}`, sortKey: `${view.openedOn}#${view.grantId}` }),
});
