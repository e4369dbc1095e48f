import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordTooLarge } from "../../domain/errors.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { MAX_BUS_ENTRY_BYTES } from "../../functions/store/limits.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Finding 3 of the production-parity issue: a valid body too large to be one event got a retryable
 * 503 that could never succeed. Every event must fit DynamoDB's 400 KB item and, as the relay
 * publishes it, EventBridge's 256 KB entry; what cannot is refused up front with 413, nothing written.
 */
let backOffice: TestBackOffice;
let staff: Staff;

const costLines = (count: number, descriptionLength = 500) =>
  Array.from({ length: count }, (_, i) => ({ lineId: `line-${i}`, categoryId: "company-staff", description: `${String(i).padStart(4, "0")} ${"x".repeat(descriptionLength - 5)}`, amountCents: 100_000 }));

async function technohubsApplication(n: number): Promise<string> {
  return staff.register({
    schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: `Technohub Groot ${n}`, region: `Regio Groot ${n}` },
    applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
  });
}

const details = (lines: ReturnType<typeof costLines>) => ({ plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: lines });

beforeAll(async () => {
  backOffice = await startTestBackOffice("sizes");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("finding 3: a request that could never be stored is refused with 413 and a reason, before anything is written", () => {
  it("details with 500 cost lines of 500 characters (294 KB) get 413 naming the limit, not a retryable 503, and the application is unchanged", async () => {
    const id = await technohubsApplication(1);
    const before = await backOffice.dependencies.events.readStream(`application#${id}`);
    const body = details(costLines(500));
    expect(JSON.stringify(body).length).toBeGreaterThan(290_000);
    const response = await backOffice.call("intake", "POST", `/applications/${id}/details`, body);
    expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(413);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(response.body).toMatchObject({ title: "too-large", limitBytes: MAX_BUS_ENTRY_BYTES });
    expect(response.body.detail).toMatch(/RecordApplicationDetails|ApplicationDetailsRecorded|event/);
    expect(response.body.detail).toMatch(/KB/);
    expect(await backOffice.dependencies.events.readStream(`application#${id}`)).toHaveLength(before.length);
  });

  it("the largest set of 500-character cost lines that fits is recorded, assessed and projected in full", async () => {
    const id = await technohubsApplication(2);
    // Binary search through the API for the most lines that are accepted: every refusal is a 413.
    let fits = 0;
    let tooMany = 500;
    while (tooMany - fits > 1) {
      const count = Math.floor((fits + tooMany) / 2);
      const response = await backOffice.call("intake", "POST", `/applications/${id}/details`, details(costLines(count)));
      expect([200, 413]).toContain(response.status);
      if (response.status === 200) fits = count;
      else tooMany = count;
    }
    expect(fits).toBeGreaterThan(100);
    // The last accepted recording is not necessarily the largest: record the largest once more.
    await staff.details(id, details(costLines(fits)));
    await staff.complete(id);
    await backOffice.settle();
    await staff.assess(id);
    const view = await staff.view(id, 1);
    await backOffice.settle();
    const projected = (await staff.expect("assessor", "GET", `/applications/${id}`, undefined, 200)).body;
    expect(projected.status).toBe(view.status);
    const lines = JSON.stringify(projected).match(/"line-\d+"/g) ?? [];
    expect(new Set(lines).size).toBe(fits);
    const stored = (await backOffice.dependencies.events.readStream(`application#${id}`)).filter((e) => e.type === "ApplicationDetailsRecorded").at(-1)!;
    console.log(`size limits: ${fits} cost lines of 500 characters fit in one event (${Math.round(JSON.stringify(stored.data).length / 1024)} KB of payload); ${fits + 1} are refused with 413`);
  });

  it("a body under 6 MB whose Lambda event is over 6 MB (JSON escaping doubles quotes) is refused with 413 as API Gateway would, not handed to the function", async () => {
    const body = JSON.stringify({ schemeId: "technohubs-2020", note: '"'.repeat(2 * 1024 * 1024) });
    expect(Buffer.byteLength(body)).toBeLessThan(6 * 1024 * 1024);
    const response = await backOffice.call("intake", "POST", "/applications", body);
    expect(response.status).toBe(413);
  });

  it("the event store refuses an event over the limits with RecordTooLarge and writes nothing, also inside a multi-stream append", async () => {
    const client = localClient();
    const tables = await freshTables(client, "sizes-store");
    const store = new DynamoDbEventStore({ client, tableName: tables.events });
    const recorded = (lines: number) => ({
      type: "ApplicationDetailsRecorded",
      data: { applicationId: "a1", plannedStartDate: null, plannedEndDate: null, applicantAffiliated: null, leadApplicant: null, costLines: costLines(lines).map((l) => ({ ...l, external: null })), coFinancing: [], partners: [], totalPlanCostsCents: null },
    });
    const small = recorded(1);
    const big = recorded(500);
    await expect(store.append([{ streamId: "application#s", expectedVersion: 0, schemeId: "s", events: [big], metadata: testMetadata() }])).rejects.toBeInstanceOf(RecordTooLarge);
    await expect(
      store.append([
        { streamId: "application#t", expectedVersion: 0, schemeId: "s", events: [small], metadata: testMetadata() },
        { streamId: "application#s", expectedVersion: 0, schemeId: "s", events: [big], metadata: testMetadata() },
      ]),
    ).rejects.toThrow(/EventBridge entry/);
    expect(await store.readStream("application#s")).toEqual([]);
    expect(await store.readStream("application#t")).toEqual([]);
    client.destroy();
  });
});
