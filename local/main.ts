import { parseArgs } from "node:util";
import { localSigningKey } from "./auth.ts";
import { startBackOffice } from "./back-office.ts";

const usage = `Usage: npm start -- [--port 3000] [--data-dir .local/dynamodb] [--smtp-port 2525] [--mail-dir .local/mail]

Runs the whole back office on this machine: DynamoDB Local, the outbox relay, the in-process
bus with the projectors, the staff API and the SMTP email intake on 127.0.0.1.
  --port N         the API's port (default 3000; 0 picks a free one)
  --data-dir DIR   keep the database in DIR between runs (default: in memory)
  --smtp-port N    the email intake's SMTP port (default 2525; 0 picks a free one)
  --mail-dir DIR   where received mail, its documents and the acknowledgements (outbox/) go (default .local/mail)
  --demo           load the 2025 Verduurzamen round and its evaluation through the API (local/demo.ts)`;

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string", default: "3000" },
      "data-dir": { type: "string" },
      "smtp-port": { type: "string", default: "2525" },
      "mail-dir": { type: "string", default: ".local/mail" },
      demo: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(args.values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a number from 0 to 65535, got ${args.values.port}\n\n${usage}`);
  process.exit(2);
}
const smtpPort = Number(args.values["smtp-port"]);
if (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65535) {
  console.error(`--smtp-port must be a number from 0 to 65535, got ${args.values["smtp-port"]}\n\n${usage}`);
  process.exit(2);
}
const mailDir = args.values["mail-dir"];

const started = performance.now();
const say = (message: string) => console.log(`[back office] ${message}`);
const dataDir = args.values["data-dir"];
if (dataDir) (await import("node:fs")).mkdirSync(dataDir, { recursive: true });

try {
  const backOffice = await startBackOffice({ port, dataDir, smtpPort, mailDir, signingKey: localSigningKey(), progress: say });
  say(`ready in ${Math.round(performance.now() - started)} ms`);
  if (args.values.demo) {
    const { loadDemoData } = await import("./demo.ts");
    const { issueToken } = await import("./auth.ts");
    const signingKey = localSigningKey();
    await loadDemoData(backOffice.apiUrl, (role) => issueToken(signingKey, role, `demo-${role}`), say);
  }
  console.log(`
Staff API:      ${backOffice.apiUrl}
Health:         ${backOffice.apiUrl}/health
SMTP intake:    ${backOffice.smtpUrl}
                mail for ${backOffice.dependencies.schemes.all().map((s) => s.definition.intake.emailAddress).join(", ")}
Mail folder:    ${backOffice.mailDir}   (raw/, documents/, outbox/ with the acknowledgements)
DynamoDB Local: ${backOffice.dynamoEndpoint}

Get a token:    npm run --silent token -- intake     (roles: intake, assessor, committee-secretary, finance, auditor, admin)
Try it:         TOKEN=$(npm run --silent token -- intake | tail -n 1)
                curl -s -H "authorization: Bearer $TOKEN" ${backOffice.apiUrl}/schemes

Ctrl-C stops everything.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    await backOffice.stop();
    say("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === "EADDRINUSE") console.error(`port ${port} or ${smtpPort} is in use: pick others with npm start -- --port N --smtp-port M`);
  else console.error(`could not start the back office: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
