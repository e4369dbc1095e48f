import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { App, type CfnElement } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, staffRoles } from "../../functions/api/routes.ts";
import { busRules, eventPattern } from "../../functions/bus/routing.ts";
import { eventsTable, readModelsTable, type KeyAttribute, type TableDefinition } from "../../functions/store/tables.ts";
import { projectRoot } from "../../infra/function.ts";
import { BackOfficeStack } from "../../infra/stack.ts";

// Templates are plain JSON; `any` keeps the walking below readable.
type Json = any;
interface Resource {
  readonly Type: string;
  readonly Properties: Json;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The same feature flags as `cdk synth`, so the test sees the template that gets deployed. */
const cdkContext = (JSON.parse(readFileSync(join(projectRoot, "cdk.json"), "utf8")) as { context: Record<string, unknown> }).context;

function synth(stage: string, bundle: boolean): { stack: BackOfficeStack; template: Template; resources: Record<string, Resource> } {
  // Bundling is skipped for stacks not listed (what `cdk synth --exclusively` does): the prod checks need no code.
  const app = new App({ context: { ...cdkContext, ...(bundle ? {} : { "aws:cdk:bundling-stacks": [] }) } });
  const stack = new BackOfficeStack(app, `Test-${stage}`, { stage });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

/** Logical ids a template value points at (Ref, Fn::GetAtt), however deeply nested. */
function refsOf(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (value === null || typeof value !== "object") return [];
  const own: string[] = [];
  if (typeof value.Ref === "string") own.push(value.Ref);
  if (Array.isArray(value["Fn::GetAtt"])) own.push(value["Fn::GetAtt"][0]);
  return [...own, ...Object.values(value).flatMap(refsOf)];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Does an IAM action (possibly with wildcards) cover this action? */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

const keySchema = (definition: { partitionKey: KeyAttribute; sortKey: KeyAttribute }) => [
  { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
  { AttributeName: definition.sortKey.name, KeyType: "RANGE" },
];

const byName = <T>(key: (item: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

describe("BackOfficeStack", () => {
  let stack: BackOfficeStack;
  let template: Template;
  let resources: Record<string, Resource>;
  let prod: { stack: BackOfficeStack; resources: Record<string, Resource> };

  const ofType = (type: string, from: Record<string, Resource> = resources) => Object.entries(from).filter(([, r]) => r.Type === type);
  const logicalId = (s: BackOfficeStack, construct: { node: { defaultChild?: unknown } }) => s.getLogicalId(construct.node.defaultChild as CfnElement);

  /** Every statement of every policy attached to a role: standalone policies and the role's inline ones. */
  function statementsOf(roleId?: string): Json[] {
    const documents = [
      ...ofType("AWS::IAM::Policy")
        .filter(([, p]) => roleId === undefined || refsOf(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
      ...ofType("AWS::IAM::ManagedPolicy")
        .filter(([, p]) => roleId === undefined || refsOf(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
      ...ofType("AWS::IAM::Role")
        .filter(([id]) => roleId === undefined || id === roleId)
        .flatMap(([, r]) => asArray(r.Properties.Policies).map((p: Json) => p.PolicyDocument)),
    ];
    return documents.flatMap((d) => asArray(d.Statement));
  }

  /** The role of the function behind an API route (`METHOD /path`), found through the route's integration. */
  function roleOfRoute(routeKey: string): string {
    const [, route] = ofType("AWS::ApiGatewayV2::Route").find(([, r]) => r.Properties.RouteKey === routeKey)!;
    const integration = refsOf(route.Properties.Target).map((id) => resources[id]!).find((r) => r.Type === "AWS::ApiGatewayV2::Integration")!;
    const fn = resources[refsOf(integration.Properties.IntegrationUri)[0]!]!;
    expect(fn.Type).toBe("AWS::Lambda::Function");
    return refsOf(fn.Properties.Role)[0]!;
  }

  beforeAll(() => {
    const started = Date.now();
    ({ stack, template, resources } = synth("dev", true));
    // Bundling every Lambda is most of this; the brief is to report it if it passes ~30 s.
    console.info(`synthesised with bundling in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    prod = synth("prod", false);
  }, 180_000);

  it("synthesises without errors", () => {
    Annotations.fromStack(stack).hasNoError("*", Match.anyValue());
    Annotations.fromStack(prod.stack).hasNoError("*", Match.anyValue());
  });

  describe("functions", () => {
    it("runs every function on Node.js 22, arm64, traced, with its own log group", () => {
      const functions = ofType("AWS::Lambda::Function");
      const projections = new Set(busRules.map((r) => r.target.projection));
      expect(functions).toHaveLength(apiRoutes.length + projections.size + 1);
      for (const [, fn] of functions) {
        expect(fn.Properties.Runtime).toBe("nodejs22.x");
        expect(fn.Properties.Architectures).toEqual(["arm64"]);
        expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
        expect(resources[refsOf(fn.Properties.LoggingConfig?.LogGroup)[0]!]?.Type).toBe("AWS::Logs::LogGroup");
        expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(expect.arrayContaining(["EVENTS_TABLE", "READ_MODELS_TABLE", "EVENT_BUS_NAME"]));
      }
    });

    it("gives every log group a retention", () => {
      for (const [, group] of ofType("AWS::Logs::LogGroup")) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    });
  });

  describe("tables", () => {
    function expectTable(table: Resource, definition: TableDefinition) {
      const keys = [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
      const attributes = [...new Map(keys.map((k) => [k.name, { AttributeName: k.name, AttributeType: k.type }])).values()];
      expect(table.Properties.KeySchema).toEqual(keySchema(definition));
      expect([...table.Properties.AttributeDefinitions].sort(byName((a: Json) => a.AttributeName))).toEqual(attributes.sort(byName((a) => a.AttributeName)));
      expect([...(table.Properties.GlobalSecondaryIndexes ?? [])].sort(byName((i: Json) => i.IndexName))).toEqual(
        [...definition.globalIndexes]
          .sort(byName((i) => i.indexName))
          .map((index) => ({ IndexName: index.indexName, KeySchema: keySchema(index), Projection: { ProjectionType: "ALL" } })),
      );
      expect(table.Properties.StreamSpecification).toEqual(definition.stream ? { StreamViewType: "NEW_IMAGE" } : undefined);
      expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }

    it("has exactly the two shared tables", () => {
      expect(ofType("AWS::DynamoDB::Table")).toHaveLength(2);
    });

    it("builds the events table from the shared definition", () => {
      const table = resources[logicalId(stack, stack.eventsTable)]!;
      expectTable(table, eventsTable);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    });

    it("builds the read-models table from the shared definition", () => {
      expectTable(resources[logicalId(stack, stack.readModelsTable)]!, readModelsTable);
    });

    it("keeps and protects the tables in prod only", () => {
      const devEvents = resources[logicalId(stack, stack.eventsTable)]!;
      expect(devEvents.DeletionPolicy).toBe("Delete");
      expect(devEvents.Properties.DeletionProtectionEnabled).toBe(false);

      const prodEvents = prod.resources[logicalId(prod.stack, prod.stack.eventsTable)]!;
      expect(prodEvents.DeletionPolicy).toBe("Retain");
      expect(prodEvents.UpdateReplacePolicy).toBe("Retain");
      expect(prodEvents.Properties.DeletionProtectionEnabled).toBe(true);
      expect(prodEvents.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(prod.resources[logicalId(prod.stack, prod.stack.readModelsTable)]!.DeletionPolicy).toBe("Retain");
      const [, pool] = ofType("AWS::Cognito::UserPool", prod.resources)[0]!;
      expect(pool.DeletionPolicy).toBe("Retain");
      expect(pool.Properties.DeletionProtection).toBe("ACTIVE");
      expect(pool.Properties.MfaConfiguration).toBe("ON");
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

    it("archives the bus", () => {
      template.hasResourceProperties("AWS::Events::Archive", { SourceArn: { "Fn::GetAtt": [logicalId(stack, stack.bus), "Arn"] } });
    });

    it("declares one rule per bus rule, with the shared pattern, to its projector with retries and a dead-letter queue", () => {
      const rules = ofType("AWS::Events::Rule");
      expect(rules).toHaveLength(busRules.length);
      for (const busRule of busRules) {
        const matching = rules.filter(([, r]) => isDeepStrictEqual(r.Properties.EventPattern, eventPattern(busRule)));
        expect(matching, busRule.name).toHaveLength(1);
        const [, rule] = matching[0]!;
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

    it("encrypts every queue and refuses plain HTTP to it", () => {
      const queues = ofType("AWS::SQS::Queue");
      for (const [id, queue] of queues) {
        expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
        const policy = ofType("AWS::SQS::QueuePolicy").find(([, p]) => refsOf(p.Properties.Queues).includes(id));
        expect(JSON.stringify(policy?.[1].Properties.PolicyDocument), id).toContain('"aws:SecureTransport":"false"');
      }
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
      const roles = apiRoutes.map((r) => roleOfRoute(`${r.method} ${r.path}`));
      expect(new Set(roles).size).toBe(apiRoutes.length);
      for (const [, integration] of ofType("AWS::ApiGatewayV2::Integration")) {
        expect(integration.Properties).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
      }
    });

    it("has one Cognito group per staff role and no self sign-up", () => {
      expect(ofType("AWS::Cognito::UserPoolGroup").map(([, g]) => g.Properties.GroupName).sort()).toEqual([...staffRoles].sort());
      template.hasResourceProperties("AWS::Cognito::UserPool", { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
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
      expect(appendsSeen).toBe(apiRoutes.filter((r) => r.writes).length);
    });

    it("gives read-only routes nothing but reads of the read models", () => {
      const readModelsId = logicalId(stack, stack.readModelsTable);
      for (const route of apiRoutes.filter((r) => !r.writes)) {
        const statements = statementsOf(roleOfRoute(`${route.method} ${route.path}`)).filter((s) => dynamoActionsOf(s).length > 0);
        expect(statements.length, route.id).toBeGreaterThan(0);
        for (const statement of statements) {
          expect(dynamoActionsOf(statement).every((a) => ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"].includes(a)), route.id).toBe(true);
          expect(new Set(asArray(statement.Resource).flatMap(refsOf)), route.id).toEqual(new Set([readModelsId]));
        }
      }
    });

    it("lets writing routes only append to and read the event log", () => {
      const eventsId = logicalId(stack, stack.eventsTable);
      for (const route of apiRoutes.filter((r) => r.writes)) {
        const statements = statementsOf(roleOfRoute(`${route.method} ${route.path}`)).filter((s) => dynamoActionsOf(s).length > 0);
        const actions = new Set(statements.flatMap(dynamoActionsOf));
        expect([...actions].sort(), route.id).toEqual(["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
        for (const statement of statements) expect(new Set(asArray(statement.Resource).flatMap(refsOf)), route.id).toEqual(new Set([eventsId]));
      }
    });

    it("attaches no managed policy beyond basic Lambda logging", () => {
      for (const [id, role] of ofType("AWS::IAM::Role")) {
        for (const arn of asArray(role.Properties.ManagedPolicyArns)) expect(JSON.stringify(arn), id).toContain("service-role/AWSLambdaBasicExecutionRole");
      }
    });
  });
});
