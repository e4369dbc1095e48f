import { createHash } from "node:crypto";
import type { Decision, Refusal } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, EventMetadata, RecordedEvent } from "../../events/index.ts";
import type { EventStore, StreamAppend } from "../store/event-store.ts";
import { HttpProblem, type ParsedInput, refusalProblem } from "./http.ts";

export interface StreamSpec<S> {
  readonly streamId: string;
  readonly initial: S;
  readonly evolve: (state: S, event: DomainEvent) => S;
}

type Specs<S> = { readonly [K in keyof S]: StreamSpec<S[K]> };

export interface Executed<S> {
  readonly recorded: RecordedEvent[];
  readonly replayed: boolean;
  readonly states: S;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one shape of every write: load the streams a decision needs, fold them, decide, and append
 * each event to its stream at the version decided on, all in one atomic append. When another
 * writer got there first, it loads and decides again (the decision re-checks every rule on the
 * fresh state), except on the primary stream when the caller pinned it with If-Match.
 */
export async function executeDecision<S extends Record<string, unknown>>(options: {
  store: EventStore;
  input: ParsedInput<unknown, unknown, unknown>;
  schemeId: string;
  primary: keyof S & string;
  streams: Specs<S>;
  decide: (states: S) => Decision<DomainEvent>;
  streamOf: (event: DomainEvent) => keyof S & string;
  maxAttempts?: number;
}): Promise<Executed<S>> {
  const { store, input } = options;
  const keys = Object.keys(options.streams) as Array<keyof S & string>;
  const primaryId = options.streams[options.primary].streamId;
  const maxAttempts = options.maxAttempts ?? 60;
  for (let attempt = 1; ; attempt++) {
    const histories = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await store.readStream(options.streams[k].streamId)] as const))) as Record<keyof S, RecordedEvent[]>;
    const primaryHistory = histories[options.primary];
    const replay = replayOf(primaryHistory, input.idempotencyKey);
    const states = Object.fromEntries(keys.map((k) => [k, histories[k].reduce((s, e) => options.streams[k].evolve(s, e as DomainEvent), options.streams[k].initial)])) as S;
    if (replay) {
      refusalOfReplay(replay);
      return { recorded: replay, replayed: true, states };
    }
    if (input.ifMatch !== undefined && input.ifMatch !== primaryHistory.length) {
      throw new HttpProblem(409, "concurrency-conflict", `the record is at version ${primaryHistory.length}, not ${input.ifMatch}; reload and try again`, { currentVersion: primaryHistory.length });
    }
    const decision = options.decide(states);
    const events = decision.events ?? [];
    try {
      const recorded = events.length ? await store.append(appendsOf(events, options, histories, metadataOf(input))) : [];
      if (decision.outcome === "refused") throw refusalProblem(decision.refusal);
      return { recorded, replayed: false, states };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      const pinned = input.ifMatch !== undefined && error.streamId === primaryId;
      if (pinned || attempt >= maxAttempts) throw error;
      // Jittered, growing backoff: many racers on one budget line spread out instead of colliding again.
      await sleep(Math.random() * Math.min(250, 4 * 2 ** Math.min(attempt, 6)));
    }
  }
}

function appendsOf<S>(
  events: ReadonlyArray<DomainEvent>,
  options: { streams: Specs<S>; schemeId: string; streamOf: (event: DomainEvent) => keyof S & string },
  histories: Record<keyof S, RecordedEvent[]>,
  metadata: EventMetadata,
): StreamAppend[] {
  const byStream = new Map<keyof S & string, DomainEvent[]>();
  for (const event of events) {
    const key = options.streamOf(event);
    byStream.set(key, [...(byStream.get(key) ?? []), event]);
  }
  return [...byStream].map(([key, streamEvents]) => ({
    streamId: options.streams[key].streamId,
    expectedVersion: histories[key].length,
    schemeId: options.schemeId,
    events: streamEvents,
    metadata,
  }));
}

function metadataOf(input: ParsedInput<unknown, unknown, unknown>): EventMetadata {
  return {
    actor: input.caller.subject,
    role: input.caller.actingRole,
    channel: "api",
    correlationId: input.correlationId,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  };
}

/** The events a request with this idempotency key already wrote, if any. */
function replayOf(events: ReadonlyArray<RecordedEvent>, key: string | undefined): RecordedEvent[] | undefined {
  if (!key) return undefined;
  const earlier = events.filter((e) => e.metadata.idempotencyKey === key);
  return earlier.length ? earlier : undefined;
}

/** A retried request whose first attempt was recorded as refused gets the same refusal again. */
function refusalOfReplay(replay: ReadonlyArray<RecordedEvent>): void {
  const refused = replay.find((e) => e.type === "ApplicationRefused") as RecordedEvent<"ApplicationRefused", { code: string; reason: string; ruleIds: string[]; applicationId: string }> | undefined;
  if (!refused) return;
  const refusal: Refusal = {
    code: refused.data.code === "budget-exhausted" ? "budget-exhausted" : "closed",
    reason: refused.data.reason,
    ruleIds: refused.data.ruleIds,
    details: { applicationId: refused.data.applicationId },
  };
  throw refusalProblem(refusal);
}

/** Single-stream commands: the common case. */
export async function executeCommand<S>(options: {
  store: EventStore;
  streamId: string;
  schemeId: string;
  initial: S;
  evolve: (state: S, event: DomainEvent) => S;
  decide: (state: S) => Decision<DomainEvent>;
  input: ParsedInput<unknown, unknown, unknown>;
}): Promise<{ recorded: RecordedEvent[]; replayed: boolean }> {
  return executeDecision<{ only: S }>({
    store: options.store,
    input: options.input,
    schemeId: options.schemeId,
    primary: "only",
    streams: { only: { streamId: options.streamId, initial: options.initial, evolve: options.evolve } },
    decide: (states) => options.decide(states.only),
    streamOf: () => "only",
  });
}

/** A stable id for a new stream created under an idempotency key, scoped to the caller. */
export function idForIdempotencyKey(subject: string, key: string): string {
  return createHash("sha256").update(`${subject}\u0000${key}`).digest("hex").slice(0, 32);
}

/** Where an application's decision events go: budget events to the line, the grant to its own stream. */
export function applicationStreamOf(event: DomainEvent): "application" | "line" | "grant" {
  if (event.type.startsWith("Budget")) return "line";
  if (event.type === "GrantOpened") return "grant";
  return "application";
}
