import { describe, expect, it } from "vitest";
import {
  type ApplicationState,
  type RegisterApplication,
  decideRegisterApplication,
  evolveApplication,
  initialApplicationState,
} from "../../domain/application.ts";
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
import { bundledSchemes } from "../../schemes/bundled.ts";

/** The scheme as a decision sees it, straight from the bundled, validated definitions. */
function scheme(id: string): SchemeUnderDecision {
  const loaded = bundledSchemes().get(id);
  if (!loaded) throw new Error(`scheme ${id} is not bundled`);
  return { definition: loaded.definition, version: loaded.version };
}

/** Given/when/then on a decider: fold the history with `evolve`, then decide. */
function spec<S>(initial: S, evolve: (state: S, event: DomainEvent) => S) {
  return {
    given: (history: ReadonlyArray<DomainEvent>) => ({
      when: <E>(decide: (state: S) => Decision<E>) => decide(history.reduce(evolve, initial)),
    }),
  };
}

const application = spec<ApplicationState>(initialApplicationState, evolveApplication);
const schemeSpec = spec<SchemeState>(initialSchemeState, evolveScheme);

function accepted<E>(decision: Decision<E>): ReadonlyArray<E> {
  if (decision.outcome !== "accepted") throw new Error(`expected acceptance, got refusal: ${decision.refusal.reason}`);
  return decision.events;
}

function refused<E>(decision: Decision<E>) {
  if (decision.outcome !== "refused") throw new Error(`expected a refusal, got ${decision.events.length} event(s)`);
  return decision.refusal;
}

const registration = (overrides: Partial<RegisterApplication> = {}): RegisterApplication => ({
  applicationId: "app-woerden",
  instrumentId: "execution",
  technohub: { name: "TechnoHUB Woerden", region: "Utrecht" },
  applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000,
  receivedAt: "2021-02-01T09:30:00.000Z",
  ...overrides,
});

function openedEvent(id: string): DomainEventOf<"SchemeOpened"> {
  return accepted(schemeSpec.given([]).when((state) => decideOpenScheme(state, scheme(id))))[0]!;
}

const tranche = (budgetLineId: string, amountCents: number): ReleaseBudgetTranche => ({
  budgetLineId,
  amountCents,
  boardDecision: "ROM board decision 2025-11",
});

