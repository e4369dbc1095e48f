import type { DomainEventOf, RecordedEvent } from "../../events/index.ts";
import { defineProjection } from "./projection.ts";

export interface SchemeView {
  readonly schemeId: string;
  readonly title: string;
  readonly schemeVersion: string;
  readonly budgetLines: ReadonlyArray<{ readonly budgetLineId: string; readonly name: string; readonly amountCents: number; readonly releasedCents: number }>;
  readonly version: number;
}

export const schemesProjection = defineProjection<SchemeView>({
  name: "schemes",
  handles: ["SchemeOpened", "BudgetTrancheReleased"],
  documentIds: (event) => (event.streamId.startsWith("scheme#") ? [event.streamId.slice("scheme#".length)] : []),
  apply(view, event: RecordedEvent) {
    switch (event.type) {
      case "SchemeOpened": {
        const data = event.data as DomainEventOf<"SchemeOpened">["data"];
        return { schemeId: data.schemeId, title: data.title, schemeVersion: data.schemeVersion, budgetLines: data.budgetLines, version: event.version };
      }
      case "BudgetTrancheReleased": {
        const data = event.data as DomainEventOf<"BudgetTrancheReleased">["data"];
        if (!view) throw new Error(`BudgetTrancheReleased before SchemeOpened in ${event.streamId}`);
        return {
          ...view,
          budgetLines: view.budgetLines.map((line) =>
            line.budgetLineId === data.budgetLineId ? { ...line, releasedCents: line.releasedCents + data.amountCents } : line,
          ),
          version: event.version,
        };
      }
      default:
        return view && { ...view, version: event.version };
    }
  },
  listing: (view) => ({ list: "schemes", sortKey: view.schemeId }),
});
