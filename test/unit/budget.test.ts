import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BudgetLineState, availableCents, committedCents, evolveBudgetLine, initialBudgetLineState, isBudgetEvent, reservedCents } from "../../domain/budget.ts";
import type { Decision } from "../../domain/decision.ts";
import {
  type ReleaseBudgetTranche,
  type SchemeState,
  type SchemeUnderDecision,
  decideOpenScheme,
  decideReleaseBudgetTranche,
  evolveScheme,
  initialSchemeState,
} from "../../domain/scheme.ts";
import { type DomainEvent, type DomainEventOf, eventCatalogue } from "../../events/index.ts";
import { accepted, refused, schemeUnderDecision as scheme } from "../support/decisions.ts";

const technohubs = scheme("technohubs-2020");
const verduurzamen = scheme("verduurzamen-2025");

/** Given/when/then on a decider: fold the history with `evolve`, then decide. */
function spec<S>(initial: S, evolve: (state: S, event: DomainEvent) => S) {
  return {
    given: (history: ReadonlyArray<DomainEvent>) => ({
      when: <E>(decide: (state: S) => Decision<E>) => decide(history.reduce(evolve, initial)),
    }),
  };
}
const schemeSpec = spec<SchemeState>(initialSchemeState, evolveScheme);
const lineSpec = spec<BudgetLineState>(initialBudgetLineState, evolveBudgetLine);



/** The events of opening a scheme, as the decider yields them. */
function opening(s: SchemeUnderDecision) {
  return accepted(schemeSpec.given([]).when((state) => decideOpenScheme(state, s)));
}

/** One budget line's stream starts with its BudgetLineOpened. */
function lineOpened(s: SchemeUnderDecision, budgetLineId: string): DomainEventOf<"BudgetLineOpened"> {
  const event = opening(s).find((e): e is DomainEventOf<"BudgetLineOpened"> => e.type === "BudgetLineOpened" && e.data.budgetLineId === budgetLineId);
  if (!event) throw new Error(`${s.definition.id} opened no line ${budgetLineId}`);
  return event;
}

const tranche = (budgetLineId: string, amountCents: number): ReleaseBudgetTranche => ({ budgetLineId, amountCents, boardDecision: "ROM board decision 2025-11" });

const reserved = (applicationId: string, amountCents: number, budgetLineId = "technohubs"): DomainEventOf<"BudgetReserved"> => ({
  type: "BudgetReserved",
  data: { schemeId: "technohubs-2020", budgetLineId, applicationId, amountCents },
});
const committed = (applicationId: string, amountCents: number): DomainEventOf<"BudgetCommitted"> => ({
  type: "BudgetCommitted",
  data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId, amountCents },
});
const released = (applicationId: string, amountCents: number, from: "reserved" | "committed", reason: "withdrawn" | "lapsed" | "settled-lower"): DomainEventOf<"BudgetReleased"> => ({
  type: "BudgetReleased",
  data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId, amountCents, from, reason },
});
const intakeClosed = (availableCents: number): DomainEventOf<"BudgetLineIntakeClosed"> => ({
  type: "BudgetLineIntakeClosed",
  data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", availableCents, reason: "could not cover application app-x" },
});

