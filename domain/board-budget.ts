import type { DomainEventOf } from "../events/index.ts";
import { type BudgetLineState, availableCents, committedCents, evolveBudgetLine, reservedCents } from "./budget.ts";
import { type Decision, accept, refuse } from "./decision.ts";
import { type Cents, formatEuros } from "./money.ts";
import type { SchemeUnderDecision } from "./scheme.ts";

/**
 * The board's budget decisions besides a tranche (issue 13): lower a line, correct a mistaken
 * release, move money between lines. Each is recorded with the board decision's reference and date.
 *
 * - R-X-02: none takes a line's released money below what it has reserved and committed; a refusal
 *   names the amounts and writes nothing.
 * - R-VD-01: none takes a line's released money above what is set aside for it.
 * - R-TH-01: a decision that leaves a line nothing to award closes its intake (BudgetLineIntakeClosed,
 *   in the same append), where the scheme closes on exhaustion; money added reopens it (the fold).
 *
 * The documents say nothing of how: the choices are the interpretations on `boardBudgetDecisions`
 * in schemes/*.json.
 */
export interface BoardDecision {
  /** The board decision's reference, as its minutes name it ("Bestuursbesluit 2021-03"). */
  readonly boardDecision: string;
  /** The day the board decided (ISO date): when the change takes effect. */
  readonly decidedOn: string;
}

type Closed = DomainEventOf<"BudgetLineIntakeClosed">;

/** What holds the line's released money down: nothing below what is reserved and committed (R-X-02). */
function figures(line: BudgetLineState) {
  const reserved = reservedCents(line);
  const committed = committedCents(line);
  return {
    amountCents: line.amountCents,
    releasedCents: line.releasedCents,
    unreleasedCents: line.amountCents - line.releasedCents,
    reservedCents: reserved,
    committedCents: committed,
    availableCents: availableCents(line),
  };
}

const euros = (cents: Cents) => `EUR ${formatEuros(cents)}`;

/**
 * R-TH-01: the line's intake closes when a board decision leaves nothing to award on a line an
 * instrument draws on, in a scheme that closes on exhaustion (and it is not closed already).
 */
function intakeClosure(before: BudgetLineState, events: ReadonlyArray<DomainEventOf<"BudgetLineLowered" | "BudgetTrancheReleaseCorrected" | "BudgetTransferSent">>, scheme: SchemeUnderDecision, command: BoardDecision): Closed[] {
  const after = events.reduce(evolveBudgetLine, before);
  const drawnOn = scheme.definition.instruments.some((i) => i.budgetLineId === before.budgetLineId);
  if (!scheme.definition.term.closesWhenBudgetExhausted || !drawnOn || after.intakeClosed || availableCents(after) > 0) return [];
  return [{
    type: "BudgetLineIntakeClosed",
    data: { schemeId: scheme.definition.id, budgetLineId: before.budgetLineId, availableCents: 0, reason: `nothing left to award after ${command.boardDecision} (${command.decidedOn})` },
  }];
}

function notOpen(line: BudgetLineState, budgetLineId: string, scheme: SchemeUnderDecision) {
  return line.opened ? undefined : refuse<never>("not-found", `scheme ${scheme.definition.id} has no open budget line ${budgetLineId}`, { details: { budgetLines: scheme.definition.budgetLines.map((l) => l.id) } });
}

// ---------------------------------------------------------------------------------------------
// Lowering a line

export interface LowerBudgetLine extends BoardDecision {
  readonly budgetLineId: string;
  /** By how much the board lowers what it set aside for the line. */
  readonly amountCents: Cents;
}

/**
 * The board lowers what it set aside for a line. Money not yet released goes first, then released
 * money, but never so much that the line's released money falls below what it has reserved and
 * committed (R-X-02): refused with the amounts, nothing written.
 */
