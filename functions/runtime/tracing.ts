import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import { metricsService } from "./metrics.ts";

/**
 * Powertools' Tracer, loaded on Lambda only (functions/runtime/observability.ts): the X-Ray SDK
 * under it enables an async hook with destroy tracking on every promise of the process as soon as
 * it is imported, which cost the local runtime, where nothing is traced, some 15% of its CPU
 * (issue 15's scale simulation, profiled).
 */
export const tracer = new Tracer({ serviceName: metricsService });

export const traceInvocation = () => captureLambdaHandler(tracer, { captureResponse: false });
