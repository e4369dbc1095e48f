import type { DomainEvent, DomainEventOf, EventData } from "../events/index.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import { maximumAmount } from "./eligibility.ts";
import { type Cents, formatEuros, shareOf } from "./money.ts";
import type { SchemeUnderDecision } from "./scheme.ts";
import { isSealedValue, maskedSealedValue } from "../events/personal-data.ts";

type Tranche = SchemeDefinition["paymentSchedule"]["tranches"][number];
type PlannedTranche = EventData<"GrantOpened">["tranches"][number];

/**
 * The tranches of a grant in cents. Each is its share rounded down; the last takes the rest, so
 * the tranches always sum exactly to the grant.
 */
export function trancheAmounts(grantCents: Cents, tranches: ReadonlyArray<Tranche>): Array<{ trancheId: string; amountCents: Cents }> {
  let allotted = 0;
  return tranches.map((tranche, index) => {
    const amountCents = index === tranches.length - 1 ? grantCents - allotted : shareOf(grantCents, tranche.shareBasisPoints, "down");
    allotted += amountCents;
    return { trancheId: tranche.id, amountCents };
  });
}

/** The grant's tranches with their amounts and triggers, as recorded when the grant opens (R-TH-12, R-ST-04). */
export function paymentPlan(grantCents: Cents, tranches: ReadonlyArray<Tranche>): EventData<"GrantOpened">["tranches"] {
  const amounts = trancheAmounts(grantCents, tranches);
  return tranches.map((t, i) => ({ trancheId: t.id, shareBasisPoints: t.shareBasisPoints, amountCents: amounts[i]!.amountCents, trigger: { ...t.trigger } }));
}

/** ISO 13616 check digits: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
/** IBAN lengths of the countries grantees bank in; others are checked by shape and check digits only. */
const ibanLengths: Readonly<Record<string, number>> = { NL: 18, BE: 16, DE: 22, LU: 20, FR: 27, GB: 22, AT: 20, DK: 18, ES: 24, IT: 27 };

export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expectedLength = ibanLengths[iban.slice(0, 2)];
  if (expectedLength !== undefined && iban.length !== expectedLength) return false;
  // Generated check digits run 02..98.
  const checkDigits = Number(iban.slice(2, 4));
  if (checkDigits < 2 || checkDigits > 98) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** For lists and exports: the country, check digits and the last four characters only. A sealed IBAN (issue 16) is masked when it is revealed. */
export const maskIban = (iban: string) => (isSealedValue(iban) ? maskedSealedValue(iban) : iban.length < 9 ? "*".repeat(iban.length) : `${iban.slice(0, 4)}${"*".repeat(iban.length - 8)}${iban.slice(-4)}`);

export type InvoiceStatus = "registered" | "approved" | "paid";

/** A change request on the grant and where it stands (issue 13). */
export interface ChangeRequestState {
  readonly submitted: EventData<"ChangeRequestSubmitted">;
  readonly status: "submitted" | "granted" | "refused";
}

export interface GrantState {
  /**
   * The grant as opened, with its amount and tranche plan as the last granted change request left
   * them (issue 13): every decider reads the amended grant, the GrantOpened event itself stays as written.
   */
  readonly opened?: EventData<"GrantOpened">;
  readonly invoices: Readonly<Record<string, { readonly trancheId: string; readonly amountCents: Cents; readonly registeredBy: string; readonly iban: string; readonly status: InvoiceStatus; readonly approvedBy?: string }>>;
  readonly paidCents: Cents;
  readonly finalReport?: { readonly status: "submitted" | "approved" | "returned"; readonly approvedEligibleCostsCents?: Cents };
  readonly settlement?: EventData<"GrantSettled">;
  readonly recoveredCents: Cents;
  readonly changeRequests?: Readonly<Record<string, ChangeRequestState>>;
  /** The cost lines as amended by granted shifts; absent while the application's own stand. */
  readonly costLines?: EventData<"ChangeRequestGranted">["costLines"];
  /** The end date as extended by a granted request; absent while the application's own stands. */
  readonly plannedEndDate?: string;
}

export const initialGrantState: GrantState = { invoices: {}, paidCents: 0, recoveredCents: 0 };

