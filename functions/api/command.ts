import { createHash } from "node:crypto";
import type { Decision, Refusal } from "../../domain/decision.ts";
import { ConcurrencyConflict } from "../../domain/errors.ts";
import type { DomainEvent, EventMetadata, RecordedEvent } from "../../events/index.ts";
import { canonicalJson } from "../../events/canonical-json.ts";
import type { LineDerived, LinePosition, PartnerDerived } from "../store/budget-balance.ts";
import type { EventStore, StoredEvent, StreamAppend } from "../store/event-store.ts";
import {
  type BudgetLineState,
  balanceOf,
  budgetApplicationOf,
  budgetLineFromBalance,
  evolveBudgetLine,
  foldBudgetLine,
  initialBudgetLineState,
  positionOf,
} from "../../domain/budget.ts";
import { countMetric, metricNames } from "../runtime/metrics.ts";
import { HttpProblem, type ParsedInput, refusalProblem } from "./http.ts";

export interface StreamSpec<S> {
  readonly streamId: string;
  readonly initial: S;
  readonly evolve: (state: S, event: DomainEvent) => S;
  /**
   * A budget line read from the balance its last event carries instead of from its whole history
   * (issue 15): `budgetLineStream` builds the spec. Only on a stream whose state is a BudgetLineState.
   */
  readonly balance?: BalanceSpec;
}

/** How a decision reads a budget line from its head; see `budgetLineStream`. */
export interface BalanceSpec {
  /** The application the decision concerns, whose position on the line it reads from the partners. */
  readonly applicationId?: string;
  /** The streams (keys of the decision) whose events carry that application's position on the line. */
  readonly partners: ReadonlyArray<string>;
}

/**
 * A budget line as a decision's stream. With `applicationId` and its partner streams (the
 * application's and its grant's, where every budget event naming it is appended with an event of
 * theirs), the decision reads the line's last event and the application's position beside its own
 * events: two reads, whatever the line's length. Without them it reads the balance alone.
 */
