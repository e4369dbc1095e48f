import { createHash } from "node:crypto";
import type { Decision } from "../../domain/decision.ts";
import type { DomainEvent, EventMetadata, RecordedEvent } from "../../events/index.ts";
import type { EventStore } from "../store/event-store.ts";
import { HttpProblem, type ParsedInput, refusalProblem } from "./http.ts";

/** The one shape of every write: load the stream, fold it, decide, append at the version decided on. */
export async function executeCommand<S>(options: {
  store: EventStore;
  streamId: string;
  schemeId: string;
  initial: S;
  evolve: (state: S, event: DomainEvent) => S;
  decide: (state: S) => Decision<DomainEvent>;
  input: ParsedInput<unknown, unknown, unknown>;
}): Promise<{ recorded: RecordedEvent[]; replayed: boolean }> {
  const { store, streamId, input } = options;
  const history = await store.readStream(streamId);
  const replay = replayOf(history, input.idempotencyKey);
  if (replay) return { recorded: replay, replayed: true };
  if (input.ifMatch !== undefined && input.ifMatch !== history.length) {
    throw new HttpProblem(409, "concurrency-conflict", `the record is at version ${history.length}, not ${input.ifMatch}; reload and try again`, { currentVersion: history.length });
  }
  const state = history.reduce((s, e) => options.evolve(s, e as DomainEvent), options.initial);
  const decision = options.decide(state);
  if (decision.outcome === "refused") throw refusalProblem(decision.refusal);
  const metadata: EventMetadata = {
    actor: input.caller.subject,
    role: input.caller.actingRole,
    channel: "api",
    correlationId: input.correlationId,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  };
  try {
    const recorded = await store.append([{ streamId, expectedVersion: history.length, schemeId: options.schemeId, events: decision.events, metadata }]);
    return { recorded, replayed: false };
  } catch (error) {
    // A retried request racing its own first attempt: if that attempt won, answer as it did.
    const again = input.idempotencyKey ? replayOf(await store.readStream(streamId, history.length + 1), input.idempotencyKey) : undefined;
    if (again) return { recorded: again, replayed: true };
    throw error;
  }
}

/** The events a request with this idempotency key already wrote, if any. */
function replayOf(events: ReadonlyArray<RecordedEvent>, key: string | undefined): RecordedEvent[] | undefined {
  if (!key) return undefined;
  const earlier = events.filter((e) => e.metadata.idempotencyKey === key);
  return earlier.length ? earlier : undefined;
}

/** A stable id for a new stream created under an idempotency key, scoped to the caller. */
export function idForIdempotencyKey(subject: string, key: string): string {
  return createHash("sha256").update(`${subject}\u0000${key}`).digest("hex").slice(0, 32);
}
