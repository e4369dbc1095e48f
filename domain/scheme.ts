import type { DomainEvent, DomainEventOf } from "../events/index.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import { type BudgetLineState, availableCents } from "./budget.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import type { Cents } from "./money.ts";

/** A scheme definition as a decision sees it: the data and the version it is decided under. */
export interface SchemeUnderDecision {
  readonly definition: SchemeDefinition;
  readonly version: string;
}

export type SchemeState = { readonly status: "not-opened" } | { readonly status: "open"; readonly schemeVersion: string };

export const initialSchemeState: SchemeState = { status: "not-opened" };

export function evolveScheme(state: SchemeState, event: DomainEvent): SchemeState {
  return event.type === "SchemeOpened" ? { status: "open", schemeVersion: event.data.schemeVersion } : state;
}

/** Opens a scheme and each of its budget lines (every line its own stream and budget, R-VD-02). */
export function decideOpenScheme(state: SchemeState, scheme: SchemeUnderDecision): Decision<DomainEventOf<"SchemeOpened" | "BudgetLineOpened">> {
  if (state.status === "open") return refuse("already-exists", `scheme ${scheme.definition.id} is already open`);
  const lines = scheme.definition.budgetLines.map((line) => ({
    budgetLineId: line.id,
    name: line.name,
    amountCents: line.amountCents,
    releasedCents: line.initiallyReleasedCents,
  }));
  return accept<DomainEventOf<"SchemeOpened" | "BudgetLineOpened">>(
    { type: "SchemeOpened", data: { schemeId: scheme.definition.id, schemeVersion: scheme.version, title: scheme.definition.title, budgetLines: lines } },
    ...lines.map((line) => ({ type: "BudgetLineOpened" as const, data: { schemeId: scheme.definition.id, schemeVersion: scheme.version, ...line } })),
  );
}

export interface ReleaseBudgetTranche {
  readonly budgetLineId: string;
  readonly amountCents: Cents;
  readonly boardDecision: string;
  /** The day the board decided (ISO date), when stated: the tranche's effective date. */
  readonly decidedOn?: string;
}

/** R-VD-01: the board releases part of what it set aside; never more than the line's amount in all. */
export function decideReleaseBudgetTranche(
  line: BudgetLineState,
  command: ReleaseBudgetTranche,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"BudgetTrancheReleased">> {
  if (!line.opened) return refuse("not-found", `scheme ${scheme.definition.id} has no open budget line ${command.budgetLineId}`);
  if (command.amountCents <= 0) return refuse("invalid", "a tranche must release a positive amount", { ruleIds: ["R-VD-01"] });
  if (line.releasedCents + command.amountCents > line.amountCents) {
    return refuse("invalid", `releasing ${command.amountCents} cents would exceed the ${line.amountCents} cents set aside for ${command.budgetLineId}`, {
      ruleIds: ["R-VD-01"],
      details: { releasedCents: line.releasedCents, amountCents: line.amountCents, availableCents: availableCents(line) },
    });
  }
  return accept({
    type: "BudgetTrancheReleased",
    data: { schemeId: scheme.definition.id, schemeVersion: scheme.version, budgetLineId: command.budgetLineId, amountCents: command.amountCents, boardDecision: command.boardDecision, ...(command.decidedOn ? { decidedOn: command.decidedOn } : {}) },
  });
}
