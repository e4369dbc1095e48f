import type { DomainEvent, DomainEventOf } from "../events/index.ts";
import type { Cents } from "./money.ts";
import { PersistentMap } from "./persistent-map.ts";

/** The position of one budget line, folded from its own stream. */
export interface BudgetLineState {
  readonly opened: boolean;
  readonly schemeId: string;
  readonly budgetLineId: string;
  readonly name: string;
  /** Set aside by the board for the line. */
  readonly amountCents: Cents;
  /** Released so far (R-VD-01); only released money can be awarded. */
  readonly releasedCents: Cents;
  /** Awarded, award letter not yet issued, per application. */
  readonly reserved: Readonly<Record<string, Cents>>;
  /** Award letter issued, per application: what the fund owes the grant in all (paid or not). */
  readonly committed: Readonly<Record<string, Cents>>;
  /** Paid out so far, per application (part of its commitment). */
  readonly paid: Readonly<Record<string, Cents>>;
  /** Overpayments that came back, per application. */
  readonly recovered: Readonly<Record<string, Cents>>;
  readonly intakeClosed: boolean;
}

/** One application's place on a line; a pool it holds nothing in is absent, as the maps show it. */
export interface BudgetPosition {
  readonly reserved?: Cents;
  readonly committed?: Cents;
  readonly paid?: Cents;
  readonly recovered?: Cents;
}

/**
 * The line's ledger as the fold keeps it: the positions in a persistent map (one event changes one
 * path, never a copy of every application) and the totals kept as it goes, so reading a total does
 * not sum the line either. Hidden from enumeration: a copy (`{ ...line }`) or a stored document
 * carries the plain maps, and the ledger is rebuilt from them when such a copy is evolved.
 */
interface Ledger {
  /**
   * A persistent map, or, straight out of a fold that started from an empty line, the fold's own
   * Map (never changed again): made persistent by the first fold that changes it.
   */
  readonly positions: PersistentMap<BudgetPosition> | ReadonlyMap<string, BudgetPosition>;
  readonly reserved: Cents;
  readonly committed: Cents;
  readonly paid: Cents;
  readonly recovered: Cents;
  /** Applications holding a reservation or a commitment (R-VD-02 counts them as grants). */
  readonly grants: number;
}

const LEDGER = Symbol("budget-line ledger");
type Pool = "reserved" | "committed" | "paid" | "recovered";
const pools: ReadonlyArray<Pool> = ["reserved", "committed", "paid", "recovered"];
type Scalars = Omit<BudgetLineState, Pool>;

const emptyLedger: Ledger = { positions: PersistentMap.empty(), reserved: 0, committed: 0, paid: 0, recovered: 0, grants: 0 };

/** A state whose maps are read from the ledger when asked for (and then kept). */
function lineWith(scalars: Scalars, ledger: Ledger): BudgetLineState {
  const line = {
    opened: scalars.opened,
    schemeId: scalars.schemeId,
    budgetLineId: scalars.budgetLineId,
    name: scalars.name,
    amountCents: scalars.amountCents,
    releasedCents: scalars.releasedCents,
    intakeClosed: scalars.intakeClosed,
  } as BudgetLineState;
  const cache: Partial<Record<Pool, Record<string, Cents>>> = {};
  const properties: PropertyDescriptorMap = { [LEDGER]: { value: ledger, enumerable: false } };
  for (const pool of pools) {
    properties[pool] = {
      enumerable: true,
      get: () => {
        if (!cache[pool]) {
          const map: Record<string, Cents> = {};
          for (const [applicationId, position] of ledger.positions.entries()) if (position[pool] !== undefined) map[applicationId] = position[pool]!;
          cache[pool] = map;
        }
        return cache[pool];
      },
    };
  }
  return Object.defineProperties(line, properties);
}

