import fc from "fast-check";
import * as z from "zod";
import { describe, expect, it } from "vitest";
import { ApplicationRegisteredV1, ApplicationRegisteredV2, eurosToCentsHalfUp } from "../../events/application-events.ts";
import { EventCatalogue, EventSchemaViolation, UnknownEventType, eventVersion } from "../../events/contract.ts";
import { currentEvents, eventCatalogue } from "../../events/index.ts";

const v2Payload = () => ({
  applicationId: "app-1",
  schemeId: "technohubs-2020",
  schemeVersion: "sha256:abc",
  instrumentId: "execution",
  technohub: { name: "TechnoHUB Woerden", region: "Utrecht" },
  applicant: { companyName: "Metaal BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000,
  receivedAt: "2021-02-01T09:30:00.000Z",
});

const v1Payload = () => ({
  applicationId: "app-old",
  schemeId: "technohubs-2020",
  instrument: "planning",
  technohubName: "Technohub TINT",
  applicantCompany: "Oude Metaal BV",
  requestedAmountEuros: 9999.99,
  receivedAt: "2020-03-02T08:00:00.000Z",
});

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, none was thrown");
}

describe("event catalogue: current versions", () => {
  it("parses a current-version ApplicationRegistered payload unchanged", () => {
    // Prepare
    const payload = v2Payload();

    // Act
    const parsed = eventCatalogue.parse("ApplicationRegistered", 2, payload);

    // Assess
    expect(parsed).toEqual(payload);
    expect(eventCatalogue.currentVersion("ApplicationRegistered")).toBe(2);
  });

  it("parses a current-version SchemeOpened payload (R-VD-02 budget lines kept one by one)", () => {
    // Prepare
    const payload = {
      schemeId: "verduurzamen-2025",
      schemeVersion: "sha256:def",
      title: "Verduurzamen Technohubs",
      budgetLines: [
        { budgetLineId: "hub-top", name: "Top hubs", amountCents: 40_000_000, releasedCents: 40_000_000 },
        { budgetLineId: "board-reserve", name: "Board reserve", amountCents: 81_750_000, releasedCents: 0 },
      ],
    };

    // Act
    const parsed = eventCatalogue.parse("SchemeOpened", 1, payload);

    // Assess
    expect(parsed).toEqual(payload);
  });

  it("knows exactly the current event types, each at the version the domain writes", () => {
    // Act
    const types = eventCatalogue.types();

    // Assess
    expect(types).toEqual(Object.keys(currentEvents).sort());
    for (const [name, version] of Object.entries(currentEvents)) {
      expect(version.type).toBe(name);
      expect(eventCatalogue.currentVersion(name)).toBe(version.version);
    }
  });
});

describe("event catalogue: upcasting ApplicationRegistered v1 to v2", () => {
  it("turns euros into integer cents, the bare hub name into {name, region: null} and records the scheme version as unrecorded", () => {
    // Prepare
    const payload = v1Payload();

    // Act
    const parsed = eventCatalogue.parse("ApplicationRegistered", 1, payload);

    // Assess
    expect(parsed).toEqual({
      applicationId: "app-old",
      schemeId: "technohubs-2020",
      schemeVersion: "unrecorded",
      instrumentId: "planning",
      technohub: { name: "Technohub TINT", region: null },
      applicant: { companyName: "Oude Metaal BV", chamberOfCommerceNumber: null },
      requestedAmountCents: 999_999,
      receivedAt: "2020-03-02T08:00:00.000Z",
    });
    expect(ApplicationRegisteredV2.schema.safeParse(parsed).success).toBe(true);
  });

  it("rounds a v1 amount of 1.005 euros half up to 101 cents (where Math.round(x * 100) gives 100)", () => {
    // Prepare
    const payload = { ...v1Payload(), requestedAmountEuros: 1.005 };

    // Act
    const parsed = eventCatalogue.parse("ApplicationRegistered", 1, payload) as { requestedAmountCents: number };

    // Assess
    expect(Math.round(1.005 * 100)).toBe(100);
    expect(parsed.requestedAmountCents).toBe(101);
  });

  it("validates the v1 payload against the v1 schema before upcasting (a v2-shaped payload labelled v1 is a violation)", () => {
    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationRegistered", 1, v2Payload()));

    // Assess
    expect(error).toBeInstanceOf(EventSchemaViolation);
    expect((error as EventSchemaViolation).schemaVersion).toBe(1);
    expect(ApplicationRegisteredV1.schema.safeParse(v2Payload()).success).toBe(false);
  });
});

