import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayAndCompare, stateAsOf } from "../../audit/replay.ts";
import { evaluationProjection } from "../../domain/projections/evaluation.ts";
import { MAX_ITEM_BYTES, dynamoItemSize } from "../../functions/store/limits.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { VERDUURZAMEN, fundedHub, selfEvaluationOfSize } from "../support/hub.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Finding 2 of the production-parity issue: a hub's evaluation document kept every
 * self-evaluation (twice), crossed DynamoDB's 400 KB item limit on three valid submissions, and
 * the projector dead-lettered that hub for good. Now the hub document keeps the current state and
 * each history entry is an item of its own, listed with a query and a cursor.
 */

let backOffice: TestBackOffice;
let staff: Staff;
let hub: { hubKey: string; path: string };

const KB = 1024;

beforeAll(async () => {
  backOffice = await startTestBackOffice("evalbounded");
  staff = new Staff(backOffice);
  hub = await fundedHub(backOffice, staff, "Technohub Grootboek");
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
});

/** Every read-model item of the hub's evaluation (the hub document and its history entries), as stored. */
async function evaluationItems() {
  const prefix = `${evaluationProjection.name}#${VERDUURZAMEN}.${hub.hubKey}`;
  return (await backOffice.dependencies.readModels.dump()).filter((item) => String(item.pk).startsWith(prefix));
}

async function liveEqualsReplay() {
  const schemes = backOffice.dependencies.schemes.all().map((s) => s.definition.id);
  const report = await replayAndCompare({ events: backOffice.dependencies.events.readSchemes(schemes), live: backOffice.dependencies.readModels, wholeLog: true });
  return report.differences;
}

/** Every self-evaluation version, following `next` until it is null. */
async function allSelfEvaluations(query = "") {
  const versions: Array<{ version: number; eventId: string; correctedBy: string | null }> = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const separator = query ? "&" : "?";
    const page = await staff.expect("auditor", "GET", `${hub.path}/evaluation${query}${cursor ? `${separator}cursor=${cursor}` : ""}`, undefined, 200);
    versions.push(...page.body.selfEvaluations);
    cursor = page.body.next;
    pages++;
  } while (cursor);
  return { versions, pages };
}

