import type { DomainEventOf, EventData } from "../events/index.ts";
import type { ApplicationState } from "./application.ts";
import { type BudgetLineState, availableCents } from "./budget.ts";
import { type Decision, type RefusalCode, accept, refuse, refuseAndRecord } from "./decision.ts";
import { type Cents, formatEuros } from "./money.ts";
import { type GrantState, invoicedOn } from "./payments.ts";
import type { SchemeUnderDecision } from "./scheme.ts";

/**
 * Change requests ("wijzigingsverzoek") on an awarded grant (issue 13; R-ST-03 for the VSO
 * increase). The grantee asks (staff record it on their behalf); staff grant or refuse; a granted
 * request amends the grant's amount, tranche plan, cost lines, end date or commitments, and moves
 * the difference on the budget line in the same append (R-X-02). Refusals keep their reasons (R-X-05).
 */

type PlannedTranche = EventData<"GrantOpened">["tranches"][number];
type RequestedChange = EventData<"ChangeRequestSubmitted">["change"];
type CostLine = NonNullable<EventData<"ChangeRequestGranted">["costLines"]>[number];

/** A grant holds a handful of change requests; bounded so its stream and read model stay small. */
export const MAX_CHANGE_REQUESTS_PER_GRANT = 50;

// ---------------------------------------------------------------------------------------------
// The amended tranche plan

/**
 * The tranche plan for a new grant amount. A tranche something was invoiced on keeps its amount;
 * the tranches nothing was invoiced on share the rest by their shares (rounded down, the last of
 * them takes what is left), so the plan sums exactly to the new amount. Only when those cannot
 * absorb a decrease are invoiced tranches lowered, from the last one back, and never below what
 * was invoiced on them: a fully invoiced (paid) tranche never changes. Refused when the new amount
 * is below what was invoiced in all, or when an increase has no tranche left to go into.
 */
export function amendedPaymentPlan(
  plan: ReadonlyArray<PlannedTranche>,
  newAmountCents: Cents,
  invoiced: (trancheId: string) => Cents,
): { tranches: PlannedTranche[] } | { refusal: string } {
  const taken = plan.map((t) => invoiced(t.trancheId));
  const totalTaken = taken.reduce((s, c) => s + c, 0);
  if (newAmountCents < totalTaken) return { refusal: `EUR ${formatEuros(totalTaken)} of this grant is paid or invoiced already; it cannot go below that to EUR ${formatEuros(newAmountCents)}` };
  const open = plan.map((_, i) => i).filter((i) => taken[i] === 0);
  const kept = plan.map((_, i) => i).filter((i) => taken[i]! > 0);
  const amounts = plan.map((t) => t.amountCents);
  const keptSum = kept.reduce((s, i) => s + amounts[i]!, 0);
  if (open.length > 0 && newAmountCents >= keptSum) {
    const rest = newAmountCents - keptSum;
    const totalShare = open.reduce((s, i) => s + plan[i]!.shareBasisPoints, 0);
    let allotted = 0;
    open.forEach((i, k) => {
      // Explicit rounding: each open tranche is rounded down, the last one takes the remainder.
      const amount = k === open.length - 1 ? rest - allotted : totalShare === 0 ? 0 : Number((BigInt(rest) * BigInt(plan[i]!.shareBasisPoints)) / BigInt(totalShare));
      amounts[i] = amount;
      allotted += amount;
    });
  } else {
    if (newAmountCents > keptSum) return { refusal: "every tranche of this grant has been invoiced already; an increase has no tranche left to go into" };
    for (const i of open) amounts[i] = 0;
    let deficit = keptSum - newAmountCents;
    for (const i of [...kept].reverse()) {
      const cut = Math.min(deficit, amounts[i]! - taken[i]!);
      amounts[i] = amounts[i]! - cut;
      deficit -= cut;
    }
  }
  return { tranches: plan.map((t, i) => ({ ...t, amountCents: amounts[i]! })) };
}

