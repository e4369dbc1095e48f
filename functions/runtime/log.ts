/**
 * One JSON line per log entry (CloudWatch-friendly). Callers pass ids and codes only: never
 * request bodies, names, addresses or tokens.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let tap: ((line: string) => void) | undefined;

/** Sees every log line, whatever the level (the test suite scans them for personal data, issue 16). */
export function tapLog(listener: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  const previous = tap;
  tap = listener;
  return previous;
}

export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if (tap) tap(JSON.stringify({ level, message, ...fields }));
  const threshold = (process.env.LOG_LEVEL as LogLevel | undefined) ?? "info";
  if (order[level] < (order[threshold] ?? 20)) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
