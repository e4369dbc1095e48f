import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpMethod, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpUserPoolAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AccountRecovery, Mfa, UserPool, type UserPoolClient } from "aws-cdk-lib/aws-cognito";
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type TableProps } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, type EventPattern, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { type IFunction, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { EVENT_SOURCE } from "../events/index.ts";
import { apiRoutes, staffRoles } from "../functions/api/routes.ts";
import { busRules, eventPattern } from "../functions/bus/routing.ts";
import { eventsTable, type KeyAttribute, readModelsTable, type TableDefinition } from "../functions/store/tables.ts";
import { BackOfficeFunction } from "./function.ts";

export interface BackOfficeStackProps extends StackProps {
  /** `prod` keeps data on stack deletion and protects it; any other stage is disposable. */
  readonly stage: string;
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
} as const;

export class BackOfficeStack extends Stack {
  readonly eventsTable: Table;
  readonly readModelsTable: Table;
  readonly bus: EventBus;
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  /** The API function of each route, by route id. */
  readonly routeFunctions = new Map<string, IFunction>();
  /** The projector function of each projection, by projection name. */
  readonly projectors = new Map<string, IFunction>();
  readonly relay: IFunction;

  constructor(scope: Construct, id: string, props: BackOfficeStackProps) {
    super(scope, id, props);
    const prod = props.stage === "prod";
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logs = { logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH, logRemovalPolicy: removalPolicy };

    // --- Storage ---------------------------------------------------------------------------
    this.eventsTable = tableFrom(this, eventsTable, {
      removalPolicy,
      // The log is the only source of truth: recoverable in every stage, undeletable in prod.
      // (Deletion protection in dev would make the DESTROY removal policy fail.)
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: prod,
    });
    // Read models are disposable (rebuilt from the log), so no point-in-time recovery.
    this.readModelsTable = tableFrom(this, readModelsTable, { removalPolicy });

    // --- Bus -------------------------------------------------------------------------------
    this.bus = new EventBus(this, "Bus", { description: `Subsidy back office domain events (${props.stage})` });
    this.bus.archive("Archive", {
      description: "History of the published domain events (the events table stays the ground truth)",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: prod ? Duration.days(365) : Duration.days(30),
    });

    const environment = {
      EVENTS_TABLE: this.eventsTable.tableName,
      READ_MODELS_TABLE: this.readModelsTable.tableName,
      EVENT_BUS_NAME: this.bus.eventBusName,
    };

    // --- Relay: the table's stream is the outbox --------------------------------------------
    const relay = new BackOfficeFunction(this, "Relay", {
      entry: "functions/relay/handler.ts",
      description: "Publishes appended events from the events table stream to the bus",
      timeout: Duration.seconds(60),
      environment,
      ...logs,
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
        onFailure: new SqsDlq(queue(this, "RelayFailures")),
      }),
    );
    // The event source grants stream read; publishing is the only other thing the relay does.
    this.bus.grantPutEventsTo(relay.fn);

    // --- Projectors: one function per projection, one rule per bus rule ---------------------
    const deadLettersOf = new Map<string, Queue>();
    for (const busRule of busRules) {
      const projection = busRule.target.projection;
      let projector = this.projectors.get(projection);
      if (!projector) {
        const deadLetters = queue(this, `${pascal(projection)}ProjectorDeadLetters`);
        const fn = new BackOfficeFunction(this, `${pascal(projection)}Projector`, {
          entry: "functions/projector/handler.ts",
          description: `Projects domain events into the ${projection} read model`,
          timeout: Duration.seconds(30),
          environment: { ...environment, PROJECTION: projection },
          // EventBridge invokes asynchronously: its DLQ only catches failed deliveries, this one failed handlers.
          onFailure: new SqsDestination(deadLetters),
          retryAttempts: 2,
          ...logs,
        }).fn;
        allow(fn, this.eventsTable, eventsTable, tableActions.readEvents, "table");
        allow(fn, this.readModelsTable, readModelsTable, tableActions.readDocuments, "table-and-indexes");
        allow(fn, this.readModelsTable, readModelsTable, tableActions.writeDocuments, "table");
        this.projectors.set(projection, fn);
        deadLettersOf.set(projection, deadLetters);
        projector = fn;
      }
      new Rule(this, `${pascal(busRule.name)}Rule`, {
        eventBus: this.bus,
        description: `Routes ${busRule.detailTypes.join(", ")} to the ${projection} projector`,
        // CDK passes pattern keys through verbatim, so the shared (CloudFormation-shaped) pattern goes in as is.
        eventPattern: eventPattern(busRule) as EventPattern,
        targets: [
          new LambdaFunction(projector, {
            deadLetterQueue: deadLettersOf.get(projection)!,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }

    // --- Staff API ---------------------------------------------------------------------------
    this.userPool = new UserPool(this, "StaffUsers", {
      // Staff accounts are created by an admin, never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      mfa: prod ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: false, tempPasswordValidity: Duration.days(3) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: prod,
      removalPolicy,
    });
    // The authoriser takes a caller's roles from the `cognito:groups` claim.
    for (const role of staffRoles) {
      this.userPool.addGroup(`${pascal(role)}Group`, { groupName: role, description: `Staff role ${role}` });
    }
    this.userPoolClient = this.userPool.addClient("StaffClient", {
      generateSecret: false,
      authFlows: { userSrp: true },
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
    const accessLogs = new LogGroup(this, "StaffApiAccessLogs", { retention: logs.logRetention, removalPolicy });
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
      const fn = new BackOfficeFunction(this, `${route.id}Api`, {
        entry: route.entry,
        description: `${route.method} ${route.path}`,
        timeout: Duration.seconds(10),
        environment,
        ...logs,
      }).fn;
      if (route.writes) {
        allow(fn, this.eventsTable, eventsTable, tableActions.readEvents, "table-and-indexes");
        allow(fn, this.eventsTable, eventsTable, tableActions.appendEvents, "table");
      } else {
        allow(fn, this.readModelsTable, readModelsTable, tableActions.readDocuments, "table-and-indexes");
      }
      this.routeFunctions.set(route.id, fn);
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration: new HttpLambdaIntegration(`${route.id}Integration`, fn) });
    }

    new CfnOutput(this, "ApiUrl", { value: stage.url });
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, "EventsTableName", { value: this.eventsTable.tableName });
    new CfnOutput(this, "ReadModelsTableName", { value: this.readModelsTable.tableName });
    new CfnOutput(this, "EventBusName", { value: this.bus.eventBusName });
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

/** Exact actions on one table; reads may extend to its indexes, writes only ever name the table. */
function allow(fn: IFunction, table: Table, definition: TableDefinition, actions: ReadonlyArray<string>, on: "table" | "table-and-indexes") {
  const indexes = on === "table-and-indexes" ? definition.globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`) : [];
  fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [table.tableArn, ...indexes] }));
}

function queue(scope: Construct, id: string): Queue {
  return new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
