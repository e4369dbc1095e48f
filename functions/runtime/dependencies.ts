import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { DynamoDbReadModelStore } from "../projector/read-model-store.ts";
import { DynamoDbEventStore } from "../store/dynamodb-event-store.ts";
import { traced } from "./observability.ts";
import type { EventStore } from "../store/event-store.ts";
import type { Mailer } from "../intake/ports.ts";

/** What handlers need from the outside world; built once per process (Lambda container or local runtime). */
export interface Dependencies {
  readonly events: EventStore & Pick<DynamoDbEventStore, "readStreamItems">;
  readonly readModels: DynamoDbReadModelStore;
  readonly schemes: SchemeCatalogue;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Staff's answers to correspondence; the local runtime's outbox. On AWS the answering route makes its own (SES), see answer-correspondence.ts. */
  readonly mailer?: Mailer;
}

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/** Fail fast, naming the variable, instead of failing later on an undefined table name. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

export function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Dependencies {
  // DYNAMODB_ENDPOINT is set only locally (DynamoDB Local); on AWS the SDK's defaults apply.
  const client = traced(new DynamoDBClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}));
  return {
    events: new DynamoDbEventStore({ client, tableName: requiredEnv("EVENTS_TABLE", env) }),
    readModels: new DynamoDbReadModelStore(client, requiredEnv("READ_MODELS_TABLE", env)),
    schemes: bundledSchemes(),
    clock: () => new Date(),
    newId: randomUUID,
  };
}

let current: Dependencies | undefined;

/** The process's dependencies: from the environment on first use, unless the local runtime or a test set them. */
export function dependencies(): Dependencies {
  current ??= dependenciesFromEnvironment();
  return current;
}

export function useDependencies(deps: Dependencies | undefined): void {
  current = deps;
}
