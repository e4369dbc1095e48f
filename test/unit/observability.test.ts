import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { balanceOf, evolveBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import { accept } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { executeDecision } from "../../functions/api/command.ts";
import type { ParsedInput } from "../../functions/api/http.ts";
import { log } from "../../functions/runtime/log.ts";
import { localMetrics, metricNames, recordAppended, resetLocalMetrics } from "../../functions/runtime/metrics.ts";
import type { EventStore, StreamAppend } from "../../functions/store/event-store.ts";

/** Everything written to stdout and stderr while `work` runs, line by line. */
async function captured(work: () => unknown): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(...String(chunk).split("\n").filter(Boolean)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(...String(chunk).split("\n").filter(Boolean)), true));
  try {
    await work();
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err };
}

const sumOf = (name: string) => localMetrics().filter((m) => m.name === name).reduce((total, m) => total + m.sum, 0);

beforeEach(() => resetLocalMetrics());
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe("log (Powertools Logger behind the project's log interface)", () => {
  it("writes one JSON line with the level, the message and the caller's fields, the correlation id among them", async () => {
    vi.stubEnv("LOG_LEVEL", "info");
    const { out } = await captured(() => log("info", "request refused", { route: "RegisterApplication", correlationId: "corr-1", status: 422 }));
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ level: "INFO", message: "request refused", service: "subsidy-back-office", route: "RegisterApplication", correlationId: "corr-1", status: 422 });
  });

  it("sends warnings and errors to stderr and follows LOG_LEVEL while running (debug hidden by default)", async () => {
    vi.stubEnv("LOG_LEVEL", "info");
    const quiet = await captured(() => {
      log("debug", "projected", { version: 1 });
      log("error", "unhandled error", { errorName: "TypeError" });
    });
    expect(quiet.out).toEqual([]);
    expect(quiet.err.map((l) => JSON.parse(l).message)).toEqual(["unhandled error"]);
    vi.stubEnv("LOG_LEVEL", "debug");
    const verbose = await captured(() => log("debug", "projected", { version: 2 }));
    expect(JSON.parse(verbose.out[0]!)).toMatchObject({ level: "DEBUG", message: "projected", version: 2 });
  });
});

const opened: DomainEvent = { type: "BudgetLineOpened", data: { schemeId: "s1", budgetLineId: "execution", name: "Execution", amountCents: 1_000_000, releasedCents: 600_000 } } as unknown as DomainEvent;
const reserved: DomainEvent = { type: "BudgetReserved", data: { schemeId: "s1", budgetLineId: "execution", applicationId: "a1", amountCents: 250_000 } } as unknown as DomainEvent;

describe("recordAppended: what an append means for the metrics", () => {
  it("counts applications received, awards and intake failures by event type", () => {
    recordAppended([{ events: [{ type: "ApplicationRegistered", data: {} } as unknown as DomainEvent, { type: "AwardGranted", data: {} } as unknown as DomainEvent] }]);
    recordAppended([{ events: [{ type: "IntakeFailed", data: {} } as unknown as DomainEvent, { type: "ApplicationRegistered", data: {} } as unknown as DomainEvent] }]);
    expect(sumOf(metricNames.applicationsReceived)).toBe(2);
    expect(sumOf(metricNames.awardsGranted)).toBe(1);
    expect(sumOf(metricNames.intakeFailures)).toBe(1);
  });

  it("R-X-02 takes a budget line's available amount (released - reserved - committed) from the balance its last event carries, per line", () => {
    const afterOpen = evolveBudgetLine(initialBudgetLineState, opened);
    const afterReserve = evolveBudgetLine(afterOpen, reserved);
    const derived = [afterOpen, afterReserve].map((state) => JSON.stringify({ balance: { ...balanceOf(state), since: 1 } }));
    recordAppended([{ events: [opened, reserved], derived }]);
    const [line] = localMetrics().filter((m) => m.name === metricNames.budgetAvailable);
    expect(line).toMatchObject({ dimensions: { schemeId: "s1", budgetLineId: "execution" }, samples: 1, last: 600_000 - 250_000 });
  });
});

/** A store where the first `conflicts` appends lose the race. */
class RacedStore implements EventStore {
  appends = 0;
  constructor(private readonly conflicts: number) {}
  async readStream(): Promise<RecordedEvent[]> {
    return [];
  }
  async append(_appends: ReadonlyArray<StreamAppend>): Promise<RecordedEvent[]> {
    if (++this.appends <= this.conflicts) throw new ConcurrencyConflict("line#hot", 0, "stream-moved-on", 1);
    return [];
  }
  async *readSchemes(): AsyncIterable<RecordedEvent> {}
}

