import { type EventData, MAX_AMOUNT_CENTS } from "../events/index.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import { localDate } from "./calendar.ts";
import { type Cents, formatEuros, formatShare, shareOf, sumCents } from "./money.ts";

type CostLine = EventData<"ApplicationDetailsRecorded">["costLines"][number];
type Details = EventData<"ApplicationDetailsRecorded">;
type Registration = EventData<"ApplicationRegistered">;
type Instrument = SchemeDefinition["instruments"][number];
type Check = SchemeDefinition["eligibilityChecks"][number];
export type CheckOutcome = EventData<"ApplicationAssessed">["checks"][number];
export type Derivation = EventData<"ApplicationAssessed">["derivation"];

export interface EligibleCosts {
  readonly eligibleCostsCents: Cents;
  readonly excludedCosts: Array<{ lineId: string; excludedCents: Cents; reason: string; ruleIds: string[] }>;
}

/**
 * Lists of amounts in recorded details whose sum no number holds to the cent (finding 6). The API
 * refuses such amounts up front (AmountCents), but details recorded before that bound, or read
 * from an emailed form, may still hold them: the assessment refuses with this reason instead of
 * throwing, and staff record the details again.
 */
export function amountsBeyondMoney(details: Details | undefined): { field: string; reason: string } | undefined {
  if (!details) return undefined;
  const lists = [
    { field: "costLines", what: "the cost lines", amounts: details.costLines.map((l) => l.amountCents) },
    { field: "coFinancing", what: "the co-financing contributions", amounts: (details.coFinancing ?? []).map((c) => c.amountCents) },
  ];
  const beyond = lists.find((l) => sumCents(l.amounts) === undefined);
  if (!beyond) return undefined;
  return {
    field: beyond.field,
    reason: `${beyond.what} add up to more than EUR ${formatEuros(Number.MAX_SAFE_INTEGER)}, more than can be counted to the cent; record the details again with each amount at most EUR ${formatEuros(MAX_AMOUNT_CENTS)}`,
  };
}

/**
 * R-TH-03 / R-TH-04: excluded categories (hardware, fitting out rooms) are rejected whole, with
 * the scheme's reason; external hours count at most at the hourly cap, the excess is not eligible.
 */
export function eligibleCosts(lines: ReadonlyArray<CostLine>, scheme: SchemeDefinition, instrumentId: string): EligibleCosts {
  const rules = scheme.costRules;
  const eligibleForInstrument = rules.eligibleCategories.filter((c) => c.instrumentIds.includes(instrumentId));
  const excludedCosts: EligibleCosts["excludedCosts"] = [];
  const countedLines: Cents[] = [];
  for (const line of lines) {
    const excludedCategory = rules.excludedCategories.find((c) => c.id === line.categoryId && c.instrumentIds.includes(instrumentId));
    if (excludedCategory) {
      excludedCosts.push({ lineId: line.lineId, excludedCents: line.amountCents, reason: excludedCategory.reason, ruleIds: [...excludedCategory.ruleIds] });
      continue;
    }
    if (eligibleForInstrument.length > 0 && !eligibleForInstrument.some((c) => c.id === line.categoryId)) {
      excludedCosts.push({
        lineId: line.lineId,
        excludedCents: line.amountCents,
        reason: `category ${line.categoryId} is not an eligible cost category for ${instrumentId} (eligible: ${eligibleForInstrument.map((c) => c.id).join(", ")})`,
        ruleIds: ["R-TH-03"],
      });
      continue;
    }
    let counted = line.amountCents;
    if (line.external && rules.externalHourlyRateCapCents !== null) {
      // Hours are in hundredths, so the cap is hours x rate / 100, rounded down: never a cent above the cap.
      const cap = Number((BigInt(line.external.hundredthsOfHour) * BigInt(rules.externalHourlyRateCapCents)) / 100n);
      if (counted > cap) {
        excludedCosts.push({
          lineId: line.lineId,
          excludedCents: counted - cap,
          reason: `external hours count at most EUR ${formatEuros(rules.externalHourlyRateCapCents)} per hour: ${line.external.hundredthsOfHour / 100} h x ${formatEuros(rules.externalHourlyRateCapCents)} = ${formatEuros(cap)}`,
          ruleIds: ["R-TH-04"],
        });
        counted = cap;
      }
    }
    countedLines.push(counted);
  }
  // Exact, never a rounded double: amountsBeyondMoney() keeps lines whose sum no number holds away from here.
  const eligible = sumCents(countedLines, "eligible costs");
  if (eligible === undefined) throw new RangeError("the eligible costs add up to more than Number.MAX_SAFE_INTEGER cents; check amountsBeyondMoney() first");
  return { eligibleCostsCents: eligible, excludedCosts };
}

/**
 * The most the instrument can grant: the instrument's share of the eligible costs (rounded down),
 * its maximum amount, and never more than the eligible costs; with no caps at all, what was asked.
 */
