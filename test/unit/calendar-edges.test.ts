import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIRST_DATE, LAST_DATE, addDays, daysBetween, localDate } from "../../domain/calendar.ts";
import { deadlineStatus, decisionDeadline } from "../../domain/rounds.ts";
import { CalendarDate, Instant } from "../../events/index.ts";
import { schemeUnderDecision } from "../support/decisions.ts";

/**
 * The calendar is total over what the schemas accept: every instant Instant accepts (years 0000 to
 * 9999) has a local date written YYYY-MM-DD, and day arithmetic never leaves the four-digit years.
 * Found by the route fuzz: an application received at 9999-12-31T23:59:59.999Z or at
 * 0000-01-01T00:00:00.000Z (recorded and refused as late or early, R-TH-01) made
 * GET /schemes/{id}/decision-deadlines answer 500 for its whole scheme (RangeError in addDays).
 */
const instants = fc
  .oneof(
    fc.date({ min: new Date("0000-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }),
    fc.constantFrom(new Date("0000-01-01T00:00:00.000Z"), new Date("9999-12-31T23:59:59.999Z"), new Date("9999-12-31T22:59:59.999Z"), new Date("2021-06-30T22:00:00.000Z"), new Date("1582-10-10T12:00:00.000Z")),
  )
  .map((d) => d.toISOString());
const dates = instants.map((t) => t.slice(0, 10));
const zones = fc.constantFrom("Europe/Amsterdam", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago");
const isDate = (d: string) => CalendarDate.safeParse(d).success;

describe("the calendar at the edges of the ISO years", () => {
  it("property: every instant the Instant schema accepts has a local date the CalendarDate schema accepts, within a day of its UTC date", () => {
    fc.assert(
      fc.property(instants, zones, (instant, zone) => {
        expect(Instant.safeParse(instant).success).toBe(true);
        const local = localDate(instant, zone);
        expect(isDate(local), `${instant} in ${zone} -> ${local}`).toBe(true);
        const utc = instant.slice(0, 10);
        if (local !== LAST_DATE && local !== FIRST_DATE) expect(Math.abs(daysBetween(utc, local))).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3_000 },
    );
  });

  it("property: in UTC the local date is the instant's own date, proleptic Gregorian down to year 0", () => {
    fc.assert(
      fc.property(instants, (instant) => {
        expect(localDate(instant, "UTC")).toBe(instant.slice(0, 10));
      }),
      { numRuns: 3_000 },
    );
  });

  it("property: local dates never run backwards as instants run forwards", () => {
    fc.assert(
      fc.property(instants, instants, zones, (a, b, zone) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(localDate(early, zone) <= localDate(late, zone)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: addDays stays a four-digit date; inside the years it moves exactly that many days, outside it holds at 0000-01-01 or 9999-12-31", () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: -1_000, max: 1_000 }), (date, days) => {
        const moved = addDays(date, days);
        expect(isDate(moved), `${date} + ${days} -> ${moved}`).toBe(true);
        if (moved !== FIRST_DATE && moved !== LAST_DATE) expect(daysBetween(date, moved)).toBe(days);
        if (days >= 0) expect(moved >= date).toBe(true);
        else expect(moved <= date).toBe(true);
      }),
      { numRuns: 3_000 },
    );
    expect(addDays("9999-12-31", 28)).toBe(LAST_DATE);
    expect(addDays("0000-01-01", -1)).toBe(FIRST_DATE);
    expect(localDate("9999-12-31T23:59:59.999Z", "Europe/Amsterdam")).toBe(LAST_DATE);
    expect(localDate("0000-01-01T00:00:00.000Z", "Europe/Amsterdam")).toBe("0000-01-01");
  });

  it("R-VD-06 property: every received instant has a decision deadline of two dates, and a status for any day", () => {
    const verduurzamen = schemeUnderDecision("verduurzamen-2025").definition;
    fc.assert(
      fc.property(instants, dates, (receivedAt, today) => {
        const deadline = decisionDeadline(receivedAt, verduurzamen)!;
        expect(isDate(deadline.dueOn) && isDate(deadline.warnFrom)).toBe(true);
        expect(deadline.warnFrom <= deadline.dueOn).toBe(true);
        expect(["on-time", "nearing", "overdue"]).toContain(deadlineStatus(deadline, today));
      }),
      { numRuns: 2_000 },
    );
  });
});
