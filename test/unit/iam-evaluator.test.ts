import { describe, expect, it } from "vitest";
import { type PolicyStatement, UnsupportedPolicy, evaluate, normaliseStatement, resourceMatch } from "../../local/iam-evaluator.ts";
import { IamGuard, dynamoDbRequests, loadCommittedManifest } from "../../local/iam-parity.ts";

const table = "arn:aws:dynamodb:ddblocal:000000000000:table/events";
const index = `${table}/index/globalOrder`;
const allow = (Action: string[], Resource: string[], Condition?: PolicyStatement["Condition"]): PolicyStatement => ({ Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });
const deny = (Action: string[], Resource: string[]): PolicyStatement => ({ Effect: "Deny", Action, Resource });
const decide = (statements: PolicyStatement[], action: string, resource: string, context?: Record<string, string>) => evaluate(statements, { action, resource, ...(context ? { context } : {}) }).decision;

describe("IAM evaluation (local/iam-evaluator.ts)", () => {
  it("allows what a statement allows and denies everything else implicitly", () => {
    const statements = [allow(["dynamodb:GetItem", "dynamodb:Query"], [table])];
    expect(decide(statements, "dynamodb:Query", table)).toBe("allow");
    expect(decide(statements, "dynamodb:PutItem", table)).toBe("implicit-deny");
    expect(decide(statements, "dynamodb:Query", "arn:aws:dynamodb:ddblocal:000000000000:table/read-models")).toBe("implicit-deny");
    expect(decide([], "dynamodb:Query", table)).toBe("implicit-deny");
  });

  it("lets an explicit deny win over any allow, wherever it stands", () => {
    expect(decide([allow(["dynamodb:*"], ["*"]), deny(["dynamodb:DeleteItem"], [table])], "dynamodb:DeleteItem", table)).toBe("explicit-deny");
    expect(decide([deny(["dynamodb:DeleteItem"], [table]), allow(["dynamodb:*"], ["*"])], "dynamodb:DeleteItem", table)).toBe("explicit-deny");
    expect(decide([deny(["dynamodb:DeleteItem"], [table]), allow(["dynamodb:*"], ["*"])], "dynamodb:GetItem", table)).toBe("allow");
  });

  it("matches actions case-insensitively, with * and ? wildcards", () => {
    expect(decide([allow(["dynamodb:*"], [table])], "dynamodb:PutItem", table)).toBe("allow");
    expect(decide([allow(["dynamodb:Get*"], [table])], "dynamodb:GetRecords", table)).toBe("allow");
    expect(decide([allow(["dynamodb:Get*"], [table])], "dynamodb:BatchGetItem", table)).toBe("implicit-deny");
    expect(decide([allow(["DynamoDB:getitem"], [table])], "dynamodb:GetItem", table)).toBe("allow");
    expect(decide([allow(["dynamodb:?etItem"], [table])], "dynamodb:GetItem", table)).toBe("allow");
    expect(decide([allow(["*"], [table])], "s3:GetObject", table)).toBe("allow");
    expect(decide([allow(["dynamodb:*"], [table])], "dynamodbx:GetItem", table)).toBe("implicit-deny");
  });

  it("matches resources case-sensitively: a table's ARN does not cover its indexes or its stream, `table/x/*` does", () => {
    expect(decide([allow(["dynamodb:Query"], [table])], "dynamodb:Query", index)).toBe("implicit-deny");
    expect(decide([allow(["dynamodb:Query"], [`${table}/*`])], "dynamodb:Query", index)).toBe("allow");
    expect(decide([allow(["dynamodb:Query"], [`${table}/index/*`])], "dynamodb:Query", index)).toBe("allow");
    expect(decide([allow(["dynamodb:Query"], [index])], "dynamodb:Query", table)).toBe("implicit-deny");
    expect(decide([allow(["dynamodb:Query"], [table.replace("events", "Events")])], "dynamodb:Query", table)).toBe("implicit-deny");
    expect(decide([allow(["dynamodb:Query"], ["*"])], "dynamodb:Query", index)).toBe("allow");
    expect(decide([allow(["s3:GetObject"], ["arn:aws:s3:::mail/raw/*"])], "s3:GetObject", "arn:aws:s3:::mail/raw/a/b.eml")).toBe("allow");
    expect(decide([allow(["s3:GetObject"], ["arn:aws:s3:::mail/raw/*"])], "s3:GetObject", "arn:aws:s3:::mail/documents/x")).toBe("implicit-deny");
  });

  it("matches an ARN segment by segment: a wildcard stays within its segment", () => {
    expect(resourceMatch("arn:aws:dynamodb:*:*:table/events", table)).toBe(true);
    expect(resourceMatch("arn:aws:dynamodb:eu-*:*:table/events", table)).toBe(false);
    expect(resourceMatch("arn:aws:dynamodb:*:table/events", table)).toBe(false);
    expect(resourceMatch("arn:aws:logs:r:1:log-group:name:*", "arn:aws:logs:r:1:log-group:name:log-stream:s")).toBe(true);
    expect(resourceMatch("arn:aws:dynamodb:ddblocal:000000000000:table/${Events}", table)).toBe(false);
  });

  it("supports NotAction and NotResource as IAM reads them", () => {
    const everythingBut: PolicyStatement = { Effect: "Allow", NotAction: ["dynamodb:DeleteItem"], Resource: [table] };
    expect(decide([everythingBut], "dynamodb:PutItem", table)).toBe("allow");
    expect(decide([everythingBut], "dynamodb:DeleteItem", table)).toBe("implicit-deny");
    const notThere: PolicyStatement = { Effect: "Deny", Action: ["dynamodb:*"], NotResource: [table] };
    expect(decide([allow(["dynamodb:*"], ["*"]), notThere], "dynamodb:Query", index)).toBe("explicit-deny");
    expect(decide([allow(["dynamodb:*"], ["*"]), notThere], "dynamodb:Query", table)).toBe("allow");
  });

  it("evaluates conditions: every operator and key must hold, any value may match; absent keys fail, except for negated and IfExists operators", () => {
    const bus = "arn:aws:events:ddblocal:000000000000:event-bus/local-bus";
    const ours = allow(["events:PutEvents"], [bus], { StringEquals: { "events:source": ["subsidy.backoffice", "other"] } });
    expect(decide([ours], "events:PutEvents", bus, { "events:source": "subsidy.backoffice" })).toBe("allow");
    expect(decide([ours], "events:PutEvents", bus, { "EVENTS:Source": "other" })).toBe("allow");
    expect(decide([ours], "events:PutEvents", bus, { "events:source": "aws.s3" })).toBe("implicit-deny");
    expect(decide([ours], "events:PutEvents", bus)).toBe("implicit-deny");
    const both = allow(["events:PutEvents"], [bus], { StringEquals: { "events:source": ["a"] }, StringLike: { "events:detail-type": ["Application*"] } });
    expect(decide([both], "events:PutEvents", bus, { "events:source": "a", "events:detail-type": "ApplicationRegistered" })).toBe("allow");
    expect(decide([both], "events:PutEvents", bus, { "events:source": "a", "events:detail-type": "AwardGranted" })).toBe("implicit-deny");
    expect(decide([allow(["events:PutEvents"], [bus], { StringNotEquals: { "events:source": ["x"] } })], "events:PutEvents", bus)).toBe("allow");
    expect(decide([allow(["events:PutEvents"], [bus], { StringEqualsIfExists: { "events:source": ["x"] } })], "events:PutEvents", bus)).toBe("allow");
    expect(decide([allow(["events:PutEvents"], [bus], { Null: { "events:source": ["true"] } })], "events:PutEvents", bus)).toBe("allow");
    expect(decide([allow(["events:PutEvents"], [bus], { Bool: { "aws:SecureTransport": ["true"] } })], "events:PutEvents", bus, { "aws:SecureTransport": "true" })).toBe("allow");
  });

  it("refuses to guess on a statement shape it does not evaluate", () => {
    const bus = "arn:aws:events:r:1:event-bus/b";
    expect(() => decide([allow(["events:PutEvents"], [bus], { NumericLessThan: { n: ["1"] } })], "events:PutEvents", bus)).toThrow(UnsupportedPolicy);
    expect(() => decide([allow(["events:PutEvents"], [bus], { "ForAnyValue:StringEquals": { n: ["1"] } })], "events:PutEvents", bus)).toThrow(UnsupportedPolicy);
    expect(() => normaliseStatement({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" })).toThrow(UnsupportedPolicy);
    expect(() => decide([{ Effect: "Allow", Resource: ["*"] } as PolicyStatement], "s3:GetObject", "*")).toThrow(UnsupportedPolicy);
  });

  it("reads CloudFormation's single strings and lists alike", () => {
    expect(normaliseStatement({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { StringEquals: { k: "v" } } })).toEqual({
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: ["arn:aws:s3:::b/*"],
      Condition: { StringEquals: { k: ["v"] } },
    });
  });
});

describe("DynamoDB commands as IAM requests", () => {
  it("names the index a Query or Scan reads, and authorises transactions per item and batches per table", () => {
    expect(dynamoDbRequests("QueryCommand", { TableName: "events", IndexName: "globalOrder" })).toEqual([{ operation: "Query", action: "dynamodb:Query", resource: index }]);
    expect(dynamoDbRequests("GetItemCommand", { TableName: "events" })).toEqual([{ operation: "GetItem", action: "dynamodb:GetItem", resource: table }]);
    expect(
      dynamoDbRequests("TransactWriteItemsCommand", {
        TransactItems: [{ Put: { TableName: "events" } }, { ConditionCheck: { TableName: "events" } }, { Update: { TableName: "read-models" } }, { Delete: { TableName: "events" } }],
      }).map((r) => `${r.action} ${r.resource.split("/").at(-1)}`),
    ).toEqual(["dynamodb:PutItem events", "dynamodb:ConditionCheckItem events", "dynamodb:UpdateItem read-models", "dynamodb:DeleteItem events"]);
    expect(dynamoDbRequests("BatchGetItemCommand", { RequestItems: { events: {}, "read-models": {} } }).map((r) => r.action + " " + r.resource.split("/").at(-1))).toEqual([
      "dynamodb:BatchGetItem events",
      "dynamodb:BatchGetItem read-models",
    ]);
    expect(dynamoDbRequests("ListTablesCommand", {})).toEqual([{ operation: "ListTables", action: "dynamodb:ListTables", resource: "*" }]);
    expect(() => dynamoDbRequests("ExecuteStatementCommand", { Statement: "SELECT * FROM events" })).toThrow(/PartiQL/);
  });
});

describe("the evaluator on the stack's own statements (infra/iam-manifest.json)", () => {
  // The manifest's statements, bound to local names as the runtime binds them.
  const manifest = loadCommittedManifest();
  const guard = new IamGuard(manifest, {
    environment: { EVENTS_TABLE: "events", READ_MODELS_TABLE: "read-models", EVENT_BUS_NAME: "local-bus", MAIL_BUCKET: "local-mail" },
    outside: "deny",
  });
  guard.bindStream("EVENTS_TABLE", "arn:aws:dynamodb:ddblocal:000000000000:table/events/stream/2026-01-01T00:00:00.000");
  const bound = (id: string) => [...guard.boundStatements(id)];
  const runnable = Object.entries(manifest.functions).filter(([, f]) => f.managedPolicyArns.length === 0);
  const actions = [...new Set(runnable.flatMap(([id]) => bound(id).flatMap((s) => s.Action ?? [])))].concat(["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Scan"]);
  const resources = [
    ...new Set(runnable.flatMap(([id]) => bound(id).flatMap((s) => s.Resource ?? []))),
    "arn:aws:s3:::local-mail/raw/x.eml",
    "arn:aws:s3:::local-mail/documents/abc",
    "arn:aws:s3:::local-mail/other/abc",
    "arn:aws:dynamodb:ddblocal:000000000000:table/other",
  ].filter((r) => !r.includes("${"));

  /** The naive reading of condition-free Allow statements: the action listed, the resource listed (or under a trailing `*`). */
  const naive = (statements: PolicyStatement[], action: string, resource: string) =>
    statements.some(
      (s) =>
        s.Effect === "Allow" &&
        !s.Condition &&
        s.Action!.includes(action) &&
        s.Resource!.some((r) => r === "*" || r === resource || (r.endsWith("*") && resource.startsWith(r.slice(0, -1)))),
    );

  it("holds only shapes the evaluator decides: Allow, Action, Resource, and no condition but the relay's StringEquals on events:source", () => {
    for (const [id, fn] of Object.entries(manifest.functions)) {
      for (const s of fn.statements) {
        expect(s.Effect, id).toBe("Allow");
        expect(s.NotAction ?? s.NotResource, id).toBeUndefined();
        if (s.Condition) expect(Object.keys(s.Condition), id).toEqual(["StringEquals"]);
      }
    }
  });

  it("decides every action the stack grants (and the ones it must not) on every resource it names as the plain reading of the statements does", () => {
    let compared = 0;
    for (const [id] of runnable) {
      const statements = bound(id);
      for (const action of actions) {
        for (const resource of resources) {
          if (statements.some((s) => s.Condition && s.Action!.includes(action))) continue;
          expect(decide(statements, action, resource) === "allow", `${id} ${action} ${resource}`).toBe(naive(statements, action, resource));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it("lets no function update, delete or batch-write an event", () => {
    for (const [id] of runnable) {
      for (const action of ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate"]) {
        expect(decide(bound(id), action, table), `${id} ${action}`).toBe("implicit-deny");
      }
    }
  });

  it("lets the relay publish only the contract's events", () => {
    const bus = "arn:aws:events:ddblocal:000000000000:event-bus/local-bus";
    expect(decide(bound("Relay"), "events:PutEvents", bus, { "events:source": "subsidy.backoffice" })).toBe("allow");
    expect(decide(bound("Relay"), "events:PutEvents", bus, { "events:source": "somebody.else" })).toBe("implicit-deny");
    expect(decide(bound("Relay"), "events:PutEvents", bus)).toBe("implicit-deny");
  });
});
