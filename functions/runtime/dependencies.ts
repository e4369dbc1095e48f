import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SchemeCatalogue } from "../../schemes/load.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { DynamoDbReadModelStore } from "../projector/read-model-store.ts";
import { DynamoDbEventStore } from "../store/dynamodb-event-store.ts";
import { traced } from "./observability.ts";
import type { EventStore } from "../store/event-store.ts";
import type { Mailer } from "../intake/ports.ts";
import { KMSClient } from "@aws-sdk/client-kms";
import { type KeyWrapper, KmsKeyWrapper, LocalKeyWrapper } from "../personal-data/key-wrapper.ts";
import { SubjectKeyTable } from "../personal-data/key-table.ts";
import { PersonalDataVault } from "../personal-data/vault.ts";

/** What handlers need from the outside world; built once per process (Lambda container or local runtime). */
export interface Dependencies {
  readonly events: EventStore & Pick<DynamoDbEventStore, "readStreamItems">;
  readonly readModels: DynamoDbReadModelStore;
  readonly schemes: SchemeCatalogue;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Staff's answers to correspondence; the local runtime's outbox. On AWS the answering route makes its own (SES), see answer-correspondence.ts. */
  readonly mailer?: Mailer;
  /** Issue 16: seals personal data on append and reveals it on read; absent where a function has no key access (projectors, relay). */
  readonly personalData?: PersonalDataVault;
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
  const personalData = personalDataFromEnvironment(client, env);
  return {
    ...(personalData ? { personalData } : {}),
    events: new DynamoDbEventStore({ client, tableName: requiredEnv("EVENTS_TABLE", env), personalData }),
    readModels: new DynamoDbReadModelStore(client, requiredEnv("READ_MODELS_TABLE", env)),
    schemes: bundledSchemes(),
    clock: () => new Date(),
    newId: randomUUID,
  };
}

/**
 * The vault when the function may use the key table (KEYS_TABLE): on AWS its keys are wrapped by the
 * KMS key PERSONAL_DATA_KMS_KEY; elsewhere by PERSONAL_DATA_WRAPPING_KEY (32 bytes, base64).
 */
export function personalDataFromEnvironment(client: DynamoDBClient, env: NodeJS.ProcessEnv = process.env): PersonalDataVault | undefined {
  if (!env.KEYS_TABLE) return undefined;
  let wrapper: KeyWrapper;
  if (env.PERSONAL_DATA_KMS_KEY) wrapper = new KmsKeyWrapper(new KMSClient({}), env.PERSONAL_DATA_KMS_KEY);
  else wrapper = new LocalKeyWrapper(Buffer.from(requiredEnv("PERSONAL_DATA_WRAPPING_KEY", env), "base64"));
  return new PersonalDataVault(new SubjectKeyTable(client, env.KEYS_TABLE), wrapper);
}

let current: Dependencies | undefined;

/** The process's vault without building dependencies that are not there (a unit test of a route). */
export function currentPersonalData(): PersonalDataVault | undefined {
  if (current) return current.personalData;
  return process.env.KEYS_TABLE ? dependencies().personalData : undefined;
}

/** The process's dependencies: from the environment on first use, unless the local runtime or a test set them. */
export function dependencies(): Dependencies {
  current ??= dependenciesFromEnvironment();
  return current;
}

export function useDependencies(deps: Dependencies | undefined): void {
  current = deps;
}
