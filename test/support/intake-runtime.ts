import { randomBytes } from "node:crypto";
import { startBackOffice } from "../../local/back-office.ts";

/**
 * The local runtime as a child process for tests that kill it (issue 12: the kill -9 burst test):
 * `tsx test/support/intake-runtime.ts DATA_DIR MAIL_DIR` starts DynamoDB Local on DATA_DIR and the
 * SMTP intake on MAIL_DIR, both on free ports, and prints one `READY {json}` line with where they are.
 */
const [dataDir, mailDir] = process.argv.slice(2);
if (!dataDir || !mailDir) {
  console.error("usage: intake-runtime.ts DATA_DIR MAIL_DIR");
  process.exit(2);
}
const backOffice = await startBackOffice({ port: 0, smtpPort: 0, dataDir, mailDir, signingKey: new Uint8Array(randomBytes(32)) });
console.log(`READY ${JSON.stringify({ apiUrl: backOffice.apiUrl, smtpUrl: backOffice.smtpUrl, dynamoEndpoint: backOffice.dynamoEndpoint, tables: backOffice.tables, dynamoPid: backOffice.dynamoDbLocal?.pid })}`);
// What the killed run kept or recorded is settled once this line is out (the kill -9 burst test waits for it).
void backOffice.intakeRecovered.then((counts) => console.log(`RECOVERED ${JSON.stringify(counts)}`));
process.on("SIGTERM", () => void backOffice.stop().finally(() => process.exit(0)));
