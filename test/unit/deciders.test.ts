import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ApplicationState,
  type CommitteeDecision,
  type RegisterApplication,
  decideAssess,
  decideCommitteeDecision,
  decideIssueAwardLetter,
  decideLapse,
  decideReceiveSections,
  decideRecordCompleteness,
  decideRecordDetails,
  decideRegisterApplication,
  decideReportProjectStart,
  decideWithdraw,
  evolveApplication,
  initialApplicationState,
} from "../../domain/application.ts";
import { type BudgetLineState, availableCents, committedCents, evolveBudgetLine, initialBudgetLineState, isBudgetEvent, reservedCents } from "../../domain/budget.ts";
import type { Decision } from "../../domain/decision.ts";
import { type SchemeUnderDecision, decideOpenScheme, decideReleaseBudgetTranche, initialSchemeState } from "../../domain/scheme.ts";
import { type DomainEvent, type DomainEventOf, type EventData, eventCatalogue } from "../../events/index.ts";
import { accepted, refused as refusedAsIs, schemeUnderDecision as scheme } from "../support/decisions.ts";

type Details = EventData<"ApplicationDetailsRecorded">;
type Answers = Record<string, { answer: boolean; note?: string }>;

const technohubs = scheme("technohubs-2020");
const verduurzamen = scheme("verduurzamen-2025");
const sterk = scheme("sterk-techniekonderwijs-2020");

// ---------------------------------------------------------------------------------------------
// Given / when / then

/** Given the application's stream and its budget line's stream, each folded with its evolve function, when a decider runs. */
function given(application: ReadonlyArray<DomainEvent>, line: ReadonlyArray<DomainEvent> = []) {
  const applicationState = application.reduce(evolveApplication, initialApplicationState);
  const lineState = line.reduce(evolveBudgetLine, initialBudgetLineState);
  return { when: <E>(decide: (application: ApplicationState, line: BudgetLineState) => Decision<E>) => decide(applicationState, lineState) };
}


/** The refusal, and the events recorded with it (none for a plain refusal). */
function refused<E>(decision: Decision<E>) {
  const { refusal, events } = refusedAsIs(decision);
  return { refusal, events: events ?? [] };
}

const types = (events: ReadonlyArray<DomainEvent>) => events.map((e) => e.type);
const foldApplication = (events: ReadonlyArray<DomainEvent>) => events.reduce(evolveApplication, initialApplicationState);
const foldLine = (events: ReadonlyArray<DomainEvent>) => events.reduce(evolveBudgetLine, initialBudgetLineState);

/**
 * An application's stream, its budget line's stream (shared between applications) and its grant's
 * stream: each decision's events go where the command handler appends them.
 */
class Streams {
  readonly application: DomainEvent[] = [];
  readonly grant: DomainEvent[] = [];
  constructor(readonly line: DomainEvent[]) {}

  /** Decides on the current histories and records what the decision records (also a refusal's events). */
  decide(decide: (application: ApplicationState, line: BudgetLineState) => Decision<DomainEvent>): Decision<DomainEvent> {
    const decision = given(this.application, this.line).when(decide);
    for (const event of decision.events ?? []) {
      if (isBudgetEvent(event)) this.line.push(event);
      else if (event.type === "GrantOpened") this.grant.push(event);
      else this.application.push(event);
    }
    return decision;
  }

  /** Like `decide`, but the step must be accepted (setting up a history). */
  must(decide: (application: ApplicationState, line: BudgetLineState) => Decision<DomainEvent>): ReadonlyArray<DomainEvent> {
    return accepted(this.decide(decide));
  }

