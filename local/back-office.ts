import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { decideOpenScheme, evolveScheme, initialSchemeState } from "../domain/scheme.ts";
import { projectionNamed } from "../domain/projections/index.ts";
import { type DomainEvent, streamIds } from "../events/index.ts";
import { InProcessBus, type Target } from "../functions/bus/in-process-bus.ts";
import { busRules } from "../functions/bus/routing.ts";
import { handleBusEvent } from "../functions/projector/handler.ts";
import { Projector } from "../functions/projector/projector.ts";
import { DynamoDbReadModelStore } from "../functions/projector/read-model-store.ts";
import { relayStreamRecords } from "../functions/relay/relay.ts";
import { type Dependencies, dependencies as currentDependencies, useDependencies } from "../functions/runtime/dependencies.ts";
import { createTable, streamArnOf } from "../functions/store/create-tables.ts";
import { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { eventsTable, readModelsTable, subjectKeysTable } from "../functions/store/tables.ts";
import { LocalKeyWrapper } from "../functions/personal-data/key-wrapper.ts";
import { SubjectKeyTable } from "../functions/personal-data/key-table.ts";
import { PersonalDataVault } from "../functions/personal-data/vault.ts";
import { bundledSchemes } from "../schemes/bundled.ts";
import type { SchemeCatalogue } from "../schemes/load.ts";
import { log } from "../functions/runtime/log.ts";
import { ConcurrencyConflict } from "../domain/errors.ts";
import { type DynamoDbLocal, localCredentials, localRegion, startDynamoDbLocal } from "./dynamodb-local.ts";
import { IamGuard, type IamManifest, RELAY_FUNCTION, loadCommittedManifest, projectorFunction, reactionFunction, runAs, runUnrestricted } from "./iam-parity.ts";
import { startLocalApi } from "./http-server.ts";
import { startSmtpIntake } from "./smtp-intake.ts";
import { OutboxMailer } from "../functions/intake/outbox-mailer.ts";
import { StreamPoller } from "./stream-poller.ts";
import { localMetrics, metricsNamespace } from "../functions/runtime/metrics.ts";
import { localWrappingKey } from "./wrapping-key.ts";
import { handleLetterEvent } from "../functions/letters/handler.ts";
import { LettersReaction } from "../functions/letters/reaction.ts";
import { lettersRule } from "../functions/letters/rules.ts";

export interface BackOfficeOptions {
  /** Use a running DynamoDB (Local) instead of starting one. */
  dynamoEndpoint?: string;
  /** Keep DynamoDB Local's data in this folder; in memory when absent. */
  dataDir?: string;
  host?: string;
  port?: number;
  /** The SMTP intake listener's port (on the same host); 0 or absent picks a free one. */
  smtpPort?: number;
  /** Stands in for the mail bucket (raw messages, documents, outbox); when absent, a temporary folder removed at stop. */
  mailDir?: string;
  signingKey: Uint8Array;
  tables?: { events: string; readModels: string; keys?: string };
  /**
   * Issue 16: wraps the data subjects' keys (KMS does it on AWS). `npm start` keeps one in
   * `.local/wrapping-key`; absent, it is kept in `dataDir` when there is one, else fresh per run.
   */
  wrappingKey?: Uint8Array;
  /** The schemes to open and serve; the bundled ones when absent (`npm start -- --demo` adds the demo scheme). */
  schemes?: SchemeCatalogue;
  progress?: (message: string) => void;
  /**
   * IAM parity (local/iam-parity.ts): every function's calls are checked against its synthesised
   * statements, infra/iam-manifest.json unless another manifest is given. Calls from outside the
   * back office (tests, scripts) are unchecked unless `outside` is "deny".
   */
  iam?: { manifest?: IamManifest; outside?: "unchecked" | "deny" };
  /**
   * Called when the DynamoDB Local this back office started is gone for good: it ran in memory
   * (its data died with it) or could not be restarted on its data folder. `npm start` exits 1.
   */
  onStoreLost?: (reason: string) => void;
  /** Issue 13: mail domains the local outbox refuses, standing in for SES bounces; default RFC 2606's `invalid`. */
  refuseMailDomains?: ReadonlyArray<string>;
}

export interface BackOffice {
  readonly apiUrl: string;
  /** The email intake, `smtp://127.0.0.1:PORT`: the same intake handler SES feeds on AWS. */
  readonly smtpUrl: string;
  /** Resolves when the intake has recorded (or checked against the log) what an earlier run kept: see startSmtpIntake. */
  readonly intakeRecovered: Promise<{ readonly recorded: number; readonly failed: number; readonly leftovers: number }>;
  readonly mailDir: string;
  readonly dynamoEndpoint: string;
  readonly tables: { events: string; readModels: string; keys: string };
  /** The DynamoDB Local process this back office started and supervises; undefined with `dynamoEndpoint`. */
  readonly dynamoDbLocal: DynamoDbLocal | undefined;
  readonly dependencies: Dependencies;
  readonly bus: InProcessBus;
  /** Checks every AWS call of the back office's functions against their IAM statements; its denials and counts. */
  readonly iam: IamGuard;
  /** Resolves when the stream has been quiet for a moment and every delivery has finished. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The whole back office on one machine: DynamoDB Local (tables and stream), the relay reading the
 * stream, the in-process bus with the stack's rules, the projectors, and the staff API.
 */
export async function startBackOffice(options: BackOfficeOptions): Promise<BackOffice> {
  const progress = options.progress ?? (() => undefined);
  let dynamo: DynamoDbLocal | undefined;
  let endpoint = options.dynamoEndpoint;
  if (!endpoint) {
    progress(`starting DynamoDB Local (${options.dataDir ? `data in ${options.dataDir}` : "in memory"})`);
    dynamo = await startDynamoDbLocal({ dataDir: options.dataDir });
    endpoint = dynamo.endpoint;
  }
  const clientConfig = { endpoint, region: localRegion, credentials: localCredentials };
  const client = new DynamoDBClient(clientConfig);
  const givenTables = options.tables ?? { events: "events", readModels: "read-models" };
  const tables = { ...givenTables, keys: givenTables.keys ?? `${givenTables.events}-subject-keys` };
  // The local resources that play the stack's: the environment variables the functions find them by.
  const iam = new IamGuard(options.iam?.manifest ?? loadCommittedManifest(), {
    environment: { EVENTS_TABLE: tables.events, READ_MODELS_TABLE: tables.readModels, KEYS_TABLE: tables.keys, EVENT_BUS_NAME: "local-bus", MAIL_BUCKET: "local-mail" },
    outside: options.iam?.outside ?? "unchecked",
  });
  iam.guardDynamoDb(client);
  progress("creating tables");
  await runUnrestricted("the stack creates the tables on AWS", () =>
    Promise.all([createTable(client, tables.events, eventsTable), createTable(client, tables.readModels, readModelsTable), createTable(client, tables.keys, subjectKeysTable)]),
  );

  // Counting what was appended and what the relay passed on lets settle() wait for exactly that.
  let appended = 0;
  let relayed = 0;
  const personalData = new PersonalDataVault(new SubjectKeyTable(client, tables.keys), new LocalKeyWrapper(wrappingKeyOf(options)));
  const events = new DynamoDbEventStore({ client, tableName: tables.events, onAppended: (recorded) => (appended += recorded.length), personalData });
  const readModels = new DynamoDbReadModelStore(client, tables.readModels);
  // The mail folder stands in for the mail bucket and SES's sending: staff's answers to correspondence go to its outbox too.
  let temporaryMailDir: string | undefined;
  const mailDir = options.mailDir ?? (temporaryMailDir = await mkdtemp(join(tmpdir(), "back-office-mail-")));
  const mailer = iam.guardMailer(new OutboxMailer(join(mailDir, "outbox"), { refuseDomains: options.refuseMailDomains ?? ["invalid"] }));
  const dependencies: Dependencies = { events, readModels, schemes: options.schemes ?? bundledSchemes(), clock: () => new Date(), newId: randomUUID, mailer, personalData };
  useDependencies(dependencies);

  const targets = new Map<string, Target>(
    busRules.map((rule) => {
      // Projectors fold sealed values, as on AWS where they have no key access (issue 16).
      const projector = new Projector(projectionNamed(rule.target.projection), readModels, events.sealed());
      return [rule.name, (message) => runAs(projectorFunction(rule.target.projection), () => handleBusEvent(message.detail, projector))];
    }),
  );
  // Issue 13: the letters reaction, run as the stack's letters function.
  const letters = new LettersReaction({ events, schemes: dependencies.schemes, mailer, personalData });
  targets.set(lettersRule.name, (message) => runAs(reactionFunction(lettersRule.target.reaction), () => handleLetterEvent(message.detail, letters)));
  const bus = new InProcessBus([...busRules, lettersRule], targets, {
    onDeadLetter: (letter) => progress(`dead letter on ${letter.rule}: ${letter.message.detail.event.streamId} v${letter.message.detail.event.version}: ${letter.error}`),
  });
  const streams = new DynamoDBStreamsClient(clientConfig);
  iam.guardDynamoDbStreams(streams);
  // The stack wires the relay to the stream (an event source mapping): configuration, no function's call.
  const streamArn = await runUnrestricted("the stack wires the relay to the stream on AWS", () => streamArnOf(client, tables.events));
  iam.bindStream("EVENTS_TABLE", streamArn);
  const relayBus = iam.guardBus(bus);
  const poller = new StreamPoller({
    client: streams,
    streamArn,
    onRecords: async (records) => {
      const result = await runAs(RELAY_FUNCTION, () => relayStreamRecords(records, relayBus));
      if (result.batchItemFailures.length === 0) relayed += records.filter((r) => r.eventName === "INSERT").length;
      return result;
    },
    onError: (error) => {
      progress(`stream poller: ${error instanceof Error ? error.message : String(error)}`);
      // Also when nobody passed `progress` (the tests): a poller that keeps failing leaves the read models behind, and says why.
      log("warn", "stream poller error", { errorName: error instanceof Error ? error.name : typeof error, errorMessage: error instanceof Error ? error.message : String(error) });
    },
  });
  // Lambda's event source mapping reads the stream with the relay's role, and hands it the batches.
  runAs(RELAY_FUNCTION, () => poller.start());

  // Health asks the store itself, once, briefly: "ready" must mean the events table answers now.
  const healthClient = new DynamoDBClient({ ...clientConfig, maxAttempts: 1, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
  let storeLost: string | undefined;
  let restarting: string | undefined;
  let stopped = false;
  const health = async (): Promise<{ status: number; body: unknown }> => {
    const unavailable = (reason: string) => ({ status: 503, body: { status: "unavailable", reason } });
    if (storeLost) return unavailable(storeLost);
    try {
      await healthClient.send(new DescribeTableCommand({ TableName: tables.events }), { abortSignal: AbortSignal.timeout(2_000) });
    } catch (error) {
      return unavailable(restarting ?? `the events table does not answer: ${error instanceof Error ? error.message || error.name : String(error)}`);
    }
    return { status: 200, body: { status: "ready", schemes: dependencies.schemes.all().map((s) => s.definition.id) } };
  };
  // Supervision: DynamoDB Local is restarted only when its data is on disk. An in-memory one took the
  // data with it; starting an empty one would make every figure a lie, so the store is reported lost.
  if (dynamo) {
    const local = dynamo;
    const maxAttempts = 3;
    local.onUnexpectedExit((exit) => {
      const why = `DynamoDB Local (pid ${exit.pid}) exited unexpectedly (${exit.signal ?? `code ${exit.code}`})`;
      const lose = (reason: string) => {
        storeLost = reason;
        restarting = undefined;
        progress(reason);
        options.onStoreLost?.(reason);
      };
      if (!local.dataDir) return lose(`${why}; it ran in memory, so its data is gone`);
      void (async () => {
        for (let attempt = 1; attempt <= maxAttempts && !stopped; attempt++) {
          restarting = `${why}; restarting it on ${local.dataDir} (attempt ${attempt} of ${maxAttempts})`;
          progress(restarting);
          try {
            await local.restart();
            restarting = undefined;
            progress(`DynamoDB Local is back (pid ${local.pid}) with the data in ${local.dataDir}`);
            return;
          } catch (error) {
            progress(`restarting DynamoDB Local failed: ${error instanceof Error ? error.message : String(error)}`);
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
        if (!stopped) lose(`${why}; it could not be restarted on ${local.dataDir} in ${maxAttempts} attempts`);
      })();
    });
  }

  progress(`opening ${dependencies.schemes.all().length} schemes`);
  for (const scheme of dependencies.schemes.all()) await runUnrestricted("the local runtime opens the bundled schemes at startup", () => openScheme(events, scheme));

  const { server, url } = await startLocalApi({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 3000,
    signingKey: options.signingKey,
    projectRoot,
    publicRoutes: new Map([
      ["GET /health", () => health()],
      // The metrics the functions send to CloudWatch on AWS (functions/runtime/metrics.ts), as this process recorded them.
      ["GET /metrics", async () => ({ status: 200, body: { namespace: metricsNamespace, metrics: localMetrics() } })],
    ]),
  });
  // Next to the API: the email intake. It reads the dependencies per message, as the API handlers do.
  const smtp = await startSmtpIntake({
    host: options.host ?? "127.0.0.1",
    port: options.smtpPort ?? 0,
    mailDir,
    dependencies: currentDependencies,
    iam,
  });

  return {
    apiUrl: url,
    smtpUrl: smtp.url,
    intakeRecovered: smtp.recovered,
    mailDir: smtp.mailDir,
    dynamoEndpoint: endpoint,
    tables,
    dynamoDbLocal: dynamo,
    dependencies,
    bus,
    iam,
    async settle() {
      const deadline = Date.now() + 60_000;
      for (;;) {
        while (relayed < appended) {
          if (Date.now() > deadline) throw new Error(`the relay passed on ${relayed} of ${appended} events within 60 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await bus.idle();
        // A bus consumer may append events of its own (the letters reaction, issue 13): settled once nothing new was appended meanwhile.
        if (relayed >= appended) return;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      healthClient.destroy();
      await smtp.stop();
      await closeServer(server);
      await poller.stop();
      await bus.idle();
      // Last of the writers: the letters reaction and the intake write into the mail folder until here.
      if (temporaryMailDir) await rm(temporaryMailDir, { recursive: true, force: true });
      useDependencies(undefined);
      if (process.env.IAM_PARITY_STATS_DIR) iam.writeStatistics(process.env.IAM_PARITY_STATS_DIR);
      client.destroy();
      streams.destroy();
      await dynamo?.stop();
    },
  };
}

/** Opens a scheme and its budget lines once; at a restart on kept data they are open already, which is fine. */
async function openScheme(events: DynamoDbEventStore, scheme: ReturnType<ReturnType<typeof bundledSchemes>["all"]>[number]) {
  const id = scheme.definition.id;
  const history = await events.readStream(streamIds.scheme(id));
  const decision = decideOpenScheme(history.reduce((s, e) => evolveScheme(s, e as DomainEvent), initialSchemeState), scheme);
  if (decision.outcome === "refused") return;
  const metadata = { actor: "system", role: "admin", channel: "system" as const, correlationId: `startup-${randomUUID()}` };
  try {
    await events.append(
      decision.events.map((event) => ({
        streamId: event.type === "BudgetLineOpened" ? streamIds.budgetLine(id, event.data.budgetLineId) : streamIds.scheme(id),
        expectedVersion: 0,
        schemeId: id,
        events: [event],
        metadata,
      })),
    );
  } catch (error) {
    if (!(error instanceof ConcurrencyConflict)) throw error;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Issue 16: the key that wraps the data subjects' keys must outlive a restart on the same data, or
 * every sealed value of the earlier run would read `[erased]` and every seal would fail. Given a data
 * folder and no key, it is kept in that folder (0600); in memory, a fresh one per run.
 */
function wrappingKeyOf(options: BackOfficeOptions): Uint8Array {
  if (options.wrappingKey) return options.wrappingKey;
  if (options.dataDir) return localWrappingKey(join(options.dataDir, "wrapping-key"));
  return new Uint8Array(randomBytes(32));
}
