import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordedEvent, streamIds } from "../../events/index.ts";
import { verifyBudgetLineDerived } from "../../functions/store/budget-balance.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { inParallel, Staff } from "../support/scenario.ts";

/**
 * Issue 13 (part 2): the board's budget decisions through the staff API on the local runtime. The
 * board lowers a line (never below what it has reserved and committed, R-X-02), corrects a mistaken
 * tranche release (R-X-01, R-VD-01) and moves money between lines (R-VD-02: both lines in one
 * append); the intake closes when a line is left with nothing to award and reopens when money is
 * added (R-TH-01). Every refusal names the amounts and writes nothing; every kept balance still
 * equals a full fold of the line.
 */
let backOffice: TestBackOffice;
let staff: Staff;
const store = () => backOffice.dependencies.events as DynamoDbEventStore;
const line = (schemeId: string, budgetLineId: string) => streamIds.budgetLine(schemeId, budgetLineId);
const headOf = async (streamId: string) => (await store().readLast(streamId))?.event.version ?? 0;
const board = (ref: string, decidedOn: string) => ({ boardDecision: ref, decidedOn });
const path = (schemeId: string, budgetLineId: string, what: string) => `/schemes/${schemeId}/budget-lines/${budgetLineId}/${what}`;

beforeAll(async () => {
  backOffice = await startTestBackOffice("board");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("issue 13: the board lowers the Technohubs budget (R-X-02, R-TH-01)", () => {
  const th = line("technohubs-2020", "technohubs");

  it("R-X-02 lowering below what is committed is refused with a 409 naming the amounts, nothing written; R-TH-01 lowering to exhaustion closes the intake and a later application is recorded and refused", async () => {
    await staff.technohubsGrant(1); // EUR 409,500.00 committed by its award letter
    const before = await headOf(th);

    const refused = await staff.expect("admin", "POST", path("technohubs-2020", "technohubs", "lowerings"), { amountCents: 571_050_001, ...board("Bestuursbesluit 2021-03", "2021-03-18") }, 409);
    expect(refused.body.title).toBe("budget-exhausted");
    expect(refused.body.ruleIds).toEqual(["R-X-02"]);
    expect(refused.body.detail).toContain("EUR 409,500.00 committed");
    expect(refused.body.detail).toContain("at most EUR 5,710,500.00");
    expect(refused.body.details).toMatchObject({ amountCents: 612_000_000, releasedCents: 612_000_000, reservedCents: 0, committedCents: 40_950_000, requestedCents: 571_050_001, mostCents: 571_050_000 });
    expect(await headOf(th)).toBe(before);
    // The auditor reads only; the board's decisions are recorded by admin (as a release is).
    await staff.expect("auditor", "POST", path("technohubs-2020", "technohubs", "lowerings"), { amountCents: 1, ...board("Bestuursbesluit 2021-03", "2021-03-18") }, 403);
    await staff.expect("finance", "POST", path("technohubs-2020", "technohubs", "lowerings"), { amountCents: 1, ...board("Bestuursbesluit 2021-03", "2021-03-18") }, 403);
    // A decision dated in the future is invalid input.
    await staff.expect("admin", "POST", path("technohubs-2020", "technohubs", "lowerings"), { amountCents: 1, ...board("Bestuursbesluit 2099-01", "2099-01-01") }, 422);
    expect(await headOf(th)).toBe(before);

    const lowered = await staff.expect("admin", "POST", path("technohubs-2020", "technohubs", "lowerings"), { amountCents: 571_050_000, ...board("Bestuursbesluit 2021-03", "2021-03-18") }, 201);
    expect(lowered.body.recorded.map((e: RecordedEvent) => [e.streamId, e.type])).toEqual([[th, "BudgetLineLowered"], [th, "BudgetLineIntakeClosed"]]);
    expect(lowered.body.recorded[0].data).toMatchObject({ amountCents: 571_050_000, releasedCents: 571_050_000, boardDecision: "Bestuursbesluit 2021-03", decidedOn: "2021-03-18" });
    expect((await staff.budget("technohubs-2020")).technohubs).toMatchObject({ amountCents: 40_950_000, releasedCents: 40_950_000, committedCents: 40_950_000, availableCents: 0, intakeClosed: true });

    // R-TH-01: after closing, a new submission is recorded and refused with the reason, never dropped.
    const late = await staff.expect("intake", "POST", "/applications", {
      schemeId: "technohubs-2020", instrumentId: "planning", technohub: { name: "Technohub Na Sluiting", region: "Laatregio" },
      applicant: { companyName: "Laat BV" }, requestedAmountCents: 900_000, receivedAt: "2021-03-20T09:00:00.000Z",
    }, 409);
    expect(late.body.title).toBe("budget-exhausted");
    expect(late.body.ruleIds).toContain("R-TH-01");
    expect((await verifyBudgetLineDerived(store(), th)).mismatches).toEqual([]);
  }, 120_000);

  it("R-X-04 the audit explanation dates the lowering by the board's decision and its intake closure by the same decision", async () => {
    await backOffice.settle();
    const explained = await staff.expect("auditor", "GET", `/audit/explain?schemeId=technohubs-2020&projection=budget-lines&id=technohubs-2020.technohubs`, undefined, 200);
    const byType = Object.fromEntries(explained.body.events.map((e: { type: string }) => [e.type, e]));
    expect(byType.BudgetLineLowered).toMatchObject({ effectiveAt: "2021-03-18T00:00:00.000Z", effectiveFrom: "BudgetLineLowered.decidedOn", backdated: true });
    expect(byType.BudgetLineIntakeClosed).toMatchObject({ effectiveAt: "2021-03-18T00:00:00.000Z", effectiveFrom: "BudgetLineLowered.decidedOn (same decision)" });
    // On the business axis, the day before the board's decision the line was whole.
    const lineAsOf = async (day: string) => {
      const asOf = await staff.expect("auditor", "GET", `/audit/as-of?schemeId=technohubs-2020&projection=budget-lines&at=${day}&axis=business`, undefined, 200);
      return asOf.body.documents.find((d: { documentId: string }) => d.documentId === "technohubs-2020.technohubs").doc;
    };
    expect(await lineAsOf("2021-03-17")).toMatchObject({ amountCents: 612_000_000, availableCents: 571_050_000, intakeClosed: false });
    expect(await lineAsOf("2021-03-18")).toMatchObject({ amountCents: 40_950_000, availableCents: 0, intakeClosed: true });
  }, 60_000);
});

describe("issue 13: Verduurzamen's board corrects a tranche and moves money between lines (R-VD-01, R-VD-02, R-X-01, R-X-02, R-TH-01)", () => {
  const vd = "verduurzamen-2025";
  const reserve = line(vd, "board-reserve");
  const middle = line(vd, "hub-middle");
  const top = line(vd, "hub-top");

  it("R-X-01 a tranche released with the wrong amount is corrected by an event naming it; R-X-02 and R-VD-01 bound the correction", async () => {
    // The board meant EUR 10,000 and EUR 100,000 was released.
    const released = await staff.expect("admin", "POST", path(vd, "board-reserve", "tranches"), { amountCents: 10_000_000, boardDecision: "ROM-bestuur 2025-11", decidedOn: "2025-11-20" }, 201);
    const trancheVersion = released.body.version as number;
    // The tranche carries the board's date too (BudgetTrancheReleased v2), its effective date.
    expect((await store().readLast(reserve))!.event).toMatchObject({ type: "BudgetTrancheReleased", schemaVersion: 2, data: { boardDecision: "ROM-bestuur 2025-11", decidedOn: "2025-11-20" } });
    const before = await headOf(reserve);
    const notATranche = await staff.expect("admin", "POST", path(vd, "board-reserve", "tranche-corrections"), { trancheVersion: 1, correctedCents: 0, ...board("ROM-bestuur 2025-12", "2025-12-04") }, 422);
    expect(notATranche.body.ruleIds).toEqual(["R-X-01"]);
    const aboveSetAside = await staff.expect("admin", "POST", path(vd, "board-reserve", "tranche-corrections"), { trancheVersion, correctedCents: 81_750_001, ...board("ROM-bestuur 2025-12", "2025-12-04") }, 422);
    expect(aboveSetAside.body.ruleIds).toEqual(["R-VD-01"]);
    expect(await headOf(reserve)).toBe(before);

    const corrected = await staff.expect("admin", "POST", path(vd, "board-reserve", "tranche-corrections"), { trancheVersion, correctedCents: 1_000_000, ...board("ROM-bestuur 2025-12", "2025-12-04") }, 201);
    expect(corrected.body.recorded).toHaveLength(1);
    expect(corrected.body.recorded[0]).toMatchObject({ streamId: reserve, type: "BudgetTrancheReleaseCorrected", data: { corrects: { version: trancheVersion, boardDecision: "ROM-bestuur 2025-11" }, releasedCents: 10_000_000, correctedCents: 1_000_000 } });
    expect((await staff.budget(vd))["board-reserve"]).toMatchObject({ amountCents: 81_750_000, releasedCents: 1_000_000, availableCents: 1_000_000 });
    // Correcting it again to what it now stands at is nothing to correct.
    await staff.expect("admin", "POST", path(vd, "board-reserve", "tranche-corrections"), { trancheVersion, correctedCents: 1_000_000, ...board("ROM-bestuur 2025-12", "2025-12-04") }, 422);
    expect((await verifyBudgetLineDerived(store(), reserve)).mismatches).toEqual([]);
  }, 60_000);

  it("R-TH-01 a middle-score line lowered to exhaustion closes its intake; R-X-02 moving more than the reserve has released is refused on both lines; R-VD-02 money moved in, both lines in one append, reopens it", async () => {
    const lowered = await staff.expect("admin", "POST", path(vd, "hub-middle", "lowerings"), { amountCents: 12_000_000, ...board("ROM-bestuur 2025-12", "2025-12-04") }, 201);
    expect(lowered.body.recorded.map((e: RecordedEvent) => e.type)).toEqual(["BudgetLineLowered", "BudgetLineIntakeClosed"]);
    const registration = {
      schemeId: vd, instrumentId: "hub-middle", technohub: { name: "Technohub Middenveld", region: "Middenveld" },
      applicant: { companyName: "Middenveld penvoerder BV" }, requestedAmountCents: 1_000_000, receivedAt: "2025-12-10T09:00:00.000Z",
    };
    const refusedForBudget = await staff.expect("intake", "POST", "/applications", registration, 409);
    expect(refusedForBudget.body.ruleIds).toContain("R-TH-01");

    const heads = [await headOf(reserve), await headOf(middle)];
    const tooMuch = await staff.expect("admin", "POST", path(vd, "board-reserve", "transfers"), { toBudgetLineId: "hub-middle", amountCents: 1_000_001, ...board("ROM-bestuur 2025-12b", "2025-12-11") }, 409);
    expect(tooMuch.body.details).toMatchObject({ releasedCents: 1_000_000, unreleasedCents: 80_750_000, mostCents: 1_000_000, requestedCents: 1_000_001 });
    expect(tooMuch.body.detail).toContain("not released moves only once a tranche releases it");
    await staff.expect("admin", "POST", path(vd, "board-reserve", "transfers"), { toBudgetLineId: "yacht", amountCents: 1, ...board("ROM-bestuur 2025-12b", "2025-12-11") }, 422);
    await staff.expect("admin", "POST", path(vd, "board-reserve", "transfers"), { toBudgetLineId: "board-reserve", amountCents: 1, ...board("ROM-bestuur 2025-12b", "2025-12-11") }, 422);
    expect([await headOf(reserve), await headOf(middle)]).toEqual(heads);

    const moved = await staff.expect("admin", "POST", path(vd, "board-reserve", "transfers"), { toBudgetLineId: "hub-middle", amountCents: 1_000_000, ...board("ROM-bestuur 2025-12b", "2025-12-11") }, 201);
    expect(moved.body.recorded.map((e: RecordedEvent) => [e.streamId, e.type])).toEqual([[reserve, "BudgetTransferSent"], [middle, "BudgetTransferReceived"]]);
    // One append: the two events were recorded together, under one request.
    const [out, into] = [(await store().readLast(reserve))!.event, (await store().readLast(middle))!.event];
    expect(out.metadata.correlationId).toBe(into.metadata.correlationId);
    expect([out.version, into.version]).toEqual([heads[0]! + 1, heads[1]! + 1]);
    const budget = await staff.budget(vd);
    expect(budget["board-reserve"]).toMatchObject({ amountCents: 80_750_000, releasedCents: 0, availableCents: 0 });
    expect(budget["hub-middle"]).toMatchObject({ amountCents: 1_000_000, releasedCents: 1_000_000, availableCents: 1_000_000, intakeClosed: false });
    await staff.expect("intake", "POST", "/applications", { ...registration, technohub: { name: "Technohub Heropend", region: "Heropend" } }, 201);
    for (const id of [reserve, middle]) expect((await verifyBudgetLineDerived(store(), id)).mismatches).toEqual([]);
  }, 60_000);

  it("R-X-02 racing transfers between two lines: each is written on both lines or on neither, the scheme's total is kept and every balance equals a full fold", async () => {
    const total = async () => {
      const b = await staff.budget(vd);
      return { amount: b["hub-top"].amountCents + b["hub-middle"].amountCents, released: b["hub-top"].releasedCents + b["hub-middle"].releasedCents };
    };
    const before = await total();
    const requests = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? { from: "hub-top", to: "hub-middle", amountCents: 3_000_000 } : { from: "hub-middle", to: "hub-top", amountCents: 700_000 }));
    const statuses = await inParallel(requests, 5, async (r, i) => {
      const response = await backOffice.call("admin", "POST", path(vd, r.from, "transfers"), { toBudgetLineId: r.to, amountCents: r.amountCents, ...board(`ROM-bestuur race ${i}`, "2025-12-12") });
      return response.status;
    });
    // 201; 409 when the source had too little at that moment; 503 (busy, retry later) when the racers kept
    // moving the lines until shortly before the deadline: refused with nothing written, which the pairs below check.
    expect(statuses.every((s) => s === 201 || s === 409 || s === 503), JSON.stringify(statuses)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    expect(await total()).toEqual(before);
    const outs = (await store().readStream(top))
      .concat(await store().readStream(middle))
      .filter((e) => (e.type === "BudgetTransferSent" || e.type === "BudgetTransferReceived") && (e.data as { boardDecision: string }).boardDecision.startsWith("ROM-bestuur race"));
    const byRequest = new Map<string, string[]>();
    for (const e of outs) byRequest.set(e.metadata.correlationId, [...(byRequest.get(e.metadata.correlationId) ?? []), e.type].sort());
    for (const pair of byRequest.values()) expect(pair).toEqual(["BudgetTransferReceived", "BudgetTransferSent"]);
    expect(byRequest.size).toBe(statuses.filter((s) => s === 201).length);
    for (const id of [top, middle]) expect((await verifyBudgetLineDerived(store(), id)).mismatches).toEqual([]);
  }, 120_000);

  it("a transfer retried with its Idempotency-Key answers the first result and moves the money once; the same key with another amount is a 422", async () => {
    const heads = [await headOf(top), await headOf(middle)];
    const body = { toBudgetLineId: "hub-middle", amountCents: 100_000, ...board("ROM-bestuur 2025-12c", "2025-12-20") };
    const key = { "idempotency-key": "board-2025-12c-transfer" };
    const first = await staff.expect("admin", "POST", path(vd, "hub-top", "transfers"), body, 201, key);
    const again = await staff.expect("admin", "POST", path(vd, "hub-top", "transfers"), body, 201, key);
    // The replay is looked up on the source line (the decision's record): it answers that line's events.
    expect(again.body.recorded.map((e: RecordedEvent) => `${e.streamId}@${e.version}`)).toEqual(first.body.recorded.filter((e: RecordedEvent) => e.streamId === top).map((e: RecordedEvent) => `${e.streamId}@${e.version}`));
    await staff.expect("admin", "POST", path(vd, "hub-top", "transfers"), { ...body, amountCents: 200_000 }, 422, key);
    expect([await headOf(top), await headOf(middle)]).toEqual([heads[0]! + 1, heads[1]! + 1]);
  }, 60_000);
});
