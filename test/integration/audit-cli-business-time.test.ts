import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { NewEvent } from "../../events/index.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { freshTables, localClient, testMetadata } from "../support/dynamo.ts";

const SCHEME = "audit-bt";
const client = localClient();
let tableName: string;

const registered = (n: number, receivedAt: string): NewEvent => ({
  type: "ApplicationRegistered",
  data: {
    applicationId: `bt-${n}`, schemeId: SCHEME, schemeVersion: "sha256:test", instrumentId: "execution",
    technohub: { name: `Hub ${n}`, region: null }, applicant: { companyName: `Company ${n}`, chamberOfCommerceNumber: null },
    requestedAmountCents: 10_000, receivedAt,
  },
});

const exec = promisify(execFile);
/** The CLI as an auditor runs it, in its own process; --json, so the answer is read as data. */
async function asOf(...args: string[]): Promise<any> {
  const { stdout } = await exec("npx", ["tsx", "audit/cli.ts", "as-of", "--endpoint", inject("dynamoEndpoint"), "--events-table", tableName, "--scheme", SCHEME, "--projection", "applications", "--quiet", "--json", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, NO_COLOR: "1" },
  });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  tableName = (await freshTables(client, "audit-cli-bt")).events;
  let clock = Date.parse("2021-01-20T10:00:00.000Z");
  const store = new DynamoDbEventStore({ client, tableName, now: () => new Date(clock) });
  // Received and registered on 20 January; a second application, received 10 January, registered in a June catch-up.
  await store.append([{ streamId: "application#bt-1", expectedVersion: 0, schemeId: SCHEME, events: [registered(1, "2021-01-20T09:00:00.000Z")], metadata: testMetadata() }]);
  clock = Date.parse("2021-06-01T10:00:00.000Z");
  await store.append([{ streamId: "application#bt-2", expectedVersion: 0, schemeId: SCHEME, events: [registered(2, "2021-01-10T09:00:00.000Z")], metadata: testMetadata() }]);
}, 60_000);

afterAll(() => client.destroy());

/** The applications projection also keeps each application's hub and region claims (`<id>/claim/hub`): the views are what these tests count. */
const isApplicationView = (documentId: string) => !documentId.includes("/claim/");

describe("R-X-04 R-TH-09 backoffice-audit as-of --axis business", () => {
  it("effective on 2021-01-31 as known now counts the catch-up's application and lists it as backdated; as known on 1 February it does not", async () => {
    const now = await asOf("--axis", "business", "--at", "2021-01-31");
    expect(now.documents.map((d: { documentId: string }) => d.documentId).filter(isApplicationView)).toEqual(["bt-1", "bt-2"]);
    expect(now).toMatchObject({ axis: "business", effectiveOn: "2021-01-31T23:59:59.999Z", backdatedCount: 1 });
    expect(now.backdated).toEqual([
      expect.objectContaining({ streamId: "application#bt-2", effectiveAt: "2021-01-10T09:00:00.000Z", effectiveFrom: "ApplicationRegistered.receivedAt", recordedAt: "2021-06-01T10:00:00.000Z" }),
    ]);

    const then = await asOf("--axis", "business", "--at", "2021-01-31", "--known-at", "2021-02-01");
    expect(then.statement).toBe("effective on 2021-01-31T23:59:59.999Z, as known at 2021-02-01T00:00:00.000Z");
    expect(then.documents.map((d: { documentId: string }) => d.documentId).filter(isApplicationView)).toEqual(["bt-1"]);
  });

  it("the recorded axis (the default) answers as before and flags the registration recorded months after its receipt", async () => {
    const recorded = await asOf("--at", "2021-12-31");
    expect(recorded).toMatchObject({ axis: "recorded", effectiveOn: null, knownAt: "2021-12-31T00:00:00.000Z" });
    expect(recorded.documents.map((d: { documentId: string }) => d.documentId).filter(isApplicationView)).toEqual(["bt-1", "bt-2"]);
    expect(recorded.backdated.map((b: { streamId: string }) => b.streamId)).toEqual(["application#bt-2"]);
    expect((await asOf("--at", "2021-01-31")).documents.map((d: { documentId: string }) => d.documentId).filter(isApplicationView)).toEqual(["bt-1"]);
  });

  it("--known-at on the recorded axis, or an unknown axis, is bad input (exit 2)", async () => {
    await expect(asOf("--at", "2021-01-31", "--known-at", "2021-02-01")).rejects.toMatchObject({ code: 2 });
    await expect(asOf("--axis", "sideways", "--at", "2021-01-31")).rejects.toMatchObject({ code: 2 });
  });
});
