import { describe, expect, it } from "vitest";
import { explainDocument } from "../../audit/explain.ts";
import { stateAsOf } from "../../audit/replay.ts";
import { DECISION_WINDOW_MS, type DatedEvent, effectiveDateRules, ownEffectiveDate, recordedLate, withEffectiveDates } from "../../domain/effective-date.ts";
import { defineProjection } from "../../domain/projections/projection.ts";
import { type RecordedEvent, currentEvents } from "../../events/index.ts";

let sequence = 0;
const recorded = (type: string, data: Record<string, unknown>, recordedAt: string, options: { streamId?: string; version?: number; correlationId?: string } = {}): RecordedEvent => ({
  eventId: `e${++sequence}`,
  streamId: options.streamId ?? "application#a1",
  version: options.version ?? 1,
  type,
  schemaVersion: 1,
  data,
  metadata: { actor: "staff", role: "committee-secretary", channel: "api", correlationId: options.correlationId ?? "c1" },
  recordedAt,
  schemeId: "technohubs-2020",
  hash: "h",
  previousHash: "p",
});

async function* from(list: ReadonlyArray<RecordedEvent>) {
  yield* list;
}
async function dated(list: ReadonlyArray<RecordedEvent>): Promise<DatedEvent[]> {
  const out: DatedEvent[] = [];
  for await (const d of withEffectiveDates(from(list), { schemeOpensOn: () => "2020-01-01" })) out.push(d);
  return out;
}

/** The types whose business date is their recorded time: a decision, made here on purpose, that the report counts. */
const datedByRecording = [
  "ApplicationDetailsRecorded",
  "ApplicationFoundIncomplete",
  "ApplicationAssessed",
  "ApplicationWithdrawn",
  "PaymentApproved",
  "AcknowledgementSent",
  "AcknowledgementNotSent",
  "ContactAdded",
  "ContactRemoved",
  "CorrespondenceAttached",
  "CorrespondenceAnswered",
  "CorrespondenceDismissed",
  "KnowledgeSessionAttended",
  "LetterSent",
  "LetterAccepted",
  "LetterBounced",
  "LetterComplaintReceived",
  "LetterResendRequested",
  "PersonalDataErasureRefused",
].sort();