const invoicedOnGrant = (grant: GrantState) => (trancheId: string) => invoicedOn(grant, trancheId);

// ---------------------------------------------------------------------------------------------
// What a change would do, checked against the grant as it stands

interface Amendment {
  readonly amountCents: Cents;
  readonly tranches: PlannedTranche[];
  readonly costLines: CostLine[] | null;
  readonly plannedEndDate: string | null;
  readonly commitmentsAdded: EventData<"ChangeRequestGranted">["commitmentsAdded"];
  readonly formula: string;
  readonly inputs: Record<string, number | string | null>;
  readonly ruleIds: string[];
}

interface Problem {
  readonly code: RefusalCode;
  readonly reason: string;
  readonly ruleIds: string[];
}

const problem = (code: RefusalCode, reason: string, ruleIds: string[] = []): Problem => ({ code, reason, ruleIds });

function costLinesOf(grant: GrantState, application: ApplicationState): CostLine[] {
  return grant.costLines ? [...grant.costLines] : (application.details?.costLines ?? []).map((l) => ({ lineId: l.lineId, categoryId: l.categoryId, amountCents: l.amountCents }));
}

/** The latest end date the scheme allows this grant's instrument: its latest-end-date check, else the project period's end. */
function latestEndDate(scheme: SchemeUnderDecision, instrumentId: string): { date: string; ruleIds: string[] } | undefined {
  const check = scheme.definition.eligibilityChecks.find((c) => c.kind === "latest-end-date" && c.instrumentIds.includes(instrumentId));
  if (check && check.kind === "latest-end-date") return { date: check.latestDate, ruleIds: [...check.ruleIds] };
  const until = scheme.definition.term.projectPeriod.until;
  return until ? { date: until, ruleIds: [...scheme.definition.term.ruleIds] } : undefined;
}

/**
 * The amendment the change makes to the grant as it stands now, or why it cannot be made. Checked
 * when the request arrives and again when it is granted (payments may have come in between).
 */
