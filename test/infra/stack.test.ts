import { isDeepStrictEqual } from "node:util";
import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_SOURCE } from "../../events/contract.ts";
import { apiRoutes, staffRoles } from "../../functions/api/routes.ts";
import { busRules, eventPattern } from "../../functions/bus/routing.ts";
import { lettersRule } from "../../functions/letters/rules.ts";
import { eventsTable, type KeyAttribute, readModelsTable, type TableDefinition } from "../../functions/store/tables.ts";
import { Stack } from "aws-cdk-lib";
import { apiFunctionShardOf, type BackOfficeStack } from "../../infra/stack.ts";
import { stageConfig, stageConfigFromContext } from "../../infra/stages.ts";
import { asArray, covers, type Json, logicalId, ofType as ofTypeIn, refsOf, type Resource, type Synthesised, statementsOf as statementsIn, synth } from "./support.ts";

const keySchema = (definition: { partitionKey: KeyAttribute; sortKey: KeyAttribute }) => [
  { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
  { AttributeName: definition.sortKey.name, KeyType: "RANGE" },
];

const byName = <T>(key: (item: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

/** Lambda functions CDK adds for its own custom resources (deploy-time only), by logical id prefix. */
const cdkHandlerPrefixes = ["CustomS3AutoDeleteObjectsCustomResourceProvider", "BucketNotificationsHandler"];

describe("BackOfficeStack", () => {
  let dev: Synthesised;
  let prod: Synthesised;
  let stack: BackOfficeStack;
  let template: Template;
  let resources: Record<string, Resource>;

  const ofType = (type: string, from: Record<string, Resource> = resources) => ofTypeIn(from, type);
  const statementsOf = (roleId?: string) => statementsIn(resources, roleId);

  /** The function behind an API route (`METHOD /path`), found through the route's integration. */
  function functionOfRoute(routeKey: string): [string, Resource] {
    const [, route] = ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === routeKey)!;
    const integration = refsOf(route.Properties.Target).map((id) => resources[id]!).find((r) => r.Type === "AWS::ApiGatewayV2::Integration")!;
    const fnId = refsOf(integration.Properties.IntegrationUri)[0]!;
    expect(resources[fnId]!.Type).toBe("AWS::Lambda::Function");
    return [fnId, resources[fnId]!];
  }
  const roleOfRoute = (routeKey: string) => refsOf(functionOfRoute(routeKey)[1].Properties.Role)[0]!;

  beforeAll(() => {
    // No bundling: these checks read the templates (bundles.test.ts checks the code).
    dev = synth("dev");
    ({ stack, template, resources } = dev);
    prod = synth("prod", { alarmEmail: "ops@example.org" });
  }, 120_000);

  it("keeps every template within CloudFormation's 500 resources (counts printed)", () => {
    // An API route adds 3 resources to the top-level stack (route, integration, permission) and 5 to its function's nested stack.
    for (const from of [dev, prod]) {
      console.info(`resources per template: ${Object.entries(from.resourceCounts).map(([path, n]) => `${path} ${n}`).join(", ")} (limit 500)`);
      for (const [path, count] of Object.entries(from.resourceCounts)) expect(count, path).toBeLessThan(500);
    }
  });

  it("puts each API route's function in the nested stack of its shard, and nothing else of the route", () => {
    for (const route of apiRoutes) {
      const fn = stack.routeFunctions.get(route.id)!;
      expect(Stack.of(fn), route.id).toBe(stack.apiFunctionStacks.get(apiFunctionShardOf(route.id)));
    }
    expect(ofType("AWS::ApiGatewayV2::Route", dev.template.toJSON().Resources)).toHaveLength(apiRoutes.length);
    expect(Stack.of(stack.relay)).toBe(stack);
  });

  it("synthesises without errors", () => {
    Annotations.fromStack(stack).hasNoError("*", Match.anyValue());
    Annotations.fromStack(prod.stack).hasNoError("*", Match.anyValue());
  });

  describe("functions", () => {
    it("has exactly the back-office functions (plus CDK's deploy-time handlers): one per route, per projection, and the relay", () => {
      const ours = new Set(stack.functions.map((f) => logicalId(stack, f.fn)));
      // + the relay, the letters reaction and its bounces (issue 13) and the personal-data retention run (issue 16).
      expect(ours.size).toBe(apiRoutes.length + new Set(busRules.map((r) => r.target.projection)).size + 4);
      for (const [id] of ofType("AWS::Lambda::Function")) {
        if (!ours.has(id)) expect(cdkHandlerPrefixes.some((prefix) => id.startsWith(prefix)), id).toBe(true);
      }
    });

    it("runs every function on Node.js 22, arm64, traced, with its own log group and the shared environment", () => {
      for (const f of stack.functions) {
        const fn = resources[logicalId(stack, f.fn)]!;
        expect(fn.Properties.Runtime).toBe("nodejs22.x");
        expect(fn.Properties.Architectures).toEqual(["arm64"]);
        expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
        expect(refsOf(fn.Properties.LoggingConfig?.LogGroup)).toEqual([logicalId(stack, f.logGroup)]);
        expect(fn.Properties.Environment.Variables).toMatchObject({
          STAGE: "dev",
          EVENTS_TABLE: { Ref: logicalId(stack, stack.eventsTable) },
          READ_MODELS_TABLE: { Ref: logicalId(stack, stack.readModelsTable) },
          EVENT_BUS_NAME: { Ref: logicalId(stack, stack.bus) },
        });
      }
    });

    it("gives every function its own role with no AWS managed policy", () => {
      const roles = stack.functions.map((f) => refsOf(resources[logicalId(stack, f.fn)]!.Properties.Role)[0]!);
      expect(new Set(roles).size).toBe(stack.functions.length);
      for (const roleId of roles) expect(resources[roleId]!.Properties.ManagedPolicyArns, roleId).toBeUndefined();
    });

    it("gives every log group a retention", () => {
      for (const [, group] of ofType("AWS::Logs::LogGroup")) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    });
  });

  describe("tables (the shared definitions in functions/store/tables.ts)", () => {
    function expectTable(table: Resource, definition: TableDefinition) {
      const keys = [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
      const attributes = [...new Map(keys.map((k) => [k.name, { AttributeName: k.name, AttributeType: k.type }])).values()];
      expect(table.Properties.KeySchema).toEqual(keySchema(definition));
      expect([...table.Properties.AttributeDefinitions].sort(byName((a: Json) => a.AttributeName))).toEqual(attributes.sort(byName((a) => a.AttributeName)));
      expect(table.Properties.StreamSpecification).toEqual(definition.stream ? { StreamViewType: "NEW_IMAGE" } : undefined);
      expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
    function expectIndexes(table: Resource, definition: TableDefinition) {
      expect(definition.globalIndexes.length).toBeGreaterThan(0);
      expect([...(table.Properties.GlobalSecondaryIndexes ?? [])].sort(byName((i: Json) => i.IndexName))).toEqual(
        [...definition.globalIndexes]
          .sort(byName((i) => i.indexName))
          .map((index) => ({ IndexName: index.indexName, KeySchema: keySchema(index), Projection: { ProjectionType: "ALL" } })),
      );
    }

    it("has exactly the two shared tables, and the data subjects' keys apart from them (issue 16)", () => {
      expect(new Set(ofType("AWS::DynamoDB::Table").map(([id]) => id))).toEqual(new Set([stack.eventsTable, stack.readModelsTable, stack.subjectKeysTable].map((t) => logicalId(stack, t))));
    });

    it("builds the events table's keys and stream from the shared definition, with point-in-time recovery", () => {
      const table = resources[logicalId(stack, stack.eventsTable)]!;
      expectTable(table, eventsTable);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    });

    it("declares exactly the shared global indexes (names, keys, projection) on the events table", () => {
      expectIndexes(resources[logicalId(stack, stack.eventsTable)]!, eventsTable);
    });

    it("builds the read-models table's keys from the shared definition", () => {
      expectTable(resources[logicalId(stack, stack.readModelsTable)]!, readModelsTable);
    });

    it("declares exactly the shared global indexes (names, keys, projection) on the read-models table", () => {
      expectIndexes(resources[logicalId(stack, stack.readModelsTable)]!, readModelsTable);
    });
  });

  describe("outbox and bus", () => {
    it("relays the events table stream from the trim horizon with partial batch failures", () => {
      const mappings = ofType("AWS::Lambda::EventSourceMapping");
      expect(mappings).toHaveLength(1);
      const [, mapping] = mappings[0]!;
      expect(mapping.Properties.EventSourceArn).toEqual({ "Fn::GetAtt": [logicalId(stack, stack.eventsTable), "StreamArn"] });
      expect(mapping.Properties.FunctionName).toEqual({ Ref: logicalId(stack, stack.relay) });
      expect(mapping.Properties).toMatchObject({
        StartingPosition: "TRIM_HORIZON",
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(resources[refsOf(mapping.Properties.DestinationConfig.OnFailure.Destination)[0]!]?.Type).toBe("AWS::SQS::Queue");
    });

    it("lets the relay publish to this stack's bus, named in its environment, and only with the contract's source (EVENT_SOURCE)", () => {
      const relayId = logicalId(stack, stack.relay);
      const busId = logicalId(stack, stack.bus);
      expect(resources[relayId]!.Properties.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: busId });
      const publishes = statementsOf(refsOf(resources[relayId]!.Properties.Role)[0]).filter((s) => asArray<string>(s.Action).some((a) => covers(a, "events:PutEvents")));
      expect(publishes).toHaveLength(1);
      expect(publishes[0].Resource).toEqual({ "Fn::GetAtt": [busId, "Arn"] });
      expect(Object.keys(publishes[0].Condition)).toEqual(["StringEquals"]);
      expect(asArray(publishes[0].Condition.StringEquals["events:source"])).toEqual([EVENT_SOURCE]);
    });

    it("lets nothing but the relay put events on the bus", () => {
      const relayRole = refsOf(resources[logicalId(stack, stack.relay)]!.Properties.Role)[0]!;
      for (const [roleId] of ofType("AWS::IAM::Role").filter(([id]) => id !== relayRole)) {
        for (const statement of statementsOf(roleId)) {
          for (const action of asArray<string>(statement.Action)) expect(covers(action, "events:PutEvents"), `${roleId}: ${action}`).toBe(false);
        }
      }
    });

    it("archives the bus's domain events (the contract's source)", () => {
      template.hasResourceProperties("AWS::Events::Archive", {
        SourceArn: { "Fn::GetAtt": [logicalId(stack, stack.bus), "Arn"] },
        EventPattern: { source: [EVENT_SOURCE] },
      });
    });

    it("declares one rule per shared bus rule, matching the contract's source, to its projector with retries and a dead-letter queue", () => {
      const rules = ofType("AWS::Events::Rule");
      // + the letters reaction's rule (its own test below) and the rule for SES's bounces of letters (test/infra/letter-bounces.test.ts).
      expect(rules).toHaveLength(busRules.length + 2);
      for (const busRule of busRules) {
        expect(busRule.source).toBe(EVENT_SOURCE);
        const projectorId = logicalId(stack, stack.projectors.get(busRule.target.projection)!);
        const matching = rules.filter(([, r]) => isDeepStrictEqual(r.Properties.EventPattern, eventPattern(busRule)) && refsOf(r.Properties.Targets).includes(projectorId));
        expect(matching, busRule.name).toHaveLength(1);
        const [, rule] = matching[0]!;
        expect(rule.Properties.EventPattern.source).toEqual([EVENT_SOURCE]);
        expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(stack, stack.bus) });
        expect(rule.Properties.Targets).toHaveLength(1);
        const target = rule.Properties.Targets[0];
        const fnId = refsOf(target.Arn)[0]!;
        expect(resources[fnId]!.Properties.Environment.Variables.PROJECTION).toBe(busRule.target.projection);
        expect(resources[refsOf(target.DeadLetterConfig?.Arn)[0]!]?.Type).toBe("AWS::SQS::Queue");
        expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
        // A failing handler is Lambda's asynchronous retry, not EventBridge's: it needs its own destination.
        const [, invokeConfig] = ofType("AWS::Lambda::EventInvokeConfig").find(([, c]) => refsOf(c.Properties.FunctionName).includes(fnId))!;
        expect(resources[refsOf(invokeConfig.Properties.DestinationConfig.OnFailure.Destination)[0]!]?.Type).toBe("AWS::SQS::Queue");
      }
    });

    it("issue 13: routes the decisions that concern an applicant, never replays, to the letters reaction, with retries and a dead-letter queue", () => {
      const lettersId = logicalId(stack, stack.letters);
      const matching = ofType("AWS::Events::Rule").filter(([, r]) => refsOf(r.Properties.Targets).includes(lettersId));
      expect(matching).toHaveLength(1);
      const [, rule] = matching[0]!;
      expect(rule.Properties.EventPattern).toEqual(eventPattern(lettersRule));
      expect(rule.Properties.EventPattern.detail).toEqual({ replay: [false] });
      expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(stack, stack.bus) });
      const target = rule.Properties.Targets[0];
      expect(resources[refsOf(target.DeadLetterConfig?.Arn)[0]!]?.Type).toBe("AWS::SQS::Queue");
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(resources[lettersId]!.Properties.Environment.Variables.REACTION).toBe("letters");
    });

    it("encrypts every queue and refuses plain HTTP to it", () => {
      const queues = ofType("AWS::SQS::Queue");
      for (const [id, queue] of queues) {
        expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
        const policy = ofType("AWS::SQS::QueuePolicy").find(([, p]) => refsOf(p.Properties.Queues).includes(id));
        expect(JSON.stringify(policy?.[1].Properties.PolicyDocument), id).toContain('"aws:SecureTransport":"false"');
      }
    });
  });

  describe("buckets", () => {
    const bucket = (construct: Parameters<typeof logicalId>[1], from: Synthesised = dev) => from.resources[logicalId(from.stack, construct)]!;
    const tlsOnly = (bucketId: string, from: Synthesised) =>
      ofType("AWS::S3::BucketPolicy", from.resources).some(
        ([, p]) =>
          refsOf(p.Properties.Bucket).includes(bucketId) &&
          asArray(p.Properties.PolicyDocument.Statement).some((s: Json) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"),
      );

    it("blocks public access, encrypts and refuses plain HTTP on every bucket", () => {
      const buckets = ofType("AWS::S3::Bucket");
      expect(buckets).toHaveLength(3);
      for (const [id, b] of buckets) {
        expect(b.Properties.PublicAccessBlockConfiguration, id).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
        expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, id).toBe("AES256");
        expect(tlsOnly(id, dev), id).toBe(true);
      }
    });

    it("versions the mail bucket, moves mail to infrequent access after 90 days, expires old versions and logs access", () => {
      const mail = bucket(stack.storage.mail);
      expect(mail.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      const rules: Json[] = mail.Properties.LifecycleConfiguration.Rules;
      expect(rules.flatMap((r) => asArray(r.Transitions))).toContainEqual({ StorageClass: "STANDARD_IA", TransitionInDays: 90 });
      expect(rules.some((r) => r.NoncurrentVersionExpiration?.NoncurrentDays > 0)).toBe(true);
      expect(rules.some((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation > 0)).toBe(true);
      expect(refsOf(mail.Properties.LoggingConfiguration.DestinationBucketName)).toEqual([logicalId(stack, stack.storage.accessLogs)]);
    });

    it("locks the checkpoint bucket in COMPLIANCE mode (1 day in dev, 7 years in prod), logs access and keeps it in every stage", () => {
      for (const [from, days] of [[dev, 1], [prod, 7 * 365]] as const) {
        const checkpoints = bucket(from.stack.storage.checkpoints, from);
        expect(checkpoints.Properties.ObjectLockEnabled).toBe(true);
        expect(checkpoints.Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: days } } });
        expect(checkpoints.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
        expect(checkpoints.Properties.LoggingConfiguration).toBeDefined();
        expect(checkpoints.DeletionPolicy).toBe("Retain");
      }
    });

    it("keeps the mail bucket in prod and empties and deletes it with a dev stack", () => {
      expect(bucket(prod.stack.storage.mail, prod).DeletionPolicy).toBe("Retain");
      expect(bucket(stack.storage.mail).DeletionPolicy).toBe("Delete");
      const autoDeleted = ofType("Custom::S3AutoDeleteObjects").flatMap(([, r]) => refsOf(r.Properties.BucketName));
      expect(autoDeleted).toContain(logicalId(stack, stack.storage.mail));
      expect(ofType("Custom::S3AutoDeleteObjects", prod.resources)).toHaveLength(0);
    });
  });

  describe("alarms", () => {
    const alarms = () => ofType("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const topicId = () => logicalId(stack, stack.monitoring.topic);
    const notifies = (alarm: Json) => expect(refsOf(alarm.AlarmActions)).toEqual([topicId()]);

    it("alarms on the first message in every dead-letter queue", () => {
      const queues = ofType("AWS::SQS::Queue");
      expect(queues.length).toBe(stack.deadLetterQueues.size);
      for (const [queueId] of queues) {
        const matching = alarms().filter((a) => a.MetricName === "ApproximateNumberOfMessagesVisible" && refsOf(a.Dimensions).includes(queueId));
        expect(matching, queueId).toHaveLength(1);
        expect(matching[0]).toMatchObject({ Namespace: "AWS/SQS", Threshold: 0, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching" });
        notifies(matching[0]);
      }
    });

    it("alarms on the first error of every function", () => {
      for (const f of stack.functions) {
        const fnId = logicalId(stack, f.fn);
        const matching = alarms().filter((a) => a.MetricName === "Errors" && refsOf(a.Dimensions).includes(fnId));
        expect(matching, fnId).toHaveLength(1);
        expect(matching[0]).toMatchObject({ Namespace: "AWS/Lambda", Statistic: "Sum", Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
        notifies(matching[0]);
      }
    });

    it("alarms when the relay falls behind the events table stream", () => {
      const lag = alarms().filter((a) => a.MetricName === "IteratorAge" && refsOf(a.Dimensions).includes(logicalId(stack, stack.relay)));
      expect(lag).toHaveLength(1);
      expect(lag[0].Threshold).toBeGreaterThan(0);
      notifies(lag[0]);
    });

    it("lets only this account's CloudWatch alarms publish to the TLS-only alarm topic", () => {
      const [, policy] = ofType("AWS::SNS::TopicPolicy").find(([, p]) => refsOf(p.Properties.Topics).includes(topicId()))!;
      const statements: Json[] = policy.Properties.PolicyDocument.Statement;
      expect(statements.some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false")).toBe(true);
      const allows = statements.filter((s) => s.Effect === "Allow");
      expect(allows).toHaveLength(1);
      expect(allows[0].Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
      expect(allows[0].Condition.StringEquals["aws:SourceAccount"]).toEqual({ Ref: "AWS::AccountId" });
    });
  });

  describe("staff API", () => {
    it("declares one route per API route, each behind the Cognito JWT authorizer", () => {
      const authorizers = ofType("AWS::ApiGatewayV2::Authorizer");
      expect(authorizers).toHaveLength(1);
      const [authorizerId, authorizer] = authorizers[0]!;
      expect(authorizer.Properties.AuthorizerType).toBe("JWT");
      expect(refsOf(authorizer.Properties.JwtConfiguration.Issuer)).toContain(logicalId(stack, stack.userPool));
      expect(refsOf(authorizer.Properties.JwtConfiguration.Audience)).toEqual([logicalId(stack, stack.userPoolClient)]);

      const routes = ofType("AWS::ApiGatewayV2::Route");
      expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(apiRoutes.map((r) => `${r.method} ${r.path}`).sort());
      for (const [, route] of routes) {
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe("JWT");
        expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    });

    it("integrates each route with its own function, payload format 2.0", () => {
      const functions = apiRoutes.map((r) => functionOfRoute(`${r.method} ${r.path}`)[0]);
      expect(new Set(functions).size).toBe(apiRoutes.length);
      for (const [, integration] of ofType("AWS::ApiGatewayV2::Integration")) {
        expect(integration.Properties).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
      }
    });

    it("serves each route from a function built from the route's `entry` (bundles.test.ts: a function's bundle is its entry's)", () => {
      for (const route of apiRoutes) {
        const [fnId, fn] = functionOfRoute(`${route.method} ${route.path}`);
        const built = stack.functions.filter((f) => logicalId(stack, f.fn) === fnId);
        expect(built.map((f) => f.entry), route.id).toEqual([route.entry]);
        expect(fn.Properties.Handler, route.id).toBe("index.handler");
      }
    });

    it("has one Cognito group per staff role, no self sign-up and a strong password policy on the Plus plan", () => {
      expect(ofType("AWS::Cognito::UserPoolGroup").map(([, g]) => g.Properties.GroupName).sort()).toEqual([...staffRoles].sort());
      template.hasResourceProperties("AWS::Cognito::UserPool", {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true, RequireUppercase: true, RequireLowercase: true }) },
        UserPoolTier: "PLUS",
      });
    });

    it("lets clients sign in with SRP, operators with IAM credentials (admin flow), and nobody with a plain password", () => {
      const [, client] = ofType("AWS::Cognito::UserPoolClient")[0]!;
      expect([...client.Properties.ExplicitAuthFlows].sort()).toEqual(["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]);
      expect(client.Properties.GenerateSecret).toBe(false);
      expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    });

    it("throttles and logs the API stage", () => {
      const [, stage] = ofType("AWS::ApiGatewayV2::Stage")[0]!;
      expect(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(resources[refsOf(stage.Properties.AccessLogSettings.DestinationArn)[0]!]?.Type).toBe("AWS::Logs::LogGroup");
    });
  });

  describe("least privilege", () => {
    const forbiddenOnEvents = ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"];
    const dynamoActionsOf = (statement: Json): string[] =>
      asArray<string>(statement.Action).filter((a) => a === "*" || a.toLowerCase().startsWith("dynamodb:"));

    it("never lets anything update or delete an event", () => {
      const eventsId = logicalId(stack, stack.eventsTable);
      const touchesEvents = (statement: Json) =>
        asArray(statement.Resource).some((r: Json) => (typeof r === "string" ? r.includes("*") : refsOf(r).includes(eventsId)));
      const statements = statementsOf();
      expect(statements.length).toBeGreaterThan(0);
      let appendsSeen = 0;
      for (const statement of statements) {
        // NotAction / NotResource allow far more than they name: none in this stack.
        expect(statement.NotAction).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
        if (statement.Effect !== "Allow" || !touchesEvents(statement)) continue;
        for (const action of asArray<string>(statement.Action)) {
          for (const forbidden of forbiddenOnEvents) expect(covers(action, forbidden), `${action} on the events table`).toBe(false);
          if (covers(action, "dynamodb:PutItem")) appendsSeen++;
        }
      }
      // The walk found the appenders' grants, so it looks at the right resources.
      // The write routes, the letters reaction (issue 13: it appends to the letters' own streams) and the
      // retention run (issue 16: it records each erasure), and the letter bounces (issue 13: LetterBounced on the letter's stream).
      expect(appendsSeen).toBe(apiRoutes.filter((r) => r.writes).length + 3);
    });

    it("uses '*' as a resource only for actions without resource-level permissions: X-Ray's, and the relay's dynamodb:ListStreams", () => {
      const relayRole = refsOf(resources[logicalId(stack, stack.relay)]!.Properties.Role)[0]!;
      for (const [roleId] of ofType("AWS::IAM::Role")) {
        const allowed = ["xray:PutTelemetryRecords", "xray:PutTraceSegments", ...(roleId === relayRole ? ["dynamodb:ListStreams"] : [])];
        for (const statement of statementsOf(roleId)) {
          if (!asArray(statement.Resource).includes("*")) continue;
          for (const action of asArray<string>(statement.Action)) expect(allowed, `${roleId}: ${action} on *`).toContain(action);
        }
      }
    });

    it("gives read-only routes nothing but reads of the read models (the auditor's replays a Query on the log's replay index; the letter's PDF reads of the log's streams)", () => {
      const readModelsId = logicalId(stack, stack.readModelsTable);
      const eventsId = logicalId(stack, stack.eventsTable);
      const keysId = logicalId(stack, stack.subjectKeysTable);
      const replaying = ["GetStateAsOf", "ExplainDocument"];
      for (const route of apiRoutes.filter((r) => !r.writes)) {
        const dynamo = statementsOf(roleOfRoute(`${route.method} ${route.path}`)).filter((s) => dynamoActionsOf(s).length > 0);
        // Issue 16: a reading route reveals personal data in its answer: it reads keys, never writes one.
        const onKeys = (s: Json) => asArray(s.Resource).flatMap(refsOf).includes(keysId);
        for (const statement of dynamo.filter(onKeys)) expect(dynamoActionsOf(statement).sort(), route.id).toEqual(["dynamodb:BatchGetItem", "dynamodb:GetItem"]);
        const all = dynamo.filter((s) => !onKeys(s));
        const onEvents = (s: Json) => asArray(s.Resource).flatMap(refsOf).includes(eventsId);
        const statements = all.filter((s) => !onEvents(s));
        expect(statements.length, route.id).toBeGreaterThan(0);
        for (const statement of statements) {
          expect(dynamoActionsOf(statement).every((a) => ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"].includes(a)), route.id).toBe(true);
          expect(new Set(asArray(statement.Resource).flatMap(refsOf)), route.id).toEqual(new Set([readModelsId]));
        }
        // R-X-04: as-of and explain rebuild from the events alone (IAM parity finding 2): a Query on the index, nothing else of the log.
        const log = all.filter(onEvents);
        // Issue 13: the letter's PDF is rendered again from its source decision's streams: reads of the table, never a write.
        if (route.id === "GetLetterPdf") {
          expect(log.map((statement) => dynamoActionsOf(statement).sort()), route.id).toEqual([["dynamodb:GetItem", "dynamodb:Query"]]);
          for (const resource of log.flatMap((statement) => asArray(statement.Resource))) expect(JSON.stringify(resource), route.id).not.toMatch(/\/index\//);
          continue;
        }
        expect(log.length > 0, route.id).toBe(replaying.includes(route.id));
        for (const statement of log) {
          expect(dynamoActionsOf(statement), route.id).toEqual(["dynamodb:Query"]);
          for (const resource of asArray(statement.Resource)) expect(JSON.stringify(resource), route.id).toMatch(/\/index\//);
        }
      }
    });

    it("gives the auditor's routes no write action on anything: only reads, their own logs and traces", () => {
      const auditorRoutes = apiRoutes.filter((r) => (r.roles as ReadonlyArray<string>).includes("auditor"));
      expect(auditorRoutes.length).toBeGreaterThan(0);
      // kms:Decrypt unwraps a data subject's key to reveal personal data in an answer (issue 16); never Encrypt.
      const allowed = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "kms:Decrypt", "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"];
      for (const route of auditorRoutes) {
        const [fnId, fn] = functionOfRoute(`${route.method} ${route.path}`);
        const roleId = refsOf(fn.Properties.Role)[0]!;
        for (const statement of statementsOf(roleId).filter((s) => s.Effect === "Allow")) {
          for (const action of asArray<string>(statement.Action)) expect(allowed, `${route.id}: ${action}`).toContain(action);
          // Logs only into the function's own log group.
          if (asArray<string>(statement.Action).some((a) => a.startsWith("logs:"))) {
            expect(refsOf(statement.Resource), route.id).toEqual(refsOf(fn.Properties.LoggingConfig.LogGroup));
          }
        }
        // And it is not given a queue or a destination to send to.
        expect(ofType("AWS::Lambda::EventInvokeConfig").some(([, c]) => refsOf(c.Properties.FunctionName).includes(fnId)), route.id).toBe(false);
      }
    });

    it("lets writing routes only append to and read the event log, and at most list the read models (a Query on their index)", () => {
      const eventsId = logicalId(stack, stack.eventsTable);
      const readModelsId = logicalId(stack, stack.readModelsTable);
      const keysId = logicalId(stack, stack.subjectKeysTable);
      const onReadModels = (s: Json) => asArray(s.Resource).flatMap(refsOf).includes(readModelsId);
      const onKeys = (s: Json) => asArray(s.Resource).flatMap(refsOf).includes(keysId);
      for (const route of apiRoutes.filter((r) => r.writes)) {
        const dynamo = statementsOf(roleOfRoute(`${route.method} ${route.path}`)).filter((s) => dynamoActionsOf(s).length > 0);
        // Issue 16: a writing route seals personal data (finds or creates a subject's key); only the erasure route destroys keys.
        const keyActions = route.id === "RequestPersonalDataErasure" ? ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"] : ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"];
        for (const statement of dynamo.filter(onKeys)) expect(dynamoActionsOf(statement).sort(), route.id).toEqual(keyActions);
        const all = dynamo.filter((s) => !onKeys(s));
        const statements = all.filter((s) => !onReadModels(s));
        const actions = new Set(statements.flatMap(dynamoActionsOf));
        expect([...actions].sort(), route.id).toEqual(["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
        for (const statement of statements) expect(new Set(asArray(statement.Resource).flatMap(refsOf)), route.id).toEqual(new Set([eventsId]));
        // The assessment and the hub routes list read-model documents (IAM parity finding 1): the index only, nothing else.
        for (const statement of all.filter(onReadModels)) {
          expect(dynamoActionsOf(statement), route.id).toEqual(["dynamodb:Query"]);
          for (const resource of asArray(statement.Resource)) expect(JSON.stringify(resource), route.id).toMatch(/\/index\//);
        }
      }
    });
  });

  describe("stages", () => {
    it("makes prod durable and protected, and every other stage disposable", () => {
      const prodConfig = stageConfig("prod");
      expect(prodConfig).toMatchObject({ prod: true, removalPolicy: "retain", deletionProtection: true });
      for (const stage of ["dev", "test", "jan-dev"]) expect(stageConfig(stage), stage).toMatchObject({ prod: false, removalPolicy: "destroy", deletionProtection: false });
      expect(prodConfig.checkpointRetention.toDays()).toBe(7 * 365);
      expect(stageConfig("dev").checkpointRetention.toDays()).toBe(1);
    });

    it("refuses a stage name AWS resource names cannot carry, and a malformed alarm address", () => {
      for (const bad of ["", "Prod", "prod_1", "1dev", "a-very-long-stage-name-indeed"]) expect(() => stageConfig(bad), bad).toThrow(/stage/);
      expect(() => stageConfig("prod", { alarmEmail: "ops at example.org" })).toThrow(/alarmEmail/);
    });

    it("reads the stage and the alarm address from CDK context (-c stage=prod -c alarmEmail=...), dev without an address by default", () => {
      const context = (values: Record<string, unknown>) => (key: string) => values[key];
      expect(stageConfigFromContext(context({}))).toMatchObject({ stage: "dev", alarmEmail: undefined });
      expect(stageConfigFromContext(context({ stage: "prod", alarmEmail: "ops@example.org" }))).toMatchObject({ stage: "prod", prod: true, alarmEmail: "ops@example.org" });
      expect(stageConfigFromContext(context({ stage: "prod", alarmEmail: "" })).alarmEmail).toBeUndefined();
      expect(() => stageConfigFromContext(context({ stage: 7 }))).toThrow(/stage/);
    });

    it("retains the tables, user pool, mail and log buckets and log groups on deletion in prod, and deletes them with a dev stack", () => {
      const kept = ["AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket", "AWS::Logs::LogGroup"];
      const checkpoints = (from: Synthesised) => logicalId(from.stack, from.stack.storage.checkpoints);
      for (const type of kept) {
        const prodResources = ofType(type, prod.resources);
        expect(prodResources.length, type).toBeGreaterThan(0);
        for (const [id, r] of prodResources) expect([r.DeletionPolicy, r.UpdateReplacePolicy], `prod ${id}`).toEqual(["Retain", "Retain"]);
        for (const [id, r] of ofType(type, dev.resources).filter(([id]) => id !== checkpoints(dev))) expect(r.DeletionPolicy, `dev ${id}`).toBe("Delete");
      }
    });

    it("protects the events table and the user pool against deletion in prod only", () => {
      const events = (from: Synthesised) => from.resources[logicalId(from.stack, from.stack.eventsTable)]!;
      const pool = (from: Synthesised) => from.resources[logicalId(from.stack, from.stack.userPool)]!;
      expect(events(prod).Properties.DeletionProtectionEnabled).toBe(true);
      expect(events(dev).Properties.DeletionProtectionEnabled).toBe(false);
      expect(events(prod).Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(pool(prod).Properties.DeletionProtection).toBe("ACTIVE");
      expect(pool(dev).Properties.DeletionProtection).toBe("INACTIVE");
    });

    it("requires TOTP MFA in prod and makes it optional in dev", () => {
      const pool = (from: Synthesised) => from.resources[logicalId(from.stack, from.stack.userPool)]!.Properties;
      expect(pool(prod).MfaConfiguration).toBe("ON");
      expect(pool(prod).EnabledMfas).toEqual(["SOFTWARE_TOKEN_MFA"]);
      expect(pool(dev).MfaConfiguration).toBe("OPTIONAL");
    });

    it("keeps logs for a year and the bus archive for a year in prod, a month in dev", () => {
      for (const [from, days] of [[dev, 30], [prod, 365]] as const) {
        const groups = ofType("AWS::Logs::LogGroup", from.resources);
        expect(groups.length).toBeGreaterThan(from.stack.functions.length);
        for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(days);
        const [, archive] = ofType("AWS::Events::Archive", from.resources)[0]!;
        expect(archive.Properties.RetentionDays).toBe(days);
      }
    });

    it("subscribes the alarm address given by context to the alarm topic, and nothing when none is given", () => {
      const subscriptions = ofType("AWS::SNS::Subscription", prod.resources);
      expect(subscriptions).toHaveLength(1);
      expect(subscriptions[0]![1].Properties).toMatchObject({ Protocol: "email", Endpoint: "ops@example.org" });
      expect(refsOf(subscriptions[0]![1].Properties.TopicArn)).toEqual([logicalId(prod.stack, prod.stack.monitoring.topic)]);
      expect(ofType("AWS::SNS::Subscription", dev.resources)).toHaveLength(0);
    });

    it("does not wire the email intake until addEmailIntake is called (its handler belongs to the intake issue)", () => {
      for (const from of [dev, prod]) {
        expect(ofType("AWS::SES::ReceiptRuleSet", from.resources)).toHaveLength(0);
        expect(ofType("Custom::S3BucketNotifications", from.resources)).toHaveLength(0);
      }
    });
  });
});
