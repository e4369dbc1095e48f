import * as z from "zod";
import { eventVersion, type Upcaster } from "./contract.ts";
import { Cents, Identifier, Instant, SchemeVersion } from "./primitives.ts";

/**
 * v1, written by the first intake prototype: amounts in euros as a decimal number and the hub as
 * a bare name. Kept so old logs still read; never written any more.
 */
export const ApplicationRegisteredV1 = eventVersion(
  "ApplicationRegistered",
  1,
  z
    .object({
      applicationId: Identifier,
      schemeId: Identifier,
      instrument: Identifier,
      // The prototype enforced the same bounds as v2, so every v1 event upcasts.
      technohubName: z.string().trim().min(1).max(200),
      applicantCompany: z.string().trim().min(1).max(200),
      requestedAmountEuros: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER / 100),
      receivedAt: Instant,
    })
    .strict(),
);

export const Technohub = z.object({
  name: z.string().trim().min(1).max(200),
  /** R-TH-08: the region a hub serves; null until the applicant names it. */
  region: z.string().trim().min(1).max(200).nullable(),
});

export const Applicant = z.object({
  companyName: z.string().trim().min(1).max(200),
  /** Dutch Chamber of Commerce number (KvK), 8 digits, when known. */
  chamberOfCommerceNumber: z
    .string()
    .regex(/^\d{8}$/, "8 digits")
    .nullable(),
});

/** An application reached the fund (R-TH-09: `receivedAt` is its arrival, not when staff processed it). */
export const ApplicationRegisteredV2 = eventVersion(
  "ApplicationRegistered",
  2,
  z
    .object({
      applicationId: Identifier,
      schemeId: Identifier,
      /** The scheme definition the registration was decided under; `unrecorded` for v1 events. */
      schemeVersion: SchemeVersion,
      instrumentId: Identifier,
      technohub: Technohub.strict(),
      applicant: Applicant.strict(),
      requestedAmountCents: Cents,
      receivedAt: Instant,
    })
    .strict(),
);

export const applicationRegisteredV1ToV2: Upcaster = {
  type: "ApplicationRegistered",
  fromVersion: 1,
  upcast(payload) {
    const v1 = payload as z.infer<typeof ApplicationRegisteredV1.schema>;
    return {
      applicationId: v1.applicationId,
      schemeId: v1.schemeId,
      schemeVersion: "unrecorded",
      instrumentId: v1.instrument,
      technohub: { name: v1.technohubName, region: null },
      applicant: { companyName: v1.applicantCompany, chamberOfCommerceNumber: null },
      requestedAmountCents: eurosToCentsHalfUp(v1.requestedAmountEuros),
      receivedAt: v1.receivedAt,
    };
  },
};

/**
 * v1 stored binary floating-point euros; reading its shortest decimal form (what JSON held) and
 * rounding half up at the cent is exact where `Math.round(x * 100)` is not (1.005 * 100 = 100.4999…).
 */
export function eurosToCentsHalfUp(euros: number): number {
  if (!Number.isFinite(euros) || euros < 0) throw new RangeError(`euros must be a finite non-negative number, got ${euros}`);
  const shortest = String(euros);
  const decimal = /e/i.test(shortest) ? euros.toFixed(20) : shortest;
  const [whole = "0", fraction = ""] = decimal.split(".");
  const cents = Number(whole) * 100 + Number((fraction + "00").slice(0, 2));
  const rest = fraction.slice(2);
  return rest !== "" && rest[0]! >= "5" ? cents + 1 : cents;
}
