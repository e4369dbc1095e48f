import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { availableCents, budgetLineFromBalance } from "../../domain/budget.ts";
import type { RecordedEvent } from "../../events/index.ts";
import type { LineDerived } from "../store/budget-balance.ts";
import type { StreamAppend } from "../store/event-store.ts";
import { logger } from "./log.ts";

/**
 * The back office's business and health metrics (issue 15). On Lambda they leave as CloudWatch
 * embedded metric format (EMF) lines through Powertools' Metrics, flushed once per invocation by
 * the `observe` middleware (functions/runtime/observability.ts); the dashboard in infra/monitoring.ts
 * reads them by these names. Every process, the local runtime included, also keeps them in
 * `localMetrics` (what the local API's `GET /metrics` shows), so locally the same names and values
 * are visible. Dimensions carry ids only, never personal data.
 */
export const metricsNamespace = "SubsidyBackOffice";
export const metricsService = "subsidy-back-office";

export const metricNames = {
  /** An application registered (by the API or by the e-mail intake). */
  applicationsReceived: "ApplicationsReceived",
  /** An award granted (`AwardGranted`). */
  awardsGranted: "AwardsGranted",
  /** Per budget line (dimensions schemeId, budgetLineId): released minus reserved minus committed, after its last event, in cents. */
  budgetAvailable: "BudgetAvailableCents",
  /** A message the intake could not turn into an application (`IntakeFailed`), or an intake invocation that threw. */
  intakeFailures: "IntakeFailures",
  /** A command's append lost a race (another writer changed one of its streams first). */
  concurrencyConflicts: "ConcurrencyConflicts",
  /** A command that read again and retried after a conflict. */
  commandRetries: "CommandRetries",
  /** A command that gave up after its retries (answered 503, nothing recorded). */
  commandsGaveUp: "CommandsGaveUp",
  /** Milliseconds from an event's recording to its projection (bus and relay included). */
  projectorLag: "ProjectorLagMs",
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];
const units = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit } as const;
type Unit = keyof typeof units;

/** One metric as the local runtime shows it: every sample since the process started, summed up. */
export interface LocalMetric {
  readonly name: MetricName;
  readonly unit: Unit;
  readonly dimensions: Readonly<Record<string, string>>;
  samples: number;
  sum: number;
  max: number;
  last: number;
}

const local = new Map<string, LocalMetric>();

/** Powertools' Metrics on Lambda only: elsewhere nothing reads EMF lines, and they would fill test output. */
const onLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
/** The stage the stack deployed the function in (its STAGE variable): dev's and prod's figures stay apart in one account. */
export const metricsStage = process.env.STAGE ?? "local";
export const metrics: Metrics | undefined = onLambda
  ? new Metrics({ namespace: metricsNamespace, serviceName: metricsService, defaultDimensions: { stage: metricsStage }, logger })
  : undefined;

function record(name: MetricName, unit: Unit, value: number, dimensions: Record<string, string> = {}): void {
  const key = `${name}\u0000${JSON.stringify(dimensions)}`;
  const seen = local.get(key) ?? { name, unit, dimensions, samples: 0, sum: 0, max: value, last: value };
  seen.samples++;
  seen.sum += value;
  seen.max = Math.max(seen.max, value);
  seen.last = value;
  local.set(key, seen);
  if (!metrics) return;
  if (Object.keys(dimensions).length === 0) {
    metrics.addMetric(name, units[unit], value);
    return;
  }
  // A metric with dimensions of its own (a budget line) goes out on its own EMF line, so it does not lend them to the invocation's other metrics.
  const single = metrics.singleMetric();
  for (const [dimension, dimensionValue] of Object.entries(dimensions)) single.addDimension(dimension, dimensionValue);
  single.addMetric(name, units[unit], value);
}

export const countMetric = (name: MetricName, count = 1): void => record(name, "Count", count);

/** Projector lag of one event: now minus the event's recording time. */
export function recordProjectorLag(event: Pick<RecordedEvent, "recordedAt">, now: Date): void {
  record(metricNames.projectorLag, "Milliseconds", Math.max(0, now.getTime() - Date.parse(event.recordedAt)));
}

/**
 * What an append means for the metrics: applications received, awards, intake failures, and each
 * budget line's available amount after its last event (from the balance the line's events carry,
 * no extra read). The event store calls it after every append that landed, whoever appended.
 */
export function recordAppended(appends: ReadonlyArray<Pick<StreamAppend, "events" | "derived">>): void {
  for (const append of appends) {
    for (const event of append.events) {
      if (event.type === "ApplicationRegistered") countMetric(metricNames.applicationsReceived);
      else if (event.type === "AwardGranted") countMetric(metricNames.awardsGranted);
      else if (event.type === "IntakeFailed") countMetric(metricNames.intakeFailures);
    }
    const lastDerived = append.derived?.findLast((d) => d !== undefined);
    const balance = lastDerived === undefined ? undefined : (JSON.parse(lastDerived) as LineDerived).balance;
    if (balance) {
      record(metricNames.budgetAvailable, "None", availableCents(budgetLineFromBalance(balance, [])), { schemeId: balance.schemeId, budgetLineId: balance.budgetLineId });
    }
  }
}

/** Every metric recorded in this process since it started (or since `resetLocalMetrics`), sorted by name. */
export function localMetrics(): LocalMetric[] {
  return [...local.values()].map((m) => ({ ...m, dimensions: { ...m.dimensions } })).sort((a, b) => a.name.localeCompare(b.name) || JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)));
}

export function resetLocalMetrics(): void {
  local.clear();
}

/** Sends what this invocation recorded (on Lambda); a no-op elsewhere and when nothing was recorded (Powertools would warn on every read). */
export function publishMetrics(): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}