describe("scheme decider: OpenScheme (R-VD-01, R-VD-02)", () => {
  it("R-VD-02 opening verduurzamen-2025 yields SchemeOpened and one BudgetLineOpened per line: seven separate budgets", () => {
    // Act
    const events = opening(verduurzamen);

    // Assess
    expect(events.map((e) => e.type)).toEqual(["SchemeOpened", ...Array<string>(7).fill("BudgetLineOpened")]);
    const [opened, ...lines] = events;
    expect(opened).toMatchObject({ type: "SchemeOpened", data: { schemeId: "verduurzamen-2025", schemeVersion: verduurzamen.version, title: verduurzamen.definition.title } });
    expect(lines.map((e) => e.data)).toEqual(
      verduurzamen.definition.budgetLines.map((line) => ({
        schemeId: "verduurzamen-2025",
        schemeVersion: verduurzamen.version,
        budgetLineId: line.id,
        name: line.name,
        amountCents: line.amountCents,
        releasedCents: line.initiallyReleasedCents,
      })),
    );
  });

  it("R-VD-02 the seven lines carry the regeling's amounts; R-VD-01 the board reserve opens with nothing released", () => {
    // Act
    const lines = opening(verduurzamen).filter((e): e is DomainEventOf<"BudgetLineOpened"> => e.type === "BudgetLineOpened");

    // Assess
    expect(Object.fromEntries(lines.map((l) => [l.data.budgetLineId, [l.data.amountCents, l.data.releasedCents]]))).toEqual({
      "hub-top": [40_000_000, 40_000_000],
      "hub-middle": [12_000_000, 12_000_000],
      coordination: [10_000_000, 10_000_000],
      communication: [2_500_000, 2_500_000],
      materials: [1_250_000, 1_250_000],
      "ozone-materials": [2_500_000, 2_500_000],
      "board-reserve": [81_750_000, 0],
    });
  });

  it("R-TH-01 technohubs-2020 opens one line, all of it released from the start", () => {
    // Act
    const events = opening(technohubs);

    // Assess
    expect(events.map((e) => e.type)).toEqual(["SchemeOpened", "BudgetLineOpened"]);
    expect(events[1]!.data).toMatchObject({ budgetLineId: "technohubs", amountCents: 612_000_000, releasedCents: 612_000_000 });
  });

  it.each(["technohubs-2020", "verduurzamen-2025", "sterk-techniekonderwijs-2020"])("opening %s yields events the current contract accepts", (id) => {
    for (const event of opening(scheme(id))) {
      expect(eventCatalogue.parse(event.type, eventCatalogue.currentVersion(event.type), event.data)).toEqual(event.data);
    }
  });

  it("given the scheme is open, opening it again is refused already-exists, recording nothing", () => {
    // Act
    const decision = refused(schemeSpec.given(opening(technohubs)).when((state) => decideOpenScheme(state, technohubs)));

    // Assess
    expect(decision.refusal).toEqual({ code: "already-exists", reason: "scheme technohubs-2020 is already open" });
    expect(decision.events).toBeUndefined();
  });
});