export function decideLowerBudgetLine(line: BudgetLineState, command: LowerBudgetLine, scheme: SchemeUnderDecision): Decision<DomainEventOf<"BudgetLineLowered" | "BudgetLineIntakeClosed">> {
  const missing = notOpen(line, command.budgetLineId, scheme);
  if (missing) return missing;
  if (command.amountCents <= 0) return refuse("invalid", "a line is lowered by a positive amount", { ruleIds: ["R-X-02"] });
  const f = figures(line);
  const floor = f.reservedCents + f.committedCents;
  const most = f.amountCents - floor;
  if (command.amountCents > most) {
    return refuse(
      "budget-exhausted",
      `${command.budgetLineId} cannot be lowered by ${euros(command.amountCents)}: of its ${euros(f.amountCents)}, ${euros(f.reservedCents)} is reserved and ${euros(f.committedCents)} committed, so it can be lowered by at most ${euros(most)}`,
      { ruleIds: ["R-X-02"], details: { ...f, requestedCents: command.amountCents, mostCents: most } },
    );
  }
  const fromReleased = Math.max(0, command.amountCents - f.unreleasedCents);
  const lowered: DomainEventOf<"BudgetLineLowered"> = {
    type: "BudgetLineLowered",
    data: {
      schemeId: scheme.definition.id,
      schemeVersion: scheme.version,
      budgetLineId: command.budgetLineId,
      amountCents: command.amountCents,
      releasedCents: fromReleased,
      boardDecision: command.boardDecision,
      decidedOn: command.decidedOn,
    },
  };
  return accept<DomainEventOf<"BudgetLineLowered" | "BudgetLineIntakeClosed">>(lowered, ...intakeClosure(line, [lowered], scheme, command));
}

// ---------------------------------------------------------------------------------------------
// Correcting a mistaken release

/** A tranche released on the line, as it stands after any earlier corrections of it. */
export interface ReleasedTranche {
  readonly version: number;
  readonly boardDecision: string;
  readonly amountCents: Cents;
}

/**
 * The tranche released at `version` of a line's stream, with the amount it stands at now (its last
 * correction's, if any); undefined when that event is not a tranche release.
 */
export function releasedTrancheAt(events: Iterable<{ readonly version: number; readonly type: string; readonly data: unknown }>, version: number): ReleasedTranche | undefined {
  let tranche: { version: number; boardDecision: string; amountCents: Cents } | undefined;
  for (const event of events) {
    if (event.version === version && event.type === "BudgetTrancheReleased") {
      const data = event.data as DomainEventOf<"BudgetTrancheReleased">["data"];
      tranche = { version, boardDecision: data.boardDecision, amountCents: data.amountCents };
    } else if (tranche && event.type === "BudgetTrancheReleaseCorrected") {
      const data = event.data as DomainEventOf<"BudgetTrancheReleaseCorrected">["data"];
      if (data.corrects.version === version) tranche.amountCents = data.correctedCents;
    }
  }
  return tranche;
}

export interface CorrectTrancheRelease extends BoardDecision {
  readonly budgetLineId: string;
  /** The version of the BudgetTrancheReleased on the line's stream. */
  readonly trancheVersion: number;
  /** What the tranche should have released (0: it should not have been released at all). */
  readonly correctedCents: Cents;
}

/**
 * A tranche released with the wrong amount is corrected by a new event naming it (R-X-01). Taking
 * money back never takes released money below what is reserved and committed (R-X-02); adding it
 * never above what is set aside (R-VD-01).
 */
