import { PutCommand, DeleteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainDocument } from "../../audit/explain.ts";
import { replayAndCompare, stateAsOf } from "../../audit/replay.ts";
import { projectionNamed, projections } from "../../domain/projections/index.ts";
import type { NewEvent, RecordedEvent } from "../../events/index.ts";
import { Projector } from "../../functions/projector/projector.ts";
import { DynamoDbReadModelStore, type StoredDocument } from "../../functions/projector/read-model-store.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";

const client = localClient();
const schemes = ["replay-a", "replay-b"] as const;
let store: DynamoDbEventStore;
let live: DynamoDbReadModelStore;
let clock = 0;

/** Three phases of a scheme's life; "as of" moments fall between them. */
const phases = ["2021-01-10T09:00:00.000Z", "2021-03-01T09:00:00.000Z", "2021-05-01T09:00:00.000Z"] as const;
const moments = ["2021-02-01T00:00:00.000Z", "2021-04-01T00:00:00.000Z", "2021-06-01T00:00:00.000Z"] as const;

const lineOpened = (schemeId: string, budgetLineId: string): NewEvent => ({
  type: "BudgetLineOpened",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId, name: budgetLineId, amountCents: 5_000_000, releasedCents: 1_000_000 },
});
const tranche = (schemeId: string, amountCents: number): NewEvent => ({
  type: "BudgetTrancheReleased",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId: "main", amountCents, boardDecision: `board ${amountCents}` },
});
const registered = (schemeId: string, applicationId: string): NewEvent => ({
  type: "ApplicationRegistered",
  data: {
    applicationId, schemeId, schemeVersion: "sha256:test", instrumentId: "execution",
    technohub: { name: "Hub", region: "Twente" }, applicant: { companyName: "Metaal BV", chamberOfCommerceNumber: null },
    requestedAmountCents: 250_000, receivedAt: "2021-01-09T09:00:00.000Z",
  },
});
const appId = (schemeId: string, n: number) => `${schemeId}-app-${n}`;

async function append(streamId: string, expectedVersion: number, schemeId: string, ...events: NewEvent[]): Promise<RecordedEvent[]> {
  return store.append([{ streamId, expectedVersion, schemeId, events, metadata: testMetadata({ actor: `staff-${streamId.split("#")[0]}` }) }]);
}

/** What the bus does live: each event to each projection whose rule matches its type. */
async function deliver(events: ReadonlyArray<RecordedEvent>) {
  const projectors = projections.map((p) => new Projector(p, live, store));
  for (const event of events) for (const projector of projectors) if (projector.projection.handles.includes(event.type)) await projector.handle(event);
}

async function phase(index: number, write: (schemeId: string) => Promise<RecordedEvent[][]>) {
  clock = Date.parse(phases[index]!);
  for (const schemeId of schemes) await deliver((await write(schemeId)).flat());
}

/** The live documents at a moment: what the API would have answered then. */
type Snapshot = { budget: StoredDocument | undefined; application: StoredDocument | undefined };
const snapshots: Snapshot[] = [];
const snapshot = async () => ({ budget: await live.document("budget-lines", "replay-a.main"), application: await live.document("applications", appId("replay-a", 1)) });

beforeAll(async () => {
  const tables = await freshTables(client, "audit-replay");
  store = new DynamoDbEventStore({ client, tableName: tables.events, now: () => new Date((clock += 1_000)) });
  live = new DynamoDbReadModelStore(client, tables.readModels);

  await phase(0, async (s) => [
    await append(`budget-line#${s}.main`, 0, s, lineOpened(s, "main")),
    await append(`budget-line#${s}.reserve`, 0, s, lineOpened(s, "reserve")),
    await append(`application#${appId(s, 1)}`, 0, s, registered(s, appId(s, 1))),
    await append(`application#${appId(s, 2)}`, 0, s, registered(s, appId(s, 2))),
  ]);
  snapshots.push(await snapshot());
  await phase(1, async (s) => [
    await append(`budget-line#${s}.main`, 1, s, tranche(s, 400_000)),
    await append(`application#${appId(s, 1)}`, 1, s, { type: "ApplicationFoundIncomplete", data: { applicationId: appId(s, 1), missingSectionIds: ["budget"], note: null } }),
    await append(`application#${appId(s, 3)}`, 0, s, registered(s, appId(s, 3))),
  ]);
  snapshots.push(await snapshot());
  await phase(2, async (s) => [
    await append(`budget-line#${s}.main`, 2, s, { type: "BudgetReserved", data: { schemeId: s, budgetLineId: "main", applicationId: appId(s, 2), amountCents: 250_000 } }, tranche(s, 100_000)),
    await append(`application#${appId(s, 1)}`, 2, s, { type: "ApplicationWithdrawn", data: { applicationId: appId(s, 1), reason: "project cancelled", releasedCents: 0 } }),
  ]);
  snapshots.push(await snapshot());
}, 120_000);

afterAll(() => client.destroy());