export type GrantEventType =
  | "GrantOpened"
  | "InvoiceRegistered"
  | "PaymentApproved"
  | "PaymentMade"
  | "FinalReportSubmitted"
  | "FinalReportApproved"
  | "FinalReportReturned"
  | "GrantSettled"
  | "RecoveryReceived"
  | "ChangeRequestSubmitted"
  | "ChangeRequestGranted"
  | "ChangeRequestRefused";

export const grantEventTypes: ReadonlySet<string> = new Set<GrantEventType>([
  "GrantOpened",
  "InvoiceRegistered",
  "PaymentApproved",
  "PaymentMade",
  "FinalReportSubmitted",
  "FinalReportApproved",
  "FinalReportReturned",
  "GrantSettled",
  "RecoveryReceived",
  "ChangeRequestSubmitted",
  "ChangeRequestGranted",
  "ChangeRequestRefused",
]);

type GrantEvent = DomainEventOf<GrantEventType>;
const isGrantEvent = (event: DomainEvent): event is GrantEvent => grantEventTypes.has(event.type);

export function evolveGrant(state: GrantState, event: DomainEvent): GrantState {
  if (!isGrantEvent(event)) return state;
  switch (event.type) {
    case "GrantOpened":
      return { ...state, opened: event.data };
    case "InvoiceRegistered": {
      const { invoiceId, trancheId, amountCents, registeredBy, iban } = event.data;
      return { ...state, invoices: { ...state.invoices, [invoiceId]: { trancheId, amountCents, registeredBy, iban, status: "registered" } } };
    }
    case "PaymentApproved": {
      const invoice = state.invoices[event.data.invoiceId]!;
      return { ...state, invoices: { ...state.invoices, [event.data.invoiceId]: { ...invoice, status: "approved", approvedBy: event.data.approvedBy } } };
    }
    case "PaymentMade": {
      const invoice = state.invoices[event.data.invoiceId]!;
      return { ...state, paidCents: state.paidCents + event.data.amountCents, invoices: { ...state.invoices, [event.data.invoiceId]: { ...invoice, status: "paid" } } };
    }
    case "FinalReportSubmitted":
      return { ...state, finalReport: { status: "submitted" } };
    case "FinalReportApproved":
      return { ...state, finalReport: { status: "approved", approvedEligibleCostsCents: event.data.approvedEligibleCostsCents } };
    case "FinalReportReturned":
      return { ...state, finalReport: { status: "returned" } };
    case "GrantSettled":
      return { ...state, settlement: event.data };
    case "RecoveryReceived":
      return { ...state, recoveredCents: state.recoveredCents + event.data.amountCents };
    case "ChangeRequestSubmitted":
      return { ...state, changeRequests: { ...state.changeRequests, [event.data.requestId]: { submitted: event.data, status: "submitted" } } };
    case "ChangeRequestGranted": {
      const d = event.data;
      const request = state.changeRequests?.[d.requestId];
      return {
        ...state,
        opened: state.opened && { ...state.opened, amountCents: d.amountCents, tranches: d.tranches },
        ...(d.costLines ? { costLines: d.costLines } : {}),
        ...(d.plannedEndDate ? { plannedEndDate: d.plannedEndDate } : {}),
        changeRequests: request ? { ...state.changeRequests, [d.requestId]: { ...request, status: "granted" } } : state.changeRequests,
      };
    }
    case "ChangeRequestRefused": {
      const request = state.changeRequests?.[event.data.requestId];
      return request ? { ...state, changeRequests: { ...state.changeRequests, [event.data.requestId]: { ...request, status: "refused" } } } : state;
    }
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled grant event ${JSON.stringify(unhandled)}`);
    }
  }
}

/** What is still to be recovered from the grantee. */
export const recoveryOutstanding = (grant: GrantState) => (grant.settlement?.recoveryCents ?? 0) - grant.recoveredCents;

export const invoicedOn = (grant: GrantState, trancheId: string) =>
  Object.values(grant.invoices)
    .filter((i) => i.trancheId === trancheId)
    .reduce((s, i) => s + i.amountCents, 0);
const invoicedInAll = (grant: GrantState) => Object.values(grant.invoices).reduce((s, i) => s + i.amountCents, 0);
/** Once settled, the final grant caps every tranche: what it leaves after all invoices so far. */
const settledCeiling = (grant: GrantState) => (grant.settlement ? Math.max(0, grant.settlement.finalGrantCents - invoicedInAll(grant)) : Number.MAX_SAFE_INTEGER);

/**
 * How much a tranche still allows, or why it allows nothing yet. The final tranche (paid after
 * the final report, R-TH-12) allows what the settlement left to pay; a calendar-year tranche opens
 * on 1 January of its year and not a day earlier (R-ST-04).
 */
export function trancheAllowance(grant: GrantState, tranche: PlannedTranche, invoiceDate: string): { allowedCents: Cents } | { notYet: string; ruleIds: string[] } {
  const trancheAmount = tranche.amountCents;
  const id = tranche.trancheId;
  switch (tranche.trigger.kind) {
    case "award-letter":
      // After settlement nothing may be paid beyond what the final grant leaves.
      return { allowedCents: Math.min(trancheAmount - invoicedOn(grant, id), settledCeiling(grant)) };
    case "final-report-approved":
      if (!grant.settlement) return { notYet: `tranche ${id} is paid after the final report is approved and the grant settled`, ruleIds: ["R-TH-12"] };
      return { allowedCents: settledCeiling(grant) };
    case "calendar-year": {
      if (Number(invoiceDate.slice(0, 4)) < tranche.trigger.year) {
        return { notYet: `tranche ${id} is money of ${tranche.trigger.year}; it cannot be paid before ${tranche.trigger.year}-01-01`, ruleIds: ["R-ST-04"] };
      }
      return { allowedCents: Math.min(trancheAmount - invoicedOn(grant, id), settledCeiling(grant)) };
    }
    default: {
      const unhandled: never = tranche.trigger;
      throw new Error(`unknown tranche trigger ${JSON.stringify(unhandled)}`);
    }
  }
}

export interface RegisterInvoice {
  readonly invoiceId: string;
  readonly trancheId: string;
  readonly invoiceNumber: string;
  readonly invoiceDate: string;
  readonly amountCents: Cents;
  readonly iban: string;
  readonly documentRef: string;
  readonly registeredBy: string;
  /** Today in the scheme's time zone: an invoice dated later is refused. */
  readonly today: string;
}

export function decideRegisterInvoice(grant: GrantState, command: RegisterInvoice, scheme: SchemeUnderDecision): Decision<DomainEventOf<"InvoiceRegistered">> {
  const opened = grant.opened;
  if (!opened) return refuse("not-found", "there is no grant: the award letter opens it");
  if (command.invoiceDate > command.today) return refuse("invalid", `invoice date ${command.invoiceDate} lies in the future`);
  if (!isValidIban(command.iban)) return refuse("invalid", `${maskIban(command.iban)} is not a valid IBAN (check digits)`, { ruleIds: ["R-X-03"] });
  if (grant.invoices[command.invoiceId]) return refuse("already-exists", `invoice ${command.invoiceId} is registered already`);
  const tranche = opened.tranches.find((t) => t.trancheId === command.trancheId);
  if (!tranche) return refuse("invalid", `the grant has no tranche ${command.trancheId}`, { details: { tranches: opened.tranches.map((t) => t.trancheId) } });
  const allowance = trancheAllowance(grant, tranche, command.invoiceDate);
  if ("notYet" in allowance) return refuse("invalid", allowance.notYet, { ruleIds: allowance.ruleIds });
  if (command.amountCents > allowance.allowedCents) {
    return refuse("invalid", `tranche ${tranche.trancheId} allows EUR ${formatEuros(allowance.allowedCents)}; the invoice asks EUR ${formatEuros(command.amountCents)}`, {
      ruleIds: [...scheme.definition.paymentSchedule.ruleIds],
      details: { allowedCents: allowance.allowedCents },
    });
  }
  const { today: _, ...invoice } = command;
  return accept({ type: "InvoiceRegistered", data: { grantId: opened.grantId, ...invoice } });
}

/** R-X-03 four-eyes: the approver is a finance user other than the one who registered the invoice. */
export function decideApprovePayment(grant: GrantState, command: { invoiceId: string; approvedBy: string }): Decision<DomainEventOf<"PaymentApproved">> {
  const invoice = grant.invoices[command.invoiceId];
  if (!grant.opened || !invoice) return refuse("not-found", `there is no invoice ${command.invoiceId} on this grant`);
  if (invoice.status !== "registered") return refuse("already-exists", `invoice ${command.invoiceId} is ${invoice.status} already`);
  if (invoice.registeredBy === command.approvedBy) {
    return refuse("forbidden", "four-eyes: the person who registered an invoice cannot approve its payment", { ruleIds: ["R-X-03"] });
  }
  return accept({ type: "PaymentApproved", data: { grantId: grant.opened.grantId, invoiceId: command.invoiceId, approvedBy: command.approvedBy } });
}

/** The bank paid an approved invoice: the grant and the budget line record it in one append. */
export function decideRecordPayment(
  grant: GrantState,
  command: { invoiceId: string; bankReference: string; valueDate: string; today: string },
): Decision<DomainEventOf<"PaymentMade" | "BudgetPaid">> {
  const invoice = grant.invoices[command.invoiceId];
  const opened = grant.opened;
  if (!opened || !invoice) return refuse("not-found", `there is no invoice ${command.invoiceId} on this grant`);
  if (invoice.status === "paid") return refuse("already-exists", `invoice ${command.invoiceId} is paid already`);
  if (invoice.status !== "approved") return refuse("invalid", `invoice ${command.invoiceId} is not approved yet`, { ruleIds: ["R-X-03"] });
  if (command.valueDate > command.today) return refuse("invalid", `value date ${command.valueDate} lies in the future`);
  return accept<DomainEventOf<"PaymentMade" | "BudgetPaid">>(
    {
      type: "PaymentMade",
      data: {
        grantId: opened.grantId,
        invoiceId: command.invoiceId,
        trancheId: invoice.trancheId,
        amountCents: invoice.amountCents,
        iban: invoice.iban,
        bankReference: command.bankReference,
        valueDate: command.valueDate,
        approvedBy: invoice.approvedBy!,
      },
    },
    { type: "BudgetPaid", data: { schemeId: opened.schemeId, budgetLineId: opened.budgetLineId, applicationId: opened.applicationId, amountCents: invoice.amountCents } },
  );
}

export function decideSubmitFinalReport(grant: GrantState, report: Omit<EventData<"FinalReportSubmitted">, "grantId">): Decision<DomainEventOf<"FinalReportSubmitted">> {
  if (!grant.opened) return refuse("not-found", "there is no grant: the award letter opens it");
  if (grant.settlement) return refuse("closed", "the grant is settled");
  if (grant.finalReport?.status === "approved") return refuse("already-exists", "the final report is approved already");
  return accept({ type: "FinalReportSubmitted", data: { grantId: grant.opened.grantId, ...report } });
}

export function decideReviewFinalReport(
  grant: GrantState,
  command: { decision: "approve"; approvedEligibleCostsCents: Cents; on: string; note?: string } | { decision: "return"; reason: string; on: string },
): Decision<DomainEventOf<"FinalReportApproved" | "FinalReportReturned">> {
  if (!grant.opened) return refuse("not-found", "there is no grant");
  if (grant.finalReport?.status !== "submitted") return refuse("invalid", `there is no submitted final report to review (${grant.finalReport?.status ?? "none"})`);
  if (command.decision === "return") return accept({ type: "FinalReportReturned", data: { grantId: grant.opened.grantId, reason: command.reason, returnedOn: command.on } });
  return accept({
    type: "FinalReportApproved",
    data: { grantId: grant.opened.grantId, approvedEligibleCostsCents: command.approvedEligibleCostsCents, approvedOn: command.on, note: command.note ?? "" },
  });
}

/**
 * R-TH-12 settlement: the final grant is the award recomputed on the approved eligible costs with
 * the instrument's caps, never above the award. What the award does not need returns to the
 * budget line now; an overpayment becomes a recovery claim (returned when it is repaid).
 */
export function decideSettle(grant: GrantState, command: { settledOn: string }, scheme: SchemeUnderDecision): Decision<DomainEventOf<"GrantSettled" | "BudgetReleased">> {
  const opened = grant.opened;
  if (!opened) return refuse("not-found", "there is no grant");
  if (grant.settlement) return refuse("already-exists", "the grant is settled already");
  if (grant.finalReport?.status !== "approved") return refuse("invalid", "settlement follows the approval of the final report", { ruleIds: ["R-TH-12"] });
  const unpaid = Object.entries(grant.invoices).filter(([, i]) => i.status !== "paid");
  if (unpaid.length) return refuse("invalid", `invoices not yet paid: ${unpaid.map(([id]) => id).join(", ")}`);
  const instrument = scheme.definition.instruments.find((i) => i.id === opened.instrumentId)!;
  const approved = grant.finalReport.approvedEligibleCostsCents!;
  const recalculated =
    scheme.definition.paymentSchedule.finalSettlement === "as-awarded"
      ? { amountCents: opened.amountCents, derivation: { formula: `as awarded ${formatEuros(opened.amountCents)}`, inputs: {}, ruleIds: [], schemeVersion: scheme.version } }
      : maximumAmount(instrument, approved, true, opened.amountCents, scheme.version, scheme.definition.costRules.externalHourlyRateCapCents !== null);
  const finalGrantCents = Math.min(opened.amountCents, recalculated.amountCents);
  const paid = grant.paidCents;
  const finalPaymentCents = Math.max(0, finalGrantCents - paid);
  const recoveryCents = Math.max(0, paid - finalGrantCents);
  // Released now: what neither the final grant nor money already paid out still holds.
  const releasedCents = opened.amountCents - Math.max(finalGrantCents, paid);
  const formula = `min(award ${formatEuros(opened.amountCents)}, ${recalculated.derivation.formula.split(" = ")[0]}) = ${formatEuros(finalGrantCents)}; paid ${formatEuros(paid)}; ${recoveryCents ? `recovery ${formatEuros(recoveryCents)}` : `final payment ${formatEuros(finalPaymentCents)}`} [R-TH-12]`;
  const events: Array<DomainEventOf<"GrantSettled" | "BudgetReleased">> = [
    {
      type: "GrantSettled",
      data: {
        grantId: opened.grantId,
        awardCents: opened.amountCents,
        finalGrantCents,
        paidCents: paid,
        finalPaymentCents,
        recoveryCents,
        releasedCents,
        derivation: { ...recalculated.derivation, formula, ruleIds: [...new Set([...recalculated.derivation.ruleIds, "R-TH-12"])] },
        settledOn: command.settledOn,
      },
    },
  ];
  if (releasedCents > 0) {
    events.push({ type: "BudgetReleased", data: { schemeId: opened.schemeId, budgetLineId: opened.budgetLineId, applicationId: opened.applicationId, amountCents: releasedCents, from: "committed", reason: "settled-lower" } });
  }
  return accept(...events);
}

/** A repayment of a recovery claim: the commitment shrinks by it and the line has the money again. */
export function decideRecordRecovery(
  grant: GrantState,
  command: { amountCents: Cents; bankReference: string; receivedOn: string },
): Decision<DomainEventOf<"RecoveryReceived" | "BudgetRecovered">> {
  const opened = grant.opened;
  if (!opened || !grant.settlement) return refuse("invalid", "only a settled grant can have a recovery claim");
  const outstanding = recoveryOutstanding(grant);
  if (outstanding <= 0) return refuse("invalid", "nothing is to be recovered from this grant");
  if (command.amountCents > outstanding) return refuse("invalid", `only EUR ${formatEuros(outstanding)} is to be recovered`, { details: { outstandingCents: outstanding } });
  return accept<DomainEventOf<"RecoveryReceived" | "BudgetRecovered">>(
    { type: "RecoveryReceived", data: { grantId: opened.grantId, ...command } },
    { type: "BudgetRecovered", data: { schemeId: opened.schemeId, budgetLineId: opened.budgetLineId, applicationId: opened.applicationId, amountCents: command.amountCents } },
  );
}