const schemaShape = (type: string) => (currentEvents[type as keyof typeof currentEvents].schema as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;

describe("R-X-04 effective dates: one rule per event type", () => {
  it("every event type in currentEvents has a rule, so a new event type fails here until someone decides where its date comes from", () => {
    expect(Object.keys(effectiveDateRules).sort()).toEqual(Object.keys(currentEvents).sort());
  });

  it("every field rule names a calendar date or instant of the type's current schema", () => {
    for (const [type, rule] of Object.entries(effectiveDateRules)) {
      if (rule.kind !== "field") continue;
      const field = schemaShape(type)[rule.field];
      expect(field, `${type}.${rule.field}`).toBeDefined();
      const parsesADate = field!.safeParse("2021-03-01").success || field!.safeParse("2021-03-01T09:00:00.000Z").success;
      expect(parsesADate, `${type}.${rule.field} is a date`).toBe(true);
    }
  });

  it("a decision rule names only types with a date field of their own (no chains), and only the scheme's set-up counts from its term", () => {
    for (const [type, rule] of Object.entries(effectiveDateRules)) {
      if (rule.kind !== "decision") continue;
      expect(rule.of.length, type).toBeGreaterThan(0);
      for (const companion of rule.of) expect(["field", "recorded"], `${type} <- ${companion}`).toContain(effectiveDateRules[companion].kind);
    }
    expect(Object.entries(effectiveDateRules).filter(([, r]) => r.kind === "scheme-term").map(([t]) => t).sort()).toEqual(["BudgetLineOpened", "SchemeOpened"]);
  });

  it("exactly the listed types are dated by their recorded time, each with the reason why", () => {
    const recordedTypes = Object.entries(effectiveDateRules).filter(([, r]) => r.kind === "recorded");
    expect(recordedTypes.map(([t]) => t).sort()).toEqual(datedByRecording);
    for (const [, rule] of recordedTypes) expect(rule.kind === "recorded" && rule.why.length > 0).toBe(true);
  });

  it("R-TH-09 an application counts from its receivedAt; R-X-02 an award from its decidedOn; a payment from its value date", () => {
    expect(effectiveDateRules.ApplicationRegistered).toEqual({ kind: "field", field: "receivedAt" });
    expect(effectiveDateRules.AwardGranted).toEqual({ kind: "field", field: "decidedOn" });
    expect(effectiveDateRules.PaymentMade).toEqual({ kind: "field", field: "valueDate" });
    // Issue 13: a VSO supplement's reservation and a granted change request's budget moves are dated by their decision too.
    expect(effectiveDateRules.BudgetReserved).toEqual({ kind: "decision", of: ["AwardGranted", "VsoSupplementAwarded", "ChangeRequestGranted"] });
    expect(effectiveDateRules.BudgetCommitted).toEqual({ kind: "decision", of: ["AwardLetterIssued", "ChangeRequestGranted"] });
    expect(effectiveDateRules.BudgetPaid).toEqual({ kind: "decision", of: ["PaymentMade"] });

    const registered = recorded("ApplicationRegistered", { receivedAt: "2021-01-20T09:00:00.000Z" }, "2026-11-30T10:00:00.000Z");
    expect(ownEffectiveDate(registered)).toEqual({ effectiveAt: "2021-01-20T09:00:00.000Z", source: "ApplicationRegistered.receivedAt" });
    const award = recorded("AwardGranted", { decidedOn: "2021-02-25" }, "2026-11-30T10:00:00.000Z");
    expect(ownEffectiveDate(award)).toEqual({ effectiveAt: "2021-02-25T00:00:00.000Z", source: "AwardGranted.decidedOn", wholeDay: true });
  });

  it("the scheme's set-up counts from its term's opening; without the definition, and for a type dated by recording, the recorded time stands in", () => {
    const opened = recorded("SchemeOpened", {}, "2026-11-30T10:00:00.000Z", { streamId: "scheme#technohubs-2020" });
    expect(ownEffectiveDate(opened, { schemeOpensOn: () => "2020-01-01" })).toEqual({ effectiveAt: "2020-01-01T00:00:00.000Z", source: "scheme term opens", wholeDay: true });
    expect(ownEffectiveDate(opened)).toEqual({ effectiveAt: "2026-11-30T10:00:00.000Z", source: "recorded" });
    expect(ownEffectiveDate(recorded("ApplicationAssessed", {}, "2026-11-30T10:00:00.000Z"))).toEqual({ effectiveAt: "2026-11-30T10:00:00.000Z", source: "recorded" });
  });
});

describe("R-X-02 budget events are dated by the decision they were appended with", () => {
  it("a reservation takes its award's decidedOn, a payment on the line its PaymentMade's value date even when the line's event comes first in the log", async () => {
    const log = [
      recorded("AwardGranted", { applicationId: "a1", decidedOn: "2021-02-25" }, "2026-11-30T10:00:00.000Z", { correlationId: "award" }),
      recorded("BudgetReserved", { applicationId: "a1" }, "2026-11-30T10:00:00.001Z", { streamId: "budget-line#t.l", correlationId: "award" }),
      recorded("BudgetPaid", { applicationId: "a1" }, "2026-11-30T11:00:00.000Z", { streamId: "budget-line#t.l", version: 2, correlationId: "pay" }),
      recorded("PaymentMade", { grantId: "g1", valueDate: "2021-04-02" }, "2026-11-30T11:00:00.002Z", { streamId: "grant#g1", correlationId: "pay" }),
    ];
    const out = await dated(log);
    expect(out.map((d) => d.event.type)).toEqual(["AwardGranted", "BudgetReserved", "BudgetPaid", "PaymentMade"]);
    expect(out.map((d) => d.effective.effectiveAt)).toEqual(["2021-02-25T00:00:00.000Z", "2021-02-25T00:00:00.000Z", "2021-04-02T00:00:00.000Z", "2021-04-02T00:00:00.000Z"]);
    expect(out[1]!.effective.source).toBe("AwardGranted.decidedOn (same decision)");
  });

  it("another request's award, or another application's, never dates a reservation: it falls back to its recorded time once the window has passed", async () => {
    const later = new Date(Date.parse("2026-11-30T10:00:00.000Z") + DECISION_WINDOW_MS + 1).toISOString();
    const log = [
      recorded("AwardGranted", { applicationId: "a2", decidedOn: "2021-02-25" }, "2026-11-30T10:00:00.000Z", { correlationId: "award" }),
      recorded("BudgetReserved", { applicationId: "a1" }, "2026-11-30T10:00:00.000Z", { streamId: "budget-line#t.l", correlationId: "award" }),
      recorded("AwardGranted", { applicationId: "a1", decidedOn: "2021-02-26" }, "2026-11-30T10:00:00.005Z", { correlationId: "other" }),
      recorded("ApplicationAssessed", {}, later, { streamId: "application#a9" }),
    ];
    const out = await dated(log);
    expect(out.map((d) => d.event.type)).toEqual(["AwardGranted", "BudgetReserved", "AwardGranted", "ApplicationAssessed"]);
    expect(out[1]!.effective).toEqual({ effectiveAt: "2026-11-30T10:00:00.000Z", source: "recorded (no decision found)" });
  });
});

/** Reserved cents per line: what a budget position as of a date reads. */
const reserved = defineProjection<{ reservedCents: number }>({
  name: "reserved",
  handles: ["BudgetReserved"],
  documentIds: (event) => [event.streamId.split("#")[1]!],
  apply: (doc, event) => ({ reservedCents: (doc?.reservedCents ?? 0) + (event.data as { amountCents: number }).amountCents }),
});

describe("R-X-04 as of a business date, as known at a recorded time", () => {
  // Award a1 decided 2021-02-25, recorded the next morning (on time: within a day of the decision's day); a catch-up on 2021-06-01 records award a2, decided 2021-02-20.
  const log = [
    recorded("AwardGranted", { applicationId: "a1", decidedOn: "2021-02-25" }, "2021-02-26T09:00:00.000Z", { correlationId: "d1" }),
    recorded("BudgetReserved", { applicationId: "a1", amountCents: 100 }, "2021-02-26T09:00:00.000Z", { streamId: "budget-line#l", correlationId: "d1" }),
    recorded("AwardGranted", { applicationId: "a2", decidedOn: "2021-02-20" }, "2021-06-01T09:00:00.000Z", { streamId: "application#a2", correlationId: "d2" }),
    recorded("BudgetReserved", { applicationId: "a2", amountCents: 30 }, "2021-06-01T09:00:00.000Z", { streamId: "budget-line#l", version: 2, correlationId: "d2" }),
  ];
  const at = (axis: "recorded" | "business", asOf: string, knownAt?: string) => stateAsOf({ events: from(log), projection: reserved, asOf, axis, knownAt });

  it("the business view counts the catch-up's award from its decision date; the recorded view at the same date does not know it", async () => {
    const business = await at("business", "2021-02-28T23:59:59.999Z", "2021-12-31T00:00:00.000Z");
    expect(business.documents[0]?.doc).toEqual({ reservedCents: 130 });
    expect(business.statement).toBe("effective on 2021-02-28T23:59:59.999Z, as known at 2021-12-31T00:00:00.000Z");
    expect(business.backdated.map((b) => [b.type, b.effectiveAt, b.recordedAt])).toEqual([["BudgetReserved", "2021-02-20T00:00:00.000Z", "2021-06-01T09:00:00.000Z"]]);

    const recordedView = await at("recorded", "2021-02-28T23:59:59.999Z");
    expect(recordedView.documents[0]?.doc).toEqual({ reservedCents: 100 });
    expect(recordedView.backdated).toEqual([]);
    expect(recordedView.effectiveOn).toBeNull();
  });

  it("as known before the catch-up, the business view is the recorded one; an award decided after the date is left out and counted", async () => {
    const before = await at("business", "2021-02-28T23:59:59.999Z", "2021-03-01T00:00:00.000Z");
    expect(before.documents[0]?.doc).toEqual({ reservedCents: 100 });
    expect(before.backdatedCount).toBe(0);
    const early = await at("business", "2021-02-22T23:59:59.999Z", "2021-12-31T00:00:00.000Z");
    expect(early.documents[0]?.doc).toEqual({ reservedCents: 30 });
    expect(early.notYetEffective).toBe(2);
  });

  it("a calendar date is late only when recorded more than a day after the end of that day; an instant, more than 24 hours after it", () => {
    const decided = { effectiveAt: "2021-02-25T00:00:00.000Z", source: "AwardGranted.decidedOn", wholeDay: true } as const;
    expect(recordedLate("2021-02-26T23:59:59.999Z", decided)).toBe(false);
    expect(recordedLate("2021-02-27T00:00:00.000Z", decided)).toBe(true);
    const received = { effectiveAt: "2021-01-20T09:00:00.000Z", source: "ApplicationRegistered.receivedAt" };
    expect(recordedLate("2021-01-21T09:00:00.000Z", received)).toBe(false);
    expect(recordedLate("2021-01-21T09:00:00.001Z", received)).toBe(true);
  });

  it("the recorded view flags the catch-up's events recorded more than a day after their effective date", async () => {
    const now = await at("recorded", "2021-12-31T00:00:00.000Z");
    expect(now.documents[0]?.doc).toEqual({ reservedCents: 130 });
    expect(now.backdated.map((b) => [b.streamId, b.version])).toEqual([["budget-line#l", 2]]);
  });

  it("explain dates every contributing event and marks the catch-up's; on the business axis it leaves out what was not yet effective", async () => {
    const all = await explainDocument({ events: from(log), projection: reserved, documentId: "l", at: "2021-12-31T00:00:00.000Z" });
    expect(all.statement).toBe("as recorded at 2021-12-31T00:00:00.000Z (every effective date)");
    expect(all.events.map((e) => [e.version, e.effectiveAt, e.effectiveFrom, e.backdated])).toEqual([
      [1, "2021-02-25T00:00:00.000Z", "AwardGranted.decidedOn (same decision)", false],
      [2, "2021-02-20T00:00:00.000Z", "AwardGranted.decidedOn (same decision)", true],
    ]);
    const early = await explainDocument({ events: from(log), projection: reserved, documentId: "l", axis: "business", at: "2021-02-22T23:59:59.999Z", knownAt: "2021-12-31T00:00:00.000Z" });
    expect(early.document).toEqual({ reservedCents: 30 });
    expect(early.events.map((e) => [e.version, e.backdated])).toEqual([[2, true]]);
  });
});
