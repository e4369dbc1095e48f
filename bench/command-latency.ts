import { foldBudgetLine, initialBudgetLineState } from "../domain/budget.ts";
import type { DomainEvent } from "../events/index.ts";
import { streamIds } from "../events/index.ts";
import type { StaffRole } from "../functions/api/routes.ts";
import type { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { budgetLinesProjection } from "../domain/projections/budget-lines.ts";
import { DocumentFold } from "../functions/projector/projector.ts";
import type { DynamoDbLocal } from "../local/dynamodb-local.ts";
import { startHarness } from "./harness.ts";
import { growLine } from "./long-line.ts";

/**
 * Command latency against the length of the budget line (issue 15's table, re-measured with its
 * method): the local runtime, technohubs-2020, awards of EUR 1,000 through the staff API, the line
 * filled with reserve/commit/pay trios. Applications are prepared before the line grows (their
 * registration reads the line too), then at each length `samples` awards are timed one by one.
 */
export interface LatencyRow {
  readonly lineEvents: number;
  readonly awardMs: { readonly p50: number; readonly p90: number; readonly max: number };
  /** The same award on a short line (Sterk Techniekonderwijs, a few dozen events), taken in turns with the long line's: the load at that moment. */
  readonly shortLineAwardMs: { readonly p50: number };
  /** Long line's p50 over the short line's p50, measured in turns: what the line's length costs, load aside. */
  readonly longToShortP50: number;
  readonly statuses: Record<string, number>;
  readonly budgetDocumentBytes: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export interface Api {
  call(role: StaffRole, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }>;
}

/** A Technohubs execution application, assessed and queued for the round of 15 February 2021: ready for the committee. */
export async function readyForDecision(api: Api, n: number): Promise<string> {
  const expect = async (r: Promise<{ status: number; body: any }>, status: number) => {
    const response = await r;
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  };
  const registered = await expect(
    api.call("intake", "POST", "/applications", {
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: `Bench hub ${n}`, region: `Bench region ${n}` },
      applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    }),
    201,
  );
  const id = registered.body.applicationId as string;
  await expect(api.call("intake", "POST", `/applications/${id}/details`, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] }), 200);
  await expect(api.call("intake", "POST", `/applications/${id}/completeness`, { complete: true }), 200);
  await expect(api.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} }), 200);
  return id;
}

/** A Sterk Techniekonderwijs regional plan, assessed and queued: the short line's control. */
export async function sterkReadyForDecision(api: Api, n: number): Promise<string> {
  const expect = async (r: Promise<{ status: number; body: any }>, status: number) => {
    const response = await r;
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  };
  const perPlan = 1_060_000_000;
  const registered = await expect(
    api.call("intake", "POST", "/applications", {
      schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", technohub: { name: `Regio ${n}`, region: `STO19${String(n).padStart(3, "0")}` },
      applicant: { companyName: `Vmbo ${n}` }, requestedAmountCents: perPlan, receivedAt: "2019-03-01T12:00:00.000Z", sectionIds: ["regional-plan", "budget", "co-financing"],
    }),
    201,
  );
  const id = registered.body.applicationId as string;
  await expect(
    api.call("intake", "POST", `/applications/${id}/details`, {
      partners: [{ name: `Vmbo ${n}`, kindId: "vmbo-school" }, { name: `Mbo ${n}`, kindId: "mbo-institution" }, { name: `Bedrijf ${n}`, kindId: "regional-company" }],
      totalPlanCostsCents: 2 * perPlan,
      coFinancing: [{ partner: `Bedrijf ${n}`, kindId: "financial", amountCents: perPlan }],
    }),
    200,
  );
  await expect(api.call("intake", "POST", `/applications/${id}/completeness`, { complete: true }), 200);
  await expect(api.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} }), 200);
  return id;
}

