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
  readonly positions: PersistentMap<BudgetPosition>;
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

type BudgetEvent = DomainEventOf<
  "BudgetLineOpened" | "BudgetTrancheReleased" | "BudgetReserved" | "BudgetCommitted" | "BudgetReleased" | "BudgetLineIntakeClosed" | "BudgetPaid" | "BudgetRecovered"
>;
export const budgetEventTypes: ReadonlySet<string> = new Set([
  "BudgetLineOpened",
  "BudgetTrancheReleased",
  "BudgetReserved",
  "BudgetCommitted",
  "BudgetReleased",
  "BudgetLineIntakeClosed",
  "BudgetPaid",
  "BudgetRecovered",
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
 * maps built inside the fold are changed in place (nobody else sees them yet); `state` is not.
 */
export function foldBudgetLine(state: BudgetLineState, events: Iterable<DomainEvent>): BudgetLineState {
  const edit = {};
  let scalars: { -readonly [K in keyof Scalars]: Scalars[K] } | undefined;
  let ledger: { -readonly [K in keyof Ledger]: Ledger[K] } | undefined;
  const begin = () => {
    scalars ??= { opened: state.opened, schemeId: state.schemeId, budgetLineId: state.budgetLineId, name: state.name, amountCents: state.amountCents, releasedCents: state.releasedCents, intakeClosed: state.intakeClosed };
    ledger ??= { ...ledgerOf(state) };
    return { s: scalars, l: ledger };
  };
  /** Sets one application's pools; totals and the grant count follow the change exactly. */
  const move = (l: { -readonly [K in keyof Ledger]: Ledger[K] }, applicationId: string, next: (before: BudgetPosition) => BudgetPosition) => {
    const before = l.positions.get(applicationId) ?? {};
    const after = next(before);
    for (const pool of pools) l[pool] += (after[pool] ?? 0) - (before[pool] ?? 0);
    const holds = (p: BudgetPosition) => p.reserved !== undefined || p.committed !== undefined;
    l.grants += (holds(after) ? 1 : 0) - (holds(before) ? 1 : 0);
    const empty = pools.every((pool) => after[pool] === undefined);
    l.positions = l.positions.set(applicationId, empty ? undefined : after, edit);
  };
  /** `add` of the old fold: a pool that comes to exactly zero is dropped. */
  const plus = (held: Cents | undefined, delta: Cents) => {
    const next = (held ?? 0) + delta;
    return next === 0 ? undefined : next;
  };
  for (const event of events) {
    if (!isBudgetEvent(event)) continue;
    switch (event.type) {
      case "BudgetLineOpened":
        scalars = { opened: true, schemeId: event.data.schemeId, budgetLineId: event.data.budgetLineId, name: event.data.name, amountCents: event.data.amountCents, releasedCents: event.data.releasedCents, intakeClosed: false };
        ledger = { ...emptyLedger };
        break;
      case "BudgetTrancheReleased": {
        const { s } = begin();
        s.releasedCents += event.data.amountCents;
        // New money may reopen an intake that closed for lack of it.
        s.intakeClosed = false;
        break;
      }
      case "BudgetReserved":
        move(begin().l, event.data.applicationId, (p) => ({ ...p, reserved: (p.reserved ?? 0) + event.data.amountCents }));
        break;
      case "BudgetCommitted":
        move(begin().l, event.data.applicationId, ({ reserved: _, ...p }) => ({ ...p, committed: (p.committed ?? 0) + event.data.amountCents }));
        break;
      case "BudgetReleased": {
        const pool = event.data.from === "reserved" ? "reserved" : "committed";
        move(begin().l, event.data.applicationId, (p) => {
          const left = (p[pool] ?? 0) - event.data.amountCents;
          return { ...p, [pool]: left > 0 ? left : undefined };
        });
        break;
      }
      case "BudgetLineIntakeClosed":
        begin().s.intakeClosed = true;
        break;
      case "BudgetPaid":
        move(begin().l, event.data.applicationId, (p) => ({ ...p, paid: plus(p.paid, event.data.amountCents) }));
        break;
      case "BudgetRecovered":
        move(begin().l, event.data.applicationId, (p) => ({ ...p, committed: plus(p.committed, -event.data.amountCents), recovered: plus(p.recovered, event.data.amountCents) }));
        break;
      default: {
        const unhandled: never = event;
        throw new Error(`unhandled budget event ${JSON.stringify(unhandled)}`);
      }
    }
  }
  if (!scalars && !ledger) return state;
  return lineWith(scalars ?? state, ledger ?? ledgerOf(state));
}

/**
 * The line in a bounded summary (issue 15): its scalars, totals and grant count, without the
 * per-application positions. Carried on each budget-line event as derived state, so a decision reads
 * the line's head instead of its history; always a function of the log (a full fold gives the same).
 */
export interface BudgetLineBalance {
  readonly opened: boolean;
  readonly schemeId: string;
  readonly budgetLineId: string;
  readonly name: string;
  readonly amountCents: Cents;
  readonly releasedCents: Cents;
  readonly intakeClosed: boolean;
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