describe("eurosToCentsHalfUp", () => {
  it.each([
    [1.005, 101],
    [0.1 + 0.2, 30],
    [0.3 - 0.1, 20],
    [1.1 * 3, 330],
    [1234.56, 123_456],
    [0.005, 1],
    [0.004999, 0],
    [2.675, 268],
    [0, 0],
    [10_000, 1_000_000],
    [500_000.5, 50_000_050],
  ])("converts %s euros to exactly %s cents", (euros, cents) => {
    // Act
    const result = eurosToCentsHalfUp(euros);

    // Assess
    expect(result).toBe(cents);
    expect(Number.isSafeInteger(result)).toBe(true);
  });

  it("property: for every whole number of cents c in 0..1e11, eurosToCentsHalfUp(c / 100) === c", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000 }), (cents) => {
        expect(eurosToCentsHalfUp(cents / 100)).toBe(cents);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: the result is within half a cent of the euros, rounding a third decimal of 5 or more up", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (tenthsOfCents) => {
        // Prepare: a value with exactly three decimals, e.g. 12.345
        const euros = tenthsOfCents / 1000;
        const expected = Math.floor(tenthsOfCents / 10) + (tenthsOfCents % 10 >= 5 ? 1 : 0);

        // Act / Assess
        expect(eurosToCentsHalfUp(euros)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("event catalogue: refusals", () => {
  it("a payload failing its schema throws EventSchemaViolation naming the field path", () => {
    // Prepare
    const payload = { ...v2Payload(), requestedAmountCents: -5 };

    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationRegistered", 2, payload));

    // Assess
    expect(error).toBeInstanceOf(EventSchemaViolation);
    const violation = error as EventSchemaViolation;
    expect(violation.eventType).toBe("ApplicationRegistered");
    expect(violation.schemaVersion).toBe(2);
    expect(violation.issues.map((i) => i.path)).toEqual(["requestedAmountCents"]);
    expect(violation.message).toContain("requestedAmountCents");
  });

  it("a nested field failing its schema is named by its dotted path", () => {
    // Prepare
    const payload = { ...v2Payload(), technohub: { name: "", region: null } };

    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationRegistered", 2, payload));

    // Assess
    expect(error).toBeInstanceOf(EventSchemaViolation);
    expect((error as EventSchemaViolation).issues.map((i) => i.path)).toEqual(["technohub.name"]);
  });

  it("an unexpected extra field is a violation (schemas are strict)", () => {
    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationRegistered", 2, { ...v2Payload(), iban: "NL91ABNA0417164300" }));

    // Assess
    expect(error).toBeInstanceOf(EventSchemaViolation);
    expect((error as EventSchemaViolation).message).toContain("iban");
  });

  it("an unknown event type throws UnknownEventType", () => {
    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationShredded", 1, {}));

    // Assess
    expect(error).toBeInstanceOf(UnknownEventType);
    expect(error).toMatchObject({ eventType: "ApplicationShredded", schemaVersion: 1 });
  });

  it("an unknown version of a known type throws UnknownEventType", () => {
    // Act
    const error = errorOf(() => eventCatalogue.parse("ApplicationRegistered", 3, v2Payload()));

    // Assess
    expect(error).toBeInstanceOf(UnknownEventType);
    expect(error).toMatchObject({ eventType: "ApplicationRegistered", schemaVersion: 3 });
  });

  it("constructing a catalogue with an old version but no upcaster to the next throws", () => {
    // Prepare
    const v1 = eventVersion("ThingHappened", 1, z.object({ a: z.number() }));
    const v2 = eventVersion("ThingHappened", 2, z.object({ b: z.number() }));

    // Act
    const error = errorOf(() => new EventCatalogue([v1, v2]));

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("event ThingHappened v1 has no upcaster to v2");
  });

  it("constructing a catalogue with one version defined twice throws", () => {
    // Prepare
    const v1 = eventVersion("ThingHappened", 1, z.object({ a: z.number() }));

    // Act / Assess
    expect(() => new EventCatalogue([v1, v1])).toThrow("event ThingHappened v1 is defined twice");
  });

  it("an upcaster producing an invalid next version is reported against that version", () => {
    // Prepare
    const v1 = eventVersion("ThingHappened", 1, z.object({ a: z.number() }).strict());
    const v2 = eventVersion("ThingHappened", 2, z.object({ b: z.number() }).strict());
    const catalogue = new EventCatalogue([v1, v2], [{ type: "ThingHappened", fromVersion: 1, upcast: (p) => ({ b: String((p as { a: number }).a) }) }]);

    // Act
    const error = errorOf(() => catalogue.parse("ThingHappened", 1, { a: 1 }));

    // Assess
    expect(error).toBeInstanceOf(EventSchemaViolation);
    expect(error).toMatchObject({ schemaVersion: 2 });
    expect((error as EventSchemaViolation).issues.map((i) => i.path)).toEqual(["b"]);
  });
});

describe("event names as EventBridge detail-types", () => {
  const names = Object.keys(currentEvents);

  it.each(names)("%s is a valid detail-type: non-empty, at most 128 characters, PascalCase, past tense", (name) => {
    // Assess
    expect(name.length).toBeGreaterThan(0);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toMatch(/^(?:[A-Z][a-z0-9]+)+$/);
    // A past tense verb: regular (-ed), an irregular participle (Made, Paid, Sent, Withdrawn), or "Found…" (FoundIncomplete).
    expect(name).toMatch(/(?:ed|Made|Paid|Sent|Withdrawn|NotSent|Found[A-Z][a-z]+)$/);
  });

  it("every type the catalogue reads is also a current event type (no orphaned old-only names)", () => {
    // Assess
    expect(eventCatalogue.types()).toEqual([...names].sort());
  });
});

describe("every valid v1 event upcasts", () => {
  it("any payload v1 accepts reads as a valid v2 (property)", () => {
    const text = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0);
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 10_000_000_000 }), (hub, company, cents) => {
        const v1 = ApplicationRegisteredV1.schema.safeParse({
          applicationId: "a-1", schemeId: "technohubs-2020", instrument: "execution", technohubName: hub, applicantCompany: company,
          requestedAmountEuros: cents / 100, receivedAt: "2020-06-01T09:00:00.000Z",
        });
        if (!v1.success) return;
        const v2 = eventCatalogue.parse("ApplicationRegistered", 1, v1.data) as { requestedAmountCents: number };
        expect(v2.requestedAmountCents).toBe(cents);
      }),
    );
  });

  it("eurosToCentsHalfUp refuses negative and non-finite amounts", () => {
    expect(() => eurosToCentsHalfUp(-1.5)).toThrow(RangeError);
    expect(() => eurosToCentsHalfUp(Number.NaN)).toThrow(RangeError);
  });
});
