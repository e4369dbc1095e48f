import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { availableCents, foldBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import { type DomainEvent, streamIds } from "../../events/index.ts";
import { verifyBudgetLineDerived } from "../../functions/store/budget-balance.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 15: a decision reads a budget line's balance from the line's last event and the
 * application's position from beside its own events, not the line's history. That derived state is
 * only ever a function of the log: a full fold gives the same at every version, and where it is
 * missing (a writer that does not keep it) the next decision folds in full and carries it again.
 */
let backOffice: TestBackOffice;
let staff: Staff;
const IBAN = "NL91ABNA0417164300";
const line = streamIds.budgetLine("technohubs-2020", "technohubs");
const store = () => backOffice.dependencies.events as DynamoDbEventStore;

async function pay(grantId: string, amountCents: number) {
  const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "advance", invoiceNumber: `F-${grantId.slice(0, 6)}`, invoiceDate: "2021-03-05", amountCents, iban: IBAN, documentRef: "doc" });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const invoiceId = registered.body.recorded[0].data.invoiceId;
  expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {})).status).toBe(200);
  expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: `B-${invoiceId.slice(0, 6)}`, valueDate: "2021-03-10" })).status).toBe(200);
}

async function settleWithRecovery(grantId: string) {
  await staff.expect("intake", "POST", `/grants/${grantId}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 40_000_000 }], submittedOn: "2022-01-15" }, 200);
  await staff.expect("assessor", "POST", `/grants/${grantId}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: 40_000_000, on: "2022-02-01" }, 200);
  await staff.expect("finance", "POST", `/grants/${grantId}/settlement`, { settledOn: "2022-02-10" }, 200);
  await staff.expect("finance", "POST", `/grants/${grantId}/recoveries`, { amountCents: 2_000_000, bankReference: "R-1", receivedOn: "2022-03-01" }, 201);
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("balance");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("issue 15: the budget line's derived balance equals a full fold (R-X-02)", () => {
  it("after awards, award letters, payments, a settlement lower than the award, a recovery and a withdrawal, every kept balance and position equals the full fold at its version", async () => {
    const paidInFull = await staff.technohubsGrant(1);
    await pay(paidInFull, 32_760_000);
    await settleWithRecovery(paidInFull);
    const withdrawnAfterLetter = await staff.technohubsGrant(2);
    await staff.withdraw(withdrawnAfterLetter, "the hub did not start");
    await staff.technohubsGrant(3);

    const result = await verifyBudgetLineDerived(store(), line);
    expect(result.mismatches).toEqual([]);
    // Every event of the line carries its balance but the opening (the local runtime opens the schemes at startup
    // with plain appends: the first decision folded that one event in full); every budget event naming an
    // application, its position beside it.
    expect(result.balances).toBe(result.events - 1);
    expect(result.positions).toBeGreaterThanOrEqual(3 * 2 + 1 + 1 + 1 + 1);
    const folded = foldBudgetLine(initialBudgetLineState, (await store().readStream(line)).map((e) => e as DomainEvent));
    expect(availableCents(folded)).toBe((await staff.budget("technohubs-2020")).technohubs.availableCents);
  }, 120_000);

  it("an award on a line that carries its balance reads the line's last event only, never the line's history", async () => {
    const ready = async (hub: string) => {
      const id = await staff.register({
        schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: hub, region: hub },
        applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
      });
      await staff.details(id, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
      await staff.complete(id);
      await backOffice.settle();
      await staff.assess(id);
      return id;
    };
    // The local runtime opens the line with a plain append (no balance): the first decision on it folds it once.
    await staff.award(await ready("Technohub Eerste"), { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    const id = await ready("Technohub Kop");
    const lineReads: string[] = [];
    const seen = (streamId: string, from?: number) => lineReads.push(streamId === line ? `line from ${from}` : streamId);
    const stored = Object.getPrototypeOf(store()) as DynamoDbEventStore;
    // A command reads one stream's events, or several streams' at once: both are watched.
    const one = vi.spyOn(store(), "readStreamWithDerived").mockImplementation(async (streamId: string, from?: number) => {
      seen(streamId, from);
      return stored.readStreamWithDerived.call(store(), streamId, from);
    });
    const several = vi.spyOn(store(), "readStreamsWithDerived").mockImplementation(async (reads) => {
      for (const read of reads) seen(read.streamId, read.fromVersion);
      return stored.readStreamsWithDerived.call(store(), reads);
    });
    try {
      await staff.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    } finally {
      one.mockRestore();
      several.mockRestore();
    }
    // The application's and grant's streams in full (short), the line never: its balance came with its last event.
    expect(lineReads).toContain(streamIds.application(id));
    expect(lineReads.filter((r) => r.startsWith("line"))).toEqual([]);
    expect((await verifyBudgetLineDerived(store(), line)).mismatches).toEqual([]);
  }, 120_000);

  it("where a writer kept no balance (an event appended without it, naming an application), the next decision folds the line in full, decides on the true figures and carries the balance again", async () => {
    const before = await store().readLast(line);
    // A reservation by a writer that keeps no derived state: the balance on the line's head is gone.
    await store().append([{ streamId: line, expectedVersion: before!.event.version, head: before!.event, schemeId: "technohubs-2020", events: [{ type: "BudgetReserved", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "outside-writer", amountCents: 1_000 } }], metadata: { actor: "test", role: "admin", channel: "system", correlationId: "t" } }]);
    const afterOutside = await store().readLast(line);
    expect(afterOutside!.derived).toBeUndefined();

    await staff.technohubsGrant(4);
    const head = await store().readLast(line);
    const balance = JSON.parse(head!.derived!).balance;
    // Positions before the outside write are no longer all beside their applications: they are read in full from here on.
    expect(balance.since).toBeGreaterThan(afterOutside!.event.version);
    const result = await verifyBudgetLineDerived(store(), line);
    expect(result.mismatches).toEqual([]);
    const folded = foldBudgetLine(initialBudgetLineState, (await store().readStream(line)).map((e) => e as DomainEvent));
    expect(balance.reservedCents + balance.committedCents).toBe(Object.values(folded.reserved).reduce((a, b) => a + b, 0) + Object.values(folded.committed).reduce((a, b) => a + b, 0));

    // An application whose position predates `since` is still decided on its true position: its withdrawal releases exactly its commitment.
    const older = (await store().readStream(line)).find((e) => e.type === "BudgetCommitted")!.data as { applicationId: string };
    await staff.withdraw(older.applicationId, "stopped");
    expect((await verifyBudgetLineDerived(store(), line)).mismatches).toEqual([]);
  }, 120_000);
});