  get state() {
    return foldApplication(this.application);
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the real schemes, the 2021 Woerden execution application, the 2025 round

/** A budget line's stream as opening the scheme starts it. */
function openedLine(s: SchemeUnderDecision, budgetLineId: string): DomainEvent[] {
  const decision = decideOpenScheme(initialSchemeState, s);
  return accepted(decision).filter((e) => e.type === "BudgetLineOpened" && e.data.budgetLineId === budgetLineId);
}

/** The technohubs line with only `available` cents left: the rest reserved by earlier awards. */
function technohubsLineWith(available: number): DomainEvent[] {
  const line = openedLine(technohubs, "technohubs");
  const taken = 612_000_000 - available;
  if (taken > 0) line.push({ type: "BudgetReserved", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-earlier", amountCents: taken } });
  return line;
}

const woerden = (overrides: Partial<RegisterApplication> = {}): RegisterApplication => ({
  applicationId: "app-woerden",
  instrumentId: "execution",
  technohub: { name: "TechnoHUB Woerden", region: "Utrecht-West" },
  applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000,
  receivedAt: "2021-02-01T09:30:00.000Z",
  sectionIds: ["application-form", "proposal"],
  ...overrides,
});

/** Eligible execution costs of EUR 585,000.00 (plus EUR 120,000.00 of excluded hardware): maximum 409,500.00. */
const executionDetails = (applicationId = "app-woerden", overrides: Partial<Details> = {}): Details => ({
  applicationId,
  plannedStartDate: "2021-03-01",
  plannedEndDate: "2022-12-31",
  applicantAffiliated: true,
  leadApplicant: null,
  costLines: [
    { lineId: "staff", categoryId: "company-staff", description: "Company staff developing the hub", amountCents: 30_000_000, external: null },
    { lineId: "marketing", categoryId: "regional-marketing", description: "Regional marketing", amountCents: 8_500_000, external: null },
    { lineId: "teachers", categoryId: "hybrid-teachers", description: "Hybrid teachers", amountCents: 20_000_000, external: null },
    { lineId: "lathes", categoryId: "hardware", description: "Two CNC lathes", amountCents: 12_000_000, external: null },
  ],
  coFinancing: [],
  partners: [],
  totalPlanCostsCents: null,
  ...overrides,
});

const committee = (overrides: Partial<CommitteeDecision> = {}): CommitteeDecision => ({
  applicationId: "app-woerden",
  roundId: "2021-02-15",
  decision: "award",
  membersPresent: ["FME", "FNV", "CNV"],
  decidedOn: "2021-03-01",
  ...overrides,
});

/** Registered with all sections, recorded complete (queued) and with details; not yet assessed. */
function queuedApplication(
  line: DomainEvent[],
  options: { s?: SchemeUnderDecision; registration?: RegisterApplication; details?: Details } = {},
): Streams {
  const s = options.s ?? technohubs;
  const registration = options.registration ?? woerden();
  const streams = new Streams(line);
  streams.must((a, l) => decideRegisterApplication(a, registration, s, l));
  streams.must((a) => decideRecordCompleteness(a, { applicationId: registration.applicationId, complete: true }, s));
  streams.must((a) => decideRecordDetails(a, options.details ?? executionDetails(registration.applicationId)));
  return streams;
}

/** Queued and assessed: what the committee decides on. */
function assessedApplication(
  line: DomainEvent[],
  options: { s?: SchemeUnderDecision; registration?: RegisterApplication; details?: Details; answers?: Answers } = {},
): Streams {
  const streams = queuedApplication(line, options);
  const applicationId = (options.registration ?? woerden()).applicationId;
  streams.must((a) => decideAssess(a, { applicationId, others: [], answers: options.answers ?? {} }, options.s ?? technohubs));
  return streams;
}

/** Awarded by the committee; the award reserved on the line. */
function awardedApplication(line: DomainEvent[], amountCents?: number, registration?: RegisterApplication): Streams {
  const streams = assessedApplication(line, registration ? { registration } : {});
  streams.must((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: registration?.applicationId ?? "app-woerden", ...(amountCents === undefined ? {} : { amountCents }) }), technohubs));
  return streams;
}

const verduurzamenSections = ["hub-description", "objectives", "activities", "success-elements", "budget"];
const allYes: Answers = { "statutory-goals": { answer: true }, "services-annual-plan": { answer: true }, fundable: { answer: true }, "affiliated-companies-involved": { answer: true }, "project-plan": { answer: true } };
const hub2025 = (applicationId: string, name: string, instrumentId: "hub-top" | "hub-middle"): RegisterApplication => ({
  applicationId,
  instrumentId,
  technohub: { name, region: null },
  applicant: { companyName: `${name} BV`, chamberOfCommerceNumber: null },
  requestedAmountCents: instrumentId === "hub-top" ? 8_000_000 : 3_000_000,
  receivedAt: "2025-04-15T08:00:00.000Z",
  sectionIds: verduurzamenSections,
});
const details2025 = (applicationId: string, leadApplicant: Details["leadApplicant"]): Details => ({
  applicationId,
  plannedStartDate: "2025-07-01",
  plannedEndDate: "2026-06-30",
  applicantAffiliated: null,
  leadApplicant,
  costLines: [],
  coFinancing: [],
  partners: [],
  totalPlanCostsCents: null,
});

// ---------------------------------------------------------------------------------------------

describe("RegisterApplication (R-TH-01, R-TH-09, R-X-05)", () => {
  const line = openedLine(technohubs, "technohubs");

  it("R-TH-09 within the term, registering yields ApplicationRegistered with the scheme version and the arrival time", () => {
    // Act
    const events = accepted(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ sectionIds: undefined }), technohubs, l)));

    // Assess
    expect(events).toEqual([
      {
        type: "ApplicationRegistered",
        data: {
          applicationId: "app-woerden",
          schemeId: "technohubs-2020",
          schemeVersion: technohubs.version,
          instrumentId: "execution",
          technohub: { name: "TechnoHUB Woerden", region: "Utrecht-West" },
          applicant: { companyName: "Metaal Woerden BV", chamberOfCommerceNumber: "12345678" },
          requestedAmountCents: 40_950_000,
          receivedAt: "2021-02-01T09:30:00.000Z",
        },
      },
    ]);
    expect(foldApplication(events).status).toBe("registered");
  });

  it("R-TH-09 sections arriving with the registration are recorded as received at the registration's arrival", () => {
    // Act
    const events = accepted(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ sectionIds: ["application-form"] }), technohubs, l)));

    // Assess
    expect(types(events)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived"]);
    expect(events[1]!.data).toEqual({ applicationId: "app-woerden", sectionIds: ["application-form"], receivedAt: "2021-02-01T09:30:00.000Z", documents: [] });
    const state = foldApplication(events);
    expect(state.sections).toEqual(["application-form"]);
    expect(state.lastArrival).toBe("2021-02-01T09:30:00.000Z");
  });

  it("R-TH-01 R-X-05 arriving after the term closes is refused 'late' and recorded: ApplicationRegistered + ApplicationRefused", () => {
    // Act
    const { refusal, events } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ receivedAt: "2021-07-01T08:00:00.000Z" }), technohubs, l)));

    // Assess
    const reason = "the intake of technohubs-2020 closed on 2021-06-30; this application arrived on 2021-07-01";
    expect(refusal).toEqual({ code: "closed", reason, ruleIds: ["R-TH-01"] });
    expect(types(events)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ApplicationRefused"]);
    expect(events[2]!.data).toEqual({ applicationId: "app-woerden", code: "late", reason, ruleIds: ["R-TH-01"] });
    const state = foldApplication(events);
    expect(state.status).toBe("refused");
    expect(state.refusal).toEqual({ code: "late", reason });
    expect(state.registration?.requestedAmountCents).toBe(40_950_000);
    expect(state.sections).toEqual(["application-form", "proposal"]);
  });

  it("R-TH-01 dates are scheme-local: 2021-06-30T22:30:00Z is already 2021-07-01 in Europe/Amsterdam, so late", () => {
    // Act
    const { events } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ receivedAt: "2021-06-30T22:30:00.000Z" }), technohubs, l)));

    // Assess
    expect(events.at(-1)).toMatchObject({ type: "ApplicationRefused", data: { code: "late", reason: expect.stringContaining("arrived on 2021-07-01") } });
  });

  it("R-TH-01 the last local second of 2021-06-30 (21:59:59.999Z in summer time) is still within the term", () => {
    // Act
    const decision = given([], line).when((a, l) => decideRegisterApplication(a, woerden({ receivedAt: "2021-06-30T21:59:59.999Z" }), technohubs, l));

    // Assess
    expect(types(accepted(decision))).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived"]);
  });

  it("R-TH-01 R-X-05 arriving before the term opens is refused 'intake-closed' and recorded", () => {
    // Act
    const { refusal, events } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ receivedAt: "2019-12-31T22:59:59.999Z" }), technohubs, l)));

    // Assess
    expect(refusal.code).toBe("closed");
    expect(refusal.reason).toBe("the intake of technohubs-2020 opens on 2020-01-01; this application arrived on 2019-12-31");
    expect(events.at(-1)).toMatchObject({ type: "ApplicationRefused", data: { code: "intake-closed", ruleIds: ["R-TH-01"] } });
    expect(events[0]!.type).toBe("ApplicationRegistered");
  });

  it("R-TH-01 midnight in Amsterdam on 2020-01-01 (23:00Z on 31 December) is within the term", () => {
    // Act
    const decision = given([], line).when((a, l) => decideRegisterApplication(a, woerden({ receivedAt: "2019-12-31T23:00:00.000Z" }), technohubs, l));

    // Assess
    expect(decision.outcome).toBe("accepted");
  });

  it("R-TH-01 R-X-05 after the budget line's intake closed, a submission is refused 'budget-exhausted' and recorded with its sections", () => {
    // Prepare
    const closedLine: DomainEvent[] = [
      ...technohubsLineWith(100_000),
      { type: "BudgetLineIntakeClosed", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", availableCents: 100_000, reason: "could not cover application app-x" } },
    ];

    // Act
    const { refusal, events } = refused(given([], closedLine).when((a, l) => decideRegisterApplication(a, woerden(), technohubs, l)));

    // Assess
    const reason = "the budget technohubs of technohubs-2020 is exhausted; its intake closed before this application arrived";
    expect(refusal).toEqual({ code: "budget-exhausted", reason, ruleIds: ["R-TH-01", "R-X-02"] });
    expect(types(events)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ApplicationRefused"]);
    expect(events[2]!.data).toEqual({ applicationId: "app-woerden", code: "budget-exhausted", reason, ruleIds: ["R-TH-01", "R-X-02"] });
  });

  it("R-VD-01 verduurzamen-2025 opens on 2025-04-15, the date of the regeling", () => {
    // Act
    const onTime = given([], openedLine(verduurzamen, "hub-top")).when((a, l) => decideRegisterApplication(a, hub2025("app-tint", "Technohub TINT", "hub-top"), verduurzamen, l));
    const early = given([], openedLine(verduurzamen, "hub-top")).when((a, l) =>
      decideRegisterApplication(a, { ...hub2025("app-tint", "Technohub TINT", "hub-top"), receivedAt: "2025-04-14T12:00:00.000Z" }, verduurzamen, l),
    );

    // Assess
    expect(onTime.outcome).toBe("accepted");
    expect(refused(early).events.at(-1)).toMatchObject({ type: "ApplicationRefused", data: { code: "intake-closed" } });
  });

  it("R-ST-01 a Sterk regional plan arriving on 2019-04-01 is late (plans were due before 2019-04-01)", () => {
    // Act
    const { events } = refused(
      given([], openedLine(sterk, "regional-plans")).when((a, l) =>
        decideRegisterApplication(a, { ...woerden(), instrumentId: "regional-plan", sectionIds: undefined, receivedAt: "2019-04-01T07:00:00.000Z" }, sterk, l),
      ),
    );

    // Assess
    expect(events.at(-1)).toMatchObject({ type: "ApplicationRefused", data: { code: "late" } });
  });

  it("given the application is registered, registering it again is refused already-exists and records nothing", () => {
    // Prepare
    const history = accepted(given([], line).when((a, l) => decideRegisterApplication(a, woerden(), technohubs, l)));

    // Act
    const { refusal, events } = refused(given(history, line).when((a, l) => decideRegisterApplication(a, woerden(), technohubs, l)));

    // Assess
    expect(refusal).toEqual({ code: "already-exists", reason: "application app-woerden is already registered" });
    expect(events).toEqual([]);
  });

  it("R-X-05 an instrument the scheme does not have is refused invalid, listing the scheme's instruments", () => {
    // Act
    const { refusal } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ instrumentId: "hub-top" }), technohubs, l)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "scheme technohubs-2020 has no instrument hub-top", details: { instruments: ["planning", "execution"] } });
  });

  it("R-X-05 a section the scheme does not know is refused invalid, listing the scheme's sections", () => {
    // Act
    const { refusal } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ sectionIds: ["proposal", "selfie"] }), technohubs, l)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "unknown sections: selfie", details: { sections: ["application-form", "proposal"] } });
  });
});

