import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { CalendarDate, Cents, Identifier } from "./primitives.ts";
import { Derivation } from "./lifecycle-events.ts";

/** IBANs are stored in full on the grant's stream (finance needs them) and masked in every list. */
const Iban = z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, "an IBAN without spaces, capitals");

/** The grantee's invoice against a tranche (R-TH-12); the registering user is the event's actor (R-X-03). */
export const InvoiceRegisteredV1 = eventVersion(
  "InvoiceRegistered",
  1,
  z
    .object({
      grantId: Identifier,
      invoiceId: Identifier,
      trancheId: Identifier,
      invoiceNumber: z.string().trim().min(1).max(100),
      invoiceDate: CalendarDate,
      amountCents: Cents.positive(),
      iban: Iban,
      documentRef: z.string().trim().min(1).max(300),
      registeredBy: z.string().min(1).max(200),
    })
    .strict(),
);

/** R-X-03: approved by a finance user who did not register the invoice. */
export const PaymentApprovedV1 = eventVersion(
  "PaymentApproved",
  1,
  z.object({ grantId: Identifier, invoiceId: Identifier, approvedBy: z.string().min(1).max(200) }).strict(),
);

export const PaymentMadeV1 = eventVersion(
  "PaymentMade",
  1,
  z
    .object({
      grantId: Identifier,
      invoiceId: Identifier,
      trancheId: Identifier,
      amountCents: Cents.positive(),
      iban: Iban,
      bankReference: z.string().trim().min(1).max(100),
      valueDate: CalendarDate,
      approvedBy: z.string().min(1).max(200),
    })
    .strict(),
);

export const FinalReportSubmittedV1 = eventVersion(
  "FinalReportSubmitted",
  1,
  z
    .object({
      grantId: Identifier,
      /** Results against the objectives or the three success elements (R-VD-03 D). */
      results: z.array(z.object({ objective: z.string().trim().min(1).max(500), achieved: z.boolean(), note: z.string().max(2000).default("") }).strict()).min(1).max(50),
      actualCosts: z.array(z.object({ categoryId: Identifier, amountCents: Cents }).strict()).min(1).max(100),
      submittedOn: CalendarDate,
    })
    .strict(),
);

export const FinalReportApprovedV1 = eventVersion(
  "FinalReportApproved",
  1,
  z.object({ grantId: Identifier, approvedEligibleCostsCents: Cents, approvedOn: CalendarDate, note: z.string().max(2000).default("") }).strict(),
);

export const FinalReportReturnedV1 = eventVersion(
  "FinalReportReturned",
  1,
  z.object({ grantId: Identifier, reason: z.string().trim().min(1).max(2000), returnedOn: CalendarDate }).strict(),
);

/**
 * R-TH-12: the final grant recomputed from approved eligible costs with the same caps, never above
 * the award; the final payment is what is left to pay, a negative remainder a recovery claim.
 */
export const GrantSettledV1 = eventVersion(
  "GrantSettled",
  1,
  z
    .object({
      grantId: Identifier,
      awardCents: Cents,
      finalGrantCents: Cents,
      paidCents: Cents,
      finalPaymentCents: Cents,
      recoveryCents: Cents,
      releasedCents: Cents,
      derivation: Derivation,
      settledOn: CalendarDate,
    })
    .strict(),
);

export const RecoveryReceivedV1 = eventVersion(
  "RecoveryReceived",
  1,
  z.object({ grantId: Identifier, amountCents: Cents.positive(), bankReference: z.string().trim().min(1).max(100), receivedOn: CalendarDate }).strict(),
);

/** Money left the fund for a grant on this line. */
export const BudgetPaidV1 = eventVersion(
  "BudgetPaid",
  1,
  z.object({ schemeId: Identifier, budgetLineId: Identifier, applicationId: Identifier, amountCents: Cents.positive() }).strict(),
);

/** An overpayment came back; the commitment shrinks by it and the line has it again. */
export const BudgetRecoveredV1 = eventVersion(
  "BudgetRecovered",
  1,
  z.object({ schemeId: Identifier, budgetLineId: Identifier, applicationId: Identifier, amountCents: Cents.positive() }).strict(),
);
