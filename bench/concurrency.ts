import { streamIds } from "../events/index.ts";
import { verifyBudgetLineDerived } from "../functions/store/budget-balance.ts";
import { type Api, awardBody, readyForDecision } from "./command-latency.ts";
import type { DynamoDbLocal } from "../local/dynamodb-local.ts";
import { startHarness } from "./harness.ts";

/**
 * N committee decisions at once on one budget line (technohubs-2020, EUR 1,000 each): every request
 * answered with its outcome, a client re-sending after Retry-After on a 503 (nothing written), as
 * budget-concurrency.test.ts does. Reports the answers and the time until each decision had its outcome.
 */
export interface ConcurrencyRow {
  readonly n: number;
  readonly answers: Record<string, number>;
  readonly final: Record<string, number>;
  readonly decisionMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly balanceMismatches: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const tally = (list: number[]) => Object.fromEntries([...new Set(list)].sort().map((s) => [String(s), list.filter((x) => x === s).length]));

export async function measureConcurrentAwards(ns: number[], dynamo?: DynamoDbLocal): Promise<ConcurrencyRow[]> {
  const harness = await startHarness({ dynamo });
  const api: Api = { call: (role, method, path, body) => harness.call(role, method, path, body) };
  const rows: ConcurrencyRow[] = [];
  try {
    await api.call("admin", "POST", "/schemes/technohubs-2020/open");
    const total = ns.reduce((a, b) => a + b, 0);
    say(`preparing ${total} applications`);
    const ready: string[] = [];
    for (let i = 0; i < total; i++) ready.push(await readyForDecision(api, i));
    for (const n of ns) {
      const batch = ready.splice(0, n);
      const answers: number[] = [];
      const times: number[] = [];
      const finals = await Promise.all(
        batch.map(async (id) => {
          const started = performance.now();
          for (let attempt = 1; ; attempt++) {
            const response = await harness.call("committee-secretary", "POST", `/applications/${id}/decision`, awardBody, { "idempotency-key": `bench-${id}` });
            answers.push(response.status);
            if (response.status !== 503 || attempt === 20) {
              times.push(performance.now() - started);
              return response.status;
            }
            await new Promise((r) => setTimeout(r, Number(response.headers["retry-after"] ?? "1") * 1000));
          }
        }),
      );
      times.sort((a, b) => a - b);
      const verified = await verifyBudgetLineDerived(harness.store, streamIds.budgetLine("technohubs-2020", "technohubs"));
      const row: ConcurrencyRow = {
        n,
        answers: tally(answers),
        final: tally(finals),
        decisionMs: { p50: Math.round(percentile(times, 50)), p99: Math.round(percentile(times, 99)), max: Math.round(times.at(-1)!) },
        balanceMismatches: verified.mismatches.length,
      };
      say(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await harness.stop();
  }
  return rows;
}