export function amendmentOf(
  grant: GrantState,
  application: ApplicationState,
  requestId: string,
  change: RequestedChange,
  scheme: SchemeUnderDecision,
): Amendment | Problem {
  const opened = grant.opened!;
  const current = opened.amountCents;
  const unchanged = { amountCents: current, tranches: [...opened.tranches], costLines: null, plannedEndDate: null, commitmentsAdded: [] };
  switch (change.kind) {
    case "increase": {
      const supplement = scheme.definition.vsoSupplement;
      if (!supplement || supplement.instrumentId !== opened.instrumentId) return problem("invalid", `scheme ${scheme.definition.id} has no VSO supplement for ${opened.instrumentId}`, ["R-ST-03"]);
      const { partnerSchool, pupilCount, addendumRef } = change.basis;
      const sameSchool = Object.values(grant.changeRequests ?? {}).some(
        (r) => r.submitted.requestId !== requestId && r.status !== "refused" && r.submitted.change.kind === "increase" && r.submitted.change.basis.partnerSchool.toLowerCase() === partnerSchool.toLowerCase(),
      );
      // Interpretation (scheme file): pupils are counted once, on the count date, per partner school.
      if (sameSchool) return problem("invalid", `a VSO supplement for ${partnerSchool} was asked for already on this grant; its pupils are counted once, on ${supplement.countDate}`, ["R-ST-03"]);
      const supplementCents = supplement.perPupilCents * pupilCount;
      const amountCents = current + supplementCents;
      const plan = amendedPaymentPlan(opened.tranches, amountCents, invoicedOnGrant(grant));
      if ("refusal" in plan) return problem("invalid", plan.refusal, ["R-ST-03"]);
      return {
        ...unchanged,
        amountCents,
        tranches: plan.tranches,
        commitmentsAdded: [
          {
            commitmentId: `vso-supplement-${requestId}`.slice(0, 128),
            description: `Carry out the plan as amended by ${addendumRef} for ${pupilCount} VSO pupil(s) of ${partnerSchool}, and account for them with the region's accountability`,
            ruleIds: ["R-ST-03", "R-ST-06"],
          },
        ],
        formula: `${formatEuros(current)} + ${pupilCount} x ${formatEuros(supplement.perPupilCents)} = ${formatEuros(amountCents)} [R-ST-03]`,
        inputs: { previousAmountCents: current, pupilCount, perPupilCents: supplement.perPupilCents, countDate: supplement.countDate },
        ruleIds: [...supplement.ruleIds],
      };
    }
    case "decrease": {
      if (change.decreaseCents >= current) {
        return problem("invalid", `a decrease of EUR ${formatEuros(change.decreaseCents)} leaves nothing of the EUR ${formatEuros(current)} grant; a full withdrawal is a withdrawal of the application`);
      }
      const amountCents = current - change.decreaseCents;
      const plan = amendedPaymentPlan(opened.tranches, amountCents, invoicedOnGrant(grant));
      if ("refusal" in plan) return problem("invalid", plan.refusal, ["R-X-02"]);
      return {
        ...unchanged,
        amountCents,
        tranches: plan.tranches,
        formula: `${formatEuros(current)} - ${formatEuros(change.decreaseCents)} = ${formatEuros(amountCents)}`,
        inputs: { previousAmountCents: current, decreaseCents: change.decreaseCents },
        ruleIds: ["R-X-02"],
      };
    }
    case "cost-line-shift": {
      const lines = costLinesOf(grant, application);
      const excluded = new Set(scheme.definition.costRules.excludedCategories.map((c) => c.id));
      for (const shift of change.shifts) {
        const from = lines.find((l) => l.lineId === shift.fromLineId);
        const to = lines.find((l) => l.lineId === shift.toLineId);
        if (!from || !to) return problem("invalid", `the grant has no cost line ${from ? shift.toLineId : shift.fromLineId}`);
        if (from === to) return problem("invalid", `a shift moves money between two cost lines, not within ${from.lineId}`);
        if (excluded.has(to.categoryId)) return problem("ineligible", `cost line ${to.lineId} is in the excluded category ${to.categoryId}; no money can move to it`, [...scheme.definition.costRules.ruleIds]);
        if (shift.amountCents > from.amountCents) return problem("invalid", `cost line ${from.lineId} holds EUR ${formatEuros(from.amountCents)}; it cannot give EUR ${formatEuros(shift.amountCents)}`);
        const index = (l: CostLine) => lines.indexOf(l);
        lines[index(from)] = { ...from, amountCents: from.amountCents - shift.amountCents };
        lines[index(to)] = { ...to, amountCents: to.amountCents + shift.amountCents };
      }
      return {
        ...unchanged,
        costLines: lines,
        formula: `${change.shifts.map((s) => `${formatEuros(s.amountCents)} from ${s.fromLineId} to ${s.toLineId}`).join("; ")}; grant stays ${formatEuros(current)}`,
        inputs: { amountCents: current, shifts: change.shifts.length },
        ruleIds: [...scheme.definition.costRules.ruleIds],
      };
    }
    case "end-date-extension": {
      const currentEnd = grant.plannedEndDate ?? application.details?.plannedEndDate ?? null;
      if (currentEnd !== null && change.newEndDate <= currentEnd) return problem("invalid", `the project ends on ${currentEnd} already; an extension asks for a later date than ${change.newEndDate}`);
      const latest = latestEndDate(scheme, opened.instrumentId);
      if (latest && change.newEndDate > latest.date) return problem("closed", `projects of ${opened.instrumentId} end on ${latest.date} at the latest`, latest.ruleIds);
      return {
        ...unchanged,
        plannedEndDate: change.newEndDate,
        formula: `end date ${currentEnd ?? "(none)"} -> ${change.newEndDate}`,
        inputs: { previousEndDate: currentEnd, newEndDate: change.newEndDate },
        ruleIds: latest?.ruleIds ?? [],
      };
    }
    default: {
      const unhandled: never = change;
      throw new Error(`unknown change ${JSON.stringify(unhandled)}`);
    }
  }
}

