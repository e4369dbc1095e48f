import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { type BudgetLineState, availableCents, committedCents, evolveBudgetLine, initialBudgetLineState, isBudgetEvent, reservedCents } from "../budget.ts";
import { defineProjection } from "./projection.ts";

/** The budget position per line (R-VD-02, R-X-02): the domain's own fold, plus the derived totals. */
export interface BudgetLineView extends BudgetLineState {
  readonly reservedCents: number;
  readonly committedCents: number;
  readonly availableCents: number;
  readonly version: number;
}

export const budgetLinesProjection = defineProjection<BudgetLineView>({
  name: "budget-lines",
  handles: ["BudgetLineOpened", "BudgetTrancheReleased", "BudgetReserved", "BudgetCommitted", "BudgetReleased", "BudgetLineIntakeClosed"],
  documentIds: (event) => (event.streamId.startsWith("budget-line#") ? [event.streamId.slice("budget-line#".length)] : []),
  apply(view: BudgetLineView | undefined, event: RecordedEvent) {
    const e = { type: event.type, data: event.data } as DomainEvent;
    if (!isBudgetEvent(e)) return view && { ...view, version: event.version };
    const { reservedCents: _r, committedCents: _c, availableCents: _a, version: _v, ...state } = view ?? { ...initialBudgetLineState, reservedCents: 0, committedCents: 0, availableCents: 0, version: 0 };
    const next = evolveBudgetLine(state, e);
    return { ...next, reservedCents: reservedCents(next), committedCents: committedCents(next), availableCents: availableCents(next), version: event.version };
  },
  listing: (view) => ({ list: `scheme#${view.schemeId}`, sortKey: view.budgetLineId }),
});
