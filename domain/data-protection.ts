import type { RecordedEvent } from "../events/index.ts";

/**
 * Issue 16: when personal data may be erased. Pure: the caller gathers the files a data subject's
 * data is in (from the key table's stream references and the log) and passes today's date.
 */

/** Dutch fiscal retention (art. 52 AWR): the financial records, payments and the accounts paid to, are kept seven years. */
export const FISCAL_RETENTION_YEARS = 7;

/**
 * Per scheme: how long after a closed file its personal data is kept before the retention command
 * erases it. With payments: years after the last money movement (never under the fiscal seven);
 * without: years after the file closed (refused, rejected, withdrawn, lapsed, or a message never filed).
 */
export interface RetentionPolicy {
  readonly yearsAfterLastPayment: number;
  readonly yearsAfterClosing: number;
}

export const defaultRetention: RetentionPolicy = { yearsAfterLastPayment: FISCAL_RETENTION_YEARS, yearsAfterClosing: 2 };

/** The schemes' own periods; a scheme not named keeps the default. Sterk Techniekonderwijs is a government scheme: its accountability (R-ST-06) is kept ten years. */
export const retentionPolicies: Readonly<Record<string, RetentionPolicy>> = {
  "technohubs-2020": defaultRetention,
  "verduurzamen-2025": defaultRetention,
  "sterk-techniekonderwijs-2020": { yearsAfterLastPayment: 10, yearsAfterClosing: 2 },
};

export const retentionOf = (schemeId: string): RetentionPolicy => retentionPolicies[schemeId] ?? defaultRetention;

/** One file a subject's data is in: an application (with its grant), or a message that never became one. */
export interface FileFacts {
  readonly applicationId: string | null;
  readonly schemeId: string;
  /** null while the file runs (being handled, awarded, grant not settled). */
  readonly closedOn: string | null;
  /** The last money movement (payment value date, recovery received), null when money never moved. */
  readonly lastPaymentOn: string | null;
}

const day = (instant: string) => instant.slice(0, 10);
const later = (a: string | null, b: string) => (a === null || b > a ? b : a);

/** The facts of one application's file from its own stream and its grant's (sealed or revealed: no personal field is read). */
export function applicationFileOf(applicationId: string, schemeId: string, events: ReadonlyArray<RecordedEvent>): FileFacts {
  let closedOn: string | null = null;
  let lastPaymentOn: string | null = null;
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case "ApplicationRejected":
        closedOn = String(data.decidedOn);
        break;
      case "ApplicationRefused":
      case "ApplicationWithdrawn":
        closedOn = day(event.recordedAt);
        break;
      case "AwardLapsed":
        closedOn = String(data.lapsedOn);
        break;
      case "GrantSettled":
        closedOn = String(data.settledOn);
        break;
      case "AwardGranted":
      case "GrantOpened":
        // An award reopens what a refusal closed only in a catch-up; a grant runs until it is settled.
        closedOn = null;
        break;
      case "PaymentMade":
        lastPaymentOn = later(lastPaymentOn, String(data.valueDate));
        break;
      case "RecoveryReceived":
        lastPaymentOn = later(lastPaymentOn, String(data.receivedOn));
        break;
    }
  }
  return { applicationId, schemeId, closedOn, lastPaymentOn };
}

/** A message (or other stream) that belongs to no application: closed when it was last written to. */
export function looseFileOf(schemeId: string, events: ReadonlyArray<RecordedEvent>): FileFacts {
  const last = events.at(-1);
  return { applicationId: null, schemeId, closedOn: last ? day(last.recordedAt) : null, lastPaymentOn: null };
}

export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  // 29 February plus a year that has none is 1 March: never earlier than the full period.
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

/** Subject kinds whose data is part of the fund's financial records, kept for the fiscal retention period. */
export const kindsInFinancialRecords: ReadonlySet<string> = new Set(["bank-account", "committee-member"]);

export type ErasureDecision =
  | { readonly outcome: "erase" }
  | { readonly outcome: "refuse"; readonly code: "running-file" | "fiscal-retention"; readonly reason: string; readonly erasableFrom: string | null };

const named = (files: ReadonlyArray<FileFacts>) => files.map((f) => f.applicationId ?? "a message").join(", ");

/**
 * An erasure request (GDPR art. 17) is refused while the data is needed for a running file
 * (art. 17(3)(b): the grant agreement is a legal obligation of the fund) or, for data in the financial
 * records (bank accounts, the committee's decisions), within the fiscal retention period after the last
 * payment (art. 17(3)(b), art. 52 AWR); otherwise the key is destroyed.
 */
export function decideErasureRequest(files: ReadonlyArray<FileFacts>, today: string, kind: string): ErasureDecision {
  const running = files.filter((f) => f.closedOn === null);
  if (running.length > 0) {
    return {
      outcome: "refuse",
      code: "running-file",
      reason: `the data is still needed for a running file (${named(running)}): erasure is possible once it is closed and, if money was paid, ${FISCAL_RETENTION_YEARS} years after the last payment (fiscal retention)`,
      erasableFrom: null,
    };
  }
  // The financial records: the accounts paid to, and the decisions the payments rest on. A contact's address is not one of them.
  if (!kindsInFinancialRecords.has(kind)) return { outcome: "erase" };
  const paid = files.filter((f) => f.lastPaymentOn !== null);
  const until = paid.reduce<string | null>((max, f) => later(max, addYears(f.lastPaymentOn!, FISCAL_RETENTION_YEARS)), null);
  if (until !== null && until > today) {
    const last = paid.reduce<string | null>((max, f) => later(max, f.lastPaymentOn!), null);
    return {
      outcome: "refuse",
      code: "fiscal-retention",
      reason: `the financial records of ${named(paid)} must be kept ${FISCAL_RETENTION_YEARS} years after the last payment (${last}, Dutch fiscal retention)`,
      erasableFrom: until,
    };
  }
  return { outcome: "erase" };
}

/** When the scheme's retention period of every file ends (null while one still runs); the retention command erases from that day. */
export function retentionEndsOn(files: ReadonlyArray<FileFacts>, policyOf: (schemeId: string) => RetentionPolicy = retentionOf): string | null {
  let end: string | null = null;
  for (const file of files) {
    if (file.closedOn === null) return null;
    const policy = policyOf(file.schemeId);
    const fileEnd = file.lastPaymentOn !== null ? addYears(file.lastPaymentOn, Math.max(policy.yearsAfterLastPayment, FISCAL_RETENTION_YEARS)) : addYears(file.closedOn, policy.yearsAfterClosing);
    end = later(end, fileEnd);
  }
  return end;
}
