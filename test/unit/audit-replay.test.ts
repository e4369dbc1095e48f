import { describe, expect, it } from "vitest";
import { changedPaths, changes } from "../../audit/changed-paths.ts";
import { explainDocument } from "../../audit/explain.ts";
import { compareReadModels, stateAsOf } from "../../audit/replay.ts";
import { defineProjection } from "../../domain/projections/projection.ts";
import type { RecordedEvent } from "../../events/index.ts";

/** A projection of the released total per stream: it reads tranches, and notes the opening only when a tranche follows. */
const released = defineProjection<{ releasedCents: number; events: number }>({
  name: "released",
  handles: ["BudgetTrancheReleased"],
  documentIds: (event) => [event.streamId.split("#")[1]!],
  apply: (doc, event) =>
    event.type === "BudgetTrancheReleased"
      ? { releasedCents: (doc?.releasedCents ?? 0) + (event.data as { amountCents: number }).amountCents, events: (doc?.events ?? 0) + 1 }
      : doc && { ...doc, events: doc.events + 1 },
});

let sequence = 0;
const recorded = (streamId: string, version: number, type: string, recordedAt: string, amountCents = 0): RecordedEvent => ({
  eventId: `e${++sequence}`,
  streamId,
  version,
  type,
  schemaVersion: 1,
  data: { amountCents },
  metadata: { actor: `actor-${version}`, role: "finance", channel: "api", correlationId: "c" },
  recordedAt,
  schemeId: "technohubs-2020",
  hash: "h",
  previousHash: "p",
});

/** Line "main": opened, 100 released, a note, 50 released; line "other": 7 released. In recorded order. */
const log = [
  recorded("budget-line#main", 1, "BudgetLineOpened", "2021-01-01T00:00:00.000Z"),
  recorded("budget-line#main", 2, "BudgetTrancheReleased", "2021-02-01T00:00:00.000Z", 100),
  recorded("budget-line#other", 1, "BudgetTrancheReleased", "2021-02-15T00:00:00.000Z", 7),
  recorded("budget-line#main", 3, "BudgetLineIntakeClosed", "2021-03-01T00:00:00.000Z"),
  recorded("budget-line#main", 4, "BudgetTrancheReleased", "2021-04-01T00:00:00.000Z", 50),
];
async function* events(list: ReadonlyArray<RecordedEvent> = log) {
  yield* list;
}

describe("R-X-04 state as of a moment", () => {
  it("is the fold of exactly the events recorded at or before it, as the live projector folds them", async () => {
    const at = async (asOf: string) => (await stateAsOf({ events: events(), projection: released, asOf, documentId: "main" })).documents;

    expect(await at("2021-01-15T00:00:00.000Z")).toEqual([]);
    expect(await at("2021-03-15T00:00:00.000Z")).toEqual([{ documentId: "main", doc: { releasedCents: 100, events: 1 }, revision: 1, listing: undefined }]);
    // Inclusive: the tranche recorded at that very instant counts; the unhandled events before it are folded in with it.
    expect(await at("2021-04-01T00:00:00.000Z")).toEqual([{ documentId: "main", doc: { releasedCents: 150, events: 3 }, revision: 3, listing: undefined }]);
  });

  it("without a document id it returns every document of the projection", async () => {
    const state = await stateAsOf({ events: events(), projection: released, asOf: "2021-12-31T00:00:00.000Z" });
    expect(state.documents.map((d) => [d.documentId, d.doc])).toEqual([
      ["main", { releasedCents: 150, events: 3 }],
      ["other", { releasedCents: 7, events: 1 }],
    ]);
    expect(state.events).toBe(5);
  });
});

describe("explain: the events behind one document", () => {
  it("lists the events that changed it, in order, and as many as its revision; not the ones that did not", async () => {
    const explanation = await explainDocument({ events: events(), projection: released, documentId: "main" });

    // Version 1 (opened) precedes any document, so apply gives nothing and it is not listed.
    expect(explanation.events.map((e) => [e.streamId, e.version, e.type, e.actor])).toEqual([
      ["budget-line#main", 2, "BudgetTrancheReleased", "actor-2"],
      ["budget-line#main", 3, "BudgetLineIntakeClosed", "actor-3"],
      ["budget-line#main", 4, "BudgetTrancheReleased", "actor-4"],
    ]);
    expect(explanation.revision).toBe(explanation.events.length);
    expect(explanation.document).toEqual({ releasedCents: 150, events: 3 });
  });

  it("an unknown document is explained by no event", async () => {
    expect(await explainDocument({ events: events(), projection: released, documentId: "nowhere" })).toMatchObject({ events: [], revision: 0, document: undefined });
  });
});

describe("replay compared with the live read models, item by item", () => {
  const item = (pk: string, doc: unknown, revision = 1) => ({ pk, sk: "doc", projection: "released", doc: JSON.stringify(doc), revision });
  const live = [item("released#main", { releasedCents: 150 }, 3), item("released#other", { releasedCents: 7 }), { pk: "checkpoint#released#budget-line#main", sk: "checkpoint", version: 4 }];

  it("finds nothing when the items are equal, whatever their attribute order", () => {
    const reordered = live.map((i) => Object.fromEntries(Object.entries(i).reverse()));
    expect(compareReadModels(live, reordered, true)).toEqual([]);
  });

  it("names each differing item by its key and the document field that differs, with both values", () => {
    const replayed = [item("released#main", { releasedCents: 140 }, 3), live[1]!, live[2]!];

    const differences = compareReadModels(live, replayed, true);

    expect(differences).toEqual([
      { pk: "released#main", sk: "doc", kind: "differs", live: live[0], replayed: replayed[0], changes: [{ path: "doc.releasedCents", before: 150, after: 140 }] },
    ]);
  });

  it("a live item the log does not produce counts only when the whole log was replayed", () => {
    const replayed = [live[0]!, live[2]!, item("released#new", { releasedCents: 1 })];

    expect(compareReadModels(live, replayed, true).map((d) => [d.pk, d.kind])).toEqual([
      ["released#new", "only-replayed"],
      ["released#other", "only-live"],
    ]);
    expect(compareReadModels(live, replayed, false).map((d) => [d.pk, d.kind])).toEqual([["released#new", "only-replayed"]]);
  });
});

describe("changedPaths", () => {
  it("names the leaves that differ, through objects and arrays, added and removed keys included", () => {
    expect(changedPaths({ a: 1, b: { c: [1, 2] }, d: "x" }, { a: 1, b: { c: [1, 3, 4] }, e: null })).toEqual(["b.c.1", "b.c.2", "d", "e"]);
    expect(changedPaths({ a: [1] }, { a: [1] })).toEqual([]);
    expect(changedPaths(1, "1")).toEqual(["(root)"]);
  });

  it("gives both values of each change, undefined on the side that lacks the field", () => {
    expect(changes({ status: "registered", a: 1 }, { status: "withdrawn" })).toEqual([
      { path: "a", before: 1, after: undefined },
      { path: "status", before: "registered", after: "withdrawn" },
    ]);
  });
});
