import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayAndCompare, stateAsOf } from "../../audit/replay.ts";
import { projectionNamed } from "../../domain/projections/index.ts";
import { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { freshTables, localClient } from "../support/dynamo.ts";

const SCHEME = "verduurzamen-2025";
let backOffice: TestBackOffice;
let store: DynamoDbEventStore;

/** What the API answered at one moment, and that moment. */
interface Moment {
  readonly at: string;
  readonly budget: { budgetLines: Array<{ budgetLineId: string }> };
  readonly application: { status: number; body: unknown };
}
const moments: Moment[] = [];
let applicationId: string;

const registration = (hub: string) => ({
  schemeId: SCHEME,
  instrumentId: "hub-top",
  technohub: { name: hub, region: "Twente" },
  applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 4_000_000,
  receivedAt: "2025-05-01T09:15:00.000Z",
});

async function ok(response: Promise<{ status: number; body: any }>) {
  const { status, body } = await response;
  expect(status, JSON.stringify(body)).toBeLessThan(300);
  return body;
}

const releasedOf = (budget: Moment["budget"]) => (budget.budgetLines.find((l) => l.budgetLineId === "board-reserve") as unknown as { releasedCents: number } | undefined)?.releasedCents;

/**
 * Waits until the API shows the phase's writes (the read models are eventually consistent), then
 * records what it answers and when: nothing is written between the two, so that is the state then.
 */
async function captureMoment(expected: { releasedCents: number; status: string }) {
  await backOffice.settle();
  await eventually(
    async () => [await backOffice.call("auditor", "GET", `/schemes/${SCHEME}/budget`), await backOffice.call("auditor", "GET", `/applications/${applicationId}`)] as const,
    ([budget, application]) => releasedOf(budget.body) === expected.releasedCents && application.body?.status === expected.status,
  );
  const at = new Date().toISOString();
  const budget = await ok(backOffice.call("auditor", "GET", `/schemes/${SCHEME}/budget`));
  const application = await backOffice.call("auditor", "GET", `/applications/${applicationId}`);
  moments.push({ at, budget, application: { status: application.status, body: application.body } });
  // Events of the next phase must be recorded strictly after this moment.
  await new Promise((r) => setTimeout(r, 5));
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("audit-api");
  store = backOffice.dependencies.events as DynamoDbEventStore;
  await backOffice.settle();
  const first = await ok(backOffice.call("intake", "POST", "/applications", registration("Technohub Twente")));
  applicationId = first.applicationId;
  await ok(backOffice.call("intake", "POST", "/applications", registration("Technohub Noord")));
  await captureMoment({ releasedCents: 0, status: "registered" });
  await ok(backOffice.call("admin", "POST", `/schemes/${SCHEME}/budget-lines/board-reserve/tranches`, { amountCents: 25_000_000, boardDecision: "board 2021-03" }));
  await ok(backOffice.call("intake", "POST", "/applications", registration("Technohub Zuid")));
  await captureMoment({ releasedCents: 25_000_000, status: "registered" });
  await ok(backOffice.call("intake", "POST", `/applications/${applicationId}/withdrawal`, { reason: "project cancelled" }));
  await ok(backOffice.call("admin", "POST", `/schemes/${SCHEME}/budget-lines/board-reserve/tranches`, { amountCents: 5_000_000, boardDecision: "board 2021-05" }));
  await captureMoment({ releasedCents: 30_000_000, status: "withdrawn" });
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
});

describe("R-X-04 the auditor's replay and as-of over a history built through the staff API", () => {
  it("every projection replayed from the log into a fresh table equals the live read models, byte for byte", async () => {
    const client = localClient();
    const target = new DynamoDbReadModelStore(client, (await freshTables(client, "audit-api-replay")).readModels);
    const schemeIds = backOffice.dependencies.schemes.all().map((s) => s.definition.id);

    const report = await replayAndCompare({ events: store.readSchemes(schemeIds), live: backOffice.dependencies.readModels, target, wholeLog: true });

    expect(report.differences).toEqual([]);
    expect(JSON.stringify(await target.dump())).toBe(JSON.stringify(await backOffice.dependencies.readModels.dump()));
    client.destroy();
  });

  it("the budget position and an application's status as of three moments are what the API returned then", async () => {
    for (const moment of moments) {
      const asOf = (projection: string, documentId?: string) =>
        stateAsOf({ events: store.readSchemes([SCHEME], { until: moment.at }), projection: projectionNamed(projection), asOf: moment.at, documentId });

      const budget = (await asOf("budget-lines")).documents.filter((d) => (d.doc as { schemeId: string }).schemeId === SCHEME);
      const application = (await asOf("applications", applicationId)).documents[0];

      expect(budget.map((d) => d.doc)).toEqual(moment.budget.budgetLines);
      expect(application?.doc).toEqual(moment.application.body);
    }
    // The three moments differ: released money grew, and the application was withdrawn by the last.
    expect(moments.map((m) => releasedOf(m.budget))).toEqual([0, 25_000_000, 30_000_000]);
    expect(moments.map((m) => (m.application.body as { status: string }).status)).toEqual(["registered", "registered", "withdrawn"]);
  });
});