/** The ledger of a state: its own, or rebuilt from its maps when it is a copy or a stored document. */
function ledgerOf(line: BudgetLineState): Ledger {
  const own = (line as { [LEDGER]?: Ledger })[LEDGER];
  if (own) return own;
  const positions = new Map<string, { -readonly [P in Pool]?: Cents }>();
  const totals = { reserved: 0, committed: 0, paid: 0, recovered: 0 };
  for (const pool of pools) {
    for (const [applicationId, cents] of Object.entries(line[pool] ?? {})) {
      positions.set(applicationId, { ...positions.get(applicationId), [pool]: cents });
      totals[pool] += cents;
    }
  }
  let grants = 0;
  for (const position of positions.values()) if (position.reserved !== undefined || position.committed !== undefined) grants++;
  return { positions: PersistentMap.from(positions), ...totals, grants };
}

export const initialBudgetLineState: BudgetLineState = lineWith(
  { opened: false, schemeId: "", budgetLineId: "", name: "", amountCents: 0, releasedCents: 0, intakeClosed: false },
  emptyLedger,
);

export const reservedCents = (line: BudgetLineState) => ledgerOf(line).reserved;
export const committedCents = (line: BudgetLineState) => ledgerOf(line).committed;
export const paidCents = (line: BudgetLineState) => ledgerOf(line).paid;
export const recoveredCents = (line: BudgetLineState) => ledgerOf(line).recovered;
/** What can still be awarded: released minus reserved minus committed. */
export const availableCents = (line: BudgetLineState) => line.releasedCents - reservedCents(line) - committedCents(line);
/** One application's position on the line (empty when it holds nothing there). */
export const positionOf = (line: BudgetLineState, applicationId: string): BudgetPosition => ledgerOf(line).positions.get(applicationId) ?? {};
/** R-VD-02: the applications holding a reservation or a commitment on the line, other than this one. */
export function grantsOnLineOtherThan(line: BudgetLineState, applicationId: string): number {
  const own = positionOf(line, applicationId);
  return ledgerOf(line).grants - (own.reserved !== undefined || own.committed !== undefined ? 1 : 0);
}

/** The board's decisions on a line (issue 13): they change what is set aside and released, never an application's position. */
type BoardBudgetEvent = DomainEventOf<"BudgetLineLowered" | "BudgetTrancheReleaseCorrected" | "BudgetTransferSent" | "BudgetTransferReceived">;
type BudgetEvent =
  | DomainEventOf<
      "BudgetLineOpened" | "BudgetTrancheReleased" | "BudgetReserved" | "BudgetCommitted" | "BudgetReleased" | "BudgetLineIntakeClosed" | "BudgetPaid" | "BudgetRecovered"
    >
  | BoardBudgetEvent;
export const budgetEventTypes: ReadonlySet<string> = new Set([
  "BudgetLineOpened",
  "BudgetTrancheReleased",
  "BudgetReserved",
  "BudgetCommitted",
  "BudgetReleased",
  "BudgetLineIntakeClosed",
  "BudgetPaid",
  "BudgetRecovered",
  "BudgetLineLowered",
  "BudgetTrancheReleaseCorrected",
  "BudgetTransferSent",
  "BudgetTransferReceived",
]);
export const isBudgetEvent = (event: DomainEvent): event is BudgetEvent => budgetEventTypes.has(event.type);

/**
 * The line after one event. Pure: `state` is not changed; the new state shares all of the old
 * ledger but the one application's path, so a fold costs O(log n) per event, not O(n).
 */
export function evolveBudgetLine(state: BudgetLineState, event: DomainEvent): BudgetLineState {
  if (!isBudgetEvent(event)) return state;
  return foldBudgetLine(state, [event]);
}

/**
 * The line after a run of events, in one pass: linear in the events, whatever the line's size. The
 * positions the run touches are changed in a scratch map of its own (copied from the line on first
 * touch) and put into the persistent map once at the end; `state` is not changed.
 */
