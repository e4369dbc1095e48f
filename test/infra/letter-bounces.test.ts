import { beforeAll, describe, expect, it } from "vitest";
import { LETTER_BOUNCES_REACTION, SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE } from "../../functions/letters/bounces.ts";
import { asArray, type Json, logicalId, ofType, refsOf, type Synthesised, statementsOf, synth } from "./support.ts";

/**
 * Issue 13 on AWS: the letters go out with a configuration set whose event destination publishes
 * their bounces to the default bus (SES publishes to no other); a rule there routes them to the
 * LetterBounces function, which may read and append events and seal addresses, nothing more.
 */
describe("bounced letters (SES configuration set -> default bus -> LetterBounces)", () => {
  let synthesised: Synthesised;
  let configurationSetId: string;
  let bouncesId: string;
  let lettersId: string;
  const resources = () => synthesised.resources;

  beforeAll(() => {
    synthesised = synth("dev", { intake: true });
    configurationSetId = logicalId(synthesised.stack, synthesised.stack.lettersConfigurationSet);
    bouncesId = logicalId(synthesised.stack, synthesised.stack.letterBounces);
    lettersId = logicalId(synthesised.stack, synthesised.stack.letters);
  }, 120_000);

  it("has one configuration set, whose one event destination publishes bounces and complaints to the default event bus, and the letters are sent with it", () => {
    expect(ofType(resources(), "AWS::SES::ConfigurationSet").map(([id]) => id)).toEqual([configurationSetId]);
    const destinations = ofType(resources(), "AWS::SES::ConfigurationSetEventDestination");
    expect(destinations).toHaveLength(1);
    const [, destination] = destinations[0]!;
    expect(refsOf(destination.Properties.ConfigurationSetName)).toEqual([configurationSetId]);
    expect(destination.Properties.EventDestination).toMatchObject({ Enabled: true, MatchingEventTypes: ["bounce", "complaint"] });
    expect(JSON.stringify(destination.Properties.EventDestination.EventBridgeDestination.EventBusArn)).toMatch(/:event-bus\/default"/);
    expect(refsOf(resources()[lettersId]!.Properties.Environment.Variables.SES_CONFIGURATION_SET)).toEqual([configurationSetId]);
  });

  it("routes SES's bounce and complaint events of that configuration set on the default bus to the LetterBounces function, with retries and a dead-letter queue", () => {
    const rules = ofType(resources(), "AWS::Events::Rule").filter(([, r]) => refsOf(r.Properties.Targets).includes(bouncesId));
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    // The account's default bus, where SES publishes (not the back office's own bus).
    expect(rule.Properties.EventBusName).toBe("default");
    expect(rule.Properties.EventPattern).toEqual({ source: ["aws.ses"], "detail-type": [SES_BOUNCE_DETAIL_TYPE, SES_COMPLAINT_DETAIL_TYPE], detail: { mail: { tags: { "ses:configuration-set": [{ Ref: configurationSetId }] } } } });
    const target = rule.Properties.Targets[0];
    expect(resources()[refsOf(target.DeadLetterConfig?.Arn)[0]!]?.Type).toBe("AWS::SQS::Queue");
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(resources()[bouncesId]!.Properties.Environment.Variables.REACTION).toBe(LETTER_BOUNCES_REACTION);
  });

  it("lets LetterBounces read and append events and seal addresses (keys table, KMS key), nothing else: no mail, no read models, no update or delete", () => {
    const roleId = refsOf(resources()[bouncesId]!.Properties.Role)[0]!;
    const statements = statementsOf(resources(), roleId);
    const eventsId = logicalId(synthesised.stack, synthesised.stack.eventsTable);
    const keysId = logicalId(synthesised.stack, synthesised.stack.subjectKeysTable);
    const on = (prefix: string) => statements.filter((s: Json) => asArray<string>(s.Action).some((a) => a.startsWith(prefix)));
    // CDK merges statements on the same resource: compare the actions each table gets.
    const actionsOn = new Map<string, Set<string>>();
    for (const statement of on("dynamodb:")) {
      for (const table of refsOf(statement.Resource)) {
        const actions = actionsOn.get(table) ?? new Set<string>();
        for (const action of asArray<string>(statement.Action)) actions.add(action);
        actionsOn.set(table, actions);
      }
    }
    expect(Object.fromEntries([...actionsOn].map(([table, actions]) => [table, [...actions].sort()]))).toEqual({
      [eventsId]: ["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
      [keysId]: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"],
    });
    expect(on("kms:").flatMap((s: Json) => asArray<string>(s.Action)).sort()).toEqual(["kms:Decrypt", "kms:Encrypt"]);
    const services = new Set(statements.flatMap((s: Json) => asArray<string>(s.Action)).map((a) => a.split(":")[0]));
    expect([...services].sort()).toEqual(["dynamodb", "kms", "logs", "sqs", "xray"]);
  });

  it("lets the Letters function send with the letters' configuration set (SES v2 authorises the set too) and from its one identity only", () => {
    const roleId = refsOf(resources()[lettersId]!.Properties.Role)[0]!;
    const ses = statementsOf(resources(), roleId).filter((s: Json) => asArray<string>(s.Action).some((a) => a.startsWith("ses:")));
    expect(new Set(ses.flatMap((s: Json) => asArray<string>(s.Action)))).toEqual(new Set(["ses:SendEmail"]));
    const resourcesNamed = JSON.stringify(ses.map((s: Json) => s.Resource));
    expect(resourcesNamed).toContain(":identity/example.org");
    expect(resourcesNamed).toContain(":configuration-set/");
    expect(refsOf(ses.map((s: Json) => s.Resource))).toContain(configurationSetId);
  });
});