export const sterkAwardBody = { decision: "award", roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01", amountCents: 100_000 };

export const awardBody = { decision: "award", roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25", amountCents: 100_000 };

/**
 * The budget document as GET /schemes/{id}/budget would answer it once the projector caught up:
 * the budget-lines projection folded over the line here (no projector runs in the harness).
 */
async function budgetDocumentBytes(store: DynamoDbEventStore, schemeId: string, streamId: string): Promise<number> {
  const fold = new DocumentFold(budgetLinesProjection, () => undefined);
  for (const event of await store.readStream(streamId)) await fold.apply(event);
  const lines = fold.writes().filter((w) => !w.docId.includes("/position/")).map((w) => w.doc);
  return Buffer.byteLength(JSON.stringify({ schemeId, budgetLines: lines }));
}

export async function measureCommandLatency(options: { lengths: number[]; samples: number; dynamo?: DynamoDbLocal }): Promise<LatencyRow[]> {
  const harness = await startHarness({ dynamo: options.dynamo });
  const api: Api = { call: (role, method, path, body) => harness.call(role, method, path, body) };
  const store = harness.store;
  const line = streamIds.budgetLine("technohubs-2020", "technohubs");
  const rows: LatencyRow[] = [];
  try {
    for (const scheme of ["technohubs-2020", "sterk-techniekonderwijs-2020"]) {
      const opened = await api.call("admin", "POST", `/schemes/${scheme}/open`);
      if (opened.status !== 201) throw new Error(`opening ${scheme}: ${opened.status} ${opened.text}`);
    }
    const count = options.lengths.length * options.samples + 10;
    say(`preparing ${count} applications through the staff API's handlers`);
    const ready: string[] = [];
    for (let i = 0; i < count; i++) ready.push(await readyForDecision(api, i));
    const control: string[] = [];
    for (let i = 0; i < options.lengths.length * options.samples + 5; i++) control.push(await sterkReadyForDecision(api, i + 1));
    for (let i = 0; i < 5; i++) await api.call("committee-secretary", "POST", `/applications/${control.pop()}/decision`, sterkAwardBody);
    // Warm-up: the first requests pay for loading the handlers and DynamoDB Local's first requests.
    for (let i = 0; i < 10; i++) await api.call("committee-secretary", "POST", `/applications/${ready.pop()}/decision`, awardBody);
    const start = await store.readStream(line);
    let state = foldBudgetLine(initialBudgetLineState, start.map((e) => e as DomainEvent));
    let folded = start.at(-1)!.version;
    for (const length of options.lengths) {
      const head = (await store.readLast(line))!.event.version;
      if (length > head + 1) {
        say(`growing ${line} from ${head} to ${length} events`);
        state = await growLine({ client: harness.client, tableName: harness.tables.events, store, streamId: line, schemeId: "technohubs-2020", budgetLineId: "technohubs", to: length, state, replayIndex: false, onProgress: (w) => say(`  ${w} written`) });
        folded = length;
      }
      const times: number[] = [];
      const controlTimes: number[] = [];
      const statuses: Record<string, number> = {};
      for (let i = 0; i < options.samples; i++) {
        const id = ready.pop()!;
        const started = performance.now();
        const response = await api.call("committee-secretary", "POST", `/applications/${id}/decision`, awardBody);
        times.push(performance.now() - started);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        const controlStarted = performance.now();
        const controlResponse = await api.call("committee-secretary", "POST", `/applications/${control.pop()}/decision`, sterkAwardBody);
        controlTimes.push(performance.now() - controlStarted);
        if (controlResponse.status !== 200) throw new Error(`the short line's award: ${controlResponse.status} ${controlResponse.text}`);
      }
      controlTimes.sort((a, b) => a - b);
      const last = await store.readLast(line);
      // Keep the running fold in step with the awards just made, so the next filler carries the true balance.
      const fresh = await store.readStream(line, folded + 1);
      state = foldBudgetLine(state, fresh.map((e) => e as DomainEvent));
      folded = fresh.at(-1)?.version ?? folded;
      times.sort((a, b) => a - b);
      const row: LatencyRow = {
        lineEvents: last!.event.version,
        awardMs: { p50: round(percentile(times, 50)), p90: round(percentile(times, 90)), max: round(times.at(-1)!) },
        shortLineAwardMs: { p50: round(percentile(controlTimes, 50)) },
        longToShortP50: round(percentile(times, 50) / percentile(controlTimes, 50), 2),
        statuses,
        budgetDocumentBytes: await budgetDocumentBytes(store, "technohubs-2020", line),
      };
      say(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await harness.stop();
  }
  return rows;
}
