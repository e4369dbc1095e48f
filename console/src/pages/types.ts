/** The API's read models as the console uses them (see domain/projections/*.ts for the full shapes). */
export interface ApplicationView {
  applicationId: string;
  schemeId: string;
  instrumentId: string;
  technohub: { name: string; region: string | null };
  applicant: { companyName: string; chamberOfCommerceNumber: string | null };
  requestedAmountCents: number;
  receivedAt: string;
  status: string;
  sectionsReceived: string[];
  documents: Array<{ sha256: string; name: string; contentType: string; bytes: number }>;
  missingSectionIds: string[];
  details: Record<string, unknown> | null;
  queue: { roundId: string; completedAt: string; queueKey: string } | null;
  assessment: {
    checks: Array<{ checkId: string; kind: string; outcome: string; reason: string; ruleIds: string[] }>;
    eligible: boolean;
    eligibleCostsCents: number;
    maximumAmountCents: number;
    derivation: { formula: string; inputs: Record<string, unknown>; ruleIds: string[] };
    regionOverlap: unknown[];
  } | null;
  award: { amountCents: number; roundId: string; decidedOn: string; membersPresent: string[]; formula: string } | null;
  rejection: { reasons: string[]; decidedOn: string } | null;
  refusal: { code: string; reason: string; ruleIds: string[] } | null;
  withdrawal: { reason: string; releasedCents: number } | null;
  projectStartedOn?: string | null;
  awardLetter: { grantId: string; issuedOn: string; commitments: Array<{ commitmentId: string; description: string }> } | null;
  version: number;
  registeredVia: string;
}

export interface BudgetLineView {
  schemeId: string;
  budgetLineId: string;
  name: string;
  amountCents: number;
  releasedCents: number;
  reservedCents: number;
  committedCents: number;
  paidCents: number;
  recoveredCents: number;
  availableCents: number;
  intakeClosed: boolean;
  version: number;
}

export interface ExplainedEvent {
  streamId: string;
  version: number;
  type: string;
  recordedAt: string;
  /** Issue 13: the business date the event takes effect on (its decision's date), or its recording where it carries none. */
  effectiveAt?: string;
  actor: string;
  role: string;
  channel: string;
  eventId: string;
}

export interface GrantView {
  grantId: string;
  applicationId: string;
  schemeId: string;
  technohub: string;
  awardCents: number;
  tranches: Array<{ trancheId: string; amountCents: number; [k: string]: unknown }>;
  invoices: Array<{ invoiceId: string; trancheId: string; invoiceNumber: string; invoiceDate: string; amountCents: number; ibanMasked: string; status: "registered" | "approved" | "paid"; registeredBy: string; approvedBy: string | null }>;
  paidCents: number;
  finalReport: { status: string; approvedEligibleCostsCents: number | null; returnReason: string | null } | null;
  settlement: { finalGrantCents: number; recoveryCents: number; settledOn?: string } | null;
  recoveredCents: number;
  status: string;
  version: number;
  /** Issue 13: the grantee's change requests, and what each granted one changed. */
  changeRequests?: ChangeRequest[];
  amendments?: Array<{ requestId: string; kind: string; decidedOn: string; previousAmountCents: number; amountCents: number; formula: string; ruleIds: string[] }>;
  plannedEndDate?: string | null;
}

export type RequestedChange =
  | { kind: "increase"; basis: { kind: "vso-pupils"; partnerSchool: string; pupilCount: number; addendumRef: string } }
  | { kind: "cost-line-shift"; shifts: Array<{ fromLineId: string; toLineId: string; amountCents: number }> }
  | { kind: "end-date-extension"; newEndDate: string }
  | { kind: "decrease"; decreaseCents: number };

export interface ChangeRequest {
  requestId: string;
  kind: RequestedChange["kind"];
  receivedOn: string;
  change: RequestedChange;
  explanation: string | null;
  status: "submitted" | "granted" | "refused";
  decidedOn: string | null;
  refusal: { refusedBy: "rules" | "staff"; reasons: string[]; ruleIds: string[] } | null;
}

export interface Payout {
  kind: "payment" | "recovery";
  grantId: string;
  technohub: string;
  trancheId: string | null;
  amountCents: number;
  ibanMasked: string | null;
  invoiceNumber: string | null;
  registeredBy: string | null;
  approvedBy: string | null;
  bankReference: string;
  valueDate: string;
}
