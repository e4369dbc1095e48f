import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayAndCompare } from "../../audit/replay.ts";
import type { CatchUpReport } from "../../functions/projector/catch-up.ts";
import { MAX_ITEM_BYTES } from "../../functions/store/limits.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { fundedHub, selfEvaluationOfSize } from "../support/hub.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Finding 2, the operator's side: a projector no longer wedges. An event it cannot apply (here:
 * a document over the store's item limit, lowered for the test as the old evaluation document
 * crossed 400 KB) is dead-lettered at once as poison, other streams go on, later events of its
 * stream wait behind it; after the fix a re-drive (the bus's dead letters, or `npm run redrive`
 * from the log) brings live back to what a full replay gives.
 */

let backOffice: TestBackOffice;
let staff: Staff;
let hubA: { hubKey: string; path: string };
let hubB: { hubKey: string; path: string };
const KB = 1024;
const root = fileURLToPath(new URL("../..", import.meta.url));

beforeAll(async () => {
  backOffice = await startTestBackOffice("redrive");
  staff = new Staff(backOffice);
  [hubA, hubB] = await Promise.all([fundedHub(backOffice, staff, "Technohub Vergif"), fundedHub(backOffice, staff, "Technohub Gezond")]);
}, 120_000);

afterAll(async () => {
  if (backOffice) backOffice.dependencies.readModels.maxItemBytes = MAX_ITEM_BYTES;
  await backOffice?.stop();
});

async function liveEqualsReplay() {
  const schemes = backOffice.dependencies.schemes.all().map((s) => s.definition.id);
  return (await replayAndCompare({ events: backOffice.dependencies.events.readSchemes(schemes), live: backOffice.dependencies.readModels, wholeLog: true })).differences;
}

const finding = { kind: "work-visit", date: "2026-01-20", participants: ["Beoordelaar"], notes: "Werkbezoek: de werkplaats is ingericht." };
const evaluationLetters = () => backOffice.bus.deadLetters.filter((l) => l.rule === "evaluation-projector");

describe("finding 2: a poison event is dead-lettered, the projector keeps serving, and a re-drive after the fix catches up", () => {
  it("finding 2: a document too large for the store dead-letters its event at once; other hubs still project; after the fix the bus re-drives it and live equals a full replay", async () => {
    // Prepare: the store refuses any item over 20 KB, so a 24 KB self-evaluation is poison
    backOffice.dependencies.readModels.maxItemBytes = 20 * KB;

    // Act
    const poisoned = await staff.expect("intake", "POST", `${hubA.path}/self-evaluations`, selfEvaluationOfSize(24 * KB), 201);
    await staff.expect("assessor", "POST", `${hubA.path}/findings`, finding, 201);
    await staff.expect("assessor", "POST", `${hubB.path}/findings`, finding, 201);
    await backOffice.settle();

    // Assess: hub A's events are dead letters after one attempt each, named for what they are; hub B projected
    const streamA = `hub#verduurzamen-2025.${hubA.hubKey}`;
    expect(evaluationLetters().map((l) => [l.message.detail.event.streamId, l.message.detail.event.version, l.attempts, l.permanent])).toEqual([
      [streamA, 1, 1, true],
      [streamA, 2, 1, true],
    ]);
    expect(evaluationLetters()[0]!.error).toMatch(new RegExp(`^evaluation cannot apply ${streamA} v1: evaluation document .* would be 2\\d KB; one read-model item holds at most 20 KB$`));
    expect((await staff.expect("auditor", "GET", `${hubB.path}/evaluation`, undefined, 200)).body.counts.finding).toBe(1);
    await staff.expect("auditor", "GET", `${hubA.path}/evaluation`, undefined, 404);

    // Act: fix, then re-drive the dead letters
    backOffice.dependencies.readModels.maxItemBytes = MAX_ITEM_BYTES;
    const result = await backOffice.bus.redrive((l) => l.rule === "evaluation-projector");
    await backOffice.settle();

    // Assess
    expect(result).toEqual({ redriven: 2, failedAgain: 0 });
    expect(backOffice.bus.deadLetters).toEqual([]);
    const got = await staff.expect("auditor", "GET", `${hubA.path}/evaluation`, undefined, 200);
    expect(got.body).toMatchObject({ version: 2, selfEvaluation: { eventId: poisoned.body.eventId }, counts: { "self-evaluation": 1, finding: 1 } });
    expect(await liveEqualsReplay()).toEqual([]);
  });

  it("finding 2: `npm run redrive` re-projects every stream behind the log from the event store (what an operator runs on AWS, where the DLQ cannot be moved back into Lambda)", async () => {
    // Prepare: poison hub B's next event
    backOffice.dependencies.readModels.maxItemBytes = 20 * KB;
    await staff.expect("intake", "POST", `${hubB.path}/self-evaluations`, selfEvaluationOfSize(30 * KB), 201);
    await backOffice.settle();
    expect(evaluationLetters()).toHaveLength(1);
    backOffice.dependencies.readModels.maxItemBytes = MAX_ITEM_BYTES;

    // Act: the operator's command, against the local tables
    const args = ["--import", "tsx", "functions/projector/redrive-cli.ts", "--endpoint", backOffice.dynamoEndpoint, "--events-table", backOffice.tables.events, "--read-models-table", backOffice.tables.readModels, "--json"];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root });
    const report = JSON.parse(stdout) as CatchUpReport;

    // Assess: exactly hub B's stream was behind, and is caught up; live equals a full replay
    expect(report.behind).toEqual([{ projection: "evaluation", streamId: `hub#verduurzamen-2025.${hubB.hubKey}`, checkpoint: 1, head: 2 }]);
    expect(report).toMatchObject({ caughtUp: 1, failed: [] });
    expect((await staff.expect("auditor", "GET", `${hubB.path}/evaluation`, undefined, 200)).body).toMatchObject({ version: 2, counts: { "self-evaluation": 1, finding: 1 } });
    expect(await liveEqualsReplay()).toEqual([]);
    // The dead letter left behind is now a duplicate: re-driving it changes nothing.
    expect(await backOffice.bus.redrive()).toEqual({ redriven: 1, failedAgain: 0 });
    expect(await liveEqualsReplay()).toEqual([]);
  });
});
