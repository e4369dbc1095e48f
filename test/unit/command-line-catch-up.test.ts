import { describe, expect, it } from "vitest";
import { balanceOf, evolveBudgetLine, initialBudgetLineState, positionOf, type BudgetLineState } from "../../domain/budget.ts";
import { accept } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { budgetLineStream, executeDecision } from "../../functions/api/command.ts";
import type { ParsedInput } from "../../functions/api/http.ts";
import type { LineDerived } from "../../functions/store/budget-balance.ts";
import type { EventStore, StoredEvent, StreamAppend } from "../../functions/store/event-store.ts";

/**
 * Issue 15: a decision that lost the budget line to another writer reads only what was appended to
 * the line since, unless that names its own application. The unit is the retry loop of
 * functions/api/command.ts; a store in memory keeps the derived balances and positions as the
 * DynamoDB store does (budget-concurrency.test.ts races the real one).
 */
const LINE = "budget-line#s#main";
const base = { schemeId: "s", budgetLineId: "main" };
const budget = (type: string, data: Record<string, unknown>) => ({ type, data: { ...base, ...data } }) as unknown as DomainEvent;

class LineStore implements EventStore {
  readonly streams = new Map<string, StoredEvent[]>();
  readonly reads: string[] = [];
  private line: BudgetLineState = initialBudgetLineState;
  /** Appended by "another writer" just before this store's next append of the line fails. */
  interloper: { line: DomainEvent; partner?: { streamId: string; event: DomainEvent } } | undefined;
  appended: StreamAppend[][] = [];

  constructor() {
    this.appendLine(budget("BudgetLineOpened", { schemeVersion: "v", name: "Main", amountCents: 100_000, releasedCents: 100_000 }));
    this.appendLine(budget("BudgetReserved", { applicationId: "a1", amountCents: 5_000 }), { streamId: "application#a1", event: { type: "AwardGranted", data: {} } as unknown as DomainEvent });
  }

  /** A line event with the balance it leaves, and the application's position beside it on its partner stream. */
  appendLine(event: DomainEvent, partner?: { streamId: string; event: DomainEvent }): void {
    this.line = evolveBudgetLine(this.line, event);
    const line = this.streams.get(LINE) ?? [];
    const version = line.length + 1;
    line.push({ event: this.recorded(LINE, version, event), derived: JSON.stringify({ balance: { ...balanceOf(this.line), since: 1 } } satisfies LineDerived) });
    this.streams.set(LINE, line);
    if (partner) {
      const stream = this.streams.get(partner.streamId) ?? [];
      const applicationId = (event.data as { applicationId: string }).applicationId;
      stream.push({ event: this.recorded(partner.streamId, stream.length + 1, partner.event), derived: JSON.stringify({ linePosition: { line: LINE, version, position: positionOf(this.line, applicationId) } }) });
      this.streams.set(partner.streamId, stream);
    }
  }

  private recorded(streamId: string, version: number, event: DomainEvent): RecordedEvent {
    return { ...event, streamId, version, eventId: `${streamId}-${version}`, hash: "h", recordedAt: "2026-12-01T00:00:00.000Z" } as unknown as RecordedEvent;
  }

  async readStream(streamId: string, from = 1): Promise<RecordedEvent[]> {
    return (await this.readStreamWithDerived(streamId, from)).map((s) => s.event);
  }
  async readStreamWithDerived(streamId: string, from = 1): Promise<StoredEvent[]> {
    this.reads.push(`${streamId} from ${from}`);
    return (this.streams.get(streamId) ?? []).filter((s) => s.event.version >= from);
  }
  async readLast(streamId: string): Promise<StoredEvent | undefined> {
    this.reads.push(`${streamId} last`);
    return this.streams.get(streamId)?.at(-1);
  }
  async append(appends: ReadonlyArray<StreamAppend>): Promise<RecordedEvent[]> {
    this.appended.push([...appends]);
    if (this.interloper) {
      const { line, partner } = this.interloper;
      this.interloper = undefined;
      this.appendLine(line, partner);
    }
    for (const a of appends) if ((this.streams.get(a.streamId)?.length ?? 0) !== a.expectedVersion) throw new ConcurrencyConflict(a.streamId, a.expectedVersion, "stream-moved-on");
    return [];
  }
  async *readSchemes(): AsyncIterable<RecordedEvent> {}
}

const input: ParsedInput<unknown, unknown, unknown> = {
  body: {},
  path: { applicationId: "a1" },
  query: {},
  caller: { subject: "secretary-1", roles: ["committee-secretary"], actingRole: "committee-secretary" },
  correlationId: "c1",
  idempotencyKey: undefined,
  ifMatch: undefined,
  routeId: "IssueAwardLetter",
  remainingMs: () => 10_000,
};

/** Commits a1's reservation: the line's budget event and an event on the application, as the award letter does. */
function commit(store: LineStore) {
  return executeDecision<{ application: null; line: BudgetLineState }>({
    store,
    input,
    schemeId: "s",
    primary: "application",
    streams: {
      application: { streamId: "application#a1", initial: null, evolve: (s) => s },
      line: budgetLineStream(LINE, { applicationId: "a1", partners: ["application"] }),
    },
    decide: (states) => accept(budget("BudgetCommitted", { applicationId: "a1", amountCents: positionOf(states.line, "a1").reserved! }), { type: "AwardLetterIssued", data: {} } as unknown as DomainEvent),
    streamOf: (event) => (event.type.startsWith("Budget") ? "line" : "application"),
  });
}

const balanceAppended = (store: LineStore) => {
  const line = store.appended.at(-1)!.find((a) => a.streamId === LINE)!;
  return { expectedVersion: line.expectedVersion, balance: (JSON.parse(line.derived![0]!) as LineDerived).balance! };
};

describe("issue 15: a decision that lost the line catches up from the line alone (functions/api/command.ts)", () => {
  it("R-X-02: after another application's reservation it reads the line's new events only, and commits on the balance they carry", async () => {
    const store = new LineStore();
    store.interloper = { line: budget("BudgetReserved", { applicationId: "a2", amountCents: 3_000 }), partner: { streamId: "application#a2", event: { type: "AwardGranted", data: {} } as unknown as DomainEvent } };
    await commit(store);
    expect(store.appended).toHaveLength(2);
    expect(store.reads.slice(2)).toEqual([`${LINE} from 3`]);
    expect(balanceAppended(store)).toMatchObject({ expectedVersion: 3, balance: { reservedCents: 3_000, committedCents: 5_000 } });
  });

  it("R-X-02: after an event naming its own application it reads the line's head and the application again (its position moved)", async () => {
    const store = new LineStore();
    store.interloper = { line: budget("BudgetReserved", { applicationId: "a1", amountCents: 1_000 }), partner: { streamId: "application#a1", event: { type: "AwardGranted", data: {} } as unknown as DomainEvent } };
    await commit(store);
    expect(store.appended).toHaveLength(2);
    expect(store.reads.slice(2)).toEqual([`${LINE} from 3`, `${LINE} last`, "application#a1 from 2"]);
    // The position read again holds 6,000 reserved: all of it is committed, nothing stays reserved.
    expect(balanceAppended(store)).toMatchObject({ expectedVersion: 3, balance: { reservedCents: 0, committedCents: 6_000 } });
  });
});
