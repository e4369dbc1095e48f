import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { everyPage } from "../support/pages.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 15 (c): GET /applications pages through a scheme's applications with a cursor (R-TH-09's
 * order of arrival), so a response never holds the whole scheme; filters by status, round and hub.
 */
let backOffice: TestBackOffice;
let staff: Staff;
const ids: string[] = [];

beforeAll(async () => {
  backOffice = await startTestBackOffice("pages");
  staff = new Staff(backOffice);
  for (let n = 1; n <= 7; n++) {
    ids.push(
      await staff.register({
        schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: `Technohub Pagina ${n}`, region: n % 2 ? "Oost" : "West" },
        applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: `2021-01-1${n}T09:00:00.000Z`, sectionIds: ["application-form", "proposal"],
      }),
    );
  }
  await staff.details(ids[0]!, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
  await staff.complete(ids[0]!);
  await backOffice.settle();
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
});

describe("issue 15: the application list pages with a cursor (R-TH-09 order of arrival)", () => {
  it("pages of 3 follow each other by their cursor, in order of arrival, and together are the whole list; the last page has no cursor", async () => {
    const whole = await staff.expect("intake", "GET", "/applications?schemeId=technohubs-2020", undefined, 200);
    expect(whole.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual(ids);
    expect(whole.body.next).toBeUndefined();
    const { sizes, items } = await everyPage<{ applicationId: string }>(staff, "intake", "/applications?schemeId=technohubs-2020", 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((v) => v.applicationId)).toEqual(ids);
  });

  it("filters by status, round and hub keep the order and page the same way; a cursor the list did not give out is a 400", async () => {
    const queued = await staff.expect("intake", "GET", "/applications?schemeId=technohubs-2020&status=queued", undefined, 200);
    expect(queued.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual([ids[0]]);
    const round = await staff.expect("intake", "GET", `/applications?schemeId=technohubs-2020&round=${queued.body.items[0].queue.roundId}`, undefined, 200);
    expect(round.body.count).toBe(1);
    const hub = await staff.expect("intake", "GET", "/applications?schemeId=technohubs-2020&hub=technohub%20pagina%205", undefined, 200);
    expect(hub.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual([ids[4]]);
    const west = await staff.expect("intake", "GET", "/applications?schemeId=technohubs-2020&region=West&limit=2", undefined, 200);
    expect(west.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual([ids[1], ids[3]]);
    const westRest = await staff.expect("intake", "GET", `/applications?schemeId=technohubs-2020&region=West&limit=2&cursor=${west.body.next}`, undefined, 200);
    expect(westRest.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual([ids[5]]);
    await staff.expect("intake", "GET", "/applications?schemeId=technohubs-2020&cursor=not-a-cursor!", undefined, 400);
  });
});

describe("issue 15: every list route pages the same way (functions/api/paged-list.ts)", () => {
  it("R-TH-10: a round's agenda comes a page at a time in queue order (R-TH-09), the pages together the whole agenda, the last without a cursor; a foreign cursor is a 400", async () => {
    // Prepare: the other six queued too, in order of arrival.
    for (const id of ids.slice(1)) {
      await staff.details(id, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
      await staff.complete(id);
    }
    await backOffice.settle();
    const roundId = (await staff.expect("intake", "GET", `/applications/${ids[0]}`, undefined, 200)).body.queue.roundId as string;
    const agenda = `/schemes/technohubs-2020/rounds/${encodeURIComponent(roundId)}/agenda`;

    // Act
    const whole = await staff.expect("committee-secretary", "GET", agenda, undefined, 200);
    const { sizes, items } = await everyPage<{ applicationId: string }>(staff, "committee-secretary", agenda, 3);

    // Assess
    expect(whole.body.items.map((v: { applicationId: string }) => v.applicationId)).toEqual(ids);
    expect(whole.body.next).toBeUndefined();
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((v) => v.applicationId)).toEqual(ids);
    await staff.expect("committee-secretary", "GET", `${agenda}?cursor=bm90LWdpdmVu!`, undefined, 400);
    await staff.expect("committee-secretary", "GET", `${agenda}?limit=501`, undefined, 400);
  });

  it("the hub registry comes a page of hubs at a time in order of key, each hub whole with its applications; hubKey gives one hub; a foreign cursor is a 400", async () => {
    const whole = await staff.expect("auditor", "GET", "/hubs", undefined, 200);
    const keys = whole.body.items.map((h: { hubKey: string }) => h.hubKey);
    expect(keys).toEqual(ids.map((_, i) => `technohub-pagina-${i + 1}`));
    expect(whole.body.next).toBeUndefined();
    const { sizes, items } = await everyPage<{ hubKey: string }>(staff, "auditor", "/hubs", 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((h) => h.hubKey)).toEqual(keys);
    const one = await staff.expect("auditor", "GET", "/hubs?hubKey=technohub-pagina-5", undefined, 200);
    expect(one.body.items).toMatchObject([{ hubKey: "technohub-pagina-5", name: "Technohub Pagina 5", applications: [{ applicationId: ids[4], status: "queued" }] }]);
    await staff.expect("auditor", "GET", "/hubs?cursor=bm90LWdpdmVu!", undefined, 400);
  });
});