describe("completeness and the queue (R-TH-09, R-VD-03, R-ST-01)", () => {
  const line = openedLine(technohubs, "technohubs");
  const registeredWith = (sectionIds: string[] | undefined, overrides: Partial<RegisterApplication> = {}) =>
    accepted(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ sectionIds, ...overrides }), technohubs, l)));

  it("R-TH-09 recording complete while sections are missing is refused, naming them", () => {
    // Act
    const { refusal, events } = refused(given(registeredWith(["application-form"])).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "cannot be complete: no proposal received", ruleIds: ["R-TH-09"], details: { missingSectionIds: ["proposal"] } });
    expect(events).toEqual([]);
  });

  it("R-TH-09 R-TH-10 recording complete with every section queues it: completed and first received at the registration, in the first round", () => {
    // Act
    const events = accepted(given(registeredWith(["application-form", "proposal"])).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs)));

    // Assess
    expect(events).toEqual([
      {
        type: "ApplicationQueued",
        data: {
          applicationId: "app-woerden",
          completedAt: "2021-02-01T09:30:00.000Z",
          firstReceivedAt: "2021-02-01T09:30:00.000Z",
          roundId: "2021-02-15",
          queueKey: "2021-02-01T09:30:00.000Z|2021-02-01T09:30:00.000Z|app-woerden",
          schemeVersion: technohubs.version,
        },
      },
    ]);
  });

  it("R-TH-09 recording incomplete with the missing sections yields ApplicationFoundIncomplete; it waits outside the queue", () => {
    // Act
    const events = accepted(
      given(registeredWith(["application-form"])).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: false, missingSectionIds: ["proposal"], note: "the proposal was not attached" }, technohubs)),
    );

    // Assess
    expect(events).toEqual([{ type: "ApplicationFoundIncomplete", data: { applicationId: "app-woerden", missingSectionIds: ["proposal"], note: "the proposal was not attached" } }]);
    const state = foldApplication([...registeredWith(["application-form"]), ...events]);
    expect(state.status).toBe("incomplete");
    expect(state.missing).toEqual(["proposal"]);
    expect(state.queued).toBeUndefined();
  });

  it("R-TH-09 recording incomplete without naming what is missing, or naming a section of no application, is refused invalid", () => {
    // Prepare
    const history = registeredWith(["application-form"]);

    // Act
    const unnamed = refused(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: false }, technohubs)));
    const unknown = refused(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: false, missingSectionIds: ["hub-description"] }, technohubs)));

    // Assess
    expect(unnamed.refusal).toMatchObject({ code: "invalid", reason: "name the missing sections" });
    expect(unknown.refusal).toMatchObject({ code: "invalid", reason: "not sections of this application: hub-description" });
  });

  it("R-TH-09 R-TH-10 the piece that supplies the last missing section queues it: completedAt = its arrival, firstReceivedAt = the registration, round by completion", () => {
    // Prepare: registered on 2021-02-10 with the form; the proposal arrives on 2021-02-16
    const history: DomainEvent[] = [...registeredWith(["application-form"], { receivedAt: "2021-02-10T09:00:00.000Z" })];
    history.push(...accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: false, missingSectionIds: ["proposal"] }, technohubs))));

    // Act
    const events = accepted(given(history).when((a) => decideReceiveSections(a, { applicationId: "app-woerden", sectionIds: ["proposal"], receivedAt: "2021-02-16T08:15:00.000Z" }, technohubs)));

    // Assess
    expect(types(events)).toEqual(["ApplicationSectionsReceived", "ApplicationQueued"]);
    expect(events[1]!.data).toEqual({
      applicationId: "app-woerden",
      completedAt: "2021-02-16T08:15:00.000Z",
      firstReceivedAt: "2021-02-10T09:00:00.000Z",
      roundId: "2021-03-15",
      queueKey: "2021-02-16T08:15:00.000Z|2021-02-10T09:00:00.000Z|app-woerden",
      schemeVersion: technohubs.version,
    });
    const state = foldApplication([...history, ...events]);
    expect(state.status).toBe("queued");
    expect(state.queued).toEqual({ roundId: "2021-03-15", completedAt: "2021-02-16T08:15:00.000Z" });
    expect(state.missing).toEqual([]);
  });

  it("R-VD-03 a verduurzamen-2025 application missing D and E stays incomplete when D arrives and is queued when E arrives", () => {
    // Prepare
    const history: DomainEvent[] = [
      ...accepted(
        given([], openedLine(verduurzamen, "hub-top")).when((a, l) =>
          decideRegisterApplication(a, { ...hub2025("app-mira", "Technohub MIRA", "hub-top"), sectionIds: ["hub-description", "objectives", "activities"] }, verduurzamen, l),
        ),
      ),
    ];
    history.push(...accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-mira", complete: false, missingSectionIds: ["success-elements", "budget"] }, verduurzamen))));

    // Act
    const afterD = accepted(given(history).when((a) => decideReceiveSections(a, { applicationId: "app-mira", sectionIds: ["success-elements"], receivedAt: "2025-04-20T10:00:00.000Z" }, verduurzamen)));
    const afterE = accepted(given([...history, ...afterD]).when((a) => decideReceiveSections(a, { applicationId: "app-mira", sectionIds: ["budget"], receivedAt: "2025-04-22T10:00:00.000Z" }, verduurzamen)));

    // Assess
    expect(types(afterD)).toEqual(["ApplicationSectionsReceived"]);
    expect(foldApplication([...history, ...afterD])).toMatchObject({ status: "incomplete", missing: ["budget"] });
    expect(types(afterE)).toEqual(["ApplicationSectionsReceived", "ApplicationQueued"]);
    expect(afterE[1]!.data).toMatchObject({ completedAt: "2025-04-22T10:00:00.000Z", firstReceivedAt: "2025-04-15T08:00:00.000Z", roundId: "2025-06-12" });
  });

  it("R-ST-01 a Sterk regional plan without its co-financing section cannot be recorded complete", () => {
    // Prepare
    const history = accepted(
      given([], openedLine(sterk, "regional-plans")).when((a, l) =>
        decideRegisterApplication(a, { ...woerden(), instrumentId: "regional-plan", receivedAt: "2019-03-01T10:00:00.000Z", sectionIds: ["regional-plan", "budget"] }, sterk, l),
      ),
    );

    // Act
    const { refusal } = refused(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, sterk)));

    // Assess
    expect(refusal.details).toEqual({ missingSectionIds: ["co-financing"] });
  });

  it("R-TH-09 queue keys order by completion, then first arrival (the tie rule), not by first arrival alone", () => {
    // Prepare: A arrived first but completed last; B and C completed at the same instant, C arrived first
    const queue = (id: string, first: string, completed: string) => {
      const history: DomainEvent[] = [...registeredWith(["application-form"], { applicationId: id, receivedAt: first })];
      history.push(...accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: id, complete: false, missingSectionIds: ["proposal"] }, technohubs))));
      const events = accepted(given(history).when((a) => decideReceiveSections(a, { applicationId: id, sectionIds: ["proposal"], receivedAt: completed }, technohubs)));
      const queued = events.find((e): e is DomainEventOf<"ApplicationQueued"> => e.type === "ApplicationQueued");
      if (!queued) throw new Error(`${id} was not queued`);
      return queued.data;
    };
    const a = queue("app-a", "2021-01-05T09:00:00.000Z", "2021-02-12T09:00:00.000Z");
    const b = queue("app-b", "2021-01-20T09:00:00.000Z", "2021-02-10T14:00:00.000Z");
    const c = queue("app-c", "2021-01-10T09:00:00.000Z", "2021-02-10T14:00:00.000Z");

    // Act
    const order = [a, b, c].sort((x, y) => (x.queueKey < y.queueKey ? -1 : x.queueKey > y.queueKey ? 1 : 0)).map((q) => q.applicationId);

    // Assess
    expect(order).toEqual(["app-c", "app-b", "app-a"]);
  });

  it("R-TH-10 planning complete after 2021-04-27 has no round: recorded as ApplicationRefused 'no-round'", () => {
    // Prepare
    const history = registeredWith(["application-form", "proposal"], { instrumentId: "planning", requestedAmountCents: 1_000_000, receivedAt: "2021-04-28T08:00:00.000Z" });

    // Act
    const events = accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs)));

    // Assess
    expect(events).toEqual([
      { type: "ApplicationRefused", data: { applicationId: "app-woerden", code: "no-round", reason: "no committee round for planning is left after 2021-04-28", ruleIds: ["R-TH-10"] } },
    ]);
    expect(foldApplication([...history, ...events]).refusal?.code).toBe("no-round");
  });

  it("R-TH-10 execution complete on the same day goes to the last execution round 2021-06-01", () => {
    // Prepare
    const history = registeredWith(["application-form", "proposal"], { receivedAt: "2021-04-28T08:00:00.000Z" });

    // Act
    const events = accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs)));

    // Assess
    expect(events[0]).toMatchObject({ type: "ApplicationQueued", data: { roundId: "2021-06-01" } });
  });

  it("R-TH-09 a queued application cannot be recorded complete or incomplete again", () => {
    // Prepare
    const history: DomainEvent[] = [...registeredWith(["application-form", "proposal"])];
    history.push(...accepted(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs))));

    // Act
    const { refusal } = refused(given(history).when((a) => decideRecordCompleteness(a, { applicationId: "app-woerden", complete: true }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "closed", reason: "application app-woerden is already queued" });
  });

  it("R-X-05 completeness for an application that does not exist is refused not-found", () => {
    expect(refused(given([]).when((a) => decideRecordCompleteness(a, { applicationId: "app-x", complete: true }, technohubs))).refusal).toEqual({
      code: "not-found",
      reason: "there is no application app-x",
    });
  });
});

