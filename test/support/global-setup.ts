import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../local/dynamodb-local.ts";
import "./provided.ts";
import { finishLogScan, startLogScan } from "./log-scan.ts";

/** One DynamoDB Local for the whole run: starting it costs about 3 s, a table costs milliseconds. */
export default async function setup(project: TestProject) {
  startLogScan(process.cwd());
  const dynamo = await startDynamoDbLocal();
  project.provide("dynamoEndpoint", dynamo.endpoint);
  return async () => {
    await dynamo.stop();
    finishLogScan(process.cwd());
  };
}