export function maximumAmount(
  instrument: Instrument,
  eligible: Cents,
  costsGiven: boolean,
  requested: Cents,
  schemeVersion: string,
  hourlyCapApplies = false,
): { amountCents: Cents; derivation: Derivation } {
  const terms: Array<{ label: string; cents: Cents; alone: string }> = [];
  // A share of eligible costs needs costs: without any, the share is of zero (R-TH-02), never the bare cap.
  if (instrument.maxShareOfEligibleCostsBasisPoints !== null) {
    const share = shareOf(eligible, instrument.maxShareOfEligibleCostsBasisPoints, "down");
    const label = `${formatShare(instrument.maxShareOfEligibleCostsBasisPoints)} x ${formatEuros(eligible)}`;
    terms.push({ label, cents: share, alone: label });
  } else if (costsGiven) {
    terms.push({ label: formatEuros(eligible), cents: eligible, alone: `eligible costs ${formatEuros(eligible)}` });
  }
  if (instrument.maxAmountCents !== null) terms.push({ label: formatEuros(instrument.maxAmountCents), cents: instrument.maxAmountCents, alone: `cap ${formatEuros(instrument.maxAmountCents)}` });
  if (terms.length === 0) terms.push({ label: `requested ${formatEuros(requested)}`, cents: requested, alone: `requested ${formatEuros(requested)}` });
  const amountCents = Math.min(...terms.map((t) => t.cents));
  const ruleIds = [...new Set([...instrument.ruleIds, ...(costsGiven && hourlyCapApplies ? ["R-TH-04"] : [])])];
  // One term needs no min(), but says what it is: "cap 80,000.00 = 80,000.00".
  const expression = terms.length > 1 ? `min(${terms.map((t) => t.label).join(", ")})` : terms[0]!.alone;
  const formula = `${expression} = ${formatEuros(amountCents)} [${ruleIds.join(", ")}]`;
  return {
    amountCents,
    derivation: {
      formula,
      inputs: {
        eligibleCostsCents: costsGiven ? eligible : null,
        maxShareOfEligibleCostsBasisPoints: instrument.maxShareOfEligibleCostsBasisPoints,
        maxAmountCents: instrument.maxAmountCents,
        requestedAmountCents: requested,
      },
      ruleIds,
      schemeVersion,
    },
  };
}

/** Another application of the same scheme, as the read model shows it to the assessor. */
export interface OtherApplication {
  readonly applicationId: string;
  readonly technohub: string;
  readonly region: string | null;
  readonly instrumentId: string;
  readonly receivedAt: string;
  readonly status: string;
}

/** "TechnoHUB Woerden" and "Technohub  woerden" are one hub. */
export const hubKey = (name: string) => name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]/g, "");

export interface AssessmentInput {
  readonly scheme: SchemeDefinition;
  readonly registration: Registration;
  readonly details: Details | undefined;
  readonly others: ReadonlyArray<OtherApplication>;
  /** The assessor's answers to the yes/no checks (R-VD-05 A-D) and the project-plan check (E). */
  readonly answers: Readonly<Record<string, { readonly answer: boolean; readonly note?: string | undefined }>>;
}

/** Did the other application come first? Earlier arrival wins; ties by id, so the order is total. */
const cameFirst = (other: OtherApplication, registration: Registration) =>
  other.receivedAt < registration.receivedAt || (other.receivedAt === registration.receivedAt && other.applicationId < registration.applicationId);

const competing = (others: ReadonlyArray<OtherApplication>, registration: Registration, same: (o: OtherApplication) => boolean) =>
  others.filter((o) => o.applicationId !== registration.applicationId && o.status !== "withdrawn" && same(o) && cameFirst(o, registration));

const met = (check: Check, reason: string): CheckOutcome => ({ checkId: check.id, kind: check.kind, outcome: "met", reason, ruleIds: [...check.ruleIds] });
const notMet = (check: Check, reason: string): CheckOutcome => ({ checkId: check.id, kind: check.kind, outcome: "not-met", reason, ruleIds: [...check.ruleIds] });
const unknown = (check: Check, reason: string): CheckOutcome => ({ checkId: check.id, kind: check.kind, outcome: "unknown", reason, ruleIds: [...check.ruleIds] });