describe("finding 2: no read-model item grows with a hub's history", () => {
  it("finding 2: three large self-evaluations (24 KB, 83 KB, 201 KB) on one hub all project; GET shows the latest and lists all three", async () => {
    // Prepare
    const bodies = [24, 83, 201].map((kb, i) => selfEvaluationOfSize(kb * KB, `2026-01-1${i}`));

    // Act
    const posted: Array<{ eventId: string }> = [];
    for (const body of bodies) posted.push((await staff.expect("intake", "POST", `${hub.path}/self-evaluations`, body, 201)).body);
    await backOffice.settle();

    // Assess: nothing dead-lettered; the hub shows the latest and lists all three, with their content
    expect(backOffice.bus.deadLetters).toEqual([]);
    const got = await staff.expect("auditor", "GET", `${hub.path}/evaluation`, undefined, 200);
    expect(got.body.version).toBe(3);
    expect(got.body.selfEvaluation).toMatchObject({ version: 3, eventId: posted[2]!.eventId, objectives: bodies[2]!.objectives });
    expect(got.body.selfEvaluations.map((s: { version: number; eventId: string; objectives: unknown }) => [s.version, s.eventId, s.objectives])).toEqual(
      bodies.map((b, i) => [i + 1, posted[i]!.eventId, b.objectives]),
    );
    expect(got.body.counts["self-evaluation"]).toBe(3);
    expect(got.body.next).toBeNull();

    // Every item within DynamoDB's limit: the hub holds one self-evaluation, each version is its own item.
    const items = await evaluationItems();
    expect(items).toHaveLength(4);
    for (const item of items) expect(dynamoItemSize(item)).toBeLessThan(MAX_ITEM_BYTES);
    const hubItem = items.find((i) => i.pk === `${evaluationProjection.name}#${VERDUURZAMEN}.${hub.hubKey}`)!;
    expect(dynamoItemSize(hubItem)).toBeLessThan(210 * KB);

    // Rebuild equals live, and an as-of read of the hub returns its versions with it.
    expect(await liveEqualsReplay()).toEqual([]);
    const asOf = await stateAsOf({
      events: backOffice.dependencies.events.readSchemes([VERDUURZAMEN]),
      projection: evaluationProjection,
      asOf: new Date().toISOString(),
      documentId: `${VERDUURZAMEN}.${hub.hubKey}`,
    });
    expect(asOf.documents[0]!.documentId).toBe(`${VERDUURZAMEN}.${hub.hubKey}`);
    expect(asOf.documents.filter((d) => (d.doc as { history?: string }).history === "self-evaluation")).toHaveLength(3);
  });

  it("finding 2: the largest self-evaluation the event store takes is projected as well; the histories page with a limit and a cursor", async () => {
    // Prepare: between a size that is taken and one that must be refused, find the largest taken (to 512 bytes)
    const post = (bytes: number, day: number) => backOffice.call("intake", "POST", `${hub.path}/self-evaluations`, selfEvaluationOfSize(bytes, `2026-02-${String(day).padStart(2, "0")}`));
    let taken = 240 * KB;
    let refused = 256 * KB; // the bus entry carries the payload, so this can never be taken
    expect((await post(taken, 1)).status).toBe(201);
    expect((await post(refused, 1)).status).toBe(413);
    for (let day = 2; refused - taken > 512; day++) {
      const middle = Math.floor((taken + refused) / 2);
      const response = await post(middle, day);
      expect([201, 413]).toContain(response.status);
      if (response.status === 201) taken = middle;
      else refused = middle;
    }

    // Act: the largest once more, so the hub document holds it, and the largest classification there is
    // (three texts of 4,000 characters that JSON escapes to six bytes each: the worst a classification gets).
    const worstText = (c: string) => `${c}${"\u0001".repeat(3_998)}${c}`;
    await staff.expect("assessor", "POST", `${hub.path}/classifications`, {
      type: "system-hub", dominantCharacteristic: "innovation", preconditions: [worstText("a"), worstText("b")], rationale: worstText("r"), classifiedOn: "2026-02-27",
    }, 201);
    const largest = await post(taken, 28);
    expect(largest.status).toBe(201);
    await backOffice.settle();

    // Assess: projected, and shown as the latest
    expect(backOffice.bus.deadLetters).toEqual([]);
    const got = await staff.expect("auditor", "GET", `${hub.path}/evaluation`, undefined, 200);
    expect(got.body.selfEvaluation.eventId).toBe(largest.body.eventId);
    const count = got.body.counts["self-evaluation"];
    expect(got.body.version).toBe(largest.body.version);

    // Pages of at most 768 KB of entries per list past the first entry; following `next` lists every version once, in order.
    const all = await allSelfEvaluations();
    expect(all.versions.map((s) => s.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(all.pages).toBeGreaterThan(1);
    const small = await allSelfEvaluations("?limit=2");
    expect(small.versions.map((s) => s.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(small.pages).toBe(Math.ceil(count / 2));
    await staff.expect("auditor", "GET", `${hub.path}/evaluation?cursor=not-a-cursor`, undefined, 400);
    await staff.expect("auditor", "GET", `${hub.path}/evaluation?limit=0`, undefined, 400);

    // No item of the hub passes 400 KB; the figures for the report.
    const items = await evaluationItems();
    const hubItem = items.find((i) => i.pk === `${evaluationProjection.name}#${VERDUURZAMEN}.${hub.hubKey}`)!;
    const largestItem = Math.max(...items.map((i) => dynamoItemSize(i)));
    expect(largestItem).toBeLessThan(MAX_ITEM_BYTES);
    console.info(`finding 2: largest self-evaluation stored and projected: ${(taken / KB).toFixed(1)} KB of request body (${taken} bytes; refused from ${refused} bytes); hub document ${(dynamoItemSize(hubItem) / KB).toFixed(1)} KB; largest evaluation item ${(largestItem / KB).toFixed(1)} KB`);
    expect(await liveEqualsReplay()).toEqual([]);
  });
});