describe("application decider: RegisterApplication", () => {
  it("R-TH-09 given no history, registering yields exactly one ApplicationRegistered carrying the scheme's version and the arrival time", () => {
    // Prepare
    const technohubs = scheme("technohubs-2020");

    // Act
    const events = accepted(application.given([]).when((state) => decideRegisterApplication(state, registration(), technohubs)));

    // Assess
    expect(events).toEqual([
      {
        type: "ApplicationRegistered",
        data: {
          applicationId: "app-woerden",
          schemeId: "technohubs-2020",
          schemeVersion: technohubs.version,
          instrumentId: "execution",
          technohub: { name: "TechnoHUB Woerden", region: "Utrecht" },
          applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
          requestedAmountCents: 40_950_000,
          receivedAt: "2021-02-01T09:30:00.000Z",
        },
      },
    ]);
    expect(technohubs.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("the event it decides satisfies the current event contract", () => {
    // Act
    const [event] = accepted(application.given([]).when((state) => decideRegisterApplication(state, registration(), scheme("technohubs-2020"))));

    // Assess
    expect(eventCatalogue.parse(event!.type, eventCatalogue.currentVersion(event!.type), event!.data)).toEqual(event!.data);
  });

  it("given the application is registered, registering it again is refused already-exists", () => {
    // Prepare
    const technohubs = scheme("technohubs-2020");
    const history = accepted(application.given([]).when((state) => decideRegisterApplication(state, registration(), technohubs)));

    // Act
    const refusal = refused(application.given(history).when((state) => decideRegisterApplication(state, registration(), technohubs)));

    // Assess
    expect(refusal.code).toBe("already-exists");
    expect(refusal.reason).toContain("app-woerden");
  });

  it("R-X-05 an instrument the scheme does not have is refused invalid, listing the scheme's instruments", () => {
    // Act
    const refusal = refused(
      application.given([]).when((state) => decideRegisterApplication(state, registration({ instrumentId: "renovation" }), scheme("technohubs-2020"))),
    );

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(refusal.reason).toBe("scheme technohubs-2020 has no instrument renovation");
    expect(refusal.details).toEqual({ instruments: ["planning", "execution"] });
  });

  it("R-TH-02 a verduurzamen-2025 instrument is not a technohubs-2020 instrument", () => {
    // Act
    const refusal = refused(
      application.given([]).when((state) => decideRegisterApplication(state, registration({ instrumentId: "hub-top" }), scheme("technohubs-2020"))),
    );

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(refusal.details?.instruments).not.toContain("hub-top");
  });
});

describe("scheme decider: OpenScheme", () => {
  it("R-VD-02 opening verduurzamen-2025 yields SchemeOpened with every budget line of the definition, each separate", () => {
    // Prepare
    const verduurzamen = scheme("verduurzamen-2025");

    // Act
    const events = accepted(schemeSpec.given([]).when((state) => decideOpenScheme(state, verduurzamen)));

    // Assess
    expect(events).toHaveLength(1);
    const opened = events[0]!;
    expect(opened.type).toBe("SchemeOpened");
    expect(opened.data.schemeId).toBe("verduurzamen-2025");
    expect(opened.data.schemeVersion).toBe(verduurzamen.version);
    expect(opened.data.budgetLines).toEqual(
      verduurzamen.definition.budgetLines.map((line) => ({
        budgetLineId: line.id,
        name: line.name,
        amountCents: line.amountCents,
        releasedCents: line.initiallyReleasedCents,
      })),
    );
    const amounts = Object.fromEntries(opened.data.budgetLines.map((l) => [l.budgetLineId, l.amountCents]));
    expect(amounts).toMatchObject({
      "hub-top": 5 * 8_000_000,
      "hub-middle": 4 * 3_000_000,
      coordination: 10_000_000,
      communication: 2_500_000,
      materials: 1_250_000,
      "ozone-materials": 2_500_000,
    });
    expect(new Set(opened.data.budgetLines.map((l) => l.budgetLineId)).size).toBe(opened.data.budgetLines.length);
  });

  it("R-VD-02 after opening, each budget line keeps its own position", () => {
    // Act
    const state = [openedEvent("verduurzamen-2025")].reduce(evolveScheme, initialSchemeState);

    // Assess
    expect(state.status).toBe("open");
    if (state.status !== "open") return;
    expect(Object.keys(state.budgetLines).sort()).toEqual(scheme("verduurzamen-2025").definition.budgetLines.map((l) => l.id).sort());
    expect(state.budgetLines["hub-top"]).toEqual({ name: expect.any(String), amountCents: 40_000_000, releasedCents: 40_000_000 });
  });

  it.each(["technohubs-2020", "verduurzamen-2025", "sterk-techniekonderwijs-2020"])("opening %s produces an event the contract accepts", (id) => {
    // Act
    const event = openedEvent(id);

    // Assess
    expect(eventCatalogue.parse("SchemeOpened", 1, event.data)).toEqual(event.data);
  });

  it("given the scheme is open, opening it again is refused already-exists", () => {
    // Act
    const refusal = refused(schemeSpec.given([openedEvent("technohubs-2020")]).when((state) => decideOpenScheme(state, scheme("technohubs-2020"))));

    // Assess
    expect(refusal.code).toBe("already-exists");
    expect(refusal.reason).toBe("scheme technohubs-2020 is already open");
  });
});

describe("scheme decider: R-VD-01 releasing budget tranches", () => {
  const verduurzamen = scheme("verduurzamen-2025");
  // A line the board set aside but has not released in full (the reserve of the EUR 1.5M).
  const reserve = verduurzamen.definition.budgetLines.find((l) => l.initiallyReleasedCents < l.amountCents)!;

  it("the fixture has a partly released line to release tranches from", () => {
    expect(reserve).toBeDefined();
    expect(reserve.amountCents - reserve.initiallyReleasedCents).toBeGreaterThan(0);
  });

  it("R-VD-01 a tranche within what the line has left is accepted as BudgetTrancheReleased", () => {
    // Prepare
    const amount = reserve.amountCents - reserve.initiallyReleasedCents - 1_000;

    // Act
    const events = accepted(
      schemeSpec.given([openedEvent("verduurzamen-2025")]).when((state) => decideReleaseBudgetTranche(state, tranche(reserve.id, amount), verduurzamen)),
    );

    // Assess
    expect(events).toEqual([
      {
        type: "BudgetTrancheReleased",
        data: {
          schemeId: "verduurzamen-2025",
          schemeVersion: verduurzamen.version,
          budgetLineId: reserve.id,
          amountCents: amount,
          boardDecision: "ROM board decision 2025-11",
        },
      },
    ]);
  });

  it("R-VD-01 tranches may release the line's amount exactly, in several steps", () => {
    // Prepare
    const rest = reserve.amountCents - reserve.initiallyReleasedCents;
    const first = Math.floor(rest / 2);
    const history: DomainEvent[] = [openedEvent("verduurzamen-2025")];
    history.push(...accepted(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, first), verduurzamen))));

    // Act
    const second = accepted(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, rest - first), verduurzamen)));

    // Assess
    const state = [...history, ...second].reduce(evolveScheme, initialSchemeState);
    expect(state.status === "open" && state.budgetLines[reserve.id]?.releasedCents).toBe(reserve.amountCents);
  });

  it("R-VD-01 a tranche beyond what the line has left is refused, naming the amounts", () => {
    // Prepare
    const rest = reserve.amountCents - reserve.initiallyReleasedCents;
    const history: DomainEvent[] = [openedEvent("verduurzamen-2025")];
    history.push(...accepted(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, rest - 1), verduurzamen))));

    // Act
    const refusal = refused(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, 2), verduurzamen)));

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(refusal.ruleIds).toEqual(["R-VD-01"]);
    expect(refusal.reason).toBe(`releasing 2 cents would exceed the ${reserve.amountCents} cents set aside for ${reserve.id}`);
    expect(refusal.details).toEqual({ releasedCents: reserve.initiallyReleasedCents + rest - 1, amountCents: reserve.amountCents });
  });

  it("R-VD-02 a fully released line refuses any further tranche, while another line is unaffected", () => {
    // Prepare
    const history = [openedEvent("verduurzamen-2025")];

    // Act
    const onFull = refused(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche("hub-top", 1), verduurzamen)));
    const onReserve = accepted(schemeSpec.given(history).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, 1), verduurzamen)));

    // Assess
    expect(onFull.code).toBe("invalid");
    expect(onFull.ruleIds).toEqual(["R-VD-01"]);
    expect(onReserve).toHaveLength(1);
  });

  it("R-VD-01 a tranche of zero is refused invalid", () => {
    // Act
    const refusal = refused(
      schemeSpec.given([openedEvent("verduurzamen-2025")]).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, 0), verduurzamen)),
    );

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(refusal.reason).toBe("a tranche must release a positive amount");
  });

  it("a tranche for an unknown budget line is refused not-found, listing the scheme's lines", () => {
    // Act
    const refusal = refused(
      schemeSpec.given([openedEvent("verduurzamen-2025")]).when((s) => decideReleaseBudgetTranche(s, tranche("yacht", 100), verduurzamen)),
    );

    // Assess
    expect(refusal.code).toBe("not-found");
    expect(refusal.details?.budgetLines).toEqual(verduurzamen.definition.budgetLines.map((l) => l.id));
  });

  it("a tranche for a scheme that is not open is refused closed", () => {
    // Act
    const refusal = refused(schemeSpec.given([]).when((s) => decideReleaseBudgetTranche(s, tranche(reserve.id, 100), verduurzamen)));

    // Assess
    expect(refusal.code).toBe("closed");
  });
});

