import { beforeAll, describe, expect, it } from "vitest";
import { eventsTable } from "../../functions/store/tables.ts";
import type { BackOfficeFunction } from "../../infra/function.ts";
import { intakeRecipients } from "../../infra/intake-recipients.ts";
import { stageConfig } from "../../infra/stages.ts";
import { DOCUMENTS_PREFIX, RAW_MAIL_PREFIX } from "../../infra/storage.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { asArray, covers, intakeFixture, type Json, logicalId, ofType, refsOf, type Synthesised, statementsOf, synth } from "./support.ts";

describe("addEmailIntake (SES receipt rule -> S3 raw/ -> intake function)", () => {
  let synthesised: Synthesised;
  let intake: BackOfficeFunction;
  let mailId: string;
  let intakeId: string;
  const resources = () => synthesised.resources;

  beforeAll(() => {
    synthesised = synth("dev", { intake: true });
    intake = synthesised.stack.functions.find((f) => f.entry === intakeFixture)!;
    mailId = logicalId(synthesised.stack, synthesised.stack.storage.mail);
    intakeId = logicalId(synthesised.stack, intake.fn);
  }, 120_000);

  it("builds the intake function from the given entry", () => {
    expect(intake).toBeDefined();
    expect(resources()[intakeId]!.Properties.Environment.Variables).toMatchObject({ MAIL_BUCKET: { Ref: mailId }, RAW_MAIL_PREFIX, DOCUMENTS_PREFIX });
  });

  it("stores every accepted message under raw/ in the mail bucket, over TLS only, after spam and virus scanning", () => {
    const rules = ofType(resources(), "AWS::SES::ReceiptRule");
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(refsOf(rule.Properties.RuleSetName)).toEqual([ofType(resources(), "AWS::SES::ReceiptRuleSet")[0]![0]]);
    expect(rule.Properties.Rule).toMatchObject({ Enabled: true, ScanEnabled: true, TlsPolicy: "Require", Recipients: ["aanvraag@example.org"] });
    expect(rule.Properties.Rule.Actions).toEqual([{ S3Action: { BucketName: { Ref: mailId }, ObjectKeyPrefix: RAW_MAIL_PREFIX } }]);
    // SES checks its write permission when the rule is created: the bucket policy has to exist first.
    const [policyId] = ofType(resources(), "AWS::S3::BucketPolicy").find(([, p]) => refsOf(p.Properties.Bucket).includes(mailId))!;
    expect(asArray((rule as Json).DependsOn)).toContain(policyId);
  });

  it("lets SES, for this account only, put objects under raw/ and nowhere else in the mail bucket", () => {
    const [, policy] = ofType(resources(), "AWS::S3::BucketPolicy").find(([, p]) => refsOf(p.Properties.Bucket).includes(mailId))!;
    const ses = asArray<Json>(policy.Properties.PolicyDocument.Statement).filter((s) => s.Principal?.Service === "ses.amazonaws.com");
    expect(ses).toHaveLength(1);
    expect(ses[0]).toMatchObject({ Effect: "Allow", Action: "s3:PutObject", Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } } });
    expect(JSON.stringify(ses[0].Resource)).toContain(`"/${RAW_MAIL_PREFIX}*"`);
  });

  it("invokes the intake function for each object created under raw/, and lets only S3 of this bucket and account invoke it", () => {
    const [, notifications] = ofType(resources(), "Custom::S3BucketNotifications")[0]!;
    expect(notifications.Properties.BucketName).toEqual({ Ref: mailId });
    expect(notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations).toEqual([
      { Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: RAW_MAIL_PREFIX }] } }, LambdaFunctionArn: { "Fn::GetAtt": [intakeId, "Arn"] } },
    ]);
    const permissions = ofType(resources(), "AWS::Lambda::Permission").filter(([, p]) => refsOf(p.Properties.FunctionName).includes(intakeId));
    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties).toMatchObject({ Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com", SourceAccount: { Ref: "AWS::AccountId" } });
    expect(refsOf(permissions[0]![1].Properties.SourceArn)).toEqual([mailId]);
  });

  it("retries a failed message twice, then parks it in its own dead-letter queue, with alarms on that queue and on errors", () => {
    const [, invokeConfig] = ofType(resources(), "AWS::Lambda::EventInvokeConfig").find(([, c]) => refsOf(c.Properties.FunctionName).includes(intakeId))!;
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(2);
    const deadLettersId = refsOf(invokeConfig.Properties.DestinationConfig.OnFailure.Destination)[0]!;
    expect(resources()[deadLettersId]!.Type).toBe("AWS::SQS::Queue");
    const alarms = ofType(resources(), "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const topicId = logicalId(synthesised.stack, synthesised.stack.monitoring.topic);
    for (const [metric, dimension] of [["ApproximateNumberOfMessagesVisible", deadLettersId], ["Errors", intakeId]] as const) {
      const matching = alarms.filter((a) => a.MetricName === metric && refsOf(a.Dimensions).includes(dimension));
      expect(matching, metric).toHaveLength(1);
      expect(refsOf(matching[0].AlarmActions)).toEqual([topicId]);
    }
  });

  it("lets the intake read raw/, write documents/, append events and send mail as its one SES identity: nothing else, and never delete", () => {
    const roleId = refsOf(resources()[intakeId]!.Properties.Role)[0]!;
    const statements = statementsOf(resources(), roleId);
    const s3 = statements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("s3:")));
    expect(s3.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      ["s3:GetObject", expect.stringContaining(`/${RAW_MAIL_PREFIX}*`)],
      ["s3:PutObject", expect.stringContaining(`/${DOCUMENTS_PREFIX}*`)],
    ]);
    const eventsId = logicalId(synthesised.stack, synthesised.stack.eventsTable);
    const keysId = logicalId(synthesised.stack, synthesised.stack.subjectKeysTable);
    const onKeys = (s: Json) => refsOf(s.Resource).includes(keysId);
    const dynamo = statements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith("dynamodb:")));
    expect(new Set(dynamo.filter((s) => !onKeys(s)).flatMap((s) => asArray<string>(s.Action)))).toEqual(new Set(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"]));
    for (const s of dynamo.filter((s) => !onKeys(s))) expect(new Set(refsOf(s.Resource))).toEqual(new Set([eventsId]));
    // Issue 16: it seals the sender's data under the sender's key: it finds or makes keys, never destroys one.
    expect(new Set(dynamo.filter(onKeys).flatMap((s) => asArray<string>(s.Action)))).toEqual(new Set(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"]));
    const ses = statements.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("ses:")));
    expect(ses.map((st) => st.Action)).toEqual(["ses:SendEmail"]);
    expect(JSON.stringify(ses[0].Resource)).toContain(":identity/example.org");
    const services = new Set(statements.flatMap((st) => asArray<string>(st.Action)).map((a) => a.split(":")[0]));
    expect([...services].sort()).toEqual(["dynamodb", "kms", "logs", "s3", "ses", "sqs", "xray"]);
    // kms: wrapping and unwrapping data subjects' keys with the personal-data key only (issue 16).
    const kms = statements.filter((st) => asArray<string>(st.Action).some((a) => a.startsWith("kms:")));
    for (const st of kms) {
      expect(asArray<string>(st.Action).sort()).toEqual(["kms:Decrypt", "kms:Encrypt"]);
      expect(refsOf(st.Resource)).toEqual([logicalId(synthesised.stack, synthesised.stack.personalDataKey)]);
    }
    // sqs: only its on-failure destination, the intake dead-letter queue.
    const [, invokeConfig] = ofType(resources(), "AWS::Lambda::EventInvokeConfig").find(([, c]) => refsOf(c.Properties.FunctionName).includes(intakeId))!;
    const deadLettersId = refsOf(invokeConfig.Properties.DestinationConfig.OnFailure.Destination)[0];
    for (const st of statements.filter((x) => asArray<string>(x.Action).some((a) => a.startsWith("sqs:")))) expect(refsOf(st.Resource)).toEqual([deadLettersId]);
    expect(eventsTable.globalIndexes.length).toBeGreaterThan(0);
    for (const action of statements.flatMap((s) => asArray<string>(s.Action))) {
      for (const forbidden of ["s3:DeleteObject", "s3:PutObjectRetention", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]) expect(covers(action, forbidden), action).toBe(false);
    }
  });

  it("can be wired only once", () => {
    expect(() => synthesised.stack.addEmailIntake(intakeFixture)).toThrow(/already/);
  });
});

