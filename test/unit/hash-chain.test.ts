import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../events/canonical-json.ts";
import { GENESIS_HASH, type HashedContent, eventHash, verifyChain } from "../../events/hash-chain.ts";

type ChainedEvent = HashedContent & { hash: string };

const STREAM = "scheme#verduurzamen-2025";

/** A well-formed chain of `length` events, each hashed over its content and the hash before it. */
function chain(length: number): ChainedEvent[] {
  const events: ChainedEvent[] = [];
  let previousHash = GENESIS_HASH;
  for (let version = 1; version <= length; version++) {
    const content: HashedContent = {
      eventId: `event-${version}`,
      streamId: STREAM,
      version,
      type: "BudgetTrancheReleased",
      schemaVersion: 1,
      payload: { schemeId: "verduurzamen-2025", schemeVersion: "sha256:v", budgetLineId: "board-reserve", amountCents: 1_000 * version, boardDecision: `decision ${version}` },
      metadata: { actor: "u1", role: "admin", channel: "api", correlationId: `corr-${version}` },
      recordedAt: `2025-06-12T10:00:0${version}.000Z`,
      schemeId: "verduurzamen-2025",
      previousHash,
    };
    const hash = eventHash(content);
    events.push({ ...content, hash });
    previousHash = hash;
  }
  return events;
}

describe("R-X-01 tamper-evident hash chain per stream", () => {
  it("a chain of 5 events built with eventHash verifies", () => {
    // Prepare
    const events = chain(5);

    // Act
    const problem = verifyChain(events);

    // Assess
    expect(problem).toBeUndefined();
    expect(events[0]!.previousHash).toBe(GENESIS_HASH);
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
  });

  it("an empty stream verifies", () => {
    expect(verifyChain([])).toBeUndefined();
  });

  it("changing one payload field is a hash-mismatch at that version", () => {
    // Prepare
    const events = chain(5);
    const tampered = events[2]!;
    events[2] = { ...tampered, payload: { ...(tampered.payload as Record<string, unknown>), amountCents: 99_999_999 } };

    // Act
    const problem = verifyChain(events);

    // Assess
    expect(problem).toEqual({ streamId: STREAM, version: 3, problem: "hash-mismatch", detail: "content does not match its stored hash" });
  });

  it("changing the metadata (who did it) is a hash-mismatch at that version", () => {
    // Prepare
    const events = chain(5);
    events[1] = { ...events[1]!, metadata: { ...events[1]!.metadata, actor: "someone-else" } };

    // Act / Assess
    expect(verifyChain(events)).toMatchObject({ version: 2, problem: "hash-mismatch" });
  });

  it("re-hashing a tampered event still breaks the link to the next event", () => {
    // Prepare
    const events = chain(5);
    const { hash: _old, ...content } = events[2]!;
    const rewritten = { ...content, payload: { ...(content.payload as Record<string, unknown>), amountCents: 1 } };
    events[2] = { ...rewritten, hash: eventHash(rewritten) };

    // Act
    const problem = verifyChain(events);

    // Assess
    expect(problem).toMatchObject({ version: 4, problem: "previous-hash-mismatch" });
  });

  it("a missing middle version is a version-gap at the missing version", () => {
    // Prepare
    const events = chain(5);
    events.splice(2, 1);

    // Act
    const problem = verifyChain(events);

    // Assess
    expect(problem).toEqual({ streamId: STREAM, version: 3, problem: "version-gap", detail: "found version 4 where 3 was expected" });
  });

  it("a stream that does not start at version 1 is a version-gap at 1", () => {
    // Prepare
    const events = chain(3).slice(1);

    // Act / Assess
    expect(verifyChain(events)).toMatchObject({ version: 1, problem: "version-gap" });
  });

  it("a swapped previousHash is a previous-hash-mismatch at that version", () => {
    // Prepare
    const events = chain(5);
    events[3] = { ...events[3]!, previousHash: events[1]!.hash };

    // Act
    const problem = verifyChain(events);

    // Assess
    expect(problem).toEqual({
      streamId: STREAM,
      version: 4,
      problem: "previous-hash-mismatch",
      detail: "previousHash does not match the hash of the event before",
    });
  });

  it("a first event that does not point at the genesis hash is a previous-hash-mismatch at 1", () => {
    // Prepare
    const events = chain(2);
    events[0] = { ...events[0]!, previousHash: "f".repeat(64) };

    // Act / Assess
    expect(verifyChain(events)).toMatchObject({ version: 1, problem: "previous-hash-mismatch" });
  });
});

describe("canonical JSON under the hash", () => {
  it("key order, at the top and nested in the payload, does not change the hash", () => {
    // Prepare
    const [event] = chain(1);
    const { hash, ...content } = event!;
    const payload = content.payload as Record<string, unknown>;
    const reversedPayload = Object.fromEntries(Object.entries(payload).reverse());
    const reversed = Object.fromEntries(Object.entries({ ...content, payload: reversedPayload }).reverse()) as unknown as HashedContent;

    // Act
    const rehashed = eventHash(reversed);

    // Assess
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(content));
    expect(rehashed).toBe(hash);
  });

  it("a different value gives a different hash", () => {
    // Prepare
    const [event] = chain(1);
    const { hash, ...content } = event!;

    // Act
    const other = eventHash({ ...content, schemaVersion: 2 });

    // Assess
    expect(other).not.toBe(hash);
  });

  it("canonicalJson sorts keys recursively, drops undefined members and writes no whitespace", () => {
    // Act
    const text = canonicalJson({ b: 1, a: [true, null, { d: "x", c: undefined, b: 2 }], c: undefined });

    // Assess
    expect(text).toBe('{"a":[true,null,{"b":2,"d":"x"}],"b":1}');
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a Date", new Date(0)],
    ["a bigint", 1n],
  ])("canonicalJson refuses %s, which JSON cannot carry faithfully", (_, value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });
});
