import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { scanTable } from "../../audit/dynamodb-log.ts";
import { projectionNamed, projections } from "../../domain/projections/index.ts";
import { localCredentials, localRegion } from "../../local/dynamodb-local.ts";
import { DynamoDbEventStore } from "../store/dynamodb-event-store.ts";
import { type EventPosition, catchUpProjections } from "./catch-up.ts";
import { DynamoDbReadModelStore } from "./read-model-store.ts";

const usage = `npm run redrive -- [--endpoint URL | --region REGION] [options]

Re-drives the projectors after a fix: every stream whose projector checkpoint lies behind the
log is applied from the event store (the projectors are idempotent and gap-aware, so this is
what re-delivering every dead letter would do, and more). Safe while the back office runs.
  --endpoint URL             DynamoDB Local (npm start prints it), e.g. http://127.0.0.1:8000
  --region REGION            DynamoDB on AWS, standard credential chain (default: AWS_REGION)
  --events-table NAME        default: events (as npm start names it)
  --read-models-table NAME   default: read-models
  --projection NAME          repeatable; default: every projection
  --dry-run                  only list the streams behind
  --json                     the report as JSON on stdout
Exit codes: 0 nothing behind any more, 1 some streams still fail, 2 bad input.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        endpoint: { type: "string" },
        region: { type: "string" },
        "events-table": { type: "string" },
        "read-models-table": { type: "string" },
        projection: { type: "string", multiple: true },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
    for (const name of values.projection ?? []) projectionNamed(name);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const client = values.endpoint
    ? new DynamoDBClient({ endpoint: values.endpoint, region: values.region ?? localRegion, credentials: localCredentials })
    : new DynamoDBClient(values.region ? { region: values.region } : {});
  const eventsTable = values["events-table"] ?? "events";
  try {
    const report = await catchUpProjections({
      positions: scanTable(client, eventsTable, { attributes: ["streamId", "version", "type"] }) as AsyncIterable<EventPosition>,
      projections: values.projection?.length ? values.projection.map(projectionNamed) : projections,
      readModels: new DynamoDbReadModelStore(client, values["read-models-table"] ?? "read-models"),
      events: new DynamoDbEventStore({ client, tableName: eventsTable }),
      dryRun: values["dry-run"] ?? false,
      onProgress: values.json ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${report.behind.length} behind, ${report.caughtUp} caught up, ${report.failed.length} still failing\n`);
    return report.failed.length ? 1 : 0;
  } finally {
    client.destroy();
  }
}

process.exitCode = await main(process.argv.slice(2));