describe("AssessApplication (R-TH-02..R-TH-08, R-VD-05, R-VD-07)", () => {
  it("R-TH-09 only complete applications are assessed: a registered one is refused", () => {
    // Prepare
    const history = accepted(given([], openedLine(technohubs, "technohubs")).when((a, l) => decideRegisterApplication(a, woerden(), technohubs, l)));

    // Act
    const { refusal } = refused(given(history).when((a) => decideAssess(a, { applicationId: "app-woerden", others: [], answers: {} }, technohubs)));

    // Assess
    expect(refusal).toMatchObject({ code: "invalid", ruleIds: ["R-TH-09"] });
  });

  it("R-TH-02 R-TH-03 an eligible execution application: checks met, hardware excluded, maximum 409,500.00 with its derivation", () => {
    // Prepare
    const streams = queuedApplication(technohubsLineWith(612_000_000));

    // Act
    const [assessed] = accepted(given(streams.application).when((a) => decideAssess(a, { applicationId: "app-woerden", others: [], answers: {} }, technohubs)));

    // Assess
    expect(assessed?.type).toBe("ApplicationAssessed");
    const data = assessed!.data;
    expect(data.eligible).toBe(true);
    expect(data.checks.map((c) => [c.checkId, c.outcome])).toEqual([
      ["affiliated-applicant", "met"],
      ["start-after-arrival", "met"],
      ["one-per-hub-per-instrument", "met"],
      ["region-named", "met"],
      ["execution-starts-before-july", "met"],
    ]);
    expect(data.eligibleCostsCents).toBe(58_500_000);
    expect(data.excludedCosts).toEqual([{ lineId: "lathes", excludedCents: 12_000_000, reason: "Hardware is excluded from the grant (R-TH-03).", ruleIds: ["R-TH-03"] }]);
    expect(data.maximumAmountCents).toBe(40_950_000);
    expect(data.derivation.formula).toBe("min(70% x 585,000.00, 500,000.00) = 409,500.00 [R-TH-02, R-TH-11, R-TH-04]");
    expect(data.schemeVersion).toBe(technohubs.version);
  });

  it("R-TH-08 the assessment shows the other applications in the same region, not itself nor other regions", () => {
    // Prepare
    const streams = queuedApplication(technohubsLineWith(612_000_000));
    const others = [
      { applicationId: "app-woerden", technohub: "TechnoHUB Woerden", region: "Utrecht-West", instrumentId: "execution", receivedAt: "2021-02-01T09:30:00.000Z", status: "queued" },
      { applicationId: "app-utrecht", technohub: "Techniek Utrecht", region: "utrecht-west", instrumentId: "planning", receivedAt: "2020-10-01T09:30:00.000Z", status: "awarded" },
      { applicationId: "app-twente", technohub: "Technohub Twente", region: "Twente", instrumentId: "execution", receivedAt: "2020-10-01T09:30:00.000Z", status: "queued" },
    ];

    // Act
    const [assessed] = accepted(given(streams.application).when((a) => decideAssess(a, { applicationId: "app-woerden", others, answers: {} }, technohubs)));

    // Assess
    expect(assessed!.data.regionOverlap).toEqual([{ applicationId: "app-utrecht", technohub: "Techniek Utrecht", status: "awarded" }]);
  });

  it("R-VD-05 R-VD-07 a 2025 application with a penvoerder and all answers yes is eligible up to EUR 80,000.00", () => {
    // Prepare
    const registration = hub2025("app-tint", "Technohub TINT", "hub-top");
    const streams = queuedApplication(openedLine(verduurzamen, "hub-top"), { s: verduurzamen, registration, details: details2025("app-tint", { companyName: "TINT Metaal BV", metalektroCompany: true }) });

    // Act
    const [assessed] = accepted(given(streams.application).when((a) => decideAssess(a, { applicationId: "app-tint", others: [], answers: allYes }, verduurzamen)));

    // Assess
    expect(assessed!.data.eligible).toBe(true);
    expect(assessed!.data.checks.every((c) => c.outcome === "met")).toBe(true);
    expect(assessed!.data.maximumAmountCents).toBe(8_000_000);
  });

  it("R-VD-05 an unanswered question leaves the check unknown, and an unknown check makes the application not eligible", () => {
    // Prepare
    const registration = hub2025("app-tint", "Technohub TINT", "hub-top");
    const streams = queuedApplication(openedLine(verduurzamen, "hub-top"), { s: verduurzamen, registration, details: details2025("app-tint", { companyName: "TINT Metaal BV", metalektroCompany: true }) });
    const { fundable: _, ...withoutC } = allYes;

    // Act
    const [assessed] = accepted(given(streams.application).when((a) => decideAssess(a, { applicationId: "app-tint", others: [], answers: withoutC }, verduurzamen)));

    // Assess
    expect(assessed!.data.checks.find((c) => c.checkId === "fundable")?.outcome).toBe("unknown");
    expect(assessed!.data.eligible).toBe(false);
  });
});

