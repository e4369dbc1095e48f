import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubjectKeyTable } from "../../functions/personal-data/key-table.ts";
import type { PersonalDataVault } from "../../functions/personal-data/vault.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { contactAdded as contact, localClient, sealingTables, testMetadata } from "../support/dynamo.ts";

/** The key table, counting its reads of subjects' keys: what revealing costs. */
class CountingKeyTable extends SubjectKeyTable {
  keyReads = 0;
  override subjects(ids: ReadonlyArray<string>) {
    this.keyReads++;
    return super.subjects(ids);
  }
}

let client: DynamoDBClient;
let keys: CountingKeyTable;
let vault: PersonalDataVault;
let store: DynamoDbEventStore;

beforeAll(async () => {
  client = localClient();
  ({ keys, vault, sealing: store } = await sealingTables(client, "reveal", (c, name) => new CountingKeyTable(c, name)));
  for (const [id, address] of [["r-1", "jan@metaal.example"], ["r-2", "piet@metaal.example"]] as const) {
    await store.append([{ streamId: `application#${id}`, expectedVersion: 0, schemeId: "technohubs-2020", events: [contact(id, address)], metadata: testMetadata() }]);
  }
});

afterAll(() => client?.destroy());

describe("issue 15: several streams read at once are revealed with one read of the key table", () => {
  it("R-X-03: two applications' contacts (two subjects) read together cost one key read; read one by one, two", async () => {
    const reads = [
      { streamId: "application#r-1", fromVersion: 1 },
      { streamId: "application#r-2", fromVersion: 1 },
    ];
    const before = keys.keyReads;
    const together = await vault.invocation(() => store.readStreamsWithDerived(reads));
    expect(keys.keyReads - before).toBe(1);
    expect(together.map((stream) => stream.map((s) => (s.event.data as { address: string }).address))).toEqual([["jan@metaal.example"], ["piet@metaal.example"]]);
    const between = keys.keyReads;
    const apart = await vault.invocation(async () => [await store.readStreamWithDerived("application#r-1"), await store.readStreamWithDerived("application#r-2")]);
    expect(keys.keyReads - between).toBe(2);
    expect(apart).toEqual(together);
  });
});
