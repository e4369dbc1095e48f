import { describe, expect, it } from "vitest";
import { accept } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { attemptReserveMs, executeDecision } from "../../functions/api/command.ts";
import { HttpProblem, type ParsedInput } from "../../functions/api/http.ts";
import type { EventStore, StreamAppend } from "../../functions/store/event-store.ts";

/**
 * The retry loop of every write, against a store that stands in for a hot stream (the unit under
 * test is the loop, not storage: the DynamoDB behaviour is tested in budget-concurrency.test.ts).
 */
class HotStore implements EventStore {
  reads: Array<{ streamId: string; from: number }> = [];
  appends: StreamAppend[][] = [];
  constructor(private readonly conflictsBeforeSuccess: number) {}
  async readStream(streamId: string, from = 1): Promise<RecordedEvent[]> {
    this.reads.push({ streamId, from });
    return [];
  }
  async append(appends: ReadonlyArray<StreamAppend>): Promise<RecordedEvent[]> {
    this.appends.push([...appends]);
    if (this.appends.length <= this.conflictsBeforeSuccess) throw new ConcurrencyConflict("line#hot", 0, "stream-moved-on", 1);
    return [];
  }
  async *readSchemes(): AsyncIterable<RecordedEvent> {}
}

const input = (remainingMs: () => number, ifMatch?: number): ParsedInput<unknown, unknown, unknown> => ({
  body: { decision: "award" },
  path: { applicationId: "a1" },
  query: {},
  caller: { subject: "secretary-1", roles: ["committee-secretary"], actingRole: "committee-secretary" },
  correlationId: "c1",
  idempotencyKey: undefined,
  ifMatch,
  routeId: "RecordCommitteeDecision",
  remainingMs,
});

const award: DomainEvent = { type: "BudgetReserved", data: {} } as unknown as DomainEvent;

function run(store: HotStore, remainingMs: () => number, ifMatch?: number) {
  return executeDecision<{ application: null; line: null }>({
    store,
    input: input(remainingMs, ifMatch),
    schemeId: "s",
    primary: "application",
    streams: { application: { streamId: "application#a1", initial: null, evolve: (s) => s }, line: { streamId: "line#hot", initial: null, evolve: (s) => s } },
    decide: () => accept(award),
    streamOf: () => "line",
  });
}

describe("finding 5: a command under contention retries within its deadline and answers truthfully", () => {
  it("after conflicts it succeeds, re-reading only the stream that moved on, from where it was", async () => {
    const store = new HotStore(3);
    await run(store, () => 10_000);
    expect(store.appends).toHaveLength(4);
    expect(store.reads.filter((r) => r.streamId === "application#a1")).toHaveLength(1);
    expect(store.reads.filter((r) => r.streamId === "line#hot")).toHaveLength(4);
  });

  it("when the deadline draws near it gives up with 503 'busy' (retryable), and the failed attempts wrote nothing", async () => {
    const store = new HotStore(Number.POSITIVE_INFINITY);
    // Every look at the clock finds 400 ms gone: 3,600, 3,200, 2,800, 2,400 left. No attempt may
    // start with less than the reserve left, so there are at most 3 retries after the first.
    let remaining = 4_000;
    const seen: number[] = [];
    const clock = () => {
      remaining -= 400;
      seen.push(remaining);
      return remaining;
    };
    const error = await run(store, clock).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpProblem);
    expect(error).toMatchObject({ status: 503, title: "busy", extensions: { retryable: true } });
    expect(store.appends.length).toBe(seen.length);
    expect(store.appends.length).toBeLessThanOrEqual(4);
    expect(seen.slice(0, -1).every((left) => left >= attemptReserveMs)).toBe(true);
  });

  it("a write pinned with If-Match is not retried: the conflict on its own record is the answer", async () => {
    const store = new HotStore(Number.POSITIVE_INFINITY);
    store.append = async () => {
      throw new ConcurrencyConflict("application#a1", 0, "stream-moved-on", 1);
    };
    await expect(run(store, () => 10_000, 0)).rejects.toBeInstanceOf(ConcurrencyConflict);
  });
});