describe("scheme decider: R-VD-01 releasing budget tranches", () => {
  const reserve = lineOpened(verduurzamen, "board-reserve");

  it("R-VD-01 a tranche of the board reserve is accepted as BudgetTrancheReleased", () => {
    // Act
    const events = accepted(lineSpec.given([reserve]).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 20_000_000), verduurzamen)));

    // Assess
    expect(events).toEqual([
      {
        type: "BudgetTrancheReleased",
        data: { schemeId: "verduurzamen-2025", schemeVersion: verduurzamen.version, budgetLineId: "board-reserve", amountCents: 20_000_000, boardDecision: "ROM board decision 2025-11" },
      },
    ]);
  });

  it("R-VD-01 tranches may release the line's amount exactly, in several steps", () => {
    // Prepare
    const history: DomainEvent[] = [reserve];
    history.push(...accepted(lineSpec.given(history).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 40_000_000), verduurzamen))));

    // Act
    const rest = accepted(lineSpec.given(history).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 41_750_000), verduurzamen)));

    // Assess
    const line = [...history, ...rest].reduce(evolveBudgetLine, initialBudgetLineState);
    expect(line.releasedCents).toBe(81_750_000);
    expect(availableCents(line)).toBe(81_750_000);
  });

  it("R-VD-01 a tranche beyond the line's amount is refused, naming the amounts", () => {
    // Prepare
    const history: DomainEvent[] = [reserve];
    history.push(...accepted(lineSpec.given(history).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 81_749_999), verduurzamen))));

    // Act
    const decision = refused(lineSpec.given(history).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 2), verduurzamen)));

    // Assess
    expect(decision.refusal.code).toBe("invalid");
    expect(decision.refusal.ruleIds).toEqual(["R-VD-01"]);
    expect(decision.refusal.reason).toBe("releasing 2 cents would exceed the 81750000 cents set aside for board-reserve");
    expect(decision.refusal.details).toEqual({ releasedCents: 81_749_999, amountCents: 81_750_000, availableCents: 81_749_999 });
    expect(decision.events).toBeUndefined();
  });

  it("R-VD-01 a fully released line (hub-top) refuses even one more cent", () => {
    // Act
    const decision = refused(lineSpec.given([lineOpened(verduurzamen, "hub-top")]).when((line) => decideReleaseBudgetTranche(line, tranche("hub-top", 1), verduurzamen)));

    // Assess
    expect(decision.refusal).toMatchObject({ code: "invalid", ruleIds: ["R-VD-01"] });
  });

  it("R-VD-01 a tranche of zero is refused invalid", () => {
    // Act
    const decision = refused(lineSpec.given([reserve]).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 0), verduurzamen)));

    // Assess
    expect(decision.refusal).toMatchObject({ code: "invalid", reason: "a tranche must release a positive amount" });
  });

  it("a tranche for a line that was never opened is refused not-found", () => {
    // Act
    const decision = refused(lineSpec.given([]).when((line) => decideReleaseBudgetTranche(line, tranche("yacht", 100), verduurzamen)));

    // Assess
    expect(decision.refusal).toEqual({ code: "not-found", reason: "scheme verduurzamen-2025 has no open budget line yacht" });
  });
});

