import { Logger } from "@aws-lambda-powertools/logger";

/**
 * One JSON line per log entry (CloudWatch-friendly), written by Powertools for AWS Lambda's Logger:
 * on Lambda its middy middleware (`logContext` in functions/runtime/observability.ts) adds the
 * function's name, request id and cold start, and the X-Ray trace id comes with every line.
 * Callers pass ids and codes only: never request bodies, names, addresses or tokens; a request's
 * correlation id goes in `fields` at the call site, so concurrent requests in the local runtime
 * (one process) never lend each other theirs.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The back office's one logger; `POWERTOOLS_SERVICE_NAME` names the function's part of it on AWS. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "subsidy-back-office" });

let levelSeen: string | undefined;

/** LOG_LEVEL is read on every call, as before: the local runtime and tests turn debug on and off while running. */
function followLogLevel(): void {
  const wanted = process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? "info";
  if (wanted === levelSeen) return;
  levelSeen = wanted;
  const level = wanted.toUpperCase();
  if (level === "DEBUG" || level === "INFO" || level === "WARN" || level === "ERROR") logger.setLogLevel(level);
}

let tap: ((line: string) => void) | undefined;

/** Sees every log line, whatever the level (the test suite scans them for personal data, issue 16). */
export function tapLog(listener: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  const previous = tap;
  tap = listener;
  return previous;
}

export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  // Issue 16: the test run's log scan sees every line, at any level.
  if (tap) tap(JSON.stringify({ level, message, ...fields }));
  followLogLevel();
  // Warnings and errors go to stderr, the rest to stdout (Powertools' console does the same).
  logger[level](message, fields);
}