export function decideCorrectTrancheRelease(
  line: BudgetLineState,
  tranche: ReleasedTranche | undefined,
  command: CorrectTrancheRelease,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"BudgetTrancheReleaseCorrected" | "BudgetLineIntakeClosed">> {
  const missing = notOpen(line, command.budgetLineId, scheme);
  if (missing) return missing;
  if (!tranche) return refuse("invalid", `version ${command.trancheVersion} of ${command.budgetLineId} is not a tranche release`, { ruleIds: ["R-X-01"], details: { trancheVersion: command.trancheVersion } });
  if (command.correctedCents === tranche.amountCents) {
    return refuse("invalid", `the tranche of ${tranche.boardDecision} already stands at ${euros(tranche.amountCents)}: nothing to correct`, { ruleIds: ["R-X-01"], details: { trancheCents: tranche.amountCents } });
  }
  const f = figures(line);
  const change = command.correctedCents - tranche.amountCents;
  const released = f.releasedCents + change;
  if (released > f.amountCents) {
    return refuse("invalid", `correcting the tranche to ${euros(command.correctedCents)} would release ${euros(released)}, more than the ${euros(f.amountCents)} set aside for ${command.budgetLineId}`, {
      ruleIds: ["R-VD-01"],
      details: { ...f, trancheCents: tranche.amountCents, correctedCents: command.correctedCents },
    });
  }
  const floor = f.reservedCents + f.committedCents;
  if (released < floor) {
    return refuse(
      "budget-exhausted",
      `correcting the tranche of ${tranche.boardDecision} from ${euros(tranche.amountCents)} to ${euros(command.correctedCents)} would leave ${euros(released)} released on ${command.budgetLineId}, below the ${euros(f.reservedCents)} reserved and ${euros(f.committedCents)} committed`,
      { ruleIds: ["R-X-02"], details: { ...f, trancheCents: tranche.amountCents, correctedCents: command.correctedCents, lowestCorrectedCents: tranche.amountCents - (f.releasedCents - floor) } },
    );
  }
  const corrected: DomainEventOf<"BudgetTrancheReleaseCorrected"> = {
    type: "BudgetTrancheReleaseCorrected",
    data: {
      schemeId: scheme.definition.id,
      schemeVersion: scheme.version,
      budgetLineId: command.budgetLineId,
      boardDecision: command.boardDecision,
      decidedOn: command.decidedOn,
      corrects: { version: tranche.version, boardDecision: tranche.boardDecision },
      releasedCents: tranche.amountCents,
      correctedCents: command.correctedCents,
    },
  };
  return accept<DomainEventOf<"BudgetTrancheReleaseCorrected" | "BudgetLineIntakeClosed">>(corrected, ...(change < 0 ? intakeClosure(line, [corrected], scheme, command) : []));
}

// ---------------------------------------------------------------------------------------------
// Moving money between lines ("overheveling")

export interface TransferBudget extends BoardDecision {
  readonly fromBudgetLineId: string;
  readonly toBudgetLineId: string;
  readonly amountCents: Cents;
}

/**
 * Released money that nothing is reserved or committed against moves from one line of the scheme to
 * another: set aside and released there (R-X-02 on the source; R-VD-01: each line stays its own budget,
 * R-VD-02). Both lines' events go in one append, so the scheme's money is neither lost nor doubled.
 */
export function decideTransferBudget(
  from: BudgetLineState,
  to: BudgetLineState,
  command: TransferBudget,
  scheme: SchemeUnderDecision,
): Decision<DomainEventOf<"BudgetTransferSent" | "BudgetTransferReceived" | "BudgetLineIntakeClosed">> {
  const missing = notOpen(from, command.fromBudgetLineId, scheme);
  if (missing) return missing;
  if (command.toBudgetLineId === command.fromBudgetLineId) return refuse("invalid", "money moves between two different lines", { ruleIds: ["R-VD-02"] });
  if (!to.opened) {
    return refuse("invalid", `scheme ${scheme.definition.id} has no open budget line ${command.toBudgetLineId} to move money to`, { details: { budgetLines: scheme.definition.budgetLines.map((l) => l.id) } });
  }
  if (command.amountCents <= 0) return refuse("invalid", "a transfer moves a positive amount", { ruleIds: ["R-X-02"] });
  const f = figures(from);
  if (command.amountCents > f.availableCents) {
    return refuse(
      "budget-exhausted",
      `${command.fromBudgetLineId} cannot move ${euros(command.amountCents)}: of its ${euros(f.releasedCents)} released, ${euros(f.reservedCents)} is reserved and ${euros(f.committedCents)} committed, so ${euros(f.availableCents)} can move` +
        (f.unreleasedCents > 0 ? ` (the ${euros(f.unreleasedCents)} not released moves only once a tranche releases it)` : ""),
      { ruleIds: ["R-X-02"], details: { ...f, requestedCents: command.amountCents, mostCents: f.availableCents } },
    );
  }
  const common = { schemeId: scheme.definition.id, schemeVersion: scheme.version, boardDecision: command.boardDecision, decidedOn: command.decidedOn, amountCents: command.amountCents };
  const out: DomainEventOf<"BudgetTransferSent"> = { type: "BudgetTransferSent", data: { ...common, budgetLineId: command.fromBudgetLineId, toBudgetLineId: command.toBudgetLineId } };
  const into: DomainEventOf<"BudgetTransferReceived"> = { type: "BudgetTransferReceived", data: { ...common, budgetLineId: command.toBudgetLineId, fromBudgetLineId: command.fromBudgetLineId } };
  return accept<DomainEventOf<"BudgetTransferSent" | "BudgetTransferReceived" | "BudgetLineIntakeClosed">>(out, into, ...intakeClosure(from, [out], scheme, command));
}
