import { randomBytes, randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { verifyLog } from "../audit/verify.ts";
import { scanTable } from "../audit/dynamodb-log.ts";
import { replayAndCompare } from "../audit/replay.ts";
import { balanceOf, evolveBudgetLine, initialBudgetLineState } from "../domain/budget.ts";
import type { BudgetLineView } from "../domain/projections/budget-lines.ts";
import type { GrantView } from "../domain/projections/grants.ts";
import { type DomainEvent, streamIds } from "../events/index.ts";
import type { StaffRole } from "../functions/api/routes.ts";
import { verifyBudgetLineDerived } from "../functions/store/budget-balance.ts";
import type { DynamoDbEventStore } from "../functions/store/dynamodb-event-store.ts";
import { startBackOffice } from "../local/back-office.ts";
import { localCredentials, localRegion } from "../local/dynamodb-local.ts";
import { cpuMsOf, routeInvoker } from "./harness.ts";

/**
 * Issue 15's scale simulation: one scheme, N applications through their whole lives, many at once,
 * through the staff API's handlers (called in this process as API Gateway invokes them) on the
 * whole local runtime: DynamoDB Local, the stream relay, the in-process bus and every projector
 * running live beside the commands. At the end every invariant is checked: the budget line's kept
 * balance equals a fold of its events and stays within what was released after every event, the
 * grants add up to the line, a replay of the whole log equals the live read models item for item,
 * and `verify` finds every hash chain intact.
 *
 * The scheme is the real technohubs-2020 (execution grants, its committee round of 15 February
 * 2021, its 80/20 payment schedule and settlement, R-TH-12). Its line holds EUR 6.12M, all released:
 * the committee awards EUR 400-700 each, so some 8,500 awards fit; a synthetic scheme would measure
 * nothing more (the cost of a command does not depend on the amounts).
 */
export interface ScaleOptions {
  readonly applications: number;
  /** Applications in flight at once, each a client running its lifecycle step after step. */
  readonly concurrency: number;
  /** Progress every this many finished applications. */
  readonly progressEvery: number;
  /** A running DynamoDB Local (the bench's own, or the test suite's). */
  readonly dynamoEndpoint: string;
  /** DynamoDB Local's process id, when the bench started it: its CPU time is reported beside this process's. */
  readonly dynamoPid?: number;
  readonly say?: (message: string) => void;
}

export interface ScaleReport {
  readonly applications: number;
  readonly outcomes: Record<string, number>;
  readonly events: number;
  readonly eventsPerApplication: number;
  readonly commands: number;
  /** 503s answered to the simulated clients (busy, or out of time with the outcome unknown), each re-sent with its Idempotency-Key after Retry-After. */
  readonly busyAnswers: number;
  readonly failures: ReadonlyArray<string>;
  /** From the first registration to the last command's answer. */
  readonly commandSeconds: number;
  /** From the last command's answer until the projectors had applied every event. */
  readonly catchUpSeconds: number;
  readonly eventsPerSecond: number;
  readonly commandsPerSecond: number;
  /** CPU time per event while the commands ran: this process (handlers, relay, projectors, SDK) and DynamoDB Local's. */
  readonly cpuMsPerEvent: { readonly node: number; readonly dynamoDbLocal: number | undefined };
  readonly latencyMs: Record<string, { count: number; p50: number; p99: number; max: number }>;
  readonly invariants: {
    readonly lineEvents: number;
    readonly balancesChecked: number;
    readonly positionsChecked: number;
    readonly derivedMismatches: number;
    /** Events after which reserved + committed exceeded released (R-X-02): must be 0. */
    readonly overCommittedAfter: number;
    /** The budget-lines read model against a fold of the line's events and against the sum over its grants. */
    readonly ledger: { readonly line: Record<string, number>; readonly fold: Record<string, number>; readonly grants: Record<string, number>; readonly reconciles: boolean };
    readonly replay: { readonly events: number; readonly items: number; readonly differences: number; readonly seconds: number };
    readonly verify: { readonly streams: number; readonly events: number; readonly problems: number; readonly seconds: number };
  };
  readonly tables: Record<string, { items: number; bytes: number }>;
  /** AWS requests the functions made, by action and by function (the IAM parity guard checks and counts each). */
  readonly requests: Record<string, number>;
  readonly requestsByFunction: Record<string, number>;
  readonly totalSeconds: number;
  readonly machine: { readonly cpus: number; readonly model: string | undefined; readonly node: string; readonly startedAt: string; readonly loadAverage: { readonly before: number[]; readonly during: number[]; readonly after: number[] } };
  readonly ok: boolean;
}

const SCHEME = "technohubs-2020";
const LINE = "technohubs";
const IBAN = "NL91ABNA0417164300";
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What happens to application i: a fixed mix in cycles of twenty, so every run exercises every path
 * (the first ten applications already take each one): 5% rejected, 5% withdrawn after the award,
 * 5% withdrawn in the queue, 5% complete only with a later section, 10% settled with a recovery,
 * 5% settled lower, the rest paid in full (80% on the award letter, 20% after the final report).
 */
export type Path = "full" | "rejected" | "withdrawn-after-award" | "withdrawn-in-queue" | "incomplete-first" | "settled-lower" | "recovery";
export function pathOf(i: number): Path {
  switch (i % 20) {
    case 0:
      return "rejected";
    case 1:
      return "withdrawn-after-award";
    case 2:
      return "incomplete-first";
    case 3:
    case 4:
      return "recovery";
    case 5:
      return "settled-lower";
    case 6:
      return "withdrawn-in-queue";
    default:
      return "full";
  }
}

class Unexpected extends Error {}

export async function simulateScheme(options: ScaleOptions): Promise<ScaleReport> {
  const say = options.say ?? ((message: string) => process.stderr.write(`[scale] ${message}\n`));
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg().map((n) => round(n, 2));
  const loadDuring: number[] = [];
  const suffix = randomUUID().slice(0, 6);
  const tables = { events: `scale-events-${suffix}`, readModels: `scale-rm-${suffix}` };
  const backOffice = await startBackOffice({ dynamoEndpoint: options.dynamoEndpoint, port: 0, signingKey: new Uint8Array(randomBytes(32)), tables, progress: (m) => say(`back office: ${m}`) });
  const store = backOffice.dependencies.events as DynamoDbEventStore;
  const readModels = backOffice.dependencies.readModels;
  const client = new DynamoDBClient({ endpoint: options.dynamoEndpoint, region: localRegion, credentials: localCredentials });

  // Every event appended, counted where the handlers append (the store is the back office's own).
  let events = 0;
  const append = store.append.bind(store);
  store.append = async (appends) => {
    const recorded = await append(appends);
    events += recorded.length;
    return recorded;
  };
  const eventsAtStart = (await collect(store.readSchemes(backOffice.dependencies.schemes.all().map((s) => s.definition.id)))).length;
  events = eventsAtStart;

  const invoke = routeInvoker();
  const latencies = new Map<string, number[]>();
  let commands = 0;
  let busyAnswers = 0;
  const failures: string[] = [];
  const outcomes: Record<string, number> = {};

  /**
   * One command as a client sends it, under an Idempotency-Key of its own: re-sent with the same key
   * after Retry-After on a 503 (busy: nothing written; outcome unknown: the re-send replays what was
   * recorded, if anything), timed per kind.
   */
  const send = async (kind: string, role: StaffRole, method: string, path: string, body: unknown, expected: number[], subject?: string) => {
    const idempotencyKey = randomUUID();
    for (;;) {
      const started = performance.now();
      const response = await invoke(role, method, path, body, { "idempotency-key": idempotencyKey }, subject);
      const took = performance.now() - started;
      commands++;
      if (response.status === 503) {
        busyAnswers++;
        await sleep(Number(response.headers["retry-after"] ?? "1") * 1000 * Math.random());
        continue;
      }
      (latencies.get(kind) ?? latencies.set(kind, []).get(kind)!).push(took);
      if (!expected.includes(response.status)) throw new Unexpected(`${kind} ${path}: ${response.status} ${response.text.slice(0, 300)}`);
      return response;
    }
  };

  /** Application i from registration to its end (closed grant, rejection, withdrawal). */
  const lifecycle = async (i: number): Promise<string> => {
    const path = pathOf(i);
    const receivedAt = new Date(Date.parse("2021-01-04T08:00:00.000Z") + i * 37_000).toISOString();
    const registered = await send(
      "RegisterApplication", "intake", "POST", "/applications",
      {
        schemeId: SCHEME, instrumentId: "execution",
        // R-TH-07: a hub applies once per instrument; regions of twenty hubs each, so R-TH-08's overlap is found by the region query.
        technohub: { name: `Scale hub ${i}`, region: `Scale region ${i % Math.max(1, Math.ceil(options.applications / 20))}` },
        applicant: { companyName: `Metaal ${i} BV` }, requestedAmountCents: 50_000_000, receivedAt,
        sectionIds: path === "incomplete-first" ? ["application-form"] : ["application-form", "proposal"],
      },
      [201],
    );
    const id = registered.body.applicationId as string;
    const app = `/applications/${id}`;
    await send("RecordApplicationDetails", "intake", "POST", `${app}/details`, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] }, [200]);
    if (path === "incomplete-first") {
      await send("RecordCompleteness", "intake", "POST", `${app}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "the proposal is missing" }, [200]);
      await send("ReceiveApplicationSections", "intake", "POST", `${app}/sections`, { sectionIds: ["proposal"], receivedAt: new Date(Date.parse(receivedAt) + 86_400_000).toISOString() }, [200]);
    } else {
      await send("RecordCompleteness", "intake", "POST", `${app}/completeness`, { complete: true }, [200]);
    }
    if (path === "withdrawn-in-queue") {
      await send("WithdrawApplication", "intake", "POST", `${app}/withdrawal`, { reason: "the hub found other funding" }, [200]);
      return path;
    }
    await send("AssessApplication", "assessor", "POST", `${app}/assessment`, { answers: {} }, [200]);
    const membersPresent = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
    if (path === "rejected") {
      await send("RecordCommitteeDecision", "committee-secretary", "POST", `${app}/decision`, { decision: "reject", roundId: "2021-02-15", reasons: ["overlaps with hubs already funded in the region"], membersPresent, decidedOn: "2021-02-25" }, [200]);
      return path;
    }
    const awardCents = 40_000 + (i % 4) * 10_000;
    const award = await send("RecordCommitteeDecision", "committee-secretary", "POST", `${app}/decision`, { decision: "award", roundId: "2021-02-15", amountCents: awardCents, membersPresent, decidedOn: "2021-02-25" }, [200, 409]);
    if (award.status === 409) return "refused-budget-exhausted";
    if (path === "withdrawn-after-award") {
      await send("WithdrawApplication", "intake", "POST", `${app}/withdrawal`, { reason: "the hub's partners withdrew" }, [200]);
      return path;
    }
    await send("IssueAwardLetter", "committee-secretary", "POST", `${app}/award-letter`, { issuedOn: "2021-03-01" }, [200]);
    await send("ReportProjectStart", "intake", "POST", `${app}/project-start`, { startedOn: "2021-03-15" }, [200]);
    const grant = `/grants/${id}`;
    const pay = async (trancheId: string, amountCents: number, invoiceDate: string, valueDate: string) => {
      const invoice = await send("RegisterInvoice", "finance", "POST", `${grant}/invoices`, { trancheId, invoiceNumber: `F-${i}-${trancheId}`, invoiceDate, amountCents, iban: IBAN, documentRef: `s3://documents/invoice-${i}-${trancheId}.pdf` }, [201], "finance-anna");
      const invoiceId = invoice.body.recorded[0].data.invoiceId as string;
      // R-X-03: another member of finance approves and records the payment.
      await send("ApprovePayment", "finance", "POST", `${grant}/invoices/${invoiceId}/approval`, {}, [200], "finance-bram");
      await send("RecordPayment", "finance", "POST", `${grant}/invoices/${invoiceId}/payment`, { bankReference: `BANK-${i}-${trancheId}`, valueDate }, [200], "finance-bram");
    };
    // R-TH-12: 80% after the award letter (the award is a multiple of EUR 100, so 80% is whole cents).
    await pay("advance", (awardCents * 8) / 10, "2021-03-20", "2021-03-25");
    // Approved costs: in full (70% of them covers the award), lower (90% of the award), or far lower (half the award: a recovery).
    const share = path === "recovery" ? 5 : path === "settled-lower" ? 9 : 10;
    const approvedCostsCents = path === "full" || path === "incomplete-first" ? 58_500_000 : Math.ceil((awardCents * share * 10) / 70);
    await send("SubmitFinalReport", "intake", "POST", `${grant}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: approvedCostsCents }], submittedOn: "2022-01-15" }, [200]);
    await send("ReviewFinalReport", "assessor", "POST", `${grant}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: approvedCostsCents, on: "2022-02-01" }, [200]);
    const settled = await send("SettleGrant", "finance", "POST", `${grant}/settlement`, { settledOn: "2022-02-10" }, [200]);
    const settlement = settled.body.recorded.find((e: { type: string }) => e.type === "GrantSettled")?.data as { finalPaymentCents: number; recoveryCents: number } | undefined;
    if (!settlement) throw new Unexpected(`settlement of ${id} recorded no GrantSettled: ${JSON.stringify(settled.body.recorded.map((e: { type: string }) => e.type))}`);
    if (settlement.finalPaymentCents > 0) await pay("final", settlement.finalPaymentCents, "2022-02-12", "2022-02-15");
    if (settlement.recoveryCents > 0) {
      await send("RecordRecovery", "finance", "POST", `${grant}/recoveries`, { amountCents: settlement.recoveryCents, bankReference: `REPAY-${i}`, receivedOn: "2022-03-01" }, [201]);
    }
    return path;
  };

  say(`${options.applications} applications of ${SCHEME}, ${options.concurrency} at once, through the staff API's handlers on the live local runtime`);
  const started = performance.now();
  const nodeCpuBefore = process.cpuUsage();
  const javaCpuBefore = cpuMsOf(options.dynamoPid);
  let next = 0;
  let finished = 0;
  const progress = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = (events - eventsAtStart) / seconds;
    const eta = finished ? ((options.applications - finished) * seconds) / finished : Number.NaN;
    loadDuring.push(round(loadavg()[0]!, 2));
    say(`${finished}/${options.applications} applications, ${events - eventsAtStart} events, ${commands} commands in ${round(seconds)} s: ${round(rate)} events/s, ${round(commands / seconds)} commands/s, ETA ${round(eta)} s, load ${round(loadavg()[0]!, 2)}`);
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, options.applications) }, async () => {
      while (next < options.applications) {
        const i = next++;
        try {
          const outcome = await lifecycle(i);
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        } catch (error) {
          if (!(error instanceof Unexpected)) throw error;
          failures.push(`application ${i}: ${error.message}`);
          outcomes.failed = (outcomes.failed ?? 0) + 1;
        }
        finished++;
        if (finished % options.progressEvery === 0 || finished === options.applications) progress();
      }
    }),
  );
  const commandSeconds = (performance.now() - started) / 1000;
  const simulated = events - eventsAtStart;
  const nodeCpu = process.cpuUsage(nodeCpuBefore);
  const javaCpuAfter = cpuMsOf(options.dynamoPid);
  const cpuMsPerEvent = {
    node: round((nodeCpu.user + nodeCpu.system) / 1000 / Math.max(1, simulated), 2),
    dynamoDbLocal: javaCpuBefore === undefined || javaCpuAfter === undefined ? undefined : round((javaCpuAfter - javaCpuBefore) / Math.max(1, simulated), 2),
  };

  say("waiting for the relay and the projectors to apply every event");
  const catchUpStarted = performance.now();
  for (;;) {
    try {
      await backOffice.settle();
      break;
    } catch (error) {
      // settle() gives up after 60 s of lag; the projectors are still working: ask again.
      say(`still catching up: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;

  say("invariants: the budget line's kept balance and positions against a full fold (verifyBudgetLineDerived)");
  const lineStream = streamIds.budgetLine(SCHEME, LINE);
  const derived = await verifyBudgetLineDerived(store, lineStream);
  say("invariants: reserved + committed within released after every event of the line (R-X-02)");
  let line = initialBudgetLineState;
  let overCommittedAfter = 0;
  for (const event of await store.readStream(lineStream)) {
    line = evolveBudgetLine(line, event as DomainEvent);
    const b = balanceOf(line);
    if (b.reservedCents + b.committedCents > b.releasedCents) overCommittedAfter++;
  }
  const folded = balanceOf(line);
  const lineView = ((await readModels.list("budget-lines", `scheme#${SCHEME}`)) as BudgetLineView[]).find((l) => l.budgetLineId === LINE)!;
  const grants = ((await readModels.list("grants", `scheme#${SCHEME}`)) as GrantView[]).filter((g) => g.budgetLineId === LINE);
  const owed = (g: GrantView) => g.awardCents - (g.settlement?.releasedCents ?? 0) - g.recoveredCents;
  const ledger = {
    line: { reservedCents: lineView.reservedCents, committedCents: lineView.committedCents, paidCents: lineView.paidCents, recoveredCents: lineView.recoveredCents, availableCents: lineView.availableCents },
    fold: { reservedCents: folded.reservedCents, committedCents: folded.committedCents, paidCents: folded.paidCents, recoveredCents: folded.recoveredCents, availableCents: folded.releasedCents - folded.reservedCents - folded.committedCents },
    grants: { committedCents: grants.reduce((s, g) => s + owed(g), 0), paidCents: grants.reduce((s, g) => s + g.paidCents, 0), recoveredCents: grants.reduce((s, g) => s + g.recoveredCents, 0), grants: grants.length },
    reconciles: false,
  };
  ledger.reconciles =
    JSON.stringify(ledger.line) === JSON.stringify(ledger.fold) &&
    ledger.grants.committedCents === ledger.line.committedCents &&
    ledger.grants.paidCents === ledger.line.paidCents &&
    ledger.grants.recoveredCents === ledger.line.recoveredCents &&
    ledger.line.availableCents >= 0;

  say("invariants: every projection replayed from the whole log into memory, compared item for item with the live read models");
  const replayStarted = performance.now();
  const replay = await replayAndCompare({ events: store.readSchemes(backOffice.dependencies.schemes.all().map((s) => s.definition.id)), live: readModels, wholeLog: true });
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  for (const d of replay.differences.slice(0, 5)) say(`  replay differs: ${d.pk} / ${d.sk} ${d.kind}`);

  say("invariants: verify, every hash chain and version sequence of the whole events table");
  const verifyStarted = performance.now();
  const verified = await verifyLog(scanTable(client, tables.events));
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  for (const p of verified.report.problems.slice(0, 5)) say(`  verify: ${JSON.stringify(p)}`);

  const tableSizes: Record<string, { items: number; bytes: number }> = {};
  for (const [name, table] of Object.entries(tables)) {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    tableSizes[name] = { items: described.Table?.ItemCount ?? 0, bytes: described.Table?.TableSizeBytes ?? 0 };
  }
  const latencyMs = Object.fromEntries(
    [...latencies].map(([kind, times]) => {
      const sorted = times.sort((a, b) => a - b);
      return [kind, { count: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1)!) }];
    }),
  );
  // What the functions asked of AWS, by action, from the IAM parity guard's counts (every call is checked).
  const requests: Record<string, number> = {};
  for (const check of backOffice.iam.checks()) requests[check.action] = (requests[check.action] ?? 0) + check.count;
  // The routes' calls: the simulation invokes the handlers as API Gateway does, outside the guard's identities.
  for (const [operation, count] of backOffice.iam.unattributed) requests[`api:${operation}`] = (requests[`api:${operation}`] ?? 0) + count;
  const requestsByFunction: Record<string, number> = {};
  for (const check of backOffice.iam.checks()) requestsByFunction[check.functionId] = (requestsByFunction[check.functionId] ?? 0) + check.count;
  client.destroy();
  await backOffice.stop();

  const invariants = {
    lineEvents: derived.events,
    balancesChecked: derived.balances,
    positionsChecked: derived.positions,
    derivedMismatches: derived.mismatches.length,
    overCommittedAfter,
    ledger,
    replay: { events: replay.events, items: replay.items, differences: replay.differences.length, seconds: round(replaySeconds) },
    verify: { streams: verified.report.streams, events: verified.report.events, problems: verified.report.problems.length, seconds: round(verifySeconds) },
  };
  return {
    applications: options.applications,
    outcomes,
    events: simulated,
    eventsPerApplication: round(simulated / options.applications, 2),
    commands,
    busyAnswers,
    failures,
    commandSeconds: round(commandSeconds),
    catchUpSeconds: round(catchUpSeconds),
    eventsPerSecond: round(simulated / commandSeconds),
    commandsPerSecond: round(commands / commandSeconds),
    cpuMsPerEvent,
    latencyMs,
    invariants,
    tables: tableSizes,
    requests,
    requestsByFunction,
    totalSeconds: round((performance.now() - started) / 1000),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, startedAt, loadAverage: { before: loadBefore, during: loadDuring, after: loadavg().map((n) => round(n, 2)) } },
    ok:
      failures.length === 0 &&
      derived.mismatches.length === 0 &&
      overCommittedAfter === 0 &&
      ledger.reconciles &&
      replay.differences.length === 0 &&
      verified.report.problems.length === 0,
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The figures as the README's table gives them. */
export function scaleTable(r: ScaleReport): string {
  const lines = [
    `machine: ${r.machine.cpus} x ${r.machine.model}, Node ${r.machine.node}, ${r.machine.startedAt}; load average (1/5/15 min) before ${r.machine.loadAverage.before.join(" / ")}, during (1 min) ${Math.min(...r.machine.loadAverage.during)}–${Math.max(...r.machine.loadAverage.during)}, after ${r.machine.loadAverage.after.join(" / ")}`,
    "",
    `| applications | events | events / application | commands | commands (s) | catch-up (s) | events/s | commands/s | 503 re-sent | total (s) |`,
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${r.applications} | ${r.events} | ${r.eventsPerApplication} | ${r.commands} | ${r.commandSeconds} | ${r.catchUpSeconds} | ${r.eventsPerSecond} | ${r.commandsPerSecond} | ${r.busyAnswers} | ${r.totalSeconds} |`,
    "",
    `outcomes: ${JSON.stringify(r.outcomes)}`,
    "",
    `CPU per event while the commands ran: ${r.cpuMsPerEvent.node} ms in this process (handlers, relay, projectors, SDK)${r.cpuMsPerEvent.dynamoDbLocal === undefined ? "" : `, ${r.cpuMsPerEvent.dynamoDbLocal} ms in DynamoDB Local`}`,
    "",
    "| command | count | p50 (ms) | p99 (ms) | max (ms) |",
    "|---|---:|---:|---:|---:|",
    ...Object.entries(r.latencyMs).map(([kind, l]) => `| ${kind} | ${l.count} | ${l.p50} | ${l.p99} | ${l.max} |`),
    "",
    "| invariant | result |",
    "|---|---|",
    `| line balance = fold (every kept balance and position) | ${r.invariants.balancesChecked} balances, ${r.invariants.positionsChecked} positions over ${r.invariants.lineEvents} line events: ${r.invariants.derivedMismatches} mismatches |`,
    `| reserved + committed <= released after every event | ${r.invariants.overCommittedAfter} violations |`,
    `| ledger: read model = fold = sum over ${r.invariants.ledger.grants.grants} grants | ${r.invariants.ledger.reconciles ? "reconciles" : "DOES NOT reconcile"} (committed ${r.invariants.ledger.line.committedCents}, paid ${r.invariants.ledger.line.paidCents}, recovered ${r.invariants.ledger.line.recoveredCents}, available ${r.invariants.ledger.line.availableCents} cents) |`,
    `| replay of the whole log = live read models | ${r.invariants.replay.events} events, ${r.invariants.replay.items} items, ${r.invariants.replay.differences} differences (${r.invariants.replay.seconds} s) |`,
    `| verify (hash chains, versions) | ${r.invariants.verify.streams} streams, ${r.invariants.verify.events} events, ${r.invariants.verify.problems} problems (${r.invariants.verify.seconds} s) |`,
    `| AWS requests | ${Object.values(r.requests).reduce((a, b) => a + b, 0)} (${round(Object.values(r.requests).reduce((a, b) => a + b, 0) / Math.max(1, r.events))} per event): ${Object.entries(r.requests).sort((a, b) => b[1] - a[1]).map(([action, n]) => `${action} ${n}`).join(", ")} |`,
    `| DynamoDB Local tables | ${Object.entries(r.tables).map(([name, t]) => `${name}: ${t.items} items, ${round(t.bytes / 1024 / 1024)} MB`).join("; ")} |`,
  ];
  return lines.join("\n");
}