describe("evolve functions ignore events of other aggregates", () => {
  it("evolveApplication returns the same state for SchemeOpened and BudgetTrancheReleased", () => {
    // Prepare
    const registered = accepted(application.given([]).when((s) => decideRegisterApplication(s, registration(), scheme("technohubs-2020"))));
    const state = registered.reduce(evolveApplication, initialApplicationState);
    const schemeEvents: DomainEvent[] = [
      openedEvent("verduurzamen-2025"),
      { type: "BudgetTrancheReleased", data: { schemeId: "verduurzamen-2025", schemeVersion: "v", budgetLineId: "board-reserve", amountCents: 1, boardDecision: "d" } },
    ];

    // Act
    const after = schemeEvents.map((event) => evolveApplication(state, event));
    const fromScratch = schemeEvents.reduce(evolveApplication, initialApplicationState);

    // Assess
    for (const s of after) expect(s).toBe(state);
    expect(fromScratch).toBe(initialApplicationState);
  });

  it("evolveScheme returns the same state for ApplicationRegistered", () => {
    // Prepare
    const state = [openedEvent("verduurzamen-2025")].reduce(evolveScheme, initialSchemeState);
    const [registered] = accepted(application.given([]).when((s) => decideRegisterApplication(s, registration(), scheme("technohubs-2020"))));

    // Act
    const after = evolveScheme(state, registered!);
    const fromScratch = evolveScheme(initialSchemeState, registered!);

    // Assess
    expect(after).toBe(state);
    expect(fromScratch).toBe(initialSchemeState);
  });

  it("evolveScheme ignores a tranche for a line the scheme does not have, and a tranche before opening", () => {
    // Prepare
    const open = [openedEvent("verduurzamen-2025")].reduce(evolveScheme, initialSchemeState);
    const stray: DomainEvent = {
      type: "BudgetTrancheReleased",
      data: { schemeId: "verduurzamen-2025", schemeVersion: "v", budgetLineId: "yacht", amountCents: 5, boardDecision: "d" },
    };

    // Act / Assess
    expect(evolveScheme(open, stray)).toBe(open);
    expect(evolveScheme(initialSchemeState, stray)).toBe(initialSchemeState);
  });
});
