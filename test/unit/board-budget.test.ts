import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideCorrectTrancheRelease, decideLowerBudgetLine, decideTransferBudget, releasedTrancheAt } from "../../domain/board-budget.ts";
import { type BudgetLineState, availableCents, balanceOf, committedCents, evolveBudgetLine, foldBudgetLine, initialBudgetLineState, reservedCents } from "../../domain/budget.ts";
import { decideOpenScheme, decideReleaseBudgetTranche, initialSchemeState } from "../../domain/scheme.ts";
import { type DomainEvent, type DomainEventOf, eventCatalogue } from "../../events/index.ts";
import { ownEffectiveDate } from "../../domain/effective-date.ts";
import { accepted, refused, schemeUnderDecision as scheme } from "../support/decisions.ts";

/**
 * Issue 13: the board's budget decisions besides a tranche. Deciders given a line's history, and a
 * property over random runs of decisions: no line's released money ever falls below what it has
 * reserved and committed (R-X-02) or rises above what is set aside (R-VD-01), and a transfer neither
 * loses nor makes money.
 */
const technohubs = scheme("technohubs-2020");
const verduurzamen = scheme("verduurzamen-2025");
const board = { boardDecision: "Bestuursbesluit 2021-03", decidedOn: "2021-03-18" };

const opened = (s: typeof technohubs, budgetLineId: string) =>
  accepted(decideOpenScheme(initialSchemeState, s)).find((e): e is DomainEventOf<"BudgetLineOpened"> => e.type === "BudgetLineOpened" && e.data.budgetLineId === budgetLineId)!;
const fold = (events: ReadonlyArray<DomainEvent>) => events.reduce(evolveBudgetLine, initialBudgetLineState);
const reserve = (applicationId: string, amountCents: number, budgetLineId = "technohubs", schemeId = "technohubs-2020"): DomainEventOf<"BudgetReserved"> => ({
  type: "BudgetReserved",
  data: { schemeId, budgetLineId, applicationId, amountCents },
});
const commit = (applicationId: string, amountCents: number): DomainEventOf<"BudgetCommitted"> => ({ type: "BudgetCommitted", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId, amountCents } });
const types = (events: ReadonlyArray<DomainEvent>) => events.map((e) => e.type);

describe("issue 13: the board lowers a line (R-X-02, R-TH-01)", () => {
  const line = [opened(technohubs, "technohubs"), reserve("app-1", 40_950_000), commit("app-2", 1_000_000)];

  it("R-X-02 lowering below what is reserved + committed is refused, naming the amounts and the most it can be lowered by", () => {
    const decision = refused(decideLowerBudgetLine(fold(line), { budgetLineId: "technohubs", amountCents: 612_000_000 - 41_950_000 + 1, ...board }, technohubs));
    expect(decision.refusal.code).toBe("budget-exhausted");
    expect(decision.refusal.ruleIds).toEqual(["R-X-02"]);
    expect(decision.refusal.reason).toContain("EUR 409,500.00 is reserved and EUR 10,000.00 committed");
    expect(decision.refusal.details).toMatchObject({ amountCents: 612_000_000, reservedCents: 40_950_000, committedCents: 1_000_000, mostCents: 570_050_000 });
    expect(decision.events).toBeUndefined();
  });

  it("R-TH-01 lowering to exactly what is reserved + committed exhausts the line and closes its intake in the same decision, with the board decision as reason", () => {
    const events = accepted(decideLowerBudgetLine(fold(line), { budgetLineId: "technohubs", amountCents: 570_050_000, ...board }, technohubs));
    expect(types(events)).toEqual(["BudgetLineLowered", "BudgetLineIntakeClosed"]);
    expect(events[0]!.data).toMatchObject({ amountCents: 570_050_000, releasedCents: 570_050_000, boardDecision: "Bestuursbesluit 2021-03", decidedOn: "2021-03-18" });
    const after = fold([...line, ...events]);
    expect([after.amountCents, after.releasedCents, availableCents(after), after.intakeClosed]).toEqual([41_950_000, 41_950_000, 0, true]);
  });

  it("R-TH-01 a lowering that leaves money to award keeps the intake open", () => {
    const events = accepted(decideLowerBudgetLine(fold(line), { budgetLineId: "technohubs", amountCents: 100_000_000, ...board }, technohubs));
    expect(types(events)).toEqual(["BudgetLineLowered"]);
    expect(fold([...line, ...events]).intakeClosed).toBe(false);
  });

  it("R-VD-01 lowering takes the money not yet released first: the board reserve's unreleased EUR 817,500 goes before any released euro", () => {
    const reserveLine = [opened(verduurzamen, "board-reserve"), ...accepted(decideReleaseBudgetTranche(fold([opened(verduurzamen, "board-reserve")]), { budgetLineId: "board-reserve", amountCents: 10_000_000, boardDecision: "ROM 2025-11" }, verduurzamen))];
    const events = accepted(decideLowerBudgetLine(fold(reserveLine), { budgetLineId: "board-reserve", amountCents: 75_000_000, ...board }, verduurzamen));
    expect(events[0]!.data).toMatchObject({ amountCents: 75_000_000, releasedCents: 3_250_000 });
    const after = fold([...reserveLine, ...events]);
    expect([after.amountCents, after.releasedCents]).toEqual([6_750_000, 6_750_000]);
  });

  it("a line the scheme does not have is not found", () => {
    expect(refused(decideLowerBudgetLine(fold([]), { budgetLineId: "yacht", amountCents: 1, ...board }, technohubs)).refusal.code).toBe("not-found");
  });
});

