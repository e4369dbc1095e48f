import middy from "@middy/core";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { S3Event } from "aws-lambda";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { personalDataFromEnvironment, requiredEnv } from "../runtime/dependencies.ts";
import { inInvocation, type PersonalDataVault } from "../personal-data/vault.ts";
import { log } from "../runtime/log.ts";
import { observe, traced } from "../runtime/observability.ts";
import { DynamoDbEventStore } from "../store/dynamodb-event-store.ts";
import { S3MailStore } from "./mail-store.ts";
import { SesMailer } from "./mailer.ts";
import { type IntakeDependencies, processRawMessage } from "./process.ts";

export { type IntakeDependencies, type IntakeResult, type RawMessage, processRawMessage } from "./process.ts";

/** SES writes this object when a receipt rule's S3 action is created, to test its access: not mail. */
const SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION";

/** The intake's adapters on AWS, from the function's environment (the stack's `addEmailIntake` sets it). */
export function intakeDependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): IntakeDependencies {
  const dynamo = traced(new DynamoDBClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}));
  // Issue 16: the sender's address and what they wrote are sealed under their key before the append.
  vault = personalDataFromEnvironment(dynamo, env);
  return {
    events: new DynamoDbEventStore({ client: dynamo, tableName: requiredEnv("EVENTS_TABLE", env), personalData: vault }),
    schemes: bundledSchemes(),
    mailStore: new S3MailStore({ client: traced(new S3Client({})), bucket: requiredEnv("MAIL_BUCKET", env), rawPrefix: requiredEnv("RAW_MAIL_PREFIX", env), documentsPrefix: requiredEnv("DOCUMENTS_PREFIX", env) }),
    mailer: new SesMailer({ client: traced(new SESv2Client({})), ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}) }),
    clock: () => new Date(),
  };
}

// Made once per container, on the first message (not at import, so tests and the local runtime can load this module).
let deps: IntakeDependencies | undefined;
let vault: PersonalDataVault | undefined;

/**
 * SES receiving -> S3 `raw/` -> this function (one S3 ObjectCreated record per message). The
 * receipt time is the object's creation: the moment the fund's mail system held the message
 * (R-TH-09). Anything that prevents recording the message throws, so Lambda retries it and then
 * parks it in the dead-letter queue; the raw message stays in the bucket either way.
 */
export const handler = middy<S3Event, void>()
  .use(observe({ countErrorsAs: "intakeFailures" }))
  .handler(async (event) => {
    deps ??= intakeDependenciesFromEnvironment();
    // Keys are cached for one invocation: one destroyed meanwhile is not served from a warm container.
    await inInvocation(vault, () => handleS3Event(event, deps!));
  });

/** The body of the handler, with its dependencies passed in. */
export async function handleS3Event(event: S3Event, dependencies: IntakeDependencies, process: typeof processRawMessage = processRawMessage): Promise<void> {
  for (const record of event.Records) {
    // S3 event keys are URL-encoded, with '+' for spaces.
    const objectKey = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    if (objectKey.endsWith(SES_SETUP_OBJECT)) continue;
    const bytes = await dependencies.mailStore.getRaw(objectKey);
    const receivedAt = new Date(record.eventTime).toISOString();
    const result = await process({ bytes, objectKey }, receivedAt, dependencies);
    log("info", "intake done", { objectKey, messageKey: result.messageKey, outcome: result.outcome });
  }
}
