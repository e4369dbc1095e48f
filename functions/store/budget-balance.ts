import {
  type BudgetLineBalance,
  type BudgetLineState,
  type BudgetPosition,
  balanceOf,
  budgetApplicationOf,
  budgetLineFromBalance,
  evolveBudgetLine,
  foldBudgetLine,
  initialBudgetLineState,
  positionOf,
} from "../../domain/budget.ts";
import { type DomainEvent, streamIds } from "../../events/index.ts";
import type { EventStore, StoredEvent } from "./event-store.ts";

/**
 * The derived state kept beside events for budget lines (issue 15). A line's event carries the
 * line's balance after it; an application's or grant's event appended with a budget event naming
 * the application carries that application's position on the line after it. Both are functions of
 * the log alone: `verifyBudgetLineDerived` recomputes them with a full fold.
 */
export interface LineDerived {
  /** `since`: from this version on, every budget event naming an application came with its position on a partner stream. */
  readonly balance?: BudgetLineBalance & { readonly since: number };
}
export interface LinePosition {
  readonly line: string;
  readonly version: number;
  readonly position: BudgetPosition;
}
export interface PartnerDerived {
  readonly linePosition?: LinePosition;
}

export interface DerivedMismatch {
  readonly streamId: string;
  readonly version: number;
  readonly kept: unknown;
  readonly folded: unknown;
}

/**
 * Folds a budget line from its first event and compares every balance kept beside its events, and
 * every position kept beside the events of the applications it names (their application and grant
 * streams), with what the fold gives at that version. Empty when all agree.
 */
export async function verifyBudgetLineDerived(store: Required<Pick<EventStore, "readStreamWithDerived">>, lineStreamId: string): Promise<{ events: number; balances: number; positions: number; mismatches: DerivedMismatch[] }> {
  const line = await store.readStreamWithDerived(lineStreamId);
  const mismatches: DerivedMismatch[] = [];
  const states: BudgetLineState[] = [];
  let state = initialBudgetLineState;
  let balances = 0;
  const applications = new Set<string>();
  for (const { event, derived } of line) {
    state = evolveBudgetLine(state, event as DomainEvent);
    states[event.version] = state;
    const applicationId = budgetApplicationOf(event as DomainEvent);
    if (applicationId) applications.add(applicationId);
    const balance = derived === undefined ? undefined : (JSON.parse(derived) as LineDerived).balance;
    if (!balance) continue;
    balances++;
    const { since: _, ...kept } = balance;
    if (JSON.stringify(kept) !== JSON.stringify(balanceOf(state))) mismatches.push({ streamId: lineStreamId, version: event.version, kept, folded: balanceOf(state) });
  }
  let positions = 0;
  for (const applicationId of applications) {
    const partners: StoredEvent[] = [...(await store.readStreamWithDerived(streamIds.application(applicationId))), ...(await store.readStreamWithDerived(streamIds.grant(applicationId)))];
    for (const { event, derived } of partners) {
      const position = derived === undefined ? undefined : (JSON.parse(derived) as PartnerDerived).linePosition;
      if (!position || position.line !== lineStreamId) continue;
      positions++;
      const folded = positionOf(states[position.version] ?? initialBudgetLineState, applicationId);
      if (JSON.stringify(normal(position.position)) !== JSON.stringify(normal(folded))) mismatches.push({ streamId: event.streamId, version: event.version, kept: position, folded });
    }
  }
  return { events: line.length, balances, positions, mismatches };
}

const normal = (p: BudgetPosition) => ({ reserved: p.reserved, committed: p.committed, paid: p.paid, recovered: p.recovered });

/**
 * A budget line's totals (released, reserved, committed, paid, intake closed) as a reader that
 * holds nothing on the line needs them, such as a new application's registration (issue 15): the
 * balance its last event carries, one read whatever the line's length. A line whose last event
 * carries none (written before balances were kept) is folded in full. No application's position.
 */
export async function readBudgetLineTotals(store: Pick<EventStore, "readStream" | "readLast">, lineStreamId: string): Promise<BudgetLineState> {
  const last = store.readLast ? await store.readLast(lineStreamId) : undefined;
  const balance = last?.derived === undefined ? undefined : (JSON.parse(last.derived) as LineDerived).balance;
  if (balance) {
    const { since: _, ...totals } = balance;
    return budgetLineFromBalance(totals, []);
  }
  if (store.readLast && !last) return initialBudgetLineState;
  return foldBudgetLine(initialBudgetLineState, (await store.readStream(lineStreamId)).map((e) => e as DomainEvent));
}
