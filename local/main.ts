import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { localSigningKey } from "./auth.ts";
import { localWrappingKey } from "./wrapping-key.ts";
import { startBackOffice } from "./back-office.ts";
import { catalogueWithDemo } from "./demo-scheme.ts";
import { localDate } from "../domain/calendar.ts";

const usage = `Usage: npm start -- [--port 3000] [--data-dir .local/dynamodb] [--smtp-port 2525] [--mail-dir .local/mail]

Runs the whole back office on this machine: DynamoDB Local, the outbox relay, the in-process
bus with the projectors, the staff API and the SMTP email intake on 127.0.0.1.
  --port N         the API's port (default 3000; 0 picks a free one)
  --data-dir DIR   keep the database in DIR between runs (default: in memory); made 0700, its files 0600.
                   If DynamoDB Local dies, it is restarted on DIR (3 attempts); in memory, npm start exits 1.
  --smtp-port N    the email intake's SMTP port (default 2525; 0 picks a free one)
  --mail-dir DIR   where received mail, its documents and the acknowledgements (outbox/) go (default .local/mail in the project)
  --demo           load the 2025 Verduurzamen round and its evaluation through the API (local/demo.ts), and open
                   the DEMO scheme demo-technohubs (mail to demo@intake.aeno.local), whose term holds today
A relative DIR is taken from the folder you typed npm start in (npm's INIT_CWD), else the current folder.`;

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string", default: "3000" },
      "data-dir": { type: "string" },
      "smtp-port": { type: "string", default: "2525" },
      "mail-dir": { type: "string" },
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
// npm runs scripts in the project root; a path the user typed is meant from where they typed it.
const typedFrom = process.env.INIT_CWD || process.cwd();
const mailDir = args.values["mail-dir"] ? resolve(typedFrom, args.values["mail-dir"]) : resolve(".local/mail");

const started = performance.now();
const say = (message: string) => console.log(`[back office] ${message}`);
// DynamoDB Local makes the folder (0700); it runs with the jar's folder as cwd, so the path must be absolute.
const dataDir = args.values["data-dir"] ? resolve(typedFrom, args.values["data-dir"]) : undefined;

try {
  let lost: string | undefined;
  let exitOnLoss: ((reason: string) => void) | undefined;
  const backOffice = await startBackOffice({
    // The demo scheme's dates follow the fund's calendar (Europe/Amsterdam), like every rule's.
    ...(args.values.demo ? { schemes: catalogueWithDemo(localDate(new Date().toISOString(), "Europe/Amsterdam")) } : {}),
    port,
    dataDir,
    smtpPort,
    mailDir,
    signingKey: localSigningKey(),
    wrappingKey: localWrappingKey(),
    progress: say,
    // The store is gone for good (in memory, or no restart worked): serving on would be a lie.
    onStoreLost: (reason) => (exitOnLoss ? exitOnLoss(reason) : (lost = reason)),
  });
  exitOnLoss = (reason) => {
    console.error(`[back office] FATAL: ${reason}. Stopping everything.${dataDir ? "" : " Keep the data across such failures with --data-dir DIR."}`);
    void backOffice.stop().finally(() => process.exit(1));
  };
  if (lost) exitOnLoss(lost);
  say(`ready in ${Math.round(performance.now() - started)} ms`);
  if (args.values.demo) {
    const { loadDemoData } = await import("./demo.ts");
    const { issueToken } = await import("./auth.ts");
    const signingKey = localSigningKey();
    await loadDemoData(backOffice.apiUrl, (role) => issueToken(signingKey, role, `demo-${role}`), say);
  }
  console.log(`
Staff console:  ${backOffice.apiUrl}/   (sign in with a role and a name)
Staff API:      ${backOffice.apiUrl}
Health:         ${backOffice.apiUrl}/health
Metrics:        ${backOffice.apiUrl}/metrics   (what the functions send to CloudWatch on AWS, as this process counted it)
SMTP intake:    ${backOffice.smtpUrl}
                mail for ${backOffice.dependencies.schemes.all().map((s) => s.definition.intake.emailAddress).join(", ")}
Mail folder:    ${backOffice.mailDir}   (raw/, documents/, outbox/ with the acknowledgements)
DynamoDB Local: ${backOffice.dynamoEndpoint}   (pid ${backOffice.dynamoDbLocal?.pid}, ${dataDir ? `data in ${dataDir}` : "in memory"})

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
