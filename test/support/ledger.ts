import { expect } from "vitest";
import type { BudgetLineView } from "../../domain/projections/budget-lines.ts";
import type { GrantView } from "../../domain/projections/grants.ts";
import type { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";

/**
 * R-X-02 ledger reconciliation: for every budget line, the ledger's committed, paid and recovered
 * equal the sums over the line's grants, and available = released - reserved - committed.
 */
export async function expectLedgerReconciles(readModels: DynamoDbReadModelStore, schemeId: string): Promise<void> {
  const lines = (await readModels.list("budget-lines", `scheme#${schemeId}`)) as BudgetLineView[];
  const grants = (await readModels.list("grants", `scheme#${schemeId}`)) as GrantView[];
  for (const line of lines) {
    const ofLine = grants.filter((g) => g.budgetLineId === line.budgetLineId);
    const owed = (g: GrantView) => g.awardCents - (g.settlement?.releasedCents ?? 0) - g.recoveredCents;
    expect({ line: line.budgetLineId, committed: line.committedCents, paid: line.paidCents, recovered: line.recoveredCents }).toEqual({
      line: line.budgetLineId,
      committed: ofLine.reduce((s, g) => s + owed(g), 0),
      paid: ofLine.reduce((s, g) => s + g.paidCents, 0),
      recovered: ofLine.reduce((s, g) => s + g.recoveredCents, 0),
    });
    expect(line.availableCents).toBe(line.releasedCents - line.reservedCents - line.committedCents);
    expect(line.availableCents).toBeGreaterThanOrEqual(0);
  }
}