describe("R-VD-02 a tier is meant for so many hubs", () => {
  it("R-VD-02 a fifth hub-middle grant is refused even with money left on the line (at most 4 middle hubs)", () => {
    // Prepare: four middle hubs awarded EUR 10,000.00 each, leaving EUR 80,000.00 on the EUR 120,000.00 line.
    let line = openedLine(verduurzamen, "hub-middle");
    const awardOne = (n: number) => {
      const registration = hub2025(`app-mid-${n}`, `Technohub Midden ${n}`, "hub-middle");
      const streams = queuedApplication(line, { s: verduurzamen, registration, details: details2025(registration.applicationId, { companyName: `Midden ${n} BV`, metalektroCompany: true }) });
      streams.must((a) => decideAssess(a, { applicationId: registration.applicationId, others: [], answers: allYes }, verduurzamen));
      return given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: registration.applicationId, roundId: "2025-06-12", amountCents: 1_000_000, decidedOn: "2025-06-12" }), verduurzamen));
    };
    for (let n = 1; n <= 4; n++) line = [...line, ...accepted(awardOne(n)).filter((e) => e.type.startsWith("Budget"))];

    // Act
    const { refusal: fifth, events } = refused(awardOne(5));

    // Assess
    expect(fifth.code).toBe("closed");
    expect(fifth.reason).toBe("hub-middle is for at most 4 hubs and has 4 grants");
    expect(fifth.ruleIds).toContain("R-VD-02");
    expect(events).toEqual([]);
  });
});

