import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import {
  type BudgetLineBalance,
  type BudgetPosition,
  availableCents,
  balanceOf,
  budgetApplicationOf,
  budgetEventTypes,
  budgetLineFromBalance,
  evolveBudgetLine,
  isBudgetEvent,
  positionOf,
} from "../budget.ts";
import { defineProjection } from "./projection.ts";

/**
 * The budget ledger per line (R-VD-02, R-X-02): the domain's own fold, kept as the totals finance
 * reads (available / reserved / committed / paid / recovered) and the number of grants on the line.
 * Each application's position is an entry of its own (`<line>/position/<applicationId>`, listed per
 * line), so the line's document stays the same size however many applications the line funds; the
 * line reads the one position an event changes as it stood before the event (issue 15).
 */
export interface BudgetLineView extends BudgetLineBalance {
  readonly availableCents: number;
  readonly version: number;
}

/** One application's position on a line: an entry of the line's document. */
export interface BudgetPositionView extends BudgetPosition {
  readonly schemeId: string;
  readonly budgetLineId: string;
  readonly applicationId: string;
  readonly version: number;
}

type BudgetDocument = BudgetLineView | BudgetPositionView;
const isPosition = (document: BudgetDocument): document is BudgetPositionView => "applicationId" in document;

/** The id of an application's position entry under a line's document. */
export const budgetPositionId = (lineDocumentId: string, applicationId: string) => `${lineDocumentId}/position/${applicationId}`;
/** The list a line's position entries are listed under (sort key: the application id). */
export const budgetPositionList = (lineDocumentId: string) => `budget-line#${lineDocumentId}`;

const emptyBalance: BudgetLineBalance = { opened: false, schemeId: "", budgetLineId: "", name: "", amountCents: 0, releasedCents: 0, intakeClosed: false, reservedCents: 0, committedCents: 0, paidCents: 0, recoveredCents: 0, grants: 0 };

const positionPart = (view: BudgetPositionView | undefined): BudgetPosition =>
  view ? { reserved: view.reserved, committed: view.committed, paid: view.paid, recovered: view.recovered } : {};

export const budgetLinesProjection = defineProjection<BudgetDocument>({
  name: "budget-lines",
  handles: [...budgetEventTypes],
  documentIds: (event) => {
    if (!event.streamId.startsWith("budget-line#")) return [];
    const line = event.streamId.slice("budget-line#".length);
    const applicationId = budgetApplicationOf({ type: event.type, data: event.data } as DomainEvent);
    // The line first: it reads the position as it was before the event.
    return applicationId === undefined ? [line] : [line, budgetPositionId(line, applicationId)];
  },
  apply(document: BudgetDocument | undefined, event: RecordedEvent, documentId: string, sibling?: (documentId: string) => BudgetDocument | undefined) {
    const e = { type: event.type, data: event.data } as DomainEvent;
    const applicationId = budgetApplicationOf(e);
    if (document && isPosition(document)) {
      if (!isBudgetEvent(e) || applicationId !== document.applicationId) return document;
      return positionView(document.schemeId, document.budgetLineId, applicationId, positionPart(document), e, event.version);
    }
    if (documentId.includes("/position/")) {
      if (!isBudgetEvent(e) || applicationId === undefined) return document;
      const data = e.data as { schemeId: string; budgetLineId: string };
      return positionView(data.schemeId, data.budgetLineId, applicationId, {}, e, event.version);
    }
    const view = document as BudgetLineView | undefined;
    if (!isBudgetEvent(e)) return view && { ...view, version: event.version };
    const { availableCents: _a, version: _v, ...balance } = view ?? { ...emptyBalance, availableCents: 0, version: 0 };
    const before = applicationId === undefined ? [] : ([[applicationId, positionPart(sibling?.(budgetPositionId(documentId, applicationId)) as BudgetPositionView | undefined)]] as const);
    const next = evolveBudgetLine(budgetLineFromBalance(balance, before), e);
    return { ...balanceOf(next), availableCents: availableCents(next), version: event.version };
  },
  listing: (document) =>
    isPosition(document)
      ? { list: budgetPositionList(`${document.schemeId}.${document.budgetLineId}`), sortKey: document.applicationId }
      : { list: `scheme#${document.schemeId}`, sortKey: document.budgetLineId },
});

function positionView(schemeId: string, budgetLineId: string, applicationId: string, before: BudgetPosition, event: DomainEvent, version: number): BudgetPositionView | undefined {
  const line = evolveBudgetLine(budgetLineFromBalance({ ...emptyBalance, schemeId, budgetLineId }, [[applicationId, before]]), event);
  // A pool the application holds nothing in is absent, not undefined (a stored document has no undefined).
  const after = Object.fromEntries(Object.entries(positionOf(line, applicationId)).filter(([, cents]) => cents !== undefined)) as BudgetPosition;
  return { schemeId, budgetLineId, applicationId, ...after, version };
}