describe("budget line fold (R-X-02, R-VD-01, R-TH-01)", () => {
  const opened = lineOpened(technohubs, "technohubs");
  const fold = (...events: DomainEvent[]) => events.reduce(evolveBudgetLine, initialBudgetLineState);

  it("R-X-02 an opened line has released = what the definition releases, nothing reserved or committed", () => {
    // Act
    const line = fold(opened);

    // Assess
    expect(line).toMatchObject({
      opened: true,
      schemeId: "technohubs-2020",
      budgetLineId: "technohubs",
      name: "Kick-start grant Technohubs budget",
      amountCents: 612_000_000,
      releasedCents: 612_000_000,
      reserved: {},
      committed: {},
      intakeClosed: false,
    });
    expect(availableCents(line)).toBe(612_000_000);
  });

  it("R-X-02 availableCents = released - reserved - committed through reserve, commit and release", () => {
    // Prepare
    const steps: Array<[DomainEvent, number, number, number]> = [
      // event, reserved, committed, available after it
      [reserved("app-a", 40_950_000), 40_950_000, 0, 571_050_000],
      [reserved("app-b", 1_000_000), 41_950_000, 0, 570_050_000],
      [committed("app-a", 40_950_000), 1_000_000, 40_950_000, 570_050_000],
      [released("app-b", 1_000_000, "reserved", "withdrawn"), 0, 40_950_000, 571_050_000],
      [released("app-a", 950_000, "committed", "settled-lower"), 0, 40_000_000, 572_000_000],
      [released("app-a", 40_000_000, "committed", "lapsed"), 0, 0, 612_000_000],
    ];
    let line = fold(opened);

    for (const [event, r, c, available] of steps) {
      // Act
      line = evolveBudgetLine(line, event);

      // Assess
      expect([reservedCents(line), committedCents(line), availableCents(line)], event.type).toEqual([r, c, available]);
    }
    expect(line.reserved).toEqual({});
    expect(line.committed).toEqual({});
  });

  it("R-X-02 the award letter moves an application's reservation to committed, per application", () => {
    // Act
    const line = fold(opened, reserved("app-a", 500), reserved("app-b", 700), committed("app-a", 500));

    // Assess
    expect(line.reserved).toEqual({ "app-b": 700 });
    expect(line.committed).toEqual({ "app-a": 500 });
  });

  it("R-VD-01 a tranche adds to released and so to available", () => {
    // Prepare
    const reserve = lineOpened(verduurzamen, "board-reserve");
    const trancheEvent = accepted(lineSpec.given([reserve]).when((line) => decideReleaseBudgetTranche(line, tranche("board-reserve", 10_000_000), verduurzamen)));

    // Act
    const before = fold(reserve);
    const after = fold(reserve, ...trancheEvent);

    // Assess
    expect(availableCents(before)).toBe(0);
    expect(after.releasedCents).toBe(10_000_000);
    expect(availableCents(after)).toBe(10_000_000);
    expect(after.amountCents).toBe(81_750_000);
  });

  it("R-TH-01 a closed intake stays closed when money is released by a withdrawal; a tranche reopens it", () => {
    // Prepare
    const reserve = lineOpened(verduurzamen, "board-reserve");
    const closed: DomainEventOf<"BudgetLineIntakeClosed"> = { type: "BudgetLineIntakeClosed", data: { schemeId: "verduurzamen-2025", budgetLineId: "board-reserve", availableCents: 0, reason: "exhausted" } };
    const trancheEvent: DomainEventOf<"BudgetTrancheReleased"> = {
      type: "BudgetTrancheReleased",
      data: { schemeId: "verduurzamen-2025", schemeVersion: verduurzamen.version, budgetLineId: "board-reserve", amountCents: 5_000_000, boardDecision: "ROM board 2026-01" },
    };

    // Act
    const afterClose = fold(reserve, closed);
    const afterTranche = fold(reserve, closed, trancheEvent);

    // Assess
    expect(afterClose.intakeClosed).toBe(true);
    expect(afterTranche.intakeClosed).toBe(false);
    expect(availableCents(afterTranche)).toBe(5_000_000);
  });

  it("R-TH-01 BudgetLineIntakeClosed closes the intake without moving money", () => {
    // Act
    const before = fold(opened, reserved("app-a", 611_999_999));
    const after = evolveBudgetLine(before, intakeClosed(1));

    // Assess
    expect(after.intakeClosed).toBe(true);
    expect(availableCents(after)).toBe(availableCents(before));
  });

  it("evolveBudgetLine ignores events of other aggregates (same state object back)", () => {
    // Prepare
    const line = fold(opened);
    const others: DomainEvent[] = [
      opening(technohubs)[0]!,
      { type: "ApplicationWithdrawn", data: { applicationId: "app-a", reason: "no penvoerder", releasedCents: 0 } },
    ];

    // Act / Assess
    for (const event of others) {
      expect(isBudgetEvent(event)).toBe(false);
      expect(evolveBudgetLine(line, event)).toBe(line);
    }
  });

  it("R-X-02 property: folding reservations, commitments and full releases keeps available = released - reserved - committed and returns to released", () => {
    const amount = fc.integer({ min: 1, max: 50_000_000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, fc.boolean()), { maxLength: 20 }), (awards) => {
        // Prepare
        const history: DomainEvent[] = [opened];
        awards.forEach(([cents, letter], i) => {
          history.push(reserved(`app-${i}`, cents));
          if (letter) history.push(committed(`app-${i}`, cents));
        });
        const total = awards.reduce((s, [cents]) => s + cents, 0);

        // Act
        const line = fold(...history);
        const afterReleases = awards.reduce(
          (state, [cents, letter], i) => evolveBudgetLine(state, released(`app-${i}`, cents, letter ? "committed" : "reserved", "withdrawn")),
          line,
        );

        // Assess
        expect(reservedCents(line) + committedCents(line)).toBe(total);
        expect(availableCents(line)).toBe(612_000_000 - total);
        expect(availableCents(afterReleases)).toBe(612_000_000);
        expect(afterReleases.reserved).toEqual({});
        expect(afterReleases.committed).toEqual({});
      }),
    );
  });
});
