import type { MiddlewareObj } from "@middy/core";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logger } from "./log.ts";
import { countMetric, metricNames, metricsService, publishMetrics } from "./metrics.ts";

/**
 * Powertools for AWS Lambda, wired once: every handler chain (functions/api/http.ts, the relay,
 * the projector, the e-mail intake) puts `observe()` first, so logs carry the invocation's context,
 * each invocation is a traced segment, and its metrics are flushed when it ends, also on error.
 *
 * On Lambda only: Lambda runs one invocation per container at a time, so per-invocation state in
 * the one logger, tracer and metrics buffer is safe there. The local runtime serves many requests
 * at once in one process, where that state would mix; it keeps the metrics in `localMetrics` instead
 * (GET /metrics) and has no X-Ray daemon to trace to.
 */
const onLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

/** Active tracing is on in the stack (infra/function.ts); the Tracer is loaded on Lambda only (see ./tracing.ts). */
const tracing = onLambda ? (await import("./tracing.ts")).tracingFor(metricsService) : undefined;

/** An SDK client whose calls appear as subsegments of the invocation's trace (on Lambda). */
export function traced<T>(client: T): T {
  return tracing ? tracing.traced(client) : client;
}

type AnyMiddleware = MiddlewareObj<any, any, Error, any>;

/** Flushes the invocation's metrics after it, success or error (Powertools' own `logMetrics` warns on every invocation that recorded none). */
const flushMetrics = (options: { countErrorsAs?: "intakeFailures" } = {}): AnyMiddleware => ({
  after: async () => publishMetrics(),
  onError: async () => {
    if (options.countErrorsAs) countMetric(metricNames[options.countErrorsAs]);
    publishMetrics();
  },
});

/**
 * The observability middlewares for one handler chain. `countErrorsAs` counts an invocation that
 * throws (the intake: Lambda retries it, then parks the message) under that metric.
 */
export function observe(options: { countErrorsAs?: "intakeFailures" } = {}): AnyMiddleware[] {
  if (!tracing) return [flushMetrics(options)];
  return [injectLambdaContext(logger, { resetKeys: true }), tracing.traceInvocation(), flushMetrics(options)];
}
