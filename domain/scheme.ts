import type { DomainEvent, DomainEventOf } from "../events/index.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import type { Cents } from "./money.ts";

/** A scheme definition as a decision sees it: the data and the version it is decided under. */
export interface SchemeUnderDecision {
  readonly definition: SchemeDefinition;
  readonly version: string;
}

export interface BudgetLinePosition {
  readonly name: string;
  /** What the board set aside for the line. */
  readonly amountCents: Cents;
  /** What the board has released so far (R-VD-01: further tranches by board decision). */
  readonly releasedCents: Cents;
}

export type SchemeState =
  | { readonly status: "not-opened" }
  | { readonly status: "open"; readonly schemeVersion: string; readonly budgetLines: Readonly<Record<string, BudgetLinePosition>> };

export const initialSchemeState: SchemeState = { status: "not-opened" };

export function evolveScheme(state: SchemeState, event: DomainEvent): SchemeState {
  switch (event.type) {
    case "SchemeOpened":
      return {
        status: "open",
        schemeVersion: event.data.schemeVersion,
        budgetLines: Object.fromEntries(
          event.data.budgetLines.map((line) => [line.budgetLineId, { name: line.name, amountCents: line.amountCents, releasedCents: line.releasedCents }]),
        ),
      };
    case "BudgetTrancheReleased": {
      if (state.status !== "open") return state;
      const line = state.budgetLines[event.data.budgetLineId];
      if (!line) return state;
      return { ...state, budgetLines: { ...state.budgetLines, [event.data.budgetLineId]: { ...line, releasedCents: line.releasedCents + event.data.amountCents } } };
    }
    case "ApplicationRegistered":
      return state;
    default:
      return assertNever(event);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}

/** Opens a scheme with the budget lines of its definition. */
export function decideOpenScheme(state: SchemeState, scheme: SchemeUnderDecision): Decision<DomainEventOf<"SchemeOpened">> {
  if (state.status === "open") return refuse("already-exists", `scheme ${scheme.definition.id} is already open`);
  return accept({
    type: "SchemeOpened",
    data: {
      schemeId: scheme.definition.id,
      schemeVersion: scheme.version,
      title: scheme.definition.title,
      budgetLines: scheme.definition.budgetLines.map((line) => ({
        budgetLineId: line.id,
        name: line.name,
        amountCents: line.amountCents,
        releasedCents: line.initiallyReleasedCents,
      })),
    },
  });
}

export interface ReleaseBudgetTranche {
  readonly budgetLineId: string;
  readonly amountCents: Cents;
  readonly boardDecision: string;
}

/** R-VD-01: the board releases part of what it set aside; never more than the line's amount in all. */
export function decideReleaseBudgetTranche(
  state: SchemeState,
  command: ReleaseBudgetTranche,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"BudgetTrancheReleased">> {
  if (state.status !== "open") return refuse("closed", `scheme ${scheme.definition.id} is not open`);
  const line = state.budgetLines[command.budgetLineId];
  if (!line) return refuse("not-found", `scheme ${scheme.definition.id} has no budget line ${command.budgetLineId}`, { details: { budgetLines: Object.keys(state.budgetLines) } });
  if (command.amountCents <= 0) return refuse("invalid", "a tranche must release a positive amount", { ruleIds: ["R-VD-01"] });
  if (line.releasedCents + command.amountCents > line.amountCents) {
    return refuse("invalid", `releasing ${command.amountCents} cents would exceed the ${line.amountCents} cents set aside for ${command.budgetLineId}`, {
      ruleIds: ["R-VD-01"],
      details: { releasedCents: line.releasedCents, amountCents: line.amountCents },
    });
  }
  return accept({
    type: "BudgetTrancheReleased",
    data: { schemeId: scheme.definition.id, schemeVersion: scheme.version, budgetLineId: command.budgetLineId, amountCents: command.amountCents, boardDecision: command.boardDecision },
  });
}
