import { Aws, Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, type IMetric, Metric, TextWidget, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { type MetricName, metricNames, metricsNamespace, metricsService } from "../functions/runtime/metrics.ts";
import { bundledSchemes } from "../schemes/bundled.ts";

/** Standard-resolution metrics: SQS publishes every 5 minutes, so a shorter period only sees gaps. */
const PERIOD = Duration.minutes(5);

/**
 * The alarms of the stack and the topic they notify. Every dead-letter queue alarms as soon as one
 * message is in it; every function alarms on its first error. Each alarm costs about USD 0.10 a month.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  /** The back office's own metrics (functions/runtime/metrics.ts, sent as EMF by every function) on one page. */
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: { readonly stage: string; readonly alarmEmail: string | undefined }) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", { displayName: `Subsidy back office alarms (${props.stage})`, enforceSSL: true });
    // The topic policy CDK writes for enforceSSL replaces SNS's default one: let this account's alarms publish.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudWatchAlarmsOfThisAccount",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    // Not KMS-encrypted: alarm messages carry alarm names and metric values, no personal data, and CloudWatch
    // cannot publish to a topic under the AWS managed aws/sns key (a customer managed key: USD 1 a month per stage).
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);
    this.dashboard = backOfficeDashboard(this, props.stage);
  }

  /** A dead-letter queue holds work that failed for good: one message is already an incident. */
  watchDeadLetters(id: string, queue: IQueue, what: string): Alarm {
    return this.add(id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum" }),
      description: `${what}: messages waiting in the dead-letter queue (inspect, fix, redrive)`,
    });
  }

  /** Any error of a function: an API 5xx, a relay batch that failed, a projector that threw. The alarm goes next to the function (`scope`). */
  watchErrors(id: string, fn: IFunction, what: string, scope: Construct = this): Alarm {
    return this.add(id, { metric: fn.metricErrors({ period: PERIOD, statistic: "Sum" }), description: `${what}: function errors` }, scope);
  }

  /** Stream records older than this are not yet on the bus: the read models are falling behind the log. */
  watchStreamLag(id: string, fn: IFunction, maxAge: Duration): Alarm {
    return this.add(id, {
      metric: fn.metric("IteratorAge", { period: PERIOD, statistic: "Maximum" }),
      threshold: maxAge.toMilliseconds(),
      description: `Outbox relay lags more than ${maxAge.toHumanString()} behind the events table stream`,
    });
  }

  private add(id: string, props: { metric: IMetric; description: string; threshold?: number }, scope: Construct = this): Alarm {
    const alarm = new Alarm(scope, id, {
      metric: props.metric,
      threshold: props.threshold ?? 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means no messages and no invocations: nothing is wrong.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** One of the back office's EMF metrics as CloudWatch stores it: Powertools adds the `service` dimension to every one, the functions the `stage`. */
export function backOfficeMetric(stage: string, name: MetricName, statistic: string, dimensions: Record<string, string> = {}, label?: string): Metric {
  return new Metric({ namespace: metricsNamespace, metricName: name, dimensionsMap: { service: metricsService, stage, ...dimensions }, statistic, period: PERIOD, ...(label ? { label } : {}) });
}

/**
 * The dashboard of issue 15: intake and decisions, the budget lines' available amounts (one line per
 * budget line of the bundled schemes), conflicts and retries under contention, and how far the
 * projections run behind the log. Dashboards cost USD 3 a month each beyond the first three.
 */
function backOfficeDashboard(scope: Construct, stage: string): Dashboard {
  const lines = bundledSchemes()
    .all()
    .flatMap((s) => s.definition.budgetLines.map((line) => ({ schemeId: s.definition.id, budgetLineId: line.id })));
  const sum = (name: MetricName, label: string) => backOfficeMetric(stage, name, "Sum", {}, label);
  const dashboard = new Dashboard(scope, "Dashboard", { dashboardName: `subsidy-back-office-${stage}`, defaultInterval: Duration.days(7) });
  dashboard.addWidgets(
    new TextWidget({ markdown: `# Subsidy back office (${stage})\nThe functions' own metrics (namespace ${metricsNamespace}); locally the same ones are at \`GET /metrics\`.`, width: 24, height: 2 }),
  );
  dashboard.addWidgets(
    new GraphWidget({ title: "Applications received and awards", left: [sum(metricNames.applicationsReceived, "applications received"), sum(metricNames.awardsGranted, "awards granted")], width: 8 }),
    new GraphWidget({ title: "Intake failures", left: [sum(metricNames.intakeFailures, "intake failures")], width: 8 }),
    new GraphWidget({
      title: "Conflicts and retries",
      left: [sum(metricNames.concurrencyConflicts, "conflicts"), sum(metricNames.commandRetries, "retries"), sum(metricNames.commandsGaveUp, "gave up (503)")],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Budget available per line (cents, after each line's last event)",
      left: lines.map((l) => backOfficeMetric(stage, metricNames.budgetAvailable, "Minimum", l, `${l.schemeId} / ${l.budgetLineId}`)),
      width: 12,
    }),
    new GraphWidget({
      title: "Projector lag (ms from recording to projection)",
      left: [backOfficeMetric(stage, metricNames.projectorLag, "p50", {}, "p50"), backOfficeMetric(stage, metricNames.projectorLag, "p99", {}, "p99"), backOfficeMetric(stage, metricNames.projectorLag, "Maximum", {}, "max")],
      width: 12,
    }),
  );
  return dashboard;
}
