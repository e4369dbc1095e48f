import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PassThrough } from "node:stream";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { PersonalDataVault } from "../../functions/personal-data/vault.ts";
import { main } from "../../functions/personal-data/cli.ts";
import { runRetention } from "../../functions/personal-data/retention.ts";
import { contactAdded as contact, localClient, sealingTables, testMetadata } from "../support/dynamo.ts";

/**
 * Issue 16: the migration report lists events recorded before sealing (plaintext) by stream, type and
 * field, never by value; the retention run erases a closed file's subjects once the scheme's period ends.
 */
let client: DynamoDBClient;
let tables: { events: string; readModels: string };
let keysTable: string;
let vault: PersonalDataVault;
let sealing: DynamoDbEventStore;
let plain: DynamoDbEventStore;

beforeAll(async () => {
  client = localClient();
  ({ tables, keysTable, vault, sealing } = await sealingTables(client, "pd-cli"));
  // What the store was before issue 16: it wrote personal data as given.
  plain = new DynamoDbEventStore({ client, tableName: tables.events });
  await plain.append([{ streamId: "application#old-1", expectedVersion: 0, schemeId: "technohubs-2020", events: [contact("old-1", "oud@metaal.example")], metadata: testMetadata() }]);
  await sealing.append([
    { streamId: "application#new-1", expectedVersion: 0, schemeId: "technohubs-2020", events: [contact("new-1", "nieuw@metaal.example"), { type: "ApplicationRejected", data: { applicationId: "new-1", roundId: "r1", membersPresent: ["FME"], decidedOn: "2021-02-25", reasons: ["niet passend"], ruleIds: [] } }], metadata: testMetadata() },
  ]);
});

afterAll(() => client?.destroy());

const run = async (...args: string[]) => {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk) => (text += chunk));
  const code = await main([...args, "--endpoint", inject("dynamoEndpoint"), "--events-table", tables.events, "--keys-table", keysTable], out);
  return { code, text };
};

describe("issue 16: plaintext migration report and retention run", () => {
  it("reads an old plaintext event as it is and a new one revealed; lists only the old one, by field, never its value", async () => {
    expect((await sealing.readStream("application#old-1"))[0]!.data).toMatchObject({ address: "oud@metaal.example" });
    expect((await sealing.readStream("application#new-1"))[0]!.data).toMatchObject({ address: "nieuw@metaal.example" });
    const { code, text } = await run("plaintext");
    expect(code).toBe(0);
    expect(text).toContain("application#old-1 v1 ContactAdded");
    expect(text).toContain("address (contact), name (contact)");
    expect(text).not.toContain("application#new-1");
    expect(text).not.toContain("oud@metaal.example");
    expect(text).toContain("1 events hold personal data in plaintext");
  });

  it("erases the subjects of a file closed without money two years after it closed (technohubs-2020), not a day before", async () => {
    const early = await runRetention({ events: sealing, sealedEvents: plain, vault, today: "2023-02-24", erase: true });
    expect(early.due).toEqual([]);
    const due = await runRetention({ events: sealing, sealedEvents: plain, vault, today: "2023-02-25", erase: true });
    expect(due.due.map((d) => d.applicationIds)).toEqual([["new-1"], ["new-1"]]);
    vault.beginInvocation();
    expect((await sealing.readStream("application#new-1")).map((e) => e.data)).toMatchObject([
      { address: "[erased]", name: "[erased]" },
      { membersPresent: ["[erased]"] },
    ]);
    const records = await sealing.readStream(`data-subject#${due.erased[0]}`);
    expect(records.map((e) => e.type)).toEqual(["PersonalDataErasureRequested", "PersonalDataErased"]);
    expect(records[0]!.data).toMatchObject({ legalBasis: "gdpr-5-1-e-retention", origin: "retention" });
  });
});