export function foldBudgetLine(state: BudgetLineState, events: Iterable<DomainEvent>): BudgetLineState {
  let s: { -readonly [K in keyof Scalars]: Scalars[K] } | undefined;
  let positions = ledgerOf(state).positions;
  let touched = new Map<string, MutablePosition>();
  let reserved = 0;
  let committed = 0;
  let paid = 0;
  let recovered = 0;
  let grants = 0;
  let reset = false;
  let changed = false;
  const positionFor = (applicationId: string): MutablePosition => {
    let position = touched.get(applicationId);
    if (!position) {
      const held = positions.get(applicationId);
      position = held ? { reserved: held.reserved, committed: held.committed, paid: held.paid, recovered: held.recovered } : {};
      touched.set(applicationId, position);
    }
    return position;
  };
  const scalars = () => (s ??= { opened: state.opened, schemeId: state.schemeId, budgetLineId: state.budgetLineId, name: state.name, amountCents: state.amountCents, releasedCents: state.releasedCents, intakeClosed: state.intakeClosed });
  for (const event of events) {
    if (!budgetEventTypes.has(event.type)) continue;
    const e = event as BudgetEvent;
    changed = true;
    if (e.type === "BudgetLineOpened") {
      s = { opened: true, schemeId: e.data.schemeId, budgetLineId: e.data.budgetLineId, name: e.data.name, amountCents: e.data.amountCents, releasedCents: e.data.releasedCents, intakeClosed: false };
      positions = PersistentMap.empty();
      touched = new Map();
      reserved = committed = paid = recovered = grants = 0;
      reset = true;
      continue;
    }
    if (e.type === "BudgetTrancheReleased") {
      const t = scalars();
      t.releasedCents += e.data.amountCents;
      // New money may reopen an intake that closed for lack of it.
      t.intakeClosed = false;
      continue;
    }
    if (e.type === "BudgetLineIntakeClosed") {
      scalars().intakeClosed = true;
      continue;
    }
    if (e.type === "BudgetLineLowered" || e.type === "BudgetTrancheReleaseCorrected" || e.type === "BudgetTransferSent" || e.type === "BudgetTransferReceived") {
      applyBoardDecision(scalars(), e);
      continue;
    }
    const p = positionFor(e.data.applicationId);
    const held = p.reserved !== undefined || p.committed !== undefined;
    const amount = e.data.amountCents;
    switch (e.type) {
      case "BudgetReserved": {
        const next = (p.reserved ?? 0) + amount;
        reserved += amount;
        p.reserved = next;
        break;
      }
      case "BudgetCommitted":
        reserved -= p.reserved ?? 0;
        p.reserved = undefined;
        committed += amount;
        p.committed = (p.committed ?? 0) + amount;
        break;
      case "BudgetReleased": {
        const pool = e.data.from === "reserved" ? "reserved" : "committed";
        const before = p[pool] ?? 0;
        const left = before - amount;
        const after = left > 0 ? left : undefined;
        if (pool === "reserved") reserved += (after ?? 0) - before;
        else committed += (after ?? 0) - before;
        p[pool] = after;
        break;
      }
      case "BudgetPaid": {
        const next = (p.paid ?? 0) + amount;
        paid += amount;
        // `add` of the old fold: a pool that comes to exactly zero is dropped.
        p.paid = next === 0 ? undefined : next;
        break;
      }
      case "BudgetRecovered": {
        const owed = (p.committed ?? 0) - amount;
        const back = (p.recovered ?? 0) + amount;
        committed -= amount;
        recovered += amount;
        p.committed = owed === 0 ? undefined : owed;
        p.recovered = back === 0 ? undefined : back;
        break;
      }
      default: {
        const unhandled: never = e;
        throw new Error(`unhandled budget event ${JSON.stringify(unhandled)}`);
      }
    }
    grants += (p.reserved !== undefined || p.committed !== undefined ? 1 : 0) - (held ? 1 : 0);
  }
  if (!changed) return state;
  const before = reset ? emptyLedger : ledgerOf(state);
  const entries: Array<[string, BudgetPosition | undefined]> = [];
  for (const [applicationId, p] of touched) {
    const empty = p.reserved === undefined && p.committed === undefined && p.paid === undefined && p.recovered === undefined;
    entries.push([applicationId, empty ? undefined : compact(p)]);
  }
  let next: Ledger["positions"];
  if (positions.size === 0) {
    // A line folded from its opening: the fold's own map is the index (no trie to build for a read-once state).
    const own = new Map<string, BudgetPosition>();
    for (const [applicationId, p] of entries) if (p) own.set(applicationId, p);
    next = own;
  } else {
    next = (positions instanceof PersistentMap ? positions : PersistentMap.from(positions.entries())).setAll(entries);
  }
  return lineWith(s ?? state, {
    positions: next,
    reserved: before.reserved + reserved,
    committed: before.committed + committed,
    paid: before.paid + paid,
    recovered: before.recovered + recovered,
    grants: before.grants + grants,
  });
}

