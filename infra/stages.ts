import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Mfa } from "aws-cdk-lib/aws-cognito";
import { RetentionDays } from "aws-cdk-lib/aws-logs";

/**
 * Everything that differs between stages, in one place. `prod` keeps and protects its data;
 * every other stage (dev, test, a developer's own) is disposable and cheap to tear down.
 */
export interface StageConfig {
  readonly stage: string;
  readonly prod: boolean;
  /** Tables, user pool, mail bucket, log groups: what happens to them when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** DynamoDB and Cognito deletion protection (on in prod; in dev it would make the DESTROY policy fail). */
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  readonly busArchiveRetention: Duration;
  /** Object Lock COMPLIANCE default retention of the auditors' checkpoints: nobody, not even root, can shorten it. */
  readonly checkpointRetention: Duration;
  /** How long an overwritten or deleted raw mail / document version stays recoverable. */
  readonly mailNoncurrentVersionExpiration: Duration;
  readonly accessLogExpiration: Duration;
  readonly mfa: Mfa;
  /** Alarm notifications go here when set (an SNS email subscription; the address must confirm it). */
  readonly alarmEmail: string | undefined;
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
// Deliberately loose: SNS validates the address; this only catches a mistyped context value.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function stageConfig(stage: string, options: { alarmEmail?: string | undefined } = {}): StageConfig {
  // The stage names the stack and its resources: keep it to what every AWS name accepts.
  if (!STAGE_NAME.test(stage)) throw new Error(`stage must be a short lower-case name (dev, test, prod, ...), got ${JSON.stringify(stage)}`);
  if (options.alarmEmail !== undefined && !EMAIL.test(options.alarmEmail)) {
    throw new Error(`alarmEmail must be an email address, got ${JSON.stringify(options.alarmEmail)}`);
  }
  const prod = stage === "prod";
  return {
    stage,
    prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    busArchiveRetention: prod ? Duration.days(365) : Duration.days(30),
    // Seven years covers the Dutch fiscal retention duty (art. 52 AWR) for subsidy records.
    checkpointRetention: prod ? Duration.days(7 * 365) : Duration.days(1),
    mailNoncurrentVersionExpiration: prod ? Duration.days(365) : Duration.days(7),
    accessLogExpiration: prod ? Duration.days(365) : Duration.days(30),
    mfa: prod ? Mfa.REQUIRED : Mfa.OPTIONAL,
    alarmEmail: options.alarmEmail,
  };
}

/** The stage configuration from CDK context: `-c stage=prod -c alarmEmail=ops@example.org`. */
export function stageConfigFromContext(tryGetContext: (key: string) => unknown): StageConfig {
  const stage: unknown = tryGetContext("stage") ?? "dev";
  const alarmEmail: unknown = tryGetContext("alarmEmail");
  if (typeof stage !== "string") throw new Error(`context "stage" must be a string, got ${JSON.stringify(stage)}`);
  if (alarmEmail !== undefined && typeof alarmEmail !== "string") throw new Error(`context "alarmEmail" must be a string, got ${JSON.stringify(alarmEmail)}`);
  return stageConfig(stage, { alarmEmail: alarmEmail === "" ? undefined : alarmEmail });
}
