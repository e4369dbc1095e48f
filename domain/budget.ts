import type { DomainEvent, DomainEventOf } from "../events/index.ts";
import type { Cents } from "./money.ts";

/** The position of one budget line, folded from its own stream. */
export interface BudgetLineState {
  readonly opened: boolean;
  readonly schemeId: string;
  readonly budgetLineId: string;
  readonly name: string;
  /** Set aside by the board for the line. */
  readonly amountCents: Cents;
  /** Released so far (R-VD-01); only released money can be awarded. */
  readonly releasedCents: Cents;
  /** Awarded, award letter not yet issued, per application. */
  readonly reserved: Readonly<Record<string, Cents>>;
  /** Award letter issued, per application: what the fund owes the grant in all (paid or not). */
  readonly committed: Readonly<Record<string, Cents>>;
  /** Paid out so far, per application (part of its commitment). */
  readonly paid: Readonly<Record<string, Cents>>;
  /** Overpayments that came back, per application. */
  readonly recovered: Readonly<Record<string, Cents>>;
  readonly intakeClosed: boolean;
}

export const initialBudgetLineState: BudgetLineState = {
  opened: false,
  schemeId: "",
  budgetLineId: "",
  name: "",
  amountCents: 0,
  releasedCents: 0,
  reserved: {},
  committed: {},
  paid: {},
  recovered: {},
  intakeClosed: false,
};

const sum = (amounts: Readonly<Record<string, Cents>>) => Object.values(amounts).reduce((a, b) => a + b, 0);

export const reservedCents = (line: BudgetLineState) => sum(line.reserved);
export const committedCents = (line: BudgetLineState) => sum(line.committed);
export const paidCents = (line: BudgetLineState) => sum(line.paid);
export const recoveredCents = (line: BudgetLineState) => sum(line.recovered);
/** What can still be awarded: released minus reserved minus committed. */
export const availableCents = (line: BudgetLineState) => line.releasedCents - reservedCents(line) - committedCents(line);

const add = (amounts: Readonly<Record<string, Cents>>, key: string, delta: Cents) => {
  const next = (amounts[key] ?? 0) + delta;
  return next === 0 ? without(amounts, key) : { ...amounts, [key]: next };
};

const without = (amounts: Readonly<Record<string, Cents>>, key: string) => {
  const { [key]: _, ...rest } = amounts;
  return rest;
};

type BudgetEvent = DomainEventOf<
  "BudgetLineOpened" | "BudgetTrancheReleased" | "BudgetReserved" | "BudgetCommitted" | "BudgetReleased" | "BudgetLineIntakeClosed" | "BudgetPaid" | "BudgetRecovered"
>;
export const budgetEventTypes: ReadonlySet<string> = new Set([
  "BudgetLineOpened",
  "BudgetTrancheReleased",
  "BudgetReserved",
  "BudgetCommitted",
  "BudgetReleased",
  "BudgetLineIntakeClosed",
  "BudgetPaid",
  "BudgetRecovered",
]);
export const isBudgetEvent = (event: DomainEvent): event is BudgetEvent => budgetEventTypes.has(event.type);

export function evolveBudgetLine(state: BudgetLineState, event: DomainEvent): BudgetLineState {
  if (!isBudgetEvent(event)) return state;
  switch (event.type) {
    case "BudgetLineOpened":
      return { ...initialBudgetLineState, opened: true, schemeId: event.data.schemeId, budgetLineId: event.data.budgetLineId, name: event.data.name, amountCents: event.data.amountCents, releasedCents: event.data.releasedCents };
    case "BudgetTrancheReleased":
      // New money may reopen an intake that closed for lack of it.
      return { ...state, releasedCents: state.releasedCents + event.data.amountCents, intakeClosed: false };
    case "BudgetReserved":
      return { ...state, reserved: { ...state.reserved, [event.data.applicationId]: (state.reserved[event.data.applicationId] ?? 0) + event.data.amountCents } };
    case "BudgetCommitted":
      return {
        ...state,
        reserved: without(state.reserved, event.data.applicationId),
        committed: { ...state.committed, [event.data.applicationId]: (state.committed[event.data.applicationId] ?? 0) + event.data.amountCents },
      };
    case "BudgetReleased": {
      const pool = event.data.from === "reserved" ? "reserved" : "committed";
      const left = (state[pool][event.data.applicationId] ?? 0) - event.data.amountCents;
      const next = left > 0 ? { ...state[pool], [event.data.applicationId]: left } : without(state[pool], event.data.applicationId);
      return { ...state, [pool]: next };
    }
    case "BudgetLineIntakeClosed":
      return { ...state, intakeClosed: true };
    case "BudgetPaid":
      return { ...state, paid: add(state.paid, event.data.applicationId, event.data.amountCents) };
    case "BudgetRecovered":
      return {
        ...state,
        committed: add(state.committed, event.data.applicationId, -event.data.amountCents),
        recovered: add(state.recovered, event.data.applicationId, event.data.amountCents),
      };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled budget event ${JSON.stringify(unhandled)}`);
    }
  }
}