const isProblem = (x: Amendment | Problem): x is Problem => "code" in x;

// ---------------------------------------------------------------------------------------------
// Submission

export interface SubmitChangeRequest {
  readonly grantId: string;
  readonly requestId: string;
  readonly receivedOn: string;
  readonly change: RequestedChange;
  readonly explanation: string | null;
  readonly documentRef: string | null;
}

/** The rules a request is held to on arrival: the scheme allows the kind, and the deadline (R-ST-03). */
function arrivalProblem(grant: GrantState, command: SubmitChangeRequest, scheme: SchemeUnderDecision): Problem | undefined {
  const rules = scheme.definition.changeRequests;
  if (!rules || !rules.kinds.includes(command.change.kind)) {
    return problem("invalid", `scheme ${scheme.definition.id} takes no change requests of the kind ${command.change.kind}`, rules ? [...rules.ruleIds] : []);
  }
  if (grant.settlement) return problem("closed", "the grant is settled; it can no longer change", ["R-TH-12"]);
  if (command.change.kind === "increase" && scheme.definition.vsoSupplement && command.receivedOn > scheme.definition.vsoSupplement.requestLatestDate) {
    return problem("closed", `change requests for the VSO supplement closed on ${scheme.definition.vsoSupplement.requestLatestDate}; this one arrived on ${command.receivedOn}`, ["R-ST-03"]);
  }
  return undefined;
}

/**
 * Records every change request that reaches the fund. One the rules refuse on arrival (late, a kind
 * the scheme does not take, a change the grant cannot take) is recorded all the same, with its
 * refusal and the reason (R-X-05); nothing is decided on the grant yet.
 */
