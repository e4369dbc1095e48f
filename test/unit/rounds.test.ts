import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deadlineStatus, decisionDeadline, queueKey, roundFor } from "../../domain/rounds.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

function definition(id: string) {
  const scheme = bundledSchemes().get(id);
  if (!scheme) throw new Error(`scheme ${id} is not bundled`);
  return scheme.definition;
}
const technohubs = definition("technohubs-2020");
const verduurzamen = definition("verduurzamen-2025");
const sterk = definition("sterk-techniekonderwijs-2020");

describe("roundFor (R-TH-10)", () => {
  it.each([
    ["an application complete in 2020 goes to the first round", "execution", "2020-11-02T10:00:00.000Z", "2021-02-15"],
    ["complete on the deadline day is on time (the deadline is inclusive)", "execution", "2021-02-15T12:00:00.000Z", "2021-02-15"],
    ["complete at 23:59:59.999 Amsterdam time on the deadline day is on time", "planning", "2021-02-15T22:59:59.999Z", "2021-02-15"],
    ["complete at 00:00 Amsterdam time the next day (still the 15th in UTC) goes to the next round", "planning", "2021-02-15T23:00:00.000Z", "2021-03-15"],
    ["a completion on 2021-02-16 goes to 2021-03-15", "execution", "2021-02-16T09:00:00.000Z", "2021-03-15"],
    ["complete on 2021-04-27 (summer time: 23:59 local) goes to the 2021-04-27 round", "planning", "2021-04-27T21:59:59.999Z", "2021-04-27"],
    ["execution complete after 2021-04-27 goes to the last execution round 2021-06-01", "execution", "2021-04-28T08:00:00.000Z", "2021-06-01"],
    ["execution complete on 2021-06-01 is on time for the last round", "execution", "2021-06-01T20:00:00.000Z", "2021-06-01"],
  ])("R-TH-10 %s", (_, instrumentId, completedAt, roundId) => {
    // Act
    const round = roundFor(technohubs, instrumentId, completedAt);

    // Assess
    expect(round?.id).toBe(roundId);
  });

  it.each([
    ["planning complete after 2021-04-27 (the last planning round) has no round", "planning", "2021-04-28T08:00:00.000Z"],
    ["planning complete at 00:00 Amsterdam summer time on 2021-04-28 has no round", "planning", "2021-04-27T22:00:00.000Z"],
    ["execution complete after 2021-06-01 has no round", "execution", "2021-06-02T08:00:00.000Z"],
    ["an instrument the scheme does not have has no round", "hub-top", "2021-01-10T08:00:00.000Z"],
  ])("R-TH-10 %s", (_, instrumentId, completedAt) => {
    expect(roundFor(technohubs, instrumentId, completedAt)).toBeUndefined();
  });

  it("R-VD-06 verduurzamen-2025 has one round (meeting 2025-06-12) with deadline 2025-05-15 for both tiers", () => {
    // Act / Assess
    expect(roundFor(verduurzamen, "hub-top", "2025-04-15T08:00:00.000Z")?.id).toBe("2025-06-12");
    expect(roundFor(verduurzamen, "hub-middle", "2025-05-15T21:59:59.999Z")?.id).toBe("2025-06-12");
    expect(roundFor(verduurzamen, "hub-middle", "2025-05-15T22:00:00.000Z")).toBeUndefined();
  });

  it("R-ST-01 plans due before 2019-04-01 go to the 2019 round; a plan on 2019-04-01 has none", () => {
    // Act / Assess
    expect(roundFor(sterk, "regional-plan", "2019-03-31T21:59:59.999Z")?.id).toBe("regional-plans-2019");
    expect(roundFor(sterk, "regional-plan", "2019-03-31T22:00:00.000Z")).toBeUndefined();
  });

  it("R-TH-10 property: the round found takes the instrument, its deadline is met, and no earlier round would have done", () => {
    const instants = fc.date({ min: new Date("2020-01-01T00:00:00.000Z"), max: new Date("2021-07-31T00:00:00.000Z"), noInvalidDate: true }).map((d) => d.toISOString());
    fc.assert(
      fc.property(fc.constantFrom("planning", "execution"), instants, (instrumentId, completedAt) => {
        // Prepare
        const completedOn = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(completedAt));

        // Act
        const round = roundFor(technohubs, instrumentId, completedAt);

        // Assess
        const candidates = technohubs.committeeRounds.filter((r) => r.instrumentIds.includes(instrumentId) && completedOn <= r.submissionDeadline);
        if (!round) {
          expect(candidates).toEqual([]);
          return;
        }
        expect(round.instrumentIds).toContain(instrumentId);
        expect(completedOn <= round.submissionDeadline).toBe(true);
        for (const c of candidates) expect(round.submissionDeadline <= c.submissionDeadline).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("queueKey (R-TH-09)", () => {
  it("R-TH-09 the queue orders by the arrival of the completing piece, then by first arrival, then by id", () => {
    // Prepare: (completedAt, firstReceivedAt, id)
    const completedLate = queueKey("2021-02-10T09:00:00.000Z", "2021-02-01T09:00:00.000Z", "app-a");
    const completedOnArrival = queueKey("2021-02-05T09:00:00.000Z", "2021-02-05T09:00:00.000Z", "app-b");
    const tieFirstArrivedLater = queueKey("2021-02-10T09:00:00.000Z", "2021-02-03T09:00:00.000Z", "app-c");
    const tieSameFirstArrival = queueKey("2021-02-10T09:00:00.000Z", "2021-02-01T09:00:00.000Z", "app-0");

    // Act
    const order = [completedLate, tieFirstArrivedLater, completedOnArrival, tieSameFirstArrival].sort();

    // Assess: b completed first although a arrived first; a and c complete together, a arrived first
    expect(order).toEqual([completedOnArrival, tieSameFirstArrival, completedLate, tieFirstArrivedLater]);
  });

  it("R-TH-09 property: sorting the text keys equals sorting by (completedAt, firstReceivedAt, id)", () => {
    const instant = fc.date({ min: new Date("2000-01-01T00:00:00.000Z"), max: new Date("2099-12-31T23:59:59.999Z"), noInvalidDate: true }).map((d) => d.toISOString());
    const entry = fc.record({ completedAt: instant, firstReceivedAt: instant, id: fc.stringMatching(/^app-[a-z0-9]{1,8}$/) });
    fc.assert(
      fc.property(entry, entry, (a, b) => {
        // Act: what a store sorting the keys as text (code units, e.g. DynamoDB) does
        const byKey = Math.sign(compare(queueKey(a.completedAt, a.firstReceivedAt, a.id), queueKey(b.completedAt, b.firstReceivedAt, b.id)));

        // Assess: the order of the instants themselves, then the id
        const byTuple = Math.sign(compare(Date.parse(a.completedAt), Date.parse(b.completedAt)) || compare(Date.parse(a.firstReceivedAt), Date.parse(b.firstReceivedAt)) || compare(a.id, b.id));
        expect(byKey).toBe(byTuple);
      }),
      { numRuns: 1_000 },
    );
  });
});

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

describe("decisionDeadline and deadlineStatus (R-VD-06)", () => {
  it("R-VD-06 verduurzamen-2025: the decision is due 28 days after arrival, nearing 7 days before", () => {
    // Act
    const deadline = decisionDeadline("2025-04-15T08:00:00.000Z", verduurzamen);

    // Assess
    expect(deadline).toEqual({ dueOn: "2025-05-13", warnFrom: "2025-05-06" });
  });

  it("R-VD-06 the arrival date is the Amsterdam date: 22:30 UTC on 14 April is 15 April", () => {
    expect(decisionDeadline("2025-04-14T22:30:00.000Z", verduurzamen)).toEqual({ dueOn: "2025-05-13", warnFrom: "2025-05-06" });
  });

  it("R-VD-06 the deadline crosses month and year ends by the calendar", () => {
    expect(decisionDeadline("2025-12-20T10:00:00.000Z", verduurzamen)).toEqual({ dueOn: "2026-01-17", warnFrom: "2026-01-10" });
  });

  it.each([
    ["2025-04-20", "on-time"],
    ["2025-05-05", "on-time"],
    ["2025-05-06", "nearing"],
    ["2025-05-13", "nearing"],
    ["2025-05-14", "overdue"],
  ] as const)("R-VD-06 on %s an application that arrived on 2025-04-15 is %s", (today, status) => {
    // Prepare
    const deadline = decisionDeadline("2025-04-15T08:00:00.000Z", verduurzamen)!;

    // Act / Assess
    expect(deadlineStatus(deadline, today)).toBe(status);
  });

  it("R-VD-06 schemes without a decision deadline (technohubs-2020, sterk) have none", () => {
    expect(decisionDeadline("2021-02-01T09:00:00.000Z", technohubs)).toBeUndefined();
    expect(decisionDeadline("2019-03-01T09:00:00.000Z", sterk)).toBeUndefined();
  });
});
