import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";

/**
 * Powertools' Tracer, loaded on Lambda only (functions/runtime/observability.ts): the X-Ray SDK
 * under it enables an async hook with destroy tracking on every promise of the process as soon as
 * it is imported, which made each await of the local runtime, where nothing is traced, some 15x
 * dearer (issue 15's scale simulation, profiled). It imports nothing of the project's, so the
 * bundler defers only itself and the Tracer.
 */
export function tracingFor(serviceName: string) {
  const tracer = new Tracer({ serviceName });
  return {
    traced: <T>(client: T): T => tracer.captureAWSv3Client(client),
    traceInvocation: () => captureLambdaHandler(tracer, { captureResponse: false }),
  };
}