export function decideSubmitChangeRequest(
  grant: GrantState,
  application: ApplicationState,
  command: SubmitChangeRequest,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"ChangeRequestSubmitted" | "ChangeRequestRefused">> {
  if (!grant.opened) return refuse("not-found", `there is no grant ${command.grantId}: the award letter opens it`);
  if (grant.changeRequests?.[command.requestId]) return refuse("already-exists", `change request ${command.requestId} exists already`);
  if (Object.keys(grant.changeRequests ?? {}).length >= MAX_CHANGE_REQUESTS_PER_GRANT) {
    return refuse("closed", `grant ${command.grantId} has ${MAX_CHANGE_REQUESTS_PER_GRANT} change requests, the most one grant takes`);
  }
  const submitted: DomainEventOf<"ChangeRequestSubmitted"> = {
    type: "ChangeRequestSubmitted",
    data: { grantId: command.grantId, requestId: command.requestId, receivedOn: command.receivedOn, change: command.change, explanation: command.explanation, documentRef: command.documentRef },
  };
  const found = arrivalProblem(grant, command, scheme) ?? asProblem(amendmentOf(grant, application, command.requestId, command.change, scheme));
  if (!found) return accept(submitted);
  return refuseAndRecord<DomainEventOf<"ChangeRequestSubmitted" | "ChangeRequestRefused">>(
    found.code,
    found.reason,
    [submitted, { type: "ChangeRequestRefused", data: { grantId: command.grantId, requestId: command.requestId, refusedBy: "rules", code: recordedCode(found.code), decidedOn: command.receivedOn, reasons: [found.reason], ruleIds: found.ruleIds } }],
    { ruleIds: found.ruleIds, details: { requestId: command.requestId } },
  );
}

const asProblem = (x: Amendment | Problem) => (isProblem(x) ? x : undefined);

/** The recorded code of a refusal by the rules: what a retried request is answered with again. */
function recordedCode(code: RefusalCode): EventData<"ChangeRequestRefused">["code"] {
  return code === "closed" || code === "budget-exhausted" || code === "ineligible" ? code : "invalid";
}

// ---------------------------------------------------------------------------------------------
// Decision

export type ChangeRequestDecision =
  | { readonly decision: "grant"; readonly requestId: string; readonly decidedOn: string }
  | { readonly decision: "refuse"; readonly requestId: string; readonly decidedOn: string; readonly reasons: ReadonlyArray<string> };

type DecisionEvents = DomainEventOf<"ChangeRequestGranted" | "ChangeRequestRefused" | "BudgetReserved" | "BudgetCommitted" | "BudgetReleased">;

/**
 * Staff grant or refuse a submitted request. Granting checks the change again on the grant as it
 * stands and amends it; an increase is reserved and committed on the budget line in the same append
 * and is refused when the line cannot cover it (R-X-02); a decrease releases the difference. A
 * refusal by a rule at this point records nothing: the request stays open, to be refused with
 * reasons or granted once it can be.
 */
export function decideChangeRequest(
  grant: GrantState,
  application: ApplicationState,
  line: BudgetLineState,
  command: ChangeRequestDecision,
  scheme: SchemeUnderDecision,
): Decision<DecisionEvents> {
  const opened = grant.opened;
  if (!opened) return refuse("not-found", "there is no grant: the award letter opens it");
  const request = grant.changeRequests?.[command.requestId];
  if (!request) return refuse("not-found", `grant ${opened.grantId} has no change request ${command.requestId}`);
  if (request.status !== "submitted") return refuse("already-exists", `change request ${command.requestId} was ${request.status} already`);
  if (command.decidedOn < request.submitted.receivedOn) return refuse("invalid", `a decision on ${command.decidedOn} cannot come before the request arrived on ${request.submitted.receivedOn}`);
  if (command.decision === "refuse") {
    return accept({
      type: "ChangeRequestRefused",
      data: { grantId: opened.grantId, requestId: command.requestId, refusedBy: "staff", code: "refused", decidedOn: command.decidedOn, reasons: [...command.reasons], ruleIds: [] },
    });
  }
  if (grant.settlement) return refuse("closed", "the grant is settled; it can no longer change", { ruleIds: ["R-TH-12"] });
  const amendment = amendmentOf(grant, application, command.requestId, request.submitted.change, scheme);
  if (isProblem(amendment)) return refuse(amendment.code, amendment.reason, { ruleIds: amendment.ruleIds });
  const delta = amendment.amountCents - opened.amountCents;
  const onLine = { schemeId: opened.schemeId, budgetLineId: opened.budgetLineId, applicationId: opened.applicationId };
  const budget: DecisionEvents[] = [];
  if (delta > 0) {
    const available = availableCents(line);
    if (delta > available) {
      return refuse("budget-exhausted", `budget ${opened.budgetLineId} has EUR ${formatEuros(available)} left, not enough for the increase of EUR ${formatEuros(delta)}`, { ruleIds: ["R-X-02"], details: { availableCents: available } });
    }
    // Reserved and committed at once: the grant's award letter has gone, so the increase is owed as soon as it is granted.
    budget.push({ type: "BudgetReserved", data: { ...onLine, amountCents: delta } }, { type: "BudgetCommitted", data: { ...onLine, amountCents: delta } });
  } else if (delta < 0) {
    budget.push({ type: "BudgetReleased", data: { ...onLine, amountCents: -delta, from: "committed", reason: "change-request" } });
  }
  return accept<DecisionEvents>(
    {
      type: "ChangeRequestGranted",
      data: {
        grantId: opened.grantId,
        requestId: command.requestId,
        kind: request.submitted.change.kind,
        decidedOn: command.decidedOn,
        previousAmountCents: opened.amountCents,
        amountCents: amendment.amountCents,
        tranches: amendment.tranches,
        costLines: amendment.costLines,
        plannedEndDate: amendment.plannedEndDate,
        commitmentsAdded: amendment.commitmentsAdded,
        budgetEffect: { reservedCents: Math.max(delta, 0), committedCents: Math.max(delta, 0), releasedCents: Math.max(-delta, 0) },
        derivation: { formula: amendment.formula, inputs: amendment.inputs, ruleIds: amendment.ruleIds, schemeVersion: scheme.version },
      },
    },
    ...budget,
  );
}
