import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { scanTable } from "../../audit/dynamodb-log.ts";
import { localCredentials, localRegion } from "../../local/dynamodb-local.ts";
import { localWrappingKey } from "../../local/wrapping-key.ts";
import { DynamoDbEventStore } from "../store/dynamodb-event-store.ts";
import { KMSClient } from "@aws-sdk/client-kms";
import { KmsKeyWrapper, LocalKeyWrapper } from "./key-wrapper.ts";
import { SubjectKeyTable } from "./key-table.ts";
import { plaintextEvents } from "./plaintext.ts";
import { runRetention } from "./retention.ts";
import { PersonalDataVault } from "./vault.ts";

const usage = `usage: npx tsx functions/personal-data/cli.ts <command> [options]

  plaintext                 list stored events whose personal-data fields are still plaintext (recorded before issue 16)
  retention [--erase]       list the data subjects whose retention period has ended (with --erase: erase them)

options: --endpoint URL (DynamoDB Local; omit on AWS) --events-table NAME (events) --keys-table NAME (events-subject-keys)
         --kms-key ARN (on AWS; locally .local/wrapping-key) --today YYYY-MM-DD (default: today) --json`;

/** Exit codes: 0 done, 2 bad input. Prints ids, types and field paths only: never a value. */
export async function main(argv: ReadonlyArray<string>, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { endpoint: { type: "string" }, "events-table": { type: "string" }, "keys-table": { type: "string" }, "kms-key": { type: "string" }, today: { type: "string" }, erase: { type: "boolean" }, json: { type: "boolean" } },
  });
  const command = positionals[0];
  const client = new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint, region: localRegion, credentials: localCredentials } : {});
  const eventsTable = values["events-table"] ?? "events";
  try {
    if (command === "plaintext") {
      let count = 0;
      for await (const event of plaintextEvents(scanTable(client, eventsTable))) {
        count++;
        out.write(values.json ? `${JSON.stringify(event)}\n` : `${event.streamId} v${event.version} ${event.type} ${event.recordedAt}: ${event.fields.map((f) => `${f.path} (${f.subject})`).join(", ")}\n`);
      }
      if (!values.json) out.write(`${count} events hold personal data in plaintext (see docs/personal-data.md, "Events recorded before sealing")\n`);
      return 0;
    }
    if (command === "retention") {
      const wrapper = values["kms-key"] ? new KmsKeyWrapper(new KMSClient({}), values["kms-key"]) : new LocalKeyWrapper(localWrappingKey());
      const vault = new PersonalDataVault(new SubjectKeyTable(client, values["keys-table"] ?? `${eventsTable}-subject-keys`), wrapper);
      const events = new DynamoDbEventStore({ client, tableName: eventsTable });
      const today = values.today ?? new Date().toISOString().slice(0, 10);
      const result = await runRetention({ events, sealedEvents: events, vault, today, erase: values.erase ?? false });
      for (const item of result.due) out.write(values.json ? `${JSON.stringify(item)}\n` : `${item.subjectId} (${item.subjectKind}) due since ${item.dueOn}: ${item.applicationIds.join(", ") || "no application"}\n`);
      out.write(values.erase ? `${result.erased.length} data subjects erased\n` : `${result.due.length} data subjects due; run with --erase to erase them\n`);
      return 0;
    }
    out.write(`${usage}\n`);
    return 2;
  } finally {
    client.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
