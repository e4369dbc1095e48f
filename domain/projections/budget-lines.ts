import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import {
  type BudgetLineState,
  availableCents,
  budgetEventTypes,
  committedCents,
  evolveBudgetLine,
  initialBudgetLineState,
  isBudgetEvent,
  paidCents,
  recoveredCents,
  reservedCents,
} from "../budget.ts";
import { defineProjection } from "./projection.ts";

/**
 * The budget ledger per line (R-VD-02, R-X-02): the domain's own fold, plus the totals finance
 * reads: available / reserved / committed / paid / recovered.
 */
export interface BudgetLineView extends BudgetLineState {
  readonly reservedCents: number;
  readonly committedCents: number;
  readonly paidCents: number;
  readonly recoveredCents: number;
  readonly availableCents: number;
  readonly version: number;
}

const totals = { reservedCents: 0, committedCents: 0, paidCents: 0, recoveredCents: 0, availableCents: 0, version: 0 };

export const budgetLinesProjection = defineProjection<BudgetLineView>({
  name: "budget-lines",
  handles: [...budgetEventTypes],
  documentIds: (event) => (event.streamId.startsWith("budget-line#") ? [event.streamId.slice("budget-line#".length)] : []),
  apply(view: BudgetLineView | undefined, event: RecordedEvent) {
    const e = { type: event.type, data: event.data } as DomainEvent;
    if (!isBudgetEvent(e)) return view && { ...view, version: event.version };
    const { reservedCents: _r, committedCents: _c, paidCents: _p, recoveredCents: _rc, availableCents: _a, version: _v, ...state } = view ?? { ...initialBudgetLineState, ...totals };
    const next = evolveBudgetLine(state, e);
    return {
      ...next,
      reservedCents: reservedCents(next),
      committedCents: committedCents(next),
      paidCents: paidCents(next),
      recoveredCents: recoveredCents(next),
      availableCents: availableCents(next),
      version: event.version,
    };
  },
  listing: (view) => ({ list: `scheme#${view.schemeId}`, sortKey: view.budgetLineId }),
});
