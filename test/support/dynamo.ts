import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { localCredentials, localRegion } from "../../local/dynamodb-local.ts";
import { createTable } from "../../functions/store/create-tables.ts";
import { eventsTable, readModelsTable } from "../../functions/store/tables.ts";
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

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: "test-intake-1",
  role: "intake",
  channel: "api",
  correlationId: `corr-${randomUUID()}`,
  ...overrides,
});