describe("issue 12 finding 4: the receipt rule takes the schemes' published addresses, per stage", () => {
  const schemes = bundledSchemes().all();
  const intakeAddresses = ["technohubs@intake.aeno.local", "verduurzamen@intake.aeno.local", "sterk-techniekonderwijs@intake.aeno.local"];
  const published = ["vergoedingen@ao-metalektro.nl", "ocwsubsidies@minvws.nl"];
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it("issue 12 finding 4: prod's SES receipt rule accepts every scheme's intake address and published address", () => {
    const recipients = intakeRecipients(schemes, stageConfig("prod"), context({}));
    expect(new Set(recipients)).toEqual(new Set([...intakeAddresses, ...published]));
    const { resources } = synth("prod", { intake: true, intakeRecipients: recipients });
    const rules = ofType(resources, "AWS::SES::ReceiptRule");
    expect(rules).toHaveLength(1);
    expect(new Set(rules[0]![1].Properties.Rule.Recipients)).toEqual(new Set([...intakeAddresses, ...published]));
  }, 120_000);

  it("issue 12 finding 4: other stages take the published addresses only when CDK context says so (-c intakePublishedAddresses=true, or a map by stage)", () => {
    expect(new Set(intakeRecipients(schemes, stageConfig("dev"), context({})))).toEqual(new Set(intakeAddresses));
    expect(new Set(intakeRecipients(schemes, stageConfig("dev"), context({ intakePublishedAddresses: "true" })))).toEqual(new Set([...intakeAddresses, ...published]));
    expect(new Set(intakeRecipients(schemes, stageConfig("test"), context({ intakePublishedAddresses: { test: true, dev: false } })))).toEqual(new Set([...intakeAddresses, ...published]));
    expect(new Set(intakeRecipients(schemes, stageConfig("prod"), context({ intakePublishedAddresses: false })))).toEqual(new Set(intakeAddresses));
    expect(() => intakeRecipients(schemes, stageConfig("dev"), context({ intakePublishedAddresses: "yes" }))).toThrow(/intakePublishedAddresses/);
  });
});
