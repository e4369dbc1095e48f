import { randomBytes, randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { localCredentials, localRegion } from "../../local/dynamodb-local.ts";
import { createTable } from "../../functions/store/create-tables.ts";
import { eventsTable, readModelsTable, subjectKeysTable } from "../../functions/store/tables.ts";
import { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { SubjectKeyTable } from "../../functions/personal-data/key-table.ts";
import { LocalKeyWrapper } from "../../functions/personal-data/key-wrapper.ts";
import { PersonalDataVault } from "../../functions/personal-data/vault.ts";
import type { EventMetadata } from "../../events/index.ts";
import "./provided.ts";

/** A client for the run's DynamoDB Local (started once in global-setup). */
export function localClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: inject("dynamoEndpoint"), region: localRegion, credentials: localCredentials, maxAttempts: 3 });
}

/** Fresh, uniquely named tables so test files never see each other's data. */
export async function freshTables(client: DynamoDBClient, label: string) {
  const suffix = `${label}-${randomUUID().slice(0, 8)}`;
  const names = { events: `events-${suffix}`, readModels: `read-models-${suffix}` };
  await Promise.all([createTable(client, names.events, eventsTable), createTable(client, names.readModels, readModelsTable)]);
  return names;
}

/**
 * Fresh tables with a key table beside them, a vault over it and an event store that seals with it
 * (issue 16). `keyTable` makes the key table, e.g. one that counts its reads.
 */
export async function sealingTables<K extends SubjectKeyTable = SubjectKeyTable>(
  client: DynamoDBClient,
  label: string,
  keyTable: (client: DynamoDBClient, tableName: string) => K = (c, name) => new SubjectKeyTable(c, name) as K,
) {
  const tables = await freshTables(client, label);
  const keysTable = `${tables.events}-subject-keys`;
  await createTable(client, keysTable, subjectKeysTable);
  const keys = keyTable(client, keysTable);
  const vault = new PersonalDataVault(keys, new LocalKeyWrapper(randomBytes(32)));
  return { tables, keysTable, keys, vault, sealing: new DynamoDbEventStore({ client, tableName: tables.events, personalData: vault }) };
}

/** A contact staff added: an event with personal data (its address and name are sealed). */
export const contactAdded = (applicationId: string, address: string) => ({ type: "ContactAdded", data: { applicationId, address, name: "Jan Jansen", source: "staff" } });

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: "test-intake-1",
  role: "intake",
  channel: "api",
  correlationId: `corr-${randomUUID()}`,
  ...overrides,
});