/**
 * A board decision moves what is set aside and released (issue 13). Money added to what is released
 * reopens an intake that closed for lack of it (R-TH-01), as a tranche does; a decision that takes the
 * line to exhaustion closes it with its own BudgetLineIntakeClosed, appended with it.
 */
function applyBoardDecision(t: { amountCents: Cents; releasedCents: Cents; intakeClosed: boolean }, e: BoardBudgetEvent): void {
  switch (e.type) {
    case "BudgetLineLowered":
      t.amountCents -= e.data.amountCents;
      t.releasedCents -= e.data.releasedCents;
      break;
    case "BudgetTrancheReleaseCorrected": {
      const change = e.data.correctedCents - e.data.releasedCents;
      t.releasedCents += change;
      if (change > 0) t.intakeClosed = false;
      break;
    }
    case "BudgetTransferSent":
      t.amountCents -= e.data.amountCents;
      t.releasedCents -= e.data.amountCents;
      break;
    case "BudgetTransferReceived":
      t.amountCents += e.data.amountCents;
      t.releasedCents += e.data.amountCents;
      t.intakeClosed = false;
      break;
    default: {
      const unhandled: never = e;
      throw new Error(`unhandled board decision ${JSON.stringify(unhandled)}`);
    }
  }
}

type MutablePosition = { -readonly [P in Pool]?: Cents };
/** A position without the pools it holds nothing in. */
function compact(p: MutablePosition): BudgetPosition {
  const out: MutablePosition = {};
  if (p.reserved !== undefined) out.reserved = p.reserved;
  if (p.committed !== undefined) out.committed = p.committed;
  if (p.paid !== undefined) out.paid = p.paid;
  if (p.recovered !== undefined) out.recovered = p.recovered;
  return out;
}

/**
 * The line in a bounded summary (issue 15): its scalars, totals and grant count, without the
 * per-application positions. Carried on each budget-line event as derived state, so a decision reads
 * the line's head instead of its history; always a function of the log (a full fold gives the same).
 */
export interface BudgetLineBalance extends Pick<BudgetLineState, "opened" | "schemeId" | "budgetLineId" | "name" | "amountCents" | "releasedCents" | "intakeClosed"> {
  readonly reservedCents: Cents;
  readonly committedCents: Cents;
  readonly paidCents: Cents;
  readonly recoveredCents: Cents;
  readonly grants: number;
}

export function balanceOf(line: BudgetLineState): BudgetLineBalance {
  const ledger = ledgerOf(line);
  return {
    opened: line.opened,
    schemeId: line.schemeId,
    budgetLineId: line.budgetLineId,
    name: line.name,
    amountCents: line.amountCents,
    releasedCents: line.releasedCents,
    intakeClosed: line.intakeClosed,
    reservedCents: ledger.reserved,
    committedCents: ledger.committed,
    paidCents: ledger.paid,
    recoveredCents: ledger.recovered,
    grants: ledger.grants,
  };
}

/**
 * The line as a decision about some applications needs it: the balance and those applications'
 * positions. Folding an event that names any other application on it would be wrong (its position
 * is not there): callers load the position of every application their events name.
 */
export function budgetLineFromBalance(balance: BudgetLineBalance, positions: Iterable<readonly [string, BudgetPosition]>): BudgetLineState {
  const held = [...positions].filter(([, p]) => pools.some((pool) => p[pool] !== undefined));
  return lineWith(balance, {
    positions: PersistentMap.from(held),
    reserved: balance.reservedCents,
    committed: balance.committedCents,
    paid: balance.paidCents,
    recovered: balance.recoveredCents,
    grants: balance.grants,
  });
}

/** The application a budget event concerns, if any. */
export function budgetApplicationOf(event: DomainEvent): string | undefined {
  if (!isBudgetEvent(event)) return undefined;
  return "applicationId" in event.data ? (event.data.applicationId as string) : undefined;
}