describe("issue 13: the board corrects a mistaken tranche release (R-X-01, R-VD-01, R-X-02)", () => {
  const reserveOpened = opened(verduurzamen, "board-reserve");
  const trancheEvent = accepted(decideReleaseBudgetTranche(fold([reserveOpened]), { budgetLineId: "board-reserve", amountCents: 10_000_000, boardDecision: "ROM 2025-11" }, verduurzamen))[0]!;
  const history = [
    { version: 1, type: reserveOpened.type, data: reserveOpened.data },
    { version: 2, type: trancheEvent.type, data: trancheEvent.data },
  ];

  it("R-X-01 the correction names the tranche it corrects and moves released money by the difference", () => {
    const line = fold(history.map((e) => e as DomainEvent));
    const events = accepted(decideCorrectTrancheRelease(line, releasedTrancheAt(history, 2), { budgetLineId: "board-reserve", trancheVersion: 2, correctedCents: 1_000_000, ...board }, verduurzamen));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ corrects: { version: 2, boardDecision: "ROM 2025-11" }, releasedCents: 10_000_000, correctedCents: 1_000_000 });
    expect(fold([...history.map((e) => e as DomainEvent), ...events]).releasedCents).toBe(1_000_000);
    // A second correction starts from where the first left the tranche.
    const again = [...history, { version: 3, type: events[0]!.type, data: events[0]!.data }];
    expect(releasedTrancheAt(again, 2)).toEqual({ version: 2, boardDecision: "ROM 2025-11", amountCents: 1_000_000 });
  });

  it("R-X-01 a version that is not a tranche release, or a correction to what the tranche already stands at, is refused as invalid", () => {
    const line = fold(history.map((e) => e as DomainEvent));
    expect(refused(decideCorrectTrancheRelease(line, releasedTrancheAt(history, 1), { budgetLineId: "board-reserve", trancheVersion: 1, correctedCents: 0, ...board }, verduurzamen)).refusal.code).toBe("invalid");
    expect(refused(decideCorrectTrancheRelease(line, releasedTrancheAt(history, 2), { budgetLineId: "board-reserve", trancheVersion: 2, correctedCents: 10_000_000, ...board }, verduurzamen)).refusal.code).toBe("invalid");
  });

  it("R-VD-01 a correction upwards never releases more than is set aside", () => {
    const line = fold(history.map((e) => e as DomainEvent));
    const decision = refused(decideCorrectTrancheRelease(line, releasedTrancheAt(history, 2), { budgetLineId: "board-reserve", trancheVersion: 2, correctedCents: 81_750_001, ...board }, verduurzamen));
    expect([decision.refusal.code, decision.refusal.ruleIds]).toEqual(["invalid", ["R-VD-01"]]);
  });

  it("R-X-02 a tranche whose money has since moved to another line cannot be taken back: refused with the amounts", () => {
    const top = [opened(verduurzamen, "hub-top")];
    const reserveLine = [opened(verduurzamen, "board-reserve"), ...accepted(decideReleaseBudgetTranche(fold([opened(verduurzamen, "board-reserve")]), { budgetLineId: "board-reserve", amountCents: 20_000_000, boardDecision: "ROM 2025-11" }, verduurzamen))];
    const moved = accepted(decideTransferBudget(fold(reserveLine), fold(top), { fromBudgetLineId: "board-reserve", toBudgetLineId: "hub-top", amountCents: 20_000_000, ...board }, verduurzamen));
    const numbered = [...reserveLine, ...moved.filter((e) => e.data.budgetLineId === "board-reserve")].map((e, v) => ({ version: v + 1, type: e.type, data: e.data }));
    const reserveNow = fold(numbered.map((e) => e as DomainEvent));
    expect([reserveNow.amountCents, reserveNow.releasedCents, availableCents(reserveNow)]).toEqual([61_750_000, 0, 0]);
    // The tranche's money has moved on: taking it back would leave the reserve below zero released.
    const tooLow = refused(decideCorrectTrancheRelease(reserveNow, releasedTrancheAt(numbered, 2), { budgetLineId: "board-reserve", trancheVersion: 2, correctedCents: 5_000_000, ...board }, verduurzamen));
    expect([tooLow.refusal.code, tooLow.refusal.ruleIds]).toEqual(["budget-exhausted", ["R-X-02"]]);
    expect(tooLow.refusal.details).toMatchObject({ releasedCents: 0, reservedCents: 0, committedCents: 0, trancheCents: 20_000_000, lowestCorrectedCents: 20_000_000 });
  });

  it("R-TH-01 a correction downwards that exhausts a line an instrument draws on closes its intake; R-X-02 below the reservations it is refused", () => {
    // A technohubs line with EUR 1,010,000 of its budget not released at the opening (the bundled one releases all).
    const partly = { ...technohubs, definition: { ...technohubs.definition, budgetLines: technohubs.definition.budgetLines.map((l) => ({ ...l, initiallyReleasedCents: 511_000_000 })) } };
    const start = [opened(partly, "technohubs")];
    const history: DomainEvent[] = [...start, ...accepted(decideReleaseBudgetTranche(fold(start), { budgetLineId: "technohubs", amountCents: 100_000_000, boardDecision: "Bestuursbesluit 2021-02" }, partly)), reserve("app-1", 561_000_000)];
    const numbered = history.map((e, v) => ({ version: v + 1, type: e.type, data: e.data }));
    const line = fold(history);
    expect([line.releasedCents, availableCents(line)]).toEqual([611_000_000, 50_000_000]);
    const tooLow = refused(decideCorrectTrancheRelease(line, releasedTrancheAt(numbered, 2), { budgetLineId: "technohubs", trancheVersion: 2, correctedCents: 49_999_999, ...board }, partly));
    expect(tooLow.refusal.details).toMatchObject({ reservedCents: 561_000_000, lowestCorrectedCents: 50_000_000 });
    const events = accepted(decideCorrectTrancheRelease(line, releasedTrancheAt(numbered, 2), { budgetLineId: "technohubs", trancheVersion: 2, correctedCents: 50_000_000, ...board }, partly));
    expect(types(events)).toEqual(["BudgetTrancheReleaseCorrected", "BudgetLineIntakeClosed"]);
    expect(fold([...history, ...events]).intakeClosed).toBe(true);
    // Corrected upwards again (the board's second thoughts): money added reopens the intake.
    const renumbered = [...numbered, ...events.map((e, k) => ({ version: numbered.length + k + 1, type: e.type, data: e.data }))];
    const up = accepted(decideCorrectTrancheRelease(fold([...history, ...events]), releasedTrancheAt(renumbered, 2), { budgetLineId: "technohubs", trancheVersion: 2, correctedCents: 60_000_000, ...board }, partly));
    expect(up[0]!.data).toMatchObject({ releasedCents: 50_000_000, correctedCents: 60_000_000 });
    expect(fold([...history, ...events, ...up]).intakeClosed).toBe(false);
  });
});