/** Every eligibility check of the scheme for the instrument, each with its outcome and reason. */
export function runChecks(input: AssessmentInput): CheckOutcome[] {
  const { scheme, registration, details, others, answers } = input;
  const arrival = localDate(registration.receivedAt, scheme.timeZone);
  const hub = hubKey(registration.technohub.name);
  return scheme.eligibilityChecks
    .filter((check) => check.instrumentIds.includes(registration.instrumentId))
    .map((check): CheckOutcome => {
      switch (check.kind) {
        case "affiliated-applicant":
          if (details?.applicantAffiliated == null) return unknown(check, "whether the applicant is affiliated with A+O Metalektro is not recorded");
          return details.applicantAffiliated ? met(check, `${registration.applicant.companyName} is affiliated with A+O Metalektro`) : notMet(check, `${registration.applicant.companyName} is not affiliated with A+O Metalektro`);
        case "lead-applicant-metalektro":
          if (!details?.leadApplicant) return notMet(check, "no lead applicant (penvoerder) is named; without one the application cannot proceed");
          return details.leadApplicant.metalektroCompany
            ? met(check, `lead applicant ${details.leadApplicant.companyName} is a Metalektro company`)
            : notMet(check, `lead applicant ${details.leadApplicant.companyName} is not a Metalektro company`);
        case "one-per-hub-per-instrument":
        case "one-per-hub": {
          const perInstrument = check.kind === "one-per-hub-per-instrument";
          const earlier = competing(others, registration, (o) => hubKey(o.technohub) === hub && (!perInstrument || o.instrumentId === registration.instrumentId));
          return earlier.length
            ? notMet(check, `${registration.technohub.name} already applied${perInstrument ? ` for ${registration.instrumentId}` : ""} (application ${earlier[0]!.applicationId})`)
            : met(check, `first application of ${registration.technohub.name}${perInstrument ? ` for ${registration.instrumentId}` : ""}`);
        }
        case "one-per-region": {
          const region = registration.technohub.region;
          if (!region) return unknown(check, "the region is not named");
          const earlier = competing(others, registration, (o) => o.region !== null && o.region.toLowerCase() === region.toLowerCase());
          return earlier.length ? notMet(check, `region ${region} already applied (application ${earlier[0]!.applicationId})`) : met(check, `first plan for region ${region}`);
        }
        case "start-after-arrival": {
          if (!details?.plannedStartDate) return unknown(check, "the planned start date is not recorded");
          const ok = check.sameDayAllowed ? details.plannedStartDate >= arrival : details.plannedStartDate > arrival;
          return ok
            ? met(check, `planned start ${details.plannedStartDate} is not before the application arrived (${arrival})`)
            : notMet(check, `planned start ${details.plannedStartDate} is before the application arrived (${arrival})`);
        }
        case "latest-start-date":
          if (!details?.plannedStartDate) return unknown(check, "the planned start date is not recorded");
          return details.plannedStartDate <= check.latestDate
            ? met(check, `planned start ${details.plannedStartDate} is on or before ${check.latestDate}`)
            : notMet(check, `planned start ${details.plannedStartDate} is after the latest start date ${check.latestDate}`);
        case "latest-end-date":
          if (!details?.plannedEndDate) return unknown(check, "the planned end date is not recorded");
          return details.plannedEndDate <= check.latestDate
            ? met(check, `planned end ${details.plannedEndDate} is on or before ${check.latestDate}`)
            : notMet(check, `planned end ${details.plannedEndDate} is after ${check.latestDate}`);
        case "region-named":
          return registration.technohub.region ? met(check, `region: ${registration.technohub.region}`) : notMet(check, "the technohub does not name its region");
        case "yes-no":
        case "project-plan": {
          const given = answers[check.id];
          if (!given) return unknown(check, `the assessor has not answered ${check.code}: ${check.kind === "yes-no" ? check.question : check.requiredParts.join("; ")}`);
          const note = given.note ? ` (${given.note})` : "";
          return given.answer ? met(check, `${check.code}: yes${note}`) : notMet(check, `${check.code}: no${note}`);
        }
        case "consortium-composition": {
          const kinds = new Set((details?.partners ?? []).map((p) => p.kindId));
          const missing = check.requiredPartnerKinds.filter((k) => !kinds.has(k));
          return missing.length ? notMet(check, `the consortium lacks: ${missing.join(", ")}`) : met(check, `the consortium has ${check.requiredPartnerKinds.join(", ")}`);
        }
        case "co-financing-min-share": {
          if (!details?.totalPlanCostsCents) return unknown(check, "the total plan costs are not recorded");
          const known = new Set(check.contributionKinds.map((k) => k.id));
          const counted = sumCents((details.coFinancing ?? []).filter((c) => known.has(c.kindId)).map((c) => c.amountCents));
          if (counted === undefined) return unknown(check, "the co-financing contributions add up to more than can be counted to the cent; record them again");
          // Exact comparison in integers: contributions / total >= share / 10000.
          const ok = BigInt(counted) * 10_000n >= BigInt(details.totalPlanCostsCents) * BigInt(check.minShareBasisPoints);
          const text = `co-financing ${formatEuros(counted)} of plan costs ${formatEuros(details.totalPlanCostsCents)}, at least ${formatShare(check.minShareBasisPoints)} required`;
          return ok ? met(check, text) : notMet(check, text);
        }
        default: {
          const unhandled: never = check;
          throw new Error(`unknown check kind ${JSON.stringify(unhandled)}`);
        }
      }
    });
}