const input = (remainingMs: number): ParsedInput<unknown, unknown, unknown> => ({
  body: {}, path: {}, query: {}, caller: { subject: "s", roles: ["committee-secretary"], actingRole: "committee-secretary" },
  correlationId: "c1", idempotencyKey: undefined, ifMatch: undefined, routeId: "RecordCommitteeDecision", remainingMs: () => remainingMs,
});

const decideOn = (store: EventStore, remainingMs: number) =>
  executeDecision<{ line: null }>({ store, input: input(remainingMs), schemeId: "s", primary: "line", streams: { line: { streamId: "line#hot", initial: null, evolve: (s) => s } }, decide: () => accept(reserved), streamOf: () => "line" });

describe("conflicts and retries", () => {
  it("counts each lost race and each retry; a command that gives up is counted once", async () => {
    await decideOn(new RacedStore(2), 10_000);
    expect(sumOf(metricNames.concurrencyConflicts)).toBe(2);
    expect(sumOf(metricNames.commandRetries)).toBe(2);
    expect(sumOf(metricNames.commandsGaveUp)).toBe(0);
    await expect(decideOn(new RacedStore(1), 0)).rejects.toMatchObject({ status: 503 });
    expect(sumOf(metricNames.concurrencyConflicts)).toBe(3);
    expect(sumOf(metricNames.commandsGaveUp)).toBe(1);
  });
});

const lambdaContext = { functionName: "Fn", functionVersion: "$LATEST", invokedFunctionArn: "arn:aws:lambda:eu-west-1:1:function:Fn", memoryLimitInMB: "512", awsRequestId: "req-1", getRemainingTimeInMillis: () => 5_000 } as unknown as Context;

describe("on Lambda: the observe() middlewares", () => {
  it("flush the invocation's metrics as EMF lines in the SubsidyBackOffice namespace (a budget line on its own line, with its dimensions), also when the invocation fails, and add the invocation's context to log lines", async () => {
    // Prepare: a fresh module graph that sees the Lambda environment at import, as a container does.
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "Fn");
    vi.stubEnv("STAGE", "prod");
    vi.stubEnv("POWERTOOLS_TRACE_ENABLED", "false");
    vi.stubEnv("LOG_LEVEL", "info");
    const { observe } = await import("../../functions/runtime/observability.ts");
    const fresh = await import("../../functions/runtime/metrics.ts");
    const freshLog = await import("../../functions/runtime/log.ts");
    const afterOpen = evolveBudgetLine(initialBudgetLineState, opened);
    const handler = middy<{ fail: boolean }, void>()
      .use(observe({ countErrorsAs: "intakeFailures" }))
      .handler(async (event) => {
        freshLog.log("info", "working", { correlationId: "corr-9" });
        fresh.recordAppended([{ events: [{ type: "AwardGranted", data: {} } as unknown as DomainEvent, opened], derived: [undefined, JSON.stringify({ balance: { ...balanceOf(afterOpen), since: 1 } })] }]);
        if (event.fail) throw new Error("boom");
      });

    // Act
    const ok = await captured(() => handler({ fail: false }, lambdaContext));
    const failed = await captured(() => handler({ fail: true }, lambdaContext).catch(() => undefined));

    // Assess
    const emf = (lines: string[]) => lines.map((l) => JSON.parse(l)).filter((l) => l._aws);
    const [line, invocation] = emf(ok.out);
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "SubsidyBackOffice", Metrics: [{ Name: "BudgetAvailableCents", Unit: "None" }] });
    expect(line).toMatchObject({ schemeId: "s1", budgetLineId: "execution", BudgetAvailableCents: 600_000, stage: "prod" });
    expect(invocation).toMatchObject({ service: "subsidy-back-office", stage: "prod", AwardsGranted: 1 });
    // The stage is a dimension of every metric: dev's and prod's figures stay apart in one account.
    for (const emfLine of [line, invocation]) expect(emfLine._aws.CloudWatchMetrics[0].Dimensions[0]).toContain("stage");
    expect(emf(failed.out).at(-1)).toMatchObject({ AwardsGranted: 1, IntakeFailures: 1 });
    const working = ok.out.map((l) => JSON.parse(l)).find((l) => l.message === "working");
    expect(working).toMatchObject({ correlationId: "corr-9", function_name: "Fn", function_request_id: "req-1" });
  });
});