describe("issue 13: the board moves money between lines (R-VD-02, R-X-02, R-TH-01)", () => {
  const middle = [opened(verduurzamen, "hub-middle"), reserve("app-m", 3_000_000, "hub-middle", "verduurzamen-2025")];
  const top = [opened(verduurzamen, "hub-top")];

  it("R-VD-02 released money moves: an event on each line, set aside and released on the target", () => {
    const events = accepted(decideTransferBudget(fold(middle), fold(top), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-top", amountCents: 2_000_000, ...board }, verduurzamen));
    expect(types(events)).toEqual(["BudgetTransferSent", "BudgetTransferReceived"]);
    const from = fold([...middle, events[0]!]);
    const to = fold([...top, events[1]!]);
    expect([from.amountCents, from.releasedCents, to.amountCents, to.releasedCents]).toEqual([10_000_000, 10_000_000, 42_000_000, 42_000_000]);
  });

  it("R-X-02 more than the source's released money not reserved or committed is refused, naming the amounts; R-TH-01 moving all of it closes the source's intake", () => {
    const tooMuch = refused(decideTransferBudget(fold(middle), fold(top), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-top", amountCents: 9_000_001, ...board }, verduurzamen));
    expect(tooMuch.refusal.code).toBe("budget-exhausted");
    expect(tooMuch.refusal.details).toMatchObject({ releasedCents: 12_000_000, reservedCents: 3_000_000, mostCents: 9_000_000 });
    const all = accepted(decideTransferBudget(fold(middle), fold(top), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-top", amountCents: 9_000_000, ...board }, verduurzamen));
    expect(types(all)).toEqual(["BudgetTransferSent", "BudgetTransferReceived", "BudgetLineIntakeClosed"]);
    expect(all[2]!.data.budgetLineId).toBe("hub-middle");
  });

  it("R-TH-01 money moved in reopens a target whose intake closed on exhaustion", () => {
    const closedTop = [...top, ...accepted(decideLowerBudgetLine(fold(top), { budgetLineId: "hub-top", amountCents: 40_000_000, ...board }, verduurzamen))];
    expect(fold(closedTop).intakeClosed).toBe(true);
    const events = accepted(decideTransferBudget(fold(middle), fold(closedTop), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-top", amountCents: 1_000_000, ...board }, verduurzamen));
    expect(fold([...closedTop, events[1]!]).intakeClosed).toBe(false);
  });

  it("a transfer to the same line, or to a line the scheme does not have, is invalid", () => {
    expect(refused(decideTransferBudget(fold(middle), fold(middle), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-middle", amountCents: 1, ...board }, verduurzamen)).refusal.code).toBe("invalid");
    expect(refused(decideTransferBudget(fold(middle), fold([]), { fromBudgetLineId: "hub-middle", toBudgetLineId: "yacht", amountCents: 1, ...board }, verduurzamen)).refusal.code).toBe("invalid");
  });

  it("the events are valid against their declared schemas (the contract the store and the bus check)", () => {
    const events = accepted(decideTransferBudget(fold(middle), fold(top), { fromBudgetLineId: "hub-middle", toBudgetLineId: "hub-top", amountCents: 2_000_000, ...board }, verduurzamen));
    const lowered = accepted(decideLowerBudgetLine(fold(top), { budgetLineId: "hub-top", amountCents: 1, ...board }, verduurzamen));
    for (const e of [...events, ...lowered]) expect(eventCatalogue.parse(e.type, 1, e.data)).toEqual(e.data);
  });
});

describe("issue 13 property: any run of board decisions and awards over two lines (R-X-02, R-VD-01)", () => {
  type Step = { kind: "lower" | "tranche" | "move" | "reserve" | "correct"; line: 0 | 1; cents: number };
  const steps = fc.array(
    fc.record({ kind: fc.constantFrom<Step["kind"]>("lower", "tranche", "move", "reserve", "correct"), line: fc.constantFrom<0 | 1>(0, 1), cents: fc.integer({ min: 0, max: 50_000_000 }) }),
    { maxLength: 40 },
  );

  it("never takes released money below reserved + committed or above what is set aside; a transfer keeps the scheme's total; the fold's balance equals a fold from the start", () => {
    fc.assert(
      fc.property(steps, (run) => {
        const ids = ["hub-top", "board-reserve"] as const;
        const logs: DomainEvent[][] = [[opened(verduurzamen, ids[0])], [opened(verduurzamen, ids[1])]];
        const total = () => logs.reduce((sum, log) => sum + fold(log).amountCents, 0);
        const before = total();
        let n = 0;
        for (const step of run) {
          const lineId = ids[step.line];
          const line = fold(logs[step.line]!);
          const other = fold(logs[1 - step.line]!);
          let decision;
          switch (step.kind) {
            case "lower":
              decision = decideLowerBudgetLine(line, { budgetLineId: lineId, amountCents: step.cents, ...board }, verduurzamen);
              break;
            case "tranche":
              decision = decideReleaseBudgetTranche(line, { budgetLineId: lineId, amountCents: step.cents, boardDecision: "ROM" }, verduurzamen);
              break;
            case "move":
              decision = decideTransferBudget(line, other, { fromBudgetLineId: lineId, toBudgetLineId: ids[1 - step.line]!, amountCents: step.cents, ...board }, verduurzamen);
              break;
            case "correct": {
              const numbered = logs[step.line]!.map((e, v) => ({ version: v + 1, type: e.type, data: e.data }));
              const last = [...numbered].reverse().find((e) => e.type === "BudgetTrancheReleased");
              decision = decideCorrectTrancheRelease(line, last && releasedTrancheAt(numbered, last.version), { budgetLineId: lineId, trancheVersion: last?.version ?? 1, correctedCents: step.cents, ...board }, verduurzamen);
              break;
            }
            case "reserve":
              // An award takes what the line has left, as the committee decision's R-X-02 check does.
              decision = step.cents > 0 && step.cents <= availableCents(line) ? { outcome: "accepted" as const, events: [reserve(`app-${n++}`, step.cents, lineId, "verduurzamen-2025")] } : undefined;
              break;
          }
          if (decision?.outcome !== "accepted") continue;
          for (const e of decision.events as DomainEvent[]) logs[(e.data as { budgetLineId: string }).budgetLineId === lineId ? step.line : 1 - step.line]!.push(e);
        }
        for (const log of logs) {
          const line = fold(log);
          expect(line.releasedCents).toBeGreaterThanOrEqual(reservedCents(line) + committedCents(line));
          expect(line.releasedCents).toBeLessThanOrEqual(line.amountCents);
          // One pass over the whole log equals the event-by-event fold (the balance kept beside each event).
          expect(balanceOf(foldBudgetLine(initialBudgetLineState, log))).toEqual(balanceOf(line));
        }
        const lowered = logs.flat().filter((e): e is DomainEventOf<"BudgetLineLowered"> => e.type === "BudgetLineLowered").reduce((sum, e) => sum + e.data.amountCents, 0);
        expect(total()).toBe(before - lowered);
      }),
      { numRuns: 300 },
    );
  });
});

describe("issue 13: a tranche states the board's date (BudgetTrancheReleased v2)", () => {
  const recordedEvent = (data: unknown, schemaVersion: number) => ({
    eventId: "e", streamId: "budget-line#verduurzamen-2025.board-reserve", version: 2, type: "BudgetTrancheReleased", schemaVersion, data,
    recordedAt: "2026-11-30T10:00:00.000Z", hash: "h", previousHash: "p", schemeId: "verduurzamen-2025", metadata: { actor: "a", role: "admin", channel: "api", correlationId: "c" },
  });

  it("R-VD-01 a v1 tranche reads as v2 without a date and is dated by its recording; a v2 tranche by the board's decidedOn", () => {
    const v1 = { schemeId: "verduurzamen-2025", schemeVersion: "sha256:x", budgetLineId: "board-reserve", amountCents: 100, boardDecision: "ROM 2025-11" };
    expect(eventCatalogue.parse("BudgetTrancheReleased", 1, v1)).toEqual(v1);
    expect(eventCatalogue.currentVersion("BudgetTrancheReleased")).toBe(2);
    expect(ownEffectiveDate(recordedEvent(v1, 1) as never)).toEqual({ effectiveAt: "2026-11-30T10:00:00.000Z", source: "recorded" });
    const v2 = accepted(decideReleaseBudgetTranche(fold([opened(verduurzamen, "board-reserve")]), { budgetLineId: "board-reserve", amountCents: 100, boardDecision: "ROM 2025-11", decidedOn: "2025-11-20" }, verduurzamen))[0]!;
    expect(eventCatalogue.parse("BudgetTrancheReleased", 2, v2.data)).toEqual(v2.data);
    expect(ownEffectiveDate(recordedEvent(v2.data, 2) as never)).toEqual({ effectiveAt: "2025-11-20T00:00:00.000Z", source: "BudgetTrancheReleased.decidedOn", wholeDay: true });
  });
});