async function freshReadModels(label: string) {
  return new DynamoDbReadModelStore(client, (await freshTables(client, label)).readModels);
}

describe("R-X-04 replay: the log through the same projections, compared with the live read models", () => {
  it("a replay into a fresh table equals the live read models the projectors built, byte for byte", async () => {
    const target = await freshReadModels("audit-replay-target");

    const report = await replayAndCompare({ events: store.readSchemes([...schemes]), live, target, wholeLog: true });

    expect(report.differences).toEqual([]);
    expect(report.events).toBe(2 * (4 + 3 + 3));
    const liveDump = await live.dump();
    expect(liveDump.length).toBeGreaterThan(10);
    expect(JSON.stringify(await target.dump())).toBe(JSON.stringify(liveDump));
  });

  it("a replay in memory agrees too, and reports a live document altered behind the projectors' back item by item", async () => {
    const copy = await freshReadModels("audit-replay-altered");
    await copy.load(await live.dump());
    const documents = DynamoDBDocumentClient.from(client);
    const original = (await live.document("budget-lines", "replay-b.main"))!;
    const altered = { ...(original.doc as Record<string, unknown>), releasedCents: 9_999_999 };
    await documents.send(new PutCommand({ TableName: copy.tableName, Item: copy.documentItem("budget-lines", { docId: "replay-b.main", doc: altered, revision: original.revision, listing: projectionNamed("budget-lines").listing?.(altered) }) }));
    const { pk, sk } = copy.checkpointItem("applications", `application#${appId("replay-b", 3)}`, 1);
    await documents.send(new DeleteCommand({ TableName: copy.tableName, Key: { pk, sk } }));

    const clean = await replayAndCompare({ events: store.readSchemes([...schemes]), live, wholeLog: true });
    const report = await replayAndCompare({ events: store.readSchemes([...schemes]), live: copy, wholeLog: true });

    expect(clean.differences).toEqual([]);
    expect(report.differences.map((d) => ({ pk: d.pk, sk: d.sk, kind: d.kind, changes: d.changes }))).toEqual([
      {
        pk: "budget-lines#replay-b.main",
        sk: "doc",
        kind: "differs",
        changes: [{ path: "doc.releasedCents", before: 9_999_999, after: (original.doc as { releasedCents: number }).releasedCents }],
      },
      { pk: `checkpoint#applications#application#${appId("replay-b", 3)}`, sk: "checkpoint", kind: "only-replayed", changes: undefined },
    ]);
    expect(JSON.parse(report.differences[0]!.live!.doc as string).releasedCents).toBe(9_999_999);
  });

  it("a replay of one scheme is compared only on what that scheme produces", async () => {
    const report = await replayAndCompare({ events: store.readSchemes(["replay-a"]), live, wholeLog: false });
    expect(report.events).toBe(10);
    expect(report.differences).toEqual([]);
  });
});

describe("R-X-04 as of a moment: the budget position and an application's status as they stood then", () => {
  it("at three moments, as-of returns exactly the live documents of that moment", async () => {
    for (const [i, asOf] of moments.entries()) {
      const at = async (projection: string, documentId: string) =>
        (await stateAsOf({ events: store.readSchemes([...schemes], { until: asOf }), projection: projectionNamed(projection), asOf, documentId })).documents[0];

      const budget = await at("budget-lines", "replay-a.main");
      const application = await at("applications", appId("replay-a", 1));

      expect({ doc: budget?.doc, revision: budget?.revision }).toEqual(snapshots[i]!.budget);
      expect({ doc: application?.doc, revision: application?.revision }).toEqual(snapshots[i]!.application);
    }
    // And the three moments did differ: the position moved and the status changed.
    expect(snapshots.map((s) => (s.budget!.doc as { releasedCents: number }).releasedCents)).toEqual([1_000_000, 1_400_000, 1_500_000]);
    expect(snapshots.map((s) => (s.application!.doc as { status: string }).status)).toEqual(["registered", "incomplete", "withdrawn"]);
  });
});

describe("explain: the events behind a read-model document", () => {
  it("lists exactly the events of a budget line's stream, in order, with who recorded them, as many as the live revision", async () => {
    const explanation = await explainDocument({ events: store.readSchemes([...schemes]), projection: projectionNamed("budget-lines"), documentId: "replay-a.main" });
    const stream = await store.readStream("budget-line#replay-a.main");
    const liveDoc = (await live.document("budget-lines", "replay-a.main"))!;

    expect(explanation.events.map((e) => [e.streamId, e.version, e.type, e.recordedAt])).toEqual(stream.map((e) => [e.streamId, e.version, e.type, e.recordedAt]));
    expect(explanation.events.map((e) => e.type)).toEqual(["BudgetLineOpened", "BudgetTrancheReleased", "BudgetReserved", "BudgetTrancheReleased"]);
    expect(explanation.events.every((e) => e.actor === "staff-budget-line")).toBe(true);
    expect(explanation.revision).toBe(liveDoc.revision);
    expect(explanation.document).toEqual(liveDoc.doc);
  });
});
