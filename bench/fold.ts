import { type BudgetLineState, availableCents, evolveBudgetLine, foldBudgetLine, initialBudgetLineState } from "../domain/budget.ts";
import type { DomainEvent } from "../events/index.ts";

/**
 * The pure, in-memory fold of a budget line (no store, no parsing): reserve / commit / pay trios
 * for a third as many applications as events. Against a baseline in the same run: a bare loop that
 * only sums the amounts (what any fold has to touch).
 */
export function measureFold(events: number): Record<string, number> {
  const base = { schemeId: "bench", budgetLineId: "main" };
  const log: DomainEvent[] = [{ type: "BudgetLineOpened", data: { ...base, schemeVersion: "v", name: "Main", amountCents: 1e15, releasedCents: 1e15 } } as DomainEvent];
  for (let i = 0; log.length < events; i++) {
    const applicationId = `application-${i.toString(36).padStart(8, "0")}`;
    log.push({ type: "BudgetReserved", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent);
    log.push({ type: "BudgetCommitted", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent);
    log.push({ type: "BudgetPaid", data: { ...base, applicationId, amountCents: 100_000 } } as DomainEvent);
  }
  log.length = events;
  const time = (run: () => unknown) => {
    run(); // warm
    const started = performance.now();
    const result = run();
    return { seconds: (performance.now() - started) / 1000, result };
  };
  const bare = time(() => log.reduce((sum, e) => sum + ((e.data as { amountCents?: number }).amountCents ?? 0), 0));
  const batch = time(() => foldBudgetLine(initialBudgetLineState, log));
  // One event at a time builds a state per event: measured on the first 100,000 only (a command folds a handful).
  const stepwiseEvents = Math.min(events, 100_000);
  const stepwise = time(() => log.slice(0, stepwiseEvents).reduce<BudgetLineState>(evolveBudgetLine, initialBudgetLineState));
  if (stepwiseEvents === events && availableCents(batch.result as BudgetLineState) !== availableCents(stepwise.result as BudgetLineState)) throw new Error("the two folds disagree");
  const perSecond = (s: number) => Math.round(events / s);
  return {
    events,
    bareLoopEventsPerSecond: perSecond(bare.seconds),
    foldBudgetLineEventsPerSecond: perSecond(batch.seconds),
    evolveBudgetLineEventsPerSecond: Math.round(stepwiseEvents / stepwise.seconds),
  };
}
