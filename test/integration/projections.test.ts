import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { projections } from "../../domain/projections/index.ts";
import { budgetLinesProjection } from "../../domain/projections/budget-lines.ts";
import type { NewEvent, RecordedEvent } from "../../events/index.ts";
import { Projector } from "../../functions/projector/projector.ts";
import { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../../functions/projector/rebuild.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";

const client = localClient();
let store: DynamoDbEventStore;
let log: RecordedEvent[];
const schemeIds = ["proj-a", "proj-b", "proj-c"];

const opened = (schemeId: string): NewEvent => ({
  type: "BudgetLineOpened",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId: "main", name: "Main", amountCents: 1_000_000, releasedCents: 100_000 },
});
const tranche = (schemeId: string, amountCents: number): NewEvent => ({
  type: "BudgetTrancheReleased",
  data: { schemeId, schemeVersion: "sha256:test", budgetLineId: "main", amountCents, boardDecision: `board ${amountCents}` },
});
const registered = (schemeId: string, n: number): NewEvent => ({
  type: "ApplicationRegistered",
  data: {
    applicationId: `${schemeId}-app-${n}`, schemeId, schemeVersion: "sha256:test", instrumentId: "execution",
    technohub: { name: `Hub ${n}`, region: n % 2 ? "Twente" : null }, applicant: { companyName: `Company ${n}`, chamberOfCommerceNumber: null },
    requestedAmountCents: 1000 * n, receivedAt: `2021-01-${String((n % 28) + 1).padStart(2, "0")}T09:00:00.000Z`,
  },
});

async function collect(iterable: AsyncIterable<RecordedEvent>) {
  const all: RecordedEvent[] = [];
  for await (const e of iterable) all.push(e);
  return all;
}

async function freshReadModels(label: string) {
  return new DynamoDbReadModelStore(client, (await freshTables(client, label)).readModels);
}

/** What the bus does: each event to each projection whose rule matches its type. */
async function deliver(target: DynamoDbReadModelStore, deliveries: ReadonlyArray<RecordedEvent>, concurrency = 8) {
  const projectors = projections.map((p) => new Projector(p, target, store));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const event = deliveries[next++]!;
        for (const projector of projectors) if (projector.projection.handles.includes(event.type)) await projector.handle(event);
      }
    }),
  );
}

beforeAll(async () => {
  store = new DynamoDbEventStore({ client, tableName: (await freshTables(client, "projections")).events });
  for (const schemeId of schemeIds) {
    await store.append([{ streamId: `budget-line#${schemeId}.main`, expectedVersion: 0, schemeId, events: [opened(schemeId)], metadata: testMetadata() }]);
    for (let v = 1; v <= 7; v++) {
      await store.append([{ streamId: `budget-line#${schemeId}.main`, expectedVersion: v, schemeId, events: [tranche(schemeId, v * 1000)], metadata: testMetadata() }]);
    }
    for (let n = 1; n <= 10; n++) {
      await store.append([{ streamId: `application#${schemeId}-app-${n}`, expectedVersion: 0, schemeId, events: [registered(schemeId, n)], metadata: testMetadata() }]);
    }
  }
  log = await collect(store.readSchemes(schemeIds));
});

describe("projector: idempotent, gap-aware, rebuildable", () => {
  it("the log holds the 54 events written (3 schemes x (8 budget-line events + 10 applications))", () => {
    expect(log).toHaveLength(54);
  });

  it("events delivered duplicated and shuffled give the same read model as a clean replay, item for item", async () => {
    const replayed = await freshReadModels("clean");
    await rebuildProjections({ events: store.readSchemes(schemeIds), projections, target: replayed });
    const expected = JSON.stringify(await replayed.dump());

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: log.length, maxLength: log.length }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (copies, noise) => {
          const deliveries = log.flatMap((event, i) => Array.from({ length: copies[i]! }, () => event));
          const order = deliveries.map((event) => ({ event, key: noise.next().value as number })).sort((a, b) => a.key - b.key);
          const live = await freshReadModels("live");
          await deliver(live, order.map((o) => o.event));
          expect(JSON.stringify(await live.dump())).toBe(expected);
        },
      ),
      { numRuns: 4 },
    );
  });

  it("a delivery with earlier versions missing reads them from the store first (gap-aware)", async () => {
    const target = await freshReadModels("gap");
    const last = log.filter((e) => e.streamId === "budget-line#proj-b.main").at(-1)!;
    expect(last.version).toBe(8);
    await new Projector(budgetLinesProjection, target, store).handle(last);
    const view = (await target.document("budget-lines", "proj-b.main"))!;
    // Opened with 100,000 released, then tranches of 1,000..7,000: 128,000 cents released.
    expect((view.doc as { releasedCents: number }).releasedCents).toBe(128_000);
    expect(view.revision).toBe(8);
    expect(await target.checkpoint("budget-lines", "budget-line#proj-b.main")).toBe(8);
  });

  it("a version at or below the checkpoint is skipped as a duplicate", async () => {
    const target = await freshReadModels("dup");
    const projector = new Projector(budgetLinesProjection, target, store);
    const stream = log.filter((e) => e.streamId === "budget-line#proj-c.main");
    expect(await projector.handle(stream[2]!)).toBe("applied");
    expect(await projector.handle(stream[1]!)).toBe("duplicate");
    expect(await projector.handle(stream[2]!)).toBe("duplicate");
    expect((await target.document("budget-lines", "proj-c.main"))!.revision).toBe(3);
  });
});
