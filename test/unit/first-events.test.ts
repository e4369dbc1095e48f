import { describe, expect, it } from "vitest";
import type { RecordedEvent } from "../../events/index.ts";
import { firstEventOf } from "../../functions/store/first-events.ts";

const event = (streamId: string, type: string, data: unknown) => ({ streamId, version: 1, type, data }) as unknown as RecordedEvent;

/** A store that counts its reads: what the cache saves is requests. */
function countingStore(streams: Record<string, RecordedEvent[]>) {
  const store = {
    reads: 0,
    readStream: async (streamId: string, from = 1, to = Number.MAX_SAFE_INTEGER) => {
      store.reads++;
      return (streams[streamId] ?? []).filter((e) => e.version >= from && e.version <= to);
    },
  };
  return store;
}

describe("issue 15: a stream's first event is read once per store (functions/store/first-events.ts)", () => {
  it("remembers a registration: the second command on the application reads nothing", async () => {
    const registered = event("application#a", "ApplicationRegistered", { schemeId: "s" });
    const store = countingStore({ "application#a": [registered] });
    expect(await firstEventOf(store, "application#a")).toBe(registered);
    expect(await firstEventOf(store, "application#a")).toBe(registered);
    expect(store.reads).toBe(1);
  });

  it("does not remember a stream without events (it may be started later) or another store's stream", async () => {
    const streams: Record<string, RecordedEvent[]> = {};
    const store = countingStore(streams);
    expect(await firstEventOf(store, "grant#g")).toBeUndefined();
    streams["grant#g"] = [event("grant#g", "GrantOpened", { schemeId: "s" })];
    expect((await firstEventOf(store, "grant#g"))?.type).toBe("GrantOpened");
    const other = countingStore({});
    expect(await firstEventOf(other, "grant#g")).toBeUndefined();
    expect([store.reads, other.reads]).toEqual([2, 1]);
  });

  it("issue 16: reads a first event with personal-data fields every time, so a revealed value does not outlive an erasure", async () => {
    const store = countingStore({ "letter#l": [event("letter#l", "LetterSent", { recipients: ["jan@metaal.example"] })] });
    await firstEventOf(store, "letter#l");
    await firstEventOf(store, "letter#l");
    expect(store.reads).toBe(2);
  });
});
