import type { RecordedEvent } from "../../events/index.ts";
import { personalDataFields } from "../../events/personal-data.ts";
import type { EventStore } from "./event-store.ts";

/** Bounded, as a warm container's memory is; emptied whole when full (a miss only costs one read). */
const REMEMBERED = 20_000;
const remembered = new WeakMap<object, Map<string, RecordedEvent>>();

/**
 * The first event of a stream (an application's registration, a grant's opening), remembered by this
 * process per store. Nothing in the log is changed or deleted, so once a stream has a first event it
 * is that one for ever; every command on an application or a grant starts from it to find its scheme
 * and budget line, and a warm instance now reads it once instead of on every request (issue 15).
 * An event with personal-data fields is read every time: a value revealed once must not outlive an
 * erasure. A stream without events is not remembered: it may be started later.
 */
export async function firstEventOf(store: Pick<EventStore, "readStream">, streamId: string): Promise<RecordedEvent | undefined> {
  let streams = remembered.get(store);
  const known = streams?.get(streamId);
  if (known) return known;
  const [first] = await store.readStream(streamId, 1, 1);
  if (!first || personalDataFields[first.type]) return first;
  if (!streams || streams.size >= REMEMBERED) remembered.set(store, (streams = new Map()));
  streams.set(streamId, first);
  return first;
}
