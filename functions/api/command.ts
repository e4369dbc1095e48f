import { createHash } from "node:crypto";
import type { Decision, Refusal } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, EventMetadata, RecordedEvent } from "../../events/index.ts";
import { canonicalJson } from "../../events/canonical-json.ts";
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
 * How long before the function's timeout a command stops starting attempts: one attempt (read the
 * new events, decide, append) must be able to finish, so an answer always says what happened.
 */
export const attemptReserveMs = 2_500;

/**
 * The one shape of every write: load the streams a decision needs, fold them, decide, and append
 * each event to its stream at the version decided on, all in one atomic append. When another
 * writer got there first, it reads what was appended since and decides again (the decision
 * re-checks every rule on the fresh state), except on the primary stream when the caller pinned it
 * with If-Match. It gives up, with nothing written, before the function's deadline: 503 + Retry-After.
 */
export async function executeDecision<S extends Record<string, unknown>>(options: {
  store: EventStore;
  input: ParsedInput<unknown, unknown, unknown>;
  schemeId: string;
  primary: keyof S & string;
  streams: Specs<S>;
  decide: (states: S) => Decision<DomainEvent>;
  streamOf: (event: DomainEvent) => keyof S & string;
  /** Without it, a command retries until its deadline draws near (at most 100 attempts), then answers 503. */
  maxAttempts?: number;
}): Promise<Executed<S>> {
  const { store, input } = options;
  const keys = Object.keys(options.streams) as Array<keyof S & string>;
  const primaryId = options.streams[options.primary].streamId;
  const maxAttempts = options.maxAttempts ?? 100;
  const request = requestIdentity(input);
  // Each stream is read once in full, then only its new tail on every retry: a retry costs what
  // others appended meanwhile, not the stream's whole history again.
  const histories = Object.fromEntries(keys.map((k) => [k, [] as RecordedEvent[]])) as Record<keyof S, RecordedEvent[]>;
  const states = Object.fromEntries(keys.map((k) => [k, options.streams[k].initial])) as S;
  // On a retry only the stream that moved on is read again; had another moved too, the append says so.
  let toRead = keys;
  for (let attempt = 1; ; attempt++) {
    await Promise.all(
      toRead.map(async (k) => {
        const spec = options.streams[k];
        const tail = await store.readStream(spec.streamId, histories[k].length + 1);
        histories[k].push(...tail);
        states[k] = tail.reduce((s, e) => spec.evolve(s, e as DomainEvent), states[k]);
      }),
    );
    const primaryHistory = histories[options.primary];
    const replay = replayOf(primaryHistory, request);
    if (replay) {
      refusalOfReplay(replay);
      return { recorded: replay, replayed: true, states: { ...states } };
    }
    if (input.ifMatch !== undefined && input.ifMatch !== primaryHistory.length) {
      throw new HttpProblem(409, "concurrency-conflict", `the record is at version ${primaryHistory.length}, not ${input.ifMatch}; reload and try again`, { currentVersion: primaryHistory.length });
    }
    const decision = options.decide({ ...states });
    const events = decision.events ?? [];
    try {
      const recorded = events.length ? await store.append(appendsOf(events, options, histories, metadataOf(input, request))) : [];
      if (decision.outcome === "refused") throw refusalProblem(decision.refusal);
      return { recorded, replayed: false, states: { ...states } };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      if (input.ifMatch !== undefined && error.streamId === primaryId) throw error;
      // Full jitter on a growing window: many racers on one budget line spread out instead of colliding again.
      const pause = Math.random() * Math.min(2_000, 20 * 2 ** Math.min(attempt, 7));
      // A command that allows no retry (opening a scheme) means a conflict is the answer: 409.
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw error;
      if (attempt >= maxAttempts || input.remainingMs() - pause < attemptReserveMs) {
        throw new HttpProblem(503, "busy", `others were changing the same records; gave up after ${attempt} attempts with nothing recorded: try again`, { retryable: true, attempts: attempt });
      }
      const moved = keys.filter((k) => options.streams[k].streamId === error.streamId);
      toRead = moved.length ? moved : keys;
      await sleep(pause);
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
    head: histories[key].at(-1),
    schemeId: options.schemeId,
    events: streamEvents,
    metadata,
  }));
}

/**
 * What identifies one request under an Idempotency-Key (IETF draft "The Idempotency-Key HTTP
 * Header Field"): the key is the caller's, for one route; the target is the primary stream the
 * replay is looked up in; the body's hash tells a retry from a different request under a used key.
 */
interface RequestIdentity {
  readonly key: string;
  readonly actor: string;
  readonly route: string;
  readonly requestHash: string;
}

function requestIdentity(input: ParsedInput<unknown, unknown, unknown>): RequestIdentity | undefined {
  if (!input.idempotencyKey) return undefined;
  const body = input.body === undefined ? "" : canonicalJson(input.body);
  return {
    key: input.idempotencyKey,
    actor: input.caller.subject,
    route: input.routeId,
    requestHash: createHash("sha256").update(`${input.routeId}\u0000${canonicalJson(input.path ?? null)}\u0000${body}`).digest("hex"),
  };
}

function metadataOf(input: ParsedInput<unknown, unknown, unknown>, request: RequestIdentity | undefined): EventMetadata {
  return {
    actor: input.caller.subject,
    role: input.caller.actingRole,
    channel: "api",
    correlationId: input.correlationId,
    ...(request ? { idempotencyKey: request.key, route: request.route, requestHash: request.requestHash } : {}),
  };
}

/**
 * The events this caller's earlier request under the same key on the same route wrote to the
 * target, if any. The same key with another body is a different request: 422, nothing replayed.
 */
function replayOf(events: ReadonlyArray<RecordedEvent>, request: RequestIdentity | undefined): RecordedEvent[] | undefined {
  if (!request) return undefined;
  const earlier = events.filter((e) => e.metadata.idempotencyKey === request.key && e.metadata.actor === request.actor && e.metadata.route === request.route);
  if (earlier.length === 0) return undefined;
  if (earlier.some((e) => e.metadata.requestHash !== request.requestHash)) {
    throw new HttpProblem(422, "idempotency-key-reused", "this Idempotency-Key was used for a different request; use a new key for a new request");
  }
  return earlier;
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