export function budgetLineStream(streamId: string, balance: BalanceSpec = { partners: [] }): StreamSpec<BudgetLineState> {
  return { streamId, initial: initialBudgetLineState, evolve: evolveBudgetLine, balance };
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

/** What a decision knows of one stream: where it ends and the state there. */
interface StreamPosition<S> {
  version: number;
  head: Pick<RecordedEvent, "version" | "hash" | "recordedAt"> | undefined;
  state: S;
  /** Every event, for streams read in full (the primary always: replays are looked up in it). */
  history: RecordedEvent[];
  /** Derived state beside each event read in full, by version. */
  derived: Map<number, string>;
  /** For a budget line: from which version on every position is on the partner streams. */
  since?: number;
  /** For a budget line read from its balance: the applications whose positions it holds. */
  positionsOf?: ReadonlySet<string>;
}

/** Thrown inside one attempt when the line's balance cannot serve the decision: read it in full. */
class NeedsFullFold extends Error {}

/**
 * The one shape of every write: load the streams a decision needs, fold them, decide, and append
 * each event to its stream at the version decided on, all in one atomic append. When another
 * writer got there first, it reads what was appended since and decides again (the decision
 * re-checks every rule on the fresh state), except on the primary stream when the caller pinned it
 * with If-Match. It gives up, with nothing written, before the function's deadline: 503 + Retry-After.
 *
 * A budget line with a `balance` spec is not folded from its history: its last event carries the
 * line's balance and the partner streams carry the application's position (see `budgetLineStream`),
 * so a decision costs the same on a line of ten events as on one of a hundred thousand. Where that
 * derived state is missing (a line written before it existed, or by a writer that does not keep it),
 * the line is folded in full once and the append carries it again.
 */
export async function executeDecision<S extends Record<string, unknown>>(options: {
  store: EventStore;
  input: ParsedInput<unknown, unknown, unknown>;
  schemeId: string;
  primary: keyof S & string;
  streams: Specs<S>;
  /** `history`: the primary stream's events, read in full (a correction names the event it corrects). */
  decide: (states: S, history: ReadonlyArray<RecordedEvent>) => Decision<DomainEvent>;
  streamOf: (event: DomainEvent) => keyof S & string;
  /** Without it, a command retries until its deadline draws near (at most 100 attempts), then answers 503. */
  maxAttempts?: number;
}): Promise<Executed<S>> {
  const { store, input } = options;
  const keys = Object.keys(options.streams) as Array<keyof S & string>;
  const primaryId = options.streams[options.primary].streamId;
  const maxAttempts = options.maxAttempts ?? 100;
  const request = requestIdentity(input);
  const canUseBalance = store.readLast !== undefined && store.readStreamWithDerived !== undefined;
  const balanced = keys.filter((k) => options.streams[k].balance && k !== options.primary && canUseBalance);
  const fullFold = new Set<keyof S>();
  const positions = Object.fromEntries(
    keys.map((k) => [k, { version: 0, head: undefined, state: options.streams[k].initial, history: [], derived: new Map() }]),
  ) as unknown as { [K in keyof S]: StreamPosition<S[K]> };
  const readTail = async (k: keyof S & string) => {
    const spec = options.streams[k];
    const from = positions[k].version + 1;
    applyTail(k, store.readStreamWithDerived ? await store.readStreamWithDerived(spec.streamId, from) : (await store.readStream(spec.streamId, from)).map((event) => ({ event })));
  };
  /** Several streams' new events in one read where the store can (their sealed values revealed at once). */
  const readTails = async (ks: ReadonlyArray<keyof S & string>) => {
    if (ks.length < 2 || !store.readStreamsWithDerived) return void (await Promise.all(ks.map(readTail)));
    const tails = await store.readStreamsWithDerived(ks.map((k) => ({ streamId: options.streams[k].streamId, fromVersion: positions[k].version + 1 })));
    ks.forEach((k, i) => applyTail(k, tails[i]!));
  };
  const applyTail = (k: keyof S & string, tail: ReadonlyArray<StoredEvent>) => {
    const spec = options.streams[k];
    const at = positions[k];
    for (const { event, derived } of tail) {
      at.history.push(event);
      if (derived !== undefined) at.derived.set(event.version, derived);
    }
    if (spec.balance && at.since === undefined) at.since = sinceOf(at.history, at.derived, 0);
    else if (spec.balance) at.since = sinceOf(tail.map((t) => t.event), at.derived, at.since!);
    at.state = spec.balance ? (foldBudgetLine(at.state as BudgetLineState, tail.map((t) => t.event as DomainEvent)) as S[typeof k]) : tail.reduce((s, t) => spec.evolve(s, t.event as DomainEvent), at.state);
    const last = tail.at(-1)?.event;
    if (last) {
      at.version = last.version;
      at.head = last;
    }
  };
  // The line's head first, then its partners: a position written before the head was read is seen,
  // and one written after it moved the line on, so the append fails and the decision is taken again.
  const readBalance = async (k: keyof S & string) => {
    const spec = options.streams[k];
    const at = positions[k];
    const last = await store.readLast!(spec.streamId);
    const balance = last?.derived === undefined ? undefined : (JSON.parse(last.derived) as LineDerived).balance;
    if (last && !balance) throw new NeedsFullFold();
    Object.assign(at, { version: last?.event.version ?? 0, head: last?.event, since: balance?.since ?? 1, history: [], derived: new Map() });
    at.state = (balance ? budgetLineFromBalance(balance, []) : spec.initial) as S[typeof k];
  };
  const placeApplication = (k: keyof S & string) => {
    const spec = options.streams[k];
    const at = positions[k];
    const applicationId = spec.balance!.applicationId;
    if (!applicationId) {
      at.positionsOf = new Set();
      return;
    }
    let found: LinePosition | undefined;
    for (const partner of spec.balance!.partners) {
      for (const derived of positions[partner as keyof S].derived.values()) {
        const position = (JSON.parse(derived) as PartnerDerived).linePosition;
        if (position?.line === spec.streamId && position.version <= at.version && (!found || position.version > found.version)) found = position;
      }
    }
    if (found ? found.version < at.since! : at.since !== 1) throw new NeedsFullFold();
    const balance = balanceOf(at.state as BudgetLineState);
    at.state = budgetLineFromBalance({ ...balance }, found ? [[applicationId, found.position]] : []) as S[typeof k];
    at.positionsOf = new Set([applicationId]);
  };
  /**
   * After a conflict on the line: the events appended to it since it was read, with the balance the
   * last one carries. When none of them names this decision's application, its position on the line
   * did not move (a position moves only with an event that names it, appended beside the partners'
   * events), so the partners need not be read again: one read per conflict instead of three on a
   * line every award and payment of the scheme contends for (issue 15). Anything else (an event
   * naming the application, none found, no balance carried): false, and the line and its partners
   * are read again as on a first attempt.
   */
  const catchUpLine = async (k: keyof S & string): Promise<boolean> => {
    const spec = options.streams[k];
    const at = positions[k];
    const tail = await store.readStreamWithDerived!(spec.streamId, at.version + 1);
    const last = tail.at(-1);
    if (!last || tail.some(({ event }) => budgetApplicationOf(event as DomainEvent) === spec.balance!.applicationId)) return false;
    const balance = last.derived === undefined ? undefined : (JSON.parse(last.derived) as LineDerived).balance;
    if (!balance) return false;
    Object.assign(at, { version: last.event.version, head: last.event, since: balance.since, history: [], derived: new Map() });
    at.state = budgetLineFromBalance(balance, []) as S[typeof k];
    return true;
  };
  let toRead = keys;
  let catchingUp: Array<keyof S & string> = [];
  let attempt = 0;
  /** The balance cannot serve this decision: read every stream again, the lines in full (not a retry: nothing was appended). */
  const foldInFull = () => {
    if (fullFold.size === balanced.length) throw new Error("a budget line read in full could not serve the decision");
    for (const k of balanced) fullFold.add(k);
    for (const k of keys) Object.assign(positions[k], { version: 0, head: undefined, state: options.streams[k].initial, history: [], derived: new Map(), since: undefined, positionsOf: undefined });
    toRead = keys;
    catchingUp = [];
    attempt--;
  };
  const withPartners = (k: keyof S & string) => (balanced.includes(k) ? [k, ...(options.streams[k].balance!.partners as Array<keyof S & string>)] : [k]);
  for (;;) {
    attempt++;
    try {
      const caughtUp: Array<keyof S & string> = [];
      for (const k of catchingUp) {
        if (await catchUpLine(k)) caughtUp.push(k);
        else toRead = [...new Set([...toRead, ...withPartners(k)])];
      }
      catchingUp = [];
      const heads = toRead.filter((k) => balanced.includes(k) && !fullFold.has(k));
      await Promise.all(heads.map(readBalance));
      await readTails(toRead.filter((k) => !heads.includes(k)));
      for (const k of [...heads, ...caughtUp]) placeApplication(k);
    } catch (error) {
      if (!(error instanceof NeedsFullFold)) throw error;
      foldInFull();
      continue;
    }
    const states = Object.fromEntries(keys.map((k) => [k, positions[k].state])) as S;
    const primaryHistory = positions[options.primary].history;
    const replay = replayOf(primaryHistory, request);
    if (replay) {
      refusalOfReplay(replay);
      return { recorded: replay, replayed: true, states };
    }
    if (input.ifMatch !== undefined && input.ifMatch !== primaryHistory.length) {
      throw new HttpProblem(409, "concurrency-conflict", `the record is at version ${primaryHistory.length}, not ${input.ifMatch}; reload and try again`, { currentVersion: primaryHistory.length });
    }
    const decision = options.decide({ ...states }, primaryHistory);
    const events = decision.events ?? [];
    let appends: Array<Omit<StreamAppend, "metadata">>;
    try {
      appends = appendsOf(events, options, positions);
    } catch (error) {
      if (!(error instanceof NeedsFullFold)) throw error;
      foldInFull();
      continue;
    }
    try {
      const metadata = metadataOf(input, request);
      const recorded = events.length ? await store.append(appends.map((a) => ({ ...a, metadata }))) : [];
      if (decision.outcome === "refused") throw refusalProblem(decision.refusal);
      return { recorded, replayed: false, states: { ...states } };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      countMetric(metricNames.concurrencyConflicts);
      if (input.ifMatch !== undefined && error.streamId === primaryId) throw error;
      // Full jitter on a growing window: many racers on one budget line spread out instead of colliding again.
      // The window stays short (at most 500 ms): an attempt re-reads two items, not the line, so waiting long only idles.
      const pause = Math.random() * Math.min(500, 10 * 2 ** Math.min(attempt, 6));
      // A command that allows no retry (opening a scheme) means a conflict is the answer: 409.
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw error;
      if (attempt >= maxAttempts || input.remainingMs() - pause < attemptReserveMs) {
        countMetric(metricNames.commandsGaveUp);
        throw new HttpProblem(503, "busy", `others were changing the same records; gave up after ${attempt} attempts with nothing recorded: try again`, { retryable: true, attempts: attempt });
      }
      const moved = keys.filter((k) => options.streams[k].streamId === error.streamId);
      // A line read from its balance for one application catches up from where it was read; any
      // other moved stream is read again from there, a line with its partners (its application's
      // position may have moved with it).
      catchingUp = moved.filter((k) => balanced.includes(k) && !fullFold.has(k) && options.streams[k].balance!.applicationId !== undefined);
      toRead = moved.length ? [...new Set(moved.filter((k) => !catchingUp.includes(k)).flatMap(withPartners))] : keys;
      countMetric(metricNames.commandRetries);
      await sleep(pause);
    }
  }
}

/**
 * From which version on a line's positions are all on the partner streams: where the last balance
 * said, unless events after it name an application (written by a writer that keeps no positions);
 * then from the next event on. A line whose events never named an application: from the start.
 */
function sinceOf(events: ReadonlyArray<RecordedEvent>, derived: ReadonlyMap<number, string>, before: number): number {
  let since = before;
  let named = false;
  for (const event of events) {
    const balance = derived.has(event.version) ? (JSON.parse(derived.get(event.version)!) as LineDerived).balance : undefined;
    if (balance) {
      since = balance.since;
      named = false;
    } else if (budgetApplicationOf(event as DomainEvent) !== undefined) named = true;
  }
  const last = events.at(-1)?.version ?? 0;
  if (since === 0) return named ? last + 1 : 1;
  return named ? last + 1 : since;
}

function appendsOf<S>(
  events: ReadonlyArray<DomainEvent>,
  options: { streams: Specs<S>; schemeId: string; streamOf: (event: DomainEvent) => keyof S & string },
  positions: { [K in keyof S]: StreamPosition<S[K]> },
): Array<Omit<StreamAppend, "metadata">> {
  const byStream = new Map<keyof S & string, DomainEvent[]>();
  for (const event of events) {
    const key = options.streamOf(event);
    byStream.set(key, [...(byStream.get(key) ?? []), event]);
  }
  const derived = new Map<keyof S & string, Array<string | undefined>>();
  for (const [key, streamEvents] of byStream) {
    const spec = options.streams[key];
    if (!spec.balance) continue;
    const at = positions[key];
    let state = at.state as BudgetLineState;
    let since = at.since ?? 1;
    const named = new Set<string>();
    const carried: Array<string | undefined> = [];
    for (const event of streamEvents) {
      const applicationId = budgetApplicationOf(event);
      // Folding an event for an application whose position was not read would get the totals wrong.
      if (applicationId !== undefined && at.positionsOf && !at.positionsOf.has(applicationId)) throw new NeedsFullFold();
      if (applicationId !== undefined) named.add(applicationId);
      state = evolveBudgetLine(state, event);
      carried.push(JSON.stringify({ balance: { ...balanceOf(state), since } } satisfies LineDerived));
    }
    const partners = (spec.balance.partners as Array<keyof S & string>).filter((p) => byStream.has(p));
    const tracked = spec.balance.applicationId !== undefined && partners.length > 0;
    if ([...named].some((id) => !tracked || id !== spec.balance!.applicationId)) {
      // A position this append cannot put beside the application's own events: from here on, the
      // line's positions are not all on the partner streams, and older ones are read in full.
      since = at.version + streamEvents.length + 1;
      carried.splice(0, carried.length, ...carried.map((c) => JSON.stringify({ balance: { ...(JSON.parse(c!) as LineDerived).balance!, since } })));
    } else if (tracked && named.size > 0) {
      const linePosition: LinePosition = { line: spec.streamId, version: at.version + streamEvents.length, position: positionOf(state, spec.balance.applicationId!) };
      for (const partner of partners) {
        const text = JSON.stringify({ linePosition } satisfies PartnerDerived);
        derived.set(partner, byStream.get(partner)!.map(() => text));
      }
    }
    derived.set(key, carried);
  }
  return [...byStream].map(([key, streamEvents]) => ({
    streamId: options.streams[key].streamId,
    expectedVersion: positions[key].version,
    head: positions[key].head,
    schemeId: options.schemeId,
    events: streamEvents,
    ...(derived.has(key) ? { derived: derived.get(key) } : {}),
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
  // Issue 13: a change request the rules refused on arrival is answered with that refusal again.
  const byRules = replay.find((e) => e.type === "ChangeRequestRefused" && (e.data as { refusedBy: string }).refusedBy === "rules") as
    | RecordedEvent<"ChangeRequestRefused", { code: "closed" | "invalid" | "ineligible" | "budget-exhausted"; reasons: string[]; ruleIds: string[]; requestId: string }>
    | undefined;
  if (byRules) throw refusalProblem({ code: byRules.data.code, reason: byRules.data.reasons[0]!, ruleIds: byRules.data.ruleIds, details: { requestId: byRules.data.requestId } });
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
  decide: (state: S, history: ReadonlyArray<RecordedEvent>) => Decision<DomainEvent>;
  input: ParsedInput<unknown, unknown, unknown>;
  balance?: BalanceSpec;
}): Promise<{ recorded: RecordedEvent[]; replayed: boolean }> {
  return executeDecision<{ only: S }>({
    store: options.store,
    input: options.input,
    schemeId: options.schemeId,
    primary: "only",
    streams: { only: { streamId: options.streamId, initial: options.initial, evolve: options.evolve, ...(options.balance ? { balance: options.balance } : {}) } },
    decide: (states, history) => options.decide(states.only, history),
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