describe("CommitteeDecision and the budget (R-X-02, R-TH-01, R-TH-10)", () => {
  it("R-X-02 an award reserves its amount on the line in the same decision: AwardGranted + BudgetReserved", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(events).toEqual([
      {
        type: "AwardGranted",
        data: {
          applicationId: "app-woerden",
          roundId: "2021-02-15",
          membersPresent: ["FME", "FNV", "CNV"],
          decidedOn: "2021-03-01",
          amountCents: 40_950_000,
          budgetLineId: "technohubs",
          derivation: expect.objectContaining({ formula: "min(70% x 585,000.00, 500,000.00) = 409,500.00 [R-TH-02, R-TH-11, R-TH-04]; awarded 409,500.00" }),
        },
      },
      { type: "BudgetReserved", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-woerden", amountCents: 40_950_000 } },
    ]);
    const line = foldLine([...streams.line, ...events]);
    expect(line.reserved).toEqual({ "app-woerden": 40_950_000 });
    expect(availableCents(line)).toBe(612_000_000 - 40_950_000);
    expect(foldApplication([...streams.application, ...events]).award).toEqual({ amountCents: 40_950_000, budgetLineId: "technohubs", roundId: "2021-02-15" });
  });

  it("R-TH-02 without an amount the award is min(maximum, requested): a request below the maximum gets what it asked", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"), { registration: woerden({ requestedAmountCents: 30_000_000 }) });

    // Act
    const events = accepted(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(events[0]).toMatchObject({ type: "AwardGranted", data: { amountCents: 30_000_000 } });
    expect(events[1]).toMatchObject({ type: "BudgetReserved", data: { amountCents: 30_000_000 } });
  });

  it("R-TH-02 without an amount, a request above the maximum gets the maximum", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"), { registration: woerden({ requestedAmountCents: 60_000_000 }) });

    // Act
    const events = accepted(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(events[0]).toMatchObject({ type: "AwardGranted", data: { amountCents: 40_950_000 } });
  });

  it("R-TH-02 an amount one cent above the maximum is refused, quoting the derivation", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal, events } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ amountCents: 40_950_001 }), technohubs)));

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(refusal.reason).toBe("EUR 409,500.01 is above the maximum of EUR 409,500.00: min(70% x 585,000.00, 500,000.00) = 409,500.00 [R-TH-02, R-TH-11, R-TH-04]");
    expect(refusal.ruleIds).toEqual(["R-TH-02", "R-TH-11", "R-TH-04"]);
    expect(events).toEqual([]);
  });

  it("R-TH-10 an award without an assessment is refused", () => {
    // Prepare
    const streams = queuedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "application app-woerden has not been assessed" });
  });

  it("R-TH-05 R-TH-06 an award on an ineligible assessment is refused 'ineligible', naming the failing checks and their rules", () => {
    // Prepare: not affiliated, and the project started before the application arrived
    const streams = assessedApplication(openedLine(technohubs, "technohubs"), { details: executionDetails("app-woerden", { applicantAffiliated: false, plannedStartDate: "2021-01-15" }) });

    // Act
    const { refusal, events } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal).toEqual({
      code: "ineligible",
      reason:
        "the assessment found it ineligible: Metaal Woerden BV is not affiliated with A+O Metalektro; planned start 2021-01-15 is before the application arrived (2021-02-01)",
      ruleIds: ["R-TH-05", "R-TH-06"],
    });
    expect(events).toEqual([]);
  });

  it("R-VD-07 Technohub Logistics Lab without a penvoerder cannot be awarded its EUR 30,000.00", () => {
    // Prepare
    const registration = hub2025("app-logistics-lab", "Technohub Logistics Lab", "hub-middle");
    const streams = assessedApplication(openedLine(verduurzamen, "hub-middle"), { s: verduurzamen, registration, details: details2025("app-logistics-lab", null), answers: allYes });

    // Act
    const { refusal } = refused(
      given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: "app-logistics-lab", roundId: "2025-06-12", decidedOn: "2025-06-12" }), verduurzamen)),
    );

    // Assess
    expect(refusal.code).toBe("ineligible");
    expect(refusal.reason).toContain("no lead applicant (penvoerder) is named");
    expect(refusal.ruleIds).toEqual(["R-VD-07"]);
  });

  it("R-X-02 R-TH-01 insufficient budget is refused 'budget-exhausted' WITH events: ApplicationRefused + BudgetLineIntakeClosed", () => {
    // Prepare: EUR 100,000.00 left on the line
    const streams = assessedApplication(technohubsLineWith(10_000_000));

    // Act
    const { refusal, events } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    const reason = "budget technohubs has EUR 100,000.00 left, not enough for EUR 409,500.00";
    expect(refusal).toEqual({ code: "budget-exhausted", reason, ruleIds: ["R-X-02", "R-TH-01"], details: { availableCents: 10_000_000 } });
    expect(events).toEqual([
      { type: "ApplicationRefused", data: { applicationId: "app-woerden", code: "budget-exhausted", reason, ruleIds: ["R-X-02", "R-TH-01"] } },
      { type: "BudgetLineIntakeClosed", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", availableCents: 10_000_000, reason: "could not cover application app-woerden (EUR 409,500.00)" } },
    ]);
    const line = foldLine([...streams.line, ...events.filter(isBudgetEvent)]);
    expect(line.intakeClosed).toBe(true);
    expect(reservedCents(line)).toBe(612_000_000 - 10_000_000);
  });

  it("R-TH-01 when the intake is already closed, a budget refusal does not close it again", () => {
    // Prepare
    const line = technohubsLineWith(10_000_000);
    const first = assessedApplication(line, { registration: woerden({ applicationId: "app-first", receivedAt: "2021-01-20T09:00:00.000Z" }) });
    const second = assessedApplication(line);
    first.decide((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: "app-first" }), technohubs));
    expect(foldLine(line).intakeClosed).toBe(true);

    // Act
    const { refusal, events } = refused(given(second.application, line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal.code).toBe("budget-exhausted");
    expect(types(events)).toEqual(["ApplicationRefused"]);
  });

  it("R-TH-01 R-X-02 the award that uses the last cent also closes the intake", () => {
    // Prepare: exactly EUR 409,500.00 left
    const streams = assessedApplication(technohubsLineWith(40_950_000));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(types(events)).toEqual(["AwardGranted", "BudgetReserved", "BudgetLineIntakeClosed"]);
    expect(events[2]!.data).toEqual({ schemeId: "technohubs-2020", budgetLineId: "technohubs", availableCents: 0, reason: "fully awarded with application app-woerden" });
    const line = foldLine([...streams.line, ...events.filter(isBudgetEvent)]);
    expect(availableCents(line)).toBe(0);
    expect(line.intakeClosed).toBe(true);
  });

  it("R-X-02 an award one cent above what the line has left is refused: the line is never over-committed", () => {
    // Prepare: EUR 409,499.99 left
    const streams = assessedApplication(technohubsLineWith(40_949_999));

    // Act
    const { refusal, events } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal).toMatchObject({ code: "budget-exhausted", reason: "budget technohubs has EUR 409,499.99 left, not enough for EUR 409,500.00" });
    expect(types(events)).toEqual(["ApplicationRefused", "BudgetLineIntakeClosed"]);
  });

  it("R-TH-01 an award that leaves one cent keeps the intake open", () => {
    // Prepare
    const streams = assessedApplication(technohubsLineWith(40_950_001));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(types(events)).toEqual(["AwardGranted", "BudgetReserved"]);
  });

  it("R-TH-01 once the intake closed for lack of budget, the next submission is recorded and refused 'budget-exhausted'", () => {
    // Prepare
    const line = technohubsLineWith(10_000_000);
    assessedApplication(line).decide((a, l) => decideCommitteeDecision(a, l, committee(), technohubs));

    // Act
    const { events } = refused(given([], line).when((a, l) => decideRegisterApplication(a, woerden({ applicationId: "app-tint", receivedAt: "2021-04-02T09:00:00.000Z" }), technohubs, l)));

    // Assess
    expect(events.at(-1)).toMatchObject({ type: "ApplicationRefused", data: { applicationId: "app-tint", code: "budget-exhausted" } });
  });

  it("R-X-02 an application refused for budget can be awarded once money returns to the line", () => {
    // Prepare: refused for budget, then the earlier award is withdrawn
    const line = technohubsLineWith(10_000_000);
    const streams = assessedApplication(line);
    refused(streams.decide((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));
    line.push({ type: "BudgetReleased", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-earlier", amountCents: 602_000_000, from: "reserved", reason: "withdrawn" } });

    // Act
    const events = accepted(given(streams.application, line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(types(events)).toEqual(["AwardGranted", "BudgetReserved"]);
    const state = foldApplication([...streams.application, ...events]);
    expect(state.status).toBe("awarded");
    expect(state.refusal).toBeUndefined();
  });

  it("R-ST-01 Sterk does not close on exhaustion: a budget refusal records only ApplicationRefused", () => {
    // Prepare
    const line = openedLine(sterk, "regional-plans");
    line.push({ type: "BudgetReserved", data: { schemeId: "sterk-techniekonderwijs-2020", budgetLineId: "regional-plans", applicationId: "app-other-regions", amountCents: 40_000_000_000 - 100 } });
    const registration: RegisterApplication = {
      ...woerden(),
      applicationId: "app-zhz",
      instrumentId: "regional-plan",
      technohub: { name: "Regio Zuid-Holland Zuid", region: "STO19042" },
      requestedAmountCents: 250_000_000,
      receivedAt: "2019-03-01T10:00:00.000Z",
      sectionIds: ["regional-plan", "budget", "co-financing"],
    };
    const details: Details = {
      ...details2025("app-zhz", null),
      partners: [
        { name: "Vmbo De Linie", kindId: "vmbo-school" },
        { name: "Da Vinci College", kindId: "mbo-institution" },
        { name: "Damen Shipyards", kindId: "regional-company" },
      ],
      coFinancing: [{ partner: "Damen Shipyards", kindId: "financial", amountCents: 50_000_000 }],
      totalPlanCostsCents: 500_000_000,
    };
    const streams = assessedApplication(line, { s: sterk, registration, details });

    // Act
    const { refusal, events } = refused(given(streams.application, line).when((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: "app-zhz", roundId: "regional-plans-2019", decidedOn: "2019-07-01" }), sterk)));

    // Assess
    expect(refusal.code).toBe("budget-exhausted");
    expect(types(events)).toEqual(["ApplicationRefused"]);
  });

  it("R-TH-10 a decision in another round than the one the application is scheduled for is refused", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ roundId: "2021-03-15" }), technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "application app-woerden is scheduled for round 2021-02-15, not 2021-03-15", ruleIds: ["R-TH-10"] });
  });

  it("R-TH-10 a rejection needs reasons; with reasons it yields ApplicationRejected and moves no money", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const without = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ decision: "reject" }), technohubs)));
    const withReasons = accepted(
      given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee({ decision: "reject", reasons: ["overlaps with an existing initiative in the region"] }), technohubs)),
    );

    // Assess
    expect(without.refusal).toEqual({ code: "invalid", reason: "a rejection states its reasons" });
    expect(withReasons).toEqual([
      {
        type: "ApplicationRejected",
        data: { applicationId: "app-woerden", roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV"], decidedOn: "2021-03-01", reasons: ["overlaps with an existing initiative in the region"], ruleIds: ["R-TH-10"] },
      },
    ]);
  });

  it("R-TH-10 an application that is not queued (only registered) cannot be decided", () => {
    // Prepare
    const history = accepted(given([], openedLine(technohubs, "technohubs")).when((a, l) => decideRegisterApplication(a, woerden(), technohubs, l)));

    // Act
    const { refusal } = refused(given(history, openedLine(technohubs, "technohubs")).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "application app-woerden is registered; only queued applications are decided" });
  });

  it("R-X-02 an awarded application cannot be awarded twice", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal } = refused(given(streams.application, streams.line).when((a, l) => decideCommitteeDecision(a, l, committee(), technohubs)));

    // Assess
    expect(refusal.code).toBe("invalid");
    expect(foldLine(streams.line).reserved).toEqual({ "app-woerden": 40_950_000 });
  });

  it("R-X-02 property: for any sequence of awards, withdrawals, award letters and tranches, reserved + committed never exceeds released", () => {
    // Prepare: eight assessed execution applications (maximum 409,500.00 each), built once
    const templates = Array.from({ length: 8 }, (_, i) => {
      const registration = woerden({ applicationId: `app-${i}`, technohub: { name: `Technohub ${i}`, region: `Region ${i}` } });
      return assessedApplication(openedLine(technohubs, "technohubs"), { registration }).application;
    });
    const command = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("award" as const), app: fc.nat(7), amount: fc.option(fc.integer({ min: 1, max: 40_950_000 }), { nil: undefined }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), app: fc.nat(7) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("letter" as const), app: fc.nat(7) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("tranche" as const), amount: fc.integer({ min: 1, max: 60_000_000 }) }) },
      // What the line has left, give or take a cent: the edges of over-commitment
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("award-rest" as const), app: fc.nat(7), offset: fc.constantFrom(-1, 0, 1) }) },
    );

    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000_000 }), fc.array(command, { maxLength: 30 }), (initiallyReleased, commands) => {
        const line: DomainEvent[] = [
          { type: "BudgetLineOpened", data: { schemeId: "technohubs-2020", schemeVersion: technohubs.version, budgetLineId: "technohubs", name: "Technohubs", amountCents: 612_000_000, releasedCents: initiallyReleased } },
        ];
        const applications = templates.map((history) => {
          const streams = new Streams(line);
          streams.application.push(...history);
          return streams;
        });

        for (const c of commands) {
          // Act
          if (c.kind === "tranche") {
            const decision = decideReleaseBudgetTranche(foldLine(line), { budgetLineId: "technohubs", amountCents: c.amount, boardDecision: "board" }, technohubs);
            if (decision.outcome === "accepted") line.push(...decision.events);
          } else {
            const streams = applications[c.app]!;
            const id = `app-${c.app}`;
            if (c.kind === "award") streams.decide((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: id, ...(c.amount === undefined ? {} : { amountCents: c.amount }) }), technohubs));
            if (c.kind === "award-rest") {
              const amountCents = Math.min(40_950_000, Math.max(1, availableCents(foldLine(line)) + c.offset));
              streams.decide((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: id, amountCents }), technohubs));
            }
            if (c.kind === "withdraw") streams.decide((a) => decideWithdraw(a, { applicationId: id, reason: "withdrawn" }, technohubs));
            if (c.kind === "letter") streams.decide((a) => decideIssueAwardLetter(a, { applicationId: id, issuedOn: "2021-03-15" }, technohubs));
          }

          // Assess
          const state = foldLine(line);
          expect(reservedCents(state) + committedCents(state)).toBeLessThanOrEqual(state.releasedCents);
          expect(availableCents(state)).toBeGreaterThanOrEqual(0);
        }

        // Assess: the line holds exactly the money of the live awards
        applications.forEach((streams, i) => {
          const application = streams.state;
          const id = `app-${i}`;
          const state = foldLine(line);
          expect(state.reserved[id], `${id} ${application.status}`).toBe(application.status === "awarded" ? application.award?.amountCents : undefined);
          expect(state.committed[id], `${id} ${application.status}`).toBe(application.status === "granted" ? application.award?.amountCents : undefined);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe("after the award: withdrawal, award letter, start and lapse (R-TH-11, R-TH-13, R-VD-04, R-X-02)", () => {
  it("R-X-02 withdrawing an awarded application releases its reservation (from 'reserved')", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideWithdraw(a, { applicationId: "app-woerden", reason: "the hub merged with another" }, technohubs)));

    // Assess
    expect(events).toEqual([
      { type: "ApplicationWithdrawn", data: { applicationId: "app-woerden", reason: "the hub merged with another", releasedCents: 40_950_000 } },
      { type: "BudgetReleased", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-woerden", amountCents: 40_950_000, from: "reserved", reason: "withdrawn" } },
    ]);
    const line = foldLine([...streams.line, ...events.filter(isBudgetEvent)]);
    expect(availableCents(line)).toBe(612_000_000);
    expect(line.reserved).toEqual({});
  });

  it("R-X-02 withdrawing after the award letter releases the commitment (from 'committed')", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));
    streams.must((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideWithdraw(a, { applicationId: "app-woerden", reason: "no longer feasible" }, technohubs)));

    // Assess
    expect(events[1]).toEqual({
      type: "BudgetReleased",
      data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-woerden", amountCents: 40_950_000, from: "committed", reason: "withdrawn" },
    });
    const line = foldLine([...streams.line, ...events.filter(isBudgetEvent)]);
    expect(line.committed).toEqual({});
    expect(availableCents(line)).toBe(612_000_000);
  });

  it("R-VD-07 withdrawing without an award (Logistics Lab, no penvoerder) releases nothing; a second withdrawal is refused closed", () => {
    // Prepare
    const registration = hub2025("app-logistics-lab", "Technohub Logistics Lab", "hub-middle");
    const streams = assessedApplication(openedLine(verduurzamen, "hub-middle"), { s: verduurzamen, registration, details: details2025("app-logistics-lab", null), answers: allYes });

    // Act
    const events = accepted(given(streams.application).when((a) => decideWithdraw(a, { applicationId: "app-logistics-lab", reason: "no penvoerder found" }, verduurzamen)));
    const again = refused(given([...streams.application, ...events]).when((a) => decideWithdraw(a, { applicationId: "app-logistics-lab", reason: "again" }, verduurzamen)));

    // Assess
    expect(events).toEqual([{ type: "ApplicationWithdrawn", data: { applicationId: "app-logistics-lab", reason: "no penvoerder found", releasedCents: 0 } }]);
    expect(again.refusal).toEqual({ code: "closed", reason: "application app-logistics-lab is withdrawn" });
  });

  it("R-TH-13 the award letter records the scheme's commitments, commits the reservation and opens the grant", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs)));

    // Assess
    expect(types(events)).toEqual(["AwardLetterIssued", "BudgetCommitted", "GrantOpened"]);
    expect(events[0]!.data).toEqual({
      applicationId: "app-woerden",
      grantId: "app-woerden",
      amountCents: 40_950_000,
      issuedOn: "2021-03-10",
      commitments: [
        { commitmentId: "ozone-library", description: "Teaching material developed with the grant is made available in the public oZone library.", ruleIds: ["R-TH-13"] },
        { commitmentId: "monitoring-and-knowledge-sharing", description: "Participants in the technohub cooperate with monitoring and knowledge sharing.", ruleIds: ["R-TH-13"] },
      ],
    });
    expect(events[1]!.data).toEqual({ schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-woerden", amountCents: 40_950_000 });
    expect(events[2]!.data).toMatchObject({
      grantId: "app-woerden",
      applicationId: "app-woerden",
      schemeId: "technohubs-2020",
      schemeVersion: technohubs.version,
      instrumentId: "execution",
      budgetLineId: "technohubs",
      technohub: "TechnoHUB Woerden",
      amountCents: 40_950_000,
      openedOn: "2021-03-10",
    });
    const line = foldLine([...streams.line, ...events.filter(isBudgetEvent)]);
    expect([reservedCents(line), committedCents(line)]).toEqual([0, 40_950_000]);
    expect(foldApplication([...streams.application, ...events])).toMatchObject({ status: "granted", grantId: "app-woerden" });
  });

  it("R-VD-04 a 2025 award letter records both knowledge sessions and the oZone module", () => {
    // Prepare
    const registration = hub2025("app-tint", "Technohub TINT", "hub-top");
    const streams = assessedApplication(openedLine(verduurzamen, "hub-top"), { s: verduurzamen, registration, details: details2025("app-tint", { companyName: "TINT Metaal BV", metalektroCompany: true }), answers: allYes });
    streams.must((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: "app-tint", roundId: "2025-06-12", decidedOn: "2025-06-12" }), verduurzamen));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideIssueAwardLetter(a, { applicationId: "app-tint", issuedOn: "2025-06-20" }, verduurzamen)));

    // Assess
    const letter = events.find((e): e is DomainEventOf<"AwardLetterIssued"> => e.type === "AwardLetterIssued")!;
    expect(letter.data.amountCents).toBe(8_000_000);
    expect(letter.data.commitments.map((c) => [c.commitmentId, c.ruleIds])).toEqual([
      ["knowledge-sessions", ["R-VD-04"]],
      ["ozone-module", ["R-VD-04"]],
    ]);
    expect(events.find((e) => e.type === "BudgetCommitted")?.data).toMatchObject({ budgetLineId: "hub-top", amountCents: 8_000_000 });
  });

  it("the award letter is refused without an award, and a second letter is refused already-exists", () => {
    // Prepare
    const queued = assessedApplication(openedLine(technohubs, "technohubs"));
    const granted = awardedApplication(openedLine(technohubs, "technohubs"));
    granted.must((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs));

    // Act
    const noAward = refused(given(queued.application).when((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs)));
    const second = refused(given(granted.application).when((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-11" }, technohubs)));

    // Assess
    expect(noAward.refusal).toEqual({ code: "invalid", reason: "application app-woerden has no award" });
    expect(second.refusal).toEqual({ code: "already-exists", reason: "the award letter for app-woerden was issued already" });
  });

  it("R-TH-11 an unstarted execution award cannot lapse on or before 2021-06-30, the latest start date", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal, events } = refused(given(streams.application).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-06-30" }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "the project may still start until 2021-06-30", ruleIds: ["R-TH-11"] });
    expect(events).toEqual([]);
  });

  it("R-TH-11 an execution award not started by 2021-06-30 lapses on 2021-07-01 and its reservation is released 'lapsed'", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-07-01" }, technohubs)));

    // Assess
    expect(events).toEqual([
      { type: "AwardLapsed", data: { applicationId: "app-woerden", latestStartDate: "2021-06-30", lapsedOn: "2021-07-01", releasedCents: 40_950_000, ruleIds: ["R-TH-11"] } },
      { type: "BudgetReleased", data: { schemeId: "technohubs-2020", budgetLineId: "technohubs", applicationId: "app-woerden", amountCents: 40_950_000, from: "reserved", reason: "lapsed" } },
    ]);
    expect(foldApplication([...streams.application, ...events]).status).toBe("lapsed");
    expect(availableCents(foldLine([...streams.line, ...events.filter(isBudgetEvent)]))).toBe(612_000_000);
  });

  it("R-TH-11 a granted award (letter issued) that lapses releases its commitment", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));
    streams.must((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs));

    // Act
    const events = accepted(given(streams.application, streams.line).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-07-02" }, technohubs)));

    // Assess
    expect(events[1]).toMatchObject({ type: "BudgetReleased", data: { from: "committed", reason: "lapsed" } });
    expect(committedCents(foldLine([...streams.line, ...events.filter(isBudgetEvent)]))).toBe(0);
  });

  it("R-TH-11 a project that started (by 2021-06-30) does not lapse", () => {
    // Prepare
    const streams = awardedApplication(openedLine(technohubs, "technohubs"));
    streams.must((a) => decideReportProjectStart(a, { applicationId: "app-woerden", startedOn: "2021-05-03" }));

    // Act
    const { refusal } = refused(given(streams.application).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-07-01" }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "the project started on 2021-05-03", ruleIds: ["R-TH-11"] });
  });

  it("R-TH-11 a planning award has no latest start date, so it cannot lapse", () => {
    // Prepare
    const registration = woerden({ instrumentId: "planning", requestedAmountCents: 1_000_000 });
    const streams = assessedApplication(openedLine(technohubs, "technohubs"), {
      registration,
      details: executionDetails("app-woerden", { plannedEndDate: "2021-05-31", costLines: [{ lineId: "lead", categoryId: "project-leader", description: "Project leader", amountCents: 1_200_000, external: null }] }),
    });
    streams.must((a, l) => decideCommitteeDecision(a, l, committee(), technohubs));

    // Act
    const { refusal } = refused(given(streams.application).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-08-01" }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "awards for planning have no latest start date", ruleIds: ["R-TH-11"] });
  });

  it("R-TH-11 lapse is refused for an application without an award", () => {
    // Prepare
    const streams = assessedApplication(openedLine(technohubs, "technohubs"));

    // Act
    const { refusal } = refused(given(streams.application).when((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-07-01" }, technohubs)));

    // Assess
    expect(refusal).toEqual({ code: "invalid", reason: "application app-woerden has no award that could lapse" });
  });

  it("R-TH-11 a start is reported once, and only for an award", () => {
    // Prepare
    const queued = assessedApplication(openedLine(technohubs, "technohubs"));
    const started = awardedApplication(openedLine(technohubs, "technohubs"));
    const first = started.must((a) => decideReportProjectStart(a, { applicationId: "app-woerden", startedOn: "2021-05-03" }));

    // Act
    const noAward = refused(given(queued.application).when((a) => decideReportProjectStart(a, { applicationId: "app-woerden", startedOn: "2021-05-03" })));
    const again = refused(given(started.application).when((a) => decideReportProjectStart(a, { applicationId: "app-woerden", startedOn: "2021-05-04" })));

    // Assess
    expect(first).toEqual([{ type: "ProjectStarted", data: { applicationId: "app-woerden", startedOn: "2021-05-03" } }]);
    expect(noAward.refusal.code).toBe("invalid");
    expect(again.refusal).toEqual({ code: "already-exists", reason: "the project started on 2021-05-03" });
  });
});

describe("the events the deciders record satisfy the event contract (R-X-01)", () => {
  it("every event of a full technohubs history, refusals included, parses under the current contract", () => {
    // Prepare: a late submission, an award, a budget refusal that closes the intake, a letter and a lapse
    const line = technohubsLineWith(50_000_000);
    const late = new Streams(line);
    late.decide((a, l) => decideRegisterApplication(a, woerden({ applicationId: "app-late", receivedAt: "2021-07-02T08:00:00.000Z" }), technohubs, l));
    const awarded = awardedApplication(line);
    awarded.must((a) => decideIssueAwardLetter(a, { applicationId: "app-woerden", issuedOn: "2021-03-10" }, technohubs));
    const short = assessedApplication(line, { registration: woerden({ applicationId: "app-short", technohub: { name: "Technohub Twente", region: "Twente" } }) });
    short.decide((a, l) => decideCommitteeDecision(a, l, committee({ applicationId: "app-short" }), technohubs));
    awarded.must((a) => decideLapse(a, { applicationId: "app-woerden", today: "2021-07-01" }, technohubs));
    const all = [...late.application, ...awarded.application, ...awarded.grant, ...short.application, ...line];

    // Act / Assess
    expect(new Set(types(all))).toEqual(
      new Set([
        "ApplicationRegistered",
        "ApplicationSectionsReceived",
        "ApplicationRefused",
        "ApplicationQueued",
        "ApplicationDetailsRecorded",
        "ApplicationAssessed",
        "AwardGranted",
        "AwardLetterIssued",
        "GrantOpened",
        "AwardLapsed",
        "BudgetLineOpened",
        "BudgetReserved",
        "BudgetCommitted",
        "BudgetReleased",
        "BudgetLineIntakeClosed",
      ]),
    );
    for (const event of all) {
      expect(eventCatalogue.parse(event.type, eventCatalogue.currentVersion(event.type), event.data), event.type).toEqual(event.data);
    }
  });
});
