import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { createHash } from "node:crypto";
import { CfnOutput, Duration, NestedStack, Stack, type StackProps, TimeZone, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpMethod, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpUserPoolAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AccountRecovery, FeaturePlan, StandardThreatProtectionMode, UserPool, type UserPoolClient } from "aws-cdk-lib/aws-cognito";
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type TableProps } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { type IFunction, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { EventType } from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import { ConfigurationSet, EmailSendingEvent, EventDestination, ReceiptRuleSet, TlsPolicy } from "aws-cdk-lib/aws-ses";
import { S3 as S3Action } from "aws-cdk-lib/aws-ses-actions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { EVENT_SOURCE } from "../events/index.ts";
import { apiFunctionTimeoutSeconds, apiRoutes, staffRoles } from "../functions/api/routes.ts";
import { busRules, eventPattern } from "../functions/bus/routing.ts";
import { lettersRule } from "../functions/letters/rules.ts";
import { LETTER_BOUNCES_REACTION, SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE } from "../functions/letters/bounces.ts";
import { eventsTable, type KeyAttribute, readModelsTable, subjectKeysTable, type TableDefinition } from "../functions/store/tables.ts";
import { Key } from "aws-cdk-lib/aws-kms";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { BackOfficeFunction, type BackOfficeFunctionProps } from "./function.ts";
import { Monitoring } from "./monitoring.ts";
import { type StageConfig, stageConfig } from "./stages.ts";
import { DOCUMENTS_PREFIX, RAW_MAIL_PREFIX, Storage } from "./storage.ts";

export interface BackOfficeStackProps extends StackProps {
  /** `prod` keeps data on stack deletion and protects it; any other stage is disposable. */
  readonly stage: string;
  /** Where alarm notifications go (optional; an SNS email subscription the address must confirm). */
  readonly alarmEmail?: string;
}

/**
 * The exact DynamoDB actions each kind of function needs. The events table only ever receives
 * conditional puts (single or in a transaction): no role gets UpdateItem, DeleteItem or BatchWriteItem on it.
 */
const tableActions = {
  appendEvents: ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
  readEvents: ["dynamodb:GetItem", "dynamodb:Query"],
  readDocuments: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
  writeDocuments: ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
  listDocuments: ["dynamodb:Query"],
  replayLog: ["dynamodb:Query"],
} as const;

/**
 * Write routes whose handler lists read-model documents before it decides (ReadModelStore.list: a
 * Query on the read models' list index): the assessment takes the scheme's other applications from
 * the applications read model (R-TH-07, R-TH-08; stored with the assessment), and the hub evaluation
 * routes find the funded application behind a hub key there. They may list, nothing more: no GetItem,
 * no read of the table itself, no write. (IAM parity finding 1: test/integration/iam-parity.test.ts.)
 */
const writeRoutesThatListReadModels: ReadonlySet<string> = new Set([
  "AssessApplication",
  "ClassifyHub",
  "SubmitSelfEvaluation",
  "RecordEvaluationFinding",
  "RecordKnowledgeSessionAttendance",
  "RecordOzoneModule",
]);

/**
 * Read-only routes that rebuild a read model from the events alone (R-X-04: never from the live read
 * models): the auditor's as-of and explain replay a scheme's log in the replay order, a Query on the
 * events table's replay index (DynamoDbEventStore.readSchemes). That Query is all they get of the log.
 * (IAM parity finding 2: test/integration/iam-parity.test.ts.)
 */
const readRoutesThatReplayTheLog: ReadonlySet<string> = new Set(["GetStateAsOf", "ExplainDocument"]);
/** Read routes that read streams themselves: a letter's PDF is rendered again from its source decision's streams (issue 13). */
const readRoutesThatReadStreams: ReadonlySet<string> = new Set(["GetLetterPdf"]);

/**
 * API route functions live in nested stacks, because CloudFormation takes at most 500 resources per
 * template: a route's function brings 5 (function, role, policy, log group, error alarm) to its
 * shard, while its route, integration and invoke permission (3) stay with the API in the top-level
 * stack. A route's shard is a hash of its id, so adding a route never moves another. Changing the
 * count moves functions between nested stacks (a migration: their log groups are recreated).
 */
export const API_FUNCTION_SHARDS = 3;

export function apiFunctionShardOf(routeId: string): number {
  return createHash("sha256").update(routeId).digest()[0]! % API_FUNCTION_SHARDS;
}

export interface EmailIntakeOptions {
  /** The addresses (or domains) the receipt rule accepts; default: every verified domain of the account. */
  readonly recipients?: ReadonlyArray<string>;
  /** The verified SES identity (domain or address) the intake answers from: it may send email as that identity only. */
  readonly sendsFrom?: string;
}

/**
 * The intake reads PDF forms in a worker thread (functions/intake/form.ts, issue 12 finding 3); its
 * entry is a bundle of its own next to `index.mjs`.
 */
export const intakeExtraBundles: Readonly<Record<string, string>> = { "form-worker.mjs": "functions/intake/form-worker.ts" };

/** What `addEmailIntake` built. */
export interface EmailIntake {
  readonly ruleSet: ReceiptRuleSet;
  readonly function: BackOfficeFunction;
  readonly deadLetters: Queue;
}

export class BackOfficeStack extends Stack {
  readonly config: StageConfig;
  readonly eventsTable: Table;
  readonly readModelsTable: Table;
  readonly storage: Storage;
  readonly bus: EventBus;
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly monitoring: Monitoring;
  /** Every Lambda of the stack, in creation order (the bundle-size benchmark walks this list). */
  readonly functions: BackOfficeFunction[] = [];
  /** The API function of each route, by route id. */
  readonly routeFunctions = new Map<string, IFunction>();
  /** The projector function of each projection, by projection name. */
  readonly projectors = new Map<string, IFunction>();
  /** Every dead-letter queue, by what it collects. */
  readonly deadLetterQueues = new Map<string, Queue>();
  readonly relay: IFunction;
  /** Issue 13: the letters reaction (renders and mails letters to applicants). */
  readonly letters: NodejsFunction;
  /** Issue 13: the configuration set the letters are sent with; it publishes their bounces and complaints to the default bus. */
  readonly lettersConfigurationSet: ConfigurationSet;
  /** Issue 13: records the bounces and complaints SES reports for letters (LetterBounced, LetterComplaintReceived). */
  readonly letterBounces: NodejsFunction;
  /** The nested stacks holding the API routes' functions, by shard. */
  readonly apiFunctionStacks = new Map<number, NestedStack>();
  private readonly sharedEnvironment: Record<string, string>;
  private emailIntake: EmailIntake | undefined;
  /** Issue 16: the data subjects' keys, and the KMS key that wraps each of them. */
  readonly subjectKeysTable: Table;
  readonly personalDataKey: Key;

  constructor(scope: Construct, id: string, props: BackOfficeStackProps) {
    super(scope, id, props);
    const config = (this.config = stageConfig(props.stage, { alarmEmail: props.alarmEmail }));
    const { removalPolicy } = config;
    this.monitoring = new Monitoring(this, "Alarms", { stage: config.stage, alarmEmail: config.alarmEmail });

    // --- Storage ---------------------------------------------------------------------------
    this.eventsTable = tableFrom(this, eventsTable, {
      removalPolicy,
      // The log is the only source of truth: recoverable in every stage, undeletable in prod.
      // (Deletion protection in dev would make the DESTROY removal policy fail.)
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.deletionProtection,
    });
    this.readModelsTable = tableFrom(this, readModelsTable, { removalPolicy });
    Validations.of(this.readModelsTable).acknowledge({
      id: "AwsSolutions-DDB3",
      reason:
        "Read models and projector checkpoints are disposable by design (architecture.md): a lost or corrupted table is rebuilt from the events table, " +
        "which has point-in-time recovery. A backup of derived data would only be restored to a state the rebuild produces anyway.",
    });
    this.storage = new Storage(this, "Storage", config);
    // Issue 16: outside the log. PITR keeps a destroyed key restorable for up to 35 days; a restore must re-apply the log's PersonalDataErased (docs/personal-data.md).
    this.subjectKeysTable = tableFrom(this, subjectKeysTable, { removalPolicy, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }, deletionProtection: config.deletionProtection });
    this.personalDataKey = new Key(this, "PersonalDataKey", { description: "Wraps each data subject's key (issue 16)", enableKeyRotation: true, removalPolicy });

    // --- Bus -------------------------------------------------------------------------------
    this.bus = new EventBus(this, "Bus", { description: `Subsidy back office domain events (${config.stage})` });
    this.bus.archive("Archive", {
      description: "History of the published domain events (the events table stays the ground truth)",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: config.busArchiveRetention,
    });

    this.sharedEnvironment = {
      // The metrics' stage dimension (functions/runtime/metrics.ts): the dashboard reads this stage's only.
      STAGE: config.stage,
      EVENTS_TABLE: this.eventsTable.tableName,
      READ_MODELS_TABLE: this.readModelsTable.tableName,
      EVENT_BUS_NAME: this.bus.eventBusName,
    };

    // --- Relay: the table's stream is the outbox --------------------------------------------
    const relayFailures = this.deadLetterQueue("RelayFailures", "Outbox relay");
    const relay = this.function("Relay", {
      entry: "functions/relay/handler.ts",
      description: "Publishes appended events from the events table stream to the bus",
      timeout: Duration.seconds(60),
    });
    this.relay = relay.fn;
    relay.fn.addEventSource(
      new DynamoEventSource(this.eventsTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // A record that still fails is recorded here and can be republished from the store.
        retryAttempts: 10,
        onFailure: new SqsDlq(relayFailures),
      }),
    );
    this.monitoring.watchStreamLag("RelayLag", relay.fn, Duration.minutes(5));
    // The event source grants stream read; publishing domain events is the only other thing the relay does.
    relay.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["events:PutEvents"],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { "events:source": [EVENT_SOURCE] } },
      }),
    );

    // --- Projectors: one function per projection, one rule per bus rule ---------------------
    for (const busRule of busRules) {
      const projection = busRule.target.projection;
      let projector = this.projectors.get(projection);
      const deadLetters = this.deadLetterQueues.get(`${projection} projector`) ?? this.deadLetterQueue(`${pascal(projection)}ProjectorDeadLetters`, `${projection} projector`);
      if (!projector) {
        const fn = this.function(`${pascal(projection)}Projector`, {
          entry: "functions/projector/handler.ts",
          description: `Projects domain events into the ${projection} read model`,
          timeout: Duration.seconds(30),
          environment: { PROJECTION: projection },
          // EventBridge invokes asynchronously: its DLQ only catches failed deliveries, this one failed handlers.
          onFailure: new SqsDestination(deadLetters),
          retryAttempts: 2,
        }).fn;
        allow(fn, this.eventsTable, eventsTable, tableActions.readEvents, "table");
        allow(fn, this.readModelsTable, readModelsTable, tableActions.readDocuments, "table-and-indexes");
        allow(fn, this.readModelsTable, readModelsTable, tableActions.writeDocuments, "table");
        this.projectors.set(projection, fn);
        projector = fn;
      }
      new Rule(this, `${pascal(busRule.name)}Rule`, {
        eventBus: this.bus,
        description: `Routes ${busRule.detailTypes.join(", ")} to the ${projection} projector`,
        // CDK passes pattern keys through verbatim, so the shared (CloudFormation-shaped) pattern goes in as is.
        eventPattern: eventPattern(busRule) as EventPattern,
        targets: [new LambdaFunction(projector, { deadLetterQueue: deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
      });
    }

    // --- Letters to applicants (issue 13): a reaction with side effects, never fed replays ------
    const letterFailures = this.deadLetterQueue("LettersDeadLetters", "letters reaction");
    this.letters = this.function("Letters", {
      entry: "functions/letters/handler.ts",
      description: "Renders each decision's letter to the applicant as a PDF and mails it to the application's contacts",
      timeout: Duration.seconds(60),
      environment: { REACTION: lettersRule.target.reaction },
      onFailure: new SqsDestination(letterFailures),
      retryAttempts: 2,
    }).fn;
    // It reads the application's, grant's and letter's streams (Query on the table) and appends to the letter's.
    allow(this.letters, this.eventsTable, eventsTable, tableActions.readEvents, "table");
    allow(this.letters, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
    // Issue 16: it reads the contacts' addresses and seals them again in its own events.
    this.allowPersonalData(this.letters, "seal");
    new Rule(this, "LettersReactionRule", {
      eventBus: this.bus,
      description: `Routes ${lettersRule.detailTypes.join(", ")} (no replays) to the letters reaction`,
      eventPattern: eventPattern(lettersRule) as EventPattern,
      targets: [new LambdaFunction(this.letters, { deadLetterQueue: letterFailures, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });

    // Issue 13 on AWS: SES accepts a letter and reports a bounce or a complaint later. The letters are sent
    // with this configuration set, which publishes their bounces and complaints to the default bus (the only
    // bus SES publishes to); a rule there hands them to a small function that records LetterBounced or
    // LetterComplaintReceived on the letter's stream. SES expects a sender to act on complaints.
    const lettersConfigurationSet = (this.lettersConfigurationSet = new ConfigurationSet(this, "LettersConfigurationSet", {}));
    const defaultBus = EventBus.fromEventBusArn(this, "DefaultBus", this.formatArn({ service: "events", resource: "event-bus", resourceName: "default" }));
    lettersConfigurationSet.addEventDestination("LetterBouncesToEventBridge", { destination: EventDestination.eventBus(defaultBus), events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT] });
    this.letters.addEnvironment("SES_CONFIGURATION_SET", lettersConfigurationSet.configurationSetName);
    const bounceFailures = this.deadLetterQueue("LetterBouncesDeadLetters", "letter bounces");
    const letterBounces = (this.letterBounces = this.function("LetterBounces", {
      entry: "functions/letters/bounce-handler.ts",
      description: "Records the bounces and complaints SES reports for letters to applicants (on the letter's stream)",
      environment: { REACTION: LETTER_BOUNCES_REACTION },
      onFailure: new SqsDestination(bounceFailures),
      retryAttempts: 2,
    }).fn);
    // It reads the letter's stream and appends to it; it reveals the letter's recipients and seals the one bounced.
    allow(letterBounces, this.eventsTable, eventsTable, tableActions.readEvents, "table");
    allow(letterBounces, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
    this.allowPersonalData(letterBounces, "seal");
    new Rule(this, "LetterBouncesRule", {
      eventBus: defaultBus,
      description: "Routes SES's bounce and complaint events for letters (the letters' configuration set) to the letter bounces function",
      eventPattern: { source: ["aws.ses"], detailType: [SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE], detail: { mail: { tags: { "ses:configuration-set": [lettersConfigurationSet.configurationSetName] } } } },
      targets: [new LambdaFunction(letterBounces, { deadLetterQueue: bounceFailures, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });

    // --- Staff API ---------------------------------------------------------------------------
    this.userPool = new UserPool(this, "StaffUsers", {
      // Staff accounts are created by an admin, never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      mfa: config.mfa,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: compromised-credential checks and adaptive authentication that blocks risky sign-ins.
      // Priced per monthly active user (staff only, a few dozen), nothing at rest.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: config.deletionProtection,
      removalPolicy,
    });
    if (!config.prod) {
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions-COG2",
        reason: `MFA is optional in the disposable ${config.stage} stage so test users can be created and signed in by scripts; prod requires TOTP MFA (asserted by the stage tests).`,
      });
    }
    // The authoriser takes a caller's roles from the `cognito:groups` claim.
    for (const role of staffRoles) {
      this.userPool.addGroup(`${pascal(role)}Group`, { groupName: role, description: `Staff role ${role}` });
    }
    this.userPoolClient = this.userPool.addClient("StaffClient", {
      generateSecret: false,
      // SRP for staff clients (the password never leaves the browser); ADMIN_USER_PASSWORD for operators with IAM
      // credentials, so docs/deploy.md can get a token with the AWS CLI. No plain USER_PASSWORD flow.
      authFlows: { userSrp: true, adminUserPassword: true },
      // No hosted UI yet: CDK's OAuth defaults would enable the implicit grant with a placeholder callback.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    const authorizer = new HttpUserPoolAuthorizer("StaffAuthorizer", this.userPool, { userPoolClients: [this.userPoolClient] });
    // Default authoriser: a route added without one is still closed.
    this.api = new HttpApi(this, "StaffApi", { description: "Subsidy back office staff API", defaultAuthorizer: authorizer, createDefaultStage: false });
    const accessLogs = new LogGroup(this, "StaffApiAccessLogs", { retention: config.logRetention, removalPolicy });
    const stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            routeKey: "$context.routeKey",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latency: "$context.responseLatency",
            user: "$context.authorizer.claims.sub",
            authorizerError: "$context.authorizer.error",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });

    for (const route of apiRoutes) {
      const fn = this.function(
        `${route.id}Api`,
        { entry: route.entry, description: `${route.method} ${route.path}`, timeout: Duration.seconds(apiFunctionTimeoutSeconds) },
        this.apiFunctionStack(apiFunctionShardOf(route.id)),
      ).fn;
      if (route.writes) {
        allow(fn, this.eventsTable, eventsTable, tableActions.readEvents, "table-and-indexes");
        allow(fn, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
        if (writeRoutesThatListReadModels.has(route.id)) allow(fn, this.readModelsTable, readModelsTable, tableActions.listDocuments, "indexes");
      } else {
        allow(fn, this.readModelsTable, readModelsTable, tableActions.readDocuments, "table-and-indexes");
        if (readRoutesThatReplayTheLog.has(route.id)) allow(fn, this.eventsTable, eventsTable, tableActions.replayLog, "indexes");
        if (readRoutesThatReadStreams.has(route.id)) allow(fn, this.eventsTable, eventsTable, tableActions.readEvents, "table");
      }
      this.allowPersonalData(fn as NodejsFunction, route.id === "RequestPersonalDataErasure" ? "erase" : route.writes ? "seal" : "reveal");
      this.routeFunctions.set(route.id, fn);
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration: new HttpLambdaIntegration(`${route.id}Integration`, fn) });
    }

    this.addPersonalDataRetention();

    new CfnOutput(this, "ApiUrl", { value: stage.url });
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, "EventsTableName", { value: this.eventsTable.tableName });
    new CfnOutput(this, "ReadModelsTableName", { value: this.readModelsTable.tableName });
    new CfnOutput(this, "EventBusName", { value: this.bus.eventBusName });
    new CfnOutput(this, "MailBucketName", { value: this.storage.mail.bucketName });
    new CfnOutput(this, "CheckpointBucketName", { value: this.storage.checkpoints.bucketName });
    new CfnOutput(this, "AlarmTopicArn", { value: this.monitoring.topic.topicArn });
  }

  /**
   * Email intake: an SES receipt rule set whose rule stores each message under `raw/` in the mail
   * bucket (S3 action), an S3 event notification on `raw/` that invokes the intake function
   * (asynchronously: two retries, then its dead-letter queue), and alarms on both.
   *
   * Not called by the stack yet: the intake handler belongs to the email-intake issue. Call it once,
   * with the handler's entry, when that lands. After deploying, activate the rule set (one active
   * set per account and region; CloudFormation cannot do it): see docs/deploy.md.
   */
  addEmailIntake(entry: string, options: EmailIntakeOptions = {}): EmailIntake {
    if (this.emailIntake) throw new Error(`${this.node.path}: the email intake is already wired`);
    const mail = this.storage.mail;
    const deadLetters = this.deadLetterQueue("IntakeDeadLetters", "Email intake");
    const intake = this.function("Intake", {
      entry,
      description: "Registers applications from received mail (SES -> S3 raw/ -> this function)",
      timeout: Duration.seconds(60),
      memorySize: 1024,
      environment: { MAIL_BUCKET: mail.bucketName, RAW_MAIL_PREFIX, DOCUMENTS_PREFIX },
      onFailure: new SqsDestination(deadLetters),
      retryAttempts: 2,
      extraBundles: intakeExtraBundles,
    });
    // Reads the message SES stored, keeps its attachments as documents, appends the events.
    intake.fn.addToRolePolicy(new PolicyStatement({ actions: ["s3:GetObject"], resources: [mail.arnForObjects(`${RAW_MAIL_PREFIX}*`)] }));
    intake.fn.addToRolePolicy(new PolicyStatement({ actions: ["s3:PutObject"], resources: [mail.arnForObjects(`${DOCUMENTS_PREFIX}*`)] }));
    allow(intake.fn, this.eventsTable, eventsTable, tableActions.readEvents, "table-and-indexes");
    allow(intake.fn, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
    this.allowPersonalData(intake.fn, "seal");
    if (options.sendsFrom) {
      // Acknowledgements to applicants (SES v2 SendEmail), from the one identity named.
      const sendFromIdentity = new PolicyStatement({
        actions: ["ses:SendEmail"],
        resources: [this.formatArn({ service: "ses", resource: "identity", resourceName: options.sendsFrom })],
      });
      intake.fn.addToRolePolicy(sendFromIdentity);
      // Staff's answers to correspondence go out from the same identity, through that route's function alone.
      const answering = this.routeFunctions.get("AnswerCorrespondence") as NodejsFunction | undefined;
      answering?.addToRolePolicy(sendFromIdentity);
      answering?.addEnvironment("ANSWERS_MAIL", "ses");
      // Issue 13: letters to applicants go out from the same identity.
      this.letters.addToRolePolicy(sendFromIdentity);
      this.letters.addEnvironment("LETTERS_MAIL", "ses");
      // SES v2 authorises a send with a configuration set on that set too: the letters' own, nothing else.
      this.letters.addToRolePolicy(
        new PolicyStatement({ actions: ["ses:SendEmail"], resources: [this.formatArn({ service: "ses", resource: "configuration-set", resourceName: this.lettersConfigurationSet.configurationSetName })] }),
      );
    }
    const mailArn = this.resolve(mail.bucketArn) as { "Fn::GetAtt": [string, string] };
    const keysOf = { [RAW_MAIL_PREFIX]: "SES names each message by its message id", [DOCUMENTS_PREFIX]: "each document is stored under its content hash" };
    for (const [prefix, why] of Object.entries(keysOf)) {
      Validations.of(intake.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${mailArn["Fn::GetAtt"][0]}.Arn>/${prefix}*]`,
        reason: `Object keys under ${prefix} are only known at run time (${why}), so the grant names the prefix of the mail bucket, not single objects; nothing outside that prefix is granted.`,
      });
    }

    mail.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(intake.fn), { prefix: RAW_MAIL_PREFIX });
    // CDK writes S3 notifications through its own singleton custom resource (to break the bucket <-> function cycle).
    const notificationsHandler = this.node.children.find((c) => c.node.id.startsWith("BucketNotificationsHandler"));
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason:
          "CDK's own BucketNotificationsHandler (aws-s3 notifications) creates its role with this managed policy and offers no way to pass another role; " +
          "the handler runs only during deployments, to set the mail bucket's notification configuration, and the policy only lets it write its own logs.",
      });
    }

    const ruleSet = new ReceiptRuleSet(this, "IntakeRules", {
      rules: [
        {
          recipients: options.recipients ? [...options.recipients] : undefined,
          // Spam and virus verdicts are added as headers; the intake decides what to do with them.
          scanEnabled: true,
          tlsPolicy: TlsPolicy.REQUIRE,
          actions: [new S3Action({ bucket: mail, objectKeyPrefix: RAW_MAIL_PREFIX })],
        },
      ],
    });
    new CfnOutput(this, "IntakeReceiptRuleSetName", { value: ruleSet.receiptRuleSetName });
    this.emailIntake = { ruleSet, function: intake, deadLetters };
    return this.emailIntake;
  }

  /**
   * Issue 16: who may use the data subjects' keys. Writers seal (find or create a subject, wrap its
   * new key); readers reveal (read and unwrap); the erasure route also destroys keys. Projectors, the
   * relay and the auditors' export get nothing: they work on sealed values.
   */
  private allowPersonalData(fn: NodejsFunction, use: "seal" | "reveal" | "erase"): void {
    const actions = {
      reveal: ["dynamodb:GetItem", "dynamodb:BatchGetItem"],
      seal: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"],
      erase: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    }[use];
    allow(fn, this.subjectKeysTable, subjectKeysTable, actions, "table");
    fn.addToRolePolicy(new PolicyStatement({ actions: use === "reveal" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:Encrypt"], resources: [this.personalDataKey.keyArn] }));
    fn.addEnvironment("KEYS_TABLE", this.subjectKeysTable.tableName);
    fn.addEnvironment("PERSONAL_DATA_KMS_KEY", this.personalDataKey.keyArn);
  }

  /** Issue 16: the retention run, daily at 03:00 Amsterdam time (EventBridge Scheduler), erasing what the schemes' retention periods release. */
  private addPersonalDataRetention(): void {
    const retention = this.function("PersonalDataRetention", {
      entry: "functions/personal-data/retention-handler.ts",
      description: "Erases personal data of closed files whose retention period has ended (issue 16)",
      timeout: Duration.minutes(15),
    });
    allow(retention.fn, this.eventsTable, eventsTable, tableActions.readEvents, "table");
    allow(retention.fn, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
    // Lists the subjects (Scan), reads their streams and destroys keys; never unwraps one, so no KMS.
    allow(retention.fn, this.subjectKeysTable, subjectKeysTable, ["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "table");
    retention.fn.addEnvironment("KEYS_TABLE", this.subjectKeysTable.tableName);
    retention.fn.addEnvironment("PERSONAL_DATA_KMS_KEY", this.personalDataKey.keyArn);
    new Schedule(this, "PersonalDataRetentionSchedule", {
      description: "Daily retention run (issue 16)",
      schedule: ScheduleExpression.cron({ minute: "0", hour: "3", timeZone: TimeZone.of("Europe/Amsterdam") }),
      target: new LambdaInvoke(retention.fn, { retryAttempts: 2 }),
    });
    const schedulerRole = this.node.children.find((c) => c.node.id.startsWith("SchedulerRoleForTarget"));
    if (schedulerRole) {
      const fnArn = this.resolve((retention.fn.node.defaultChild as unknown as { logicalId: string }).logicalId) as string;
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${fnArn}.Arn>:*]`,
        reason: "The scheduler's role (aws-scheduler-targets LambdaInvoke) may invoke the retention function and its versions, nothing else.",
      });
    }
  }

  private apiFunctionStack(shard: number): NestedStack {
    let nested = this.apiFunctionStacks.get(shard);
    if (!nested) {
      nested = new NestedStack(this, `ApiFunctions${shard}`, { description: `Subsidy back office (${this.config.stage}): staff API functions, shard ${shard}` });
      this.apiFunctionStacks.set(shard, nested);
    }
    return nested;
  }

  /** A back-office function with the stage's log settings, the shared environment and an error alarm next to it. */
  private function(id: string, props: Omit<BackOfficeFunctionProps, "logRetention" | "logRemovalPolicy">, scope: Construct = this): BackOfficeFunction {
    const fn = new BackOfficeFunction(scope, id, {
      ...props,
      environment: { ...this.sharedEnvironment, ...props.environment },
      logRetention: this.config.logRetention,
      logRemovalPolicy: this.config.removalPolicy,
    });
    this.monitoring.watchErrors(`${id}Errors`, fn.fn, id, scope);
    this.functions.push(fn);
    return fn;
  }

  /** An encrypted, TLS-only queue that collects what failed for good, with an alarm on its depth. */
  private deadLetterQueue(id: string, what: string): Queue {
    const queue = new Queue(this, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: `This queue is itself a dead-letter queue (${what}: a Lambda on-failure destination or an EventBridge target DLQ). cdk-nag only recognises queues named in another queue's RedrivePolicy.`,
    });
    this.monitoring.watchDeadLetters(`${id}Depth`, queue, what);
    this.deadLetterQueues.set(what, queue);
    return queue;
  }
}

function attribute(key: KeyAttribute) {
  return { name: key.name, type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER };
}

/** A table exactly as the shared definition describes it (keys, indexes, stream), plus per-stage durability. */
function tableFrom(scope: Construct, definition: TableDefinition, extra: Partial<TableProps>): Table {
  const table = new Table(scope, definition.logicalName, {
    partitionKey: attribute(definition.partitionKey),
    sortKey: attribute(definition.sortKey),
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    // NEW_IMAGE: an event item is written once, so the new image is the whole event.
    stream: definition.stream ? StreamViewType.NEW_IMAGE : undefined,
    ...extra,
  });
  for (const index of definition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}

/** Exact actions on one table; reads may extend to its indexes (or name only them), writes only ever name the table. */
function allow(fn: IFunction, table: Table, definition: TableDefinition, actions: ReadonlyArray<string>, on: "table" | "table-and-indexes" | "indexes") {
  const indexes = on === "table" ? [] : definition.globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
  fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [...(on === "indexes" ? [] : [table.tableArn]), ...indexes] }));
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
