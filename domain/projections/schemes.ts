import type { DomainEventOf, RecordedEvent } from "../../events/index.ts";
import { defineProjection } from "./projection.ts";

/** The schemes as opened; their current money is the budget-lines projection. */
export interface SchemeView {
  readonly schemeId: string;
  readonly title: string;
  readonly schemeVersion: string;
  readonly budgetLineIds: ReadonlyArray<string>;
  readonly version: number;
}

export const schemesProjection = defineProjection<SchemeView>({
  name: "schemes",
  handles: ["SchemeOpened"],
  documentIds: (event) => (event.streamId.startsWith("scheme#") ? [event.streamId.slice("scheme#".length)] : []),
  apply(view, event: RecordedEvent) {
    if (event.type !== "SchemeOpened") return view && { ...view, version: event.version };
    const data = event.data as DomainEventOf<"SchemeOpened">["data"];
    return { schemeId: data.schemeId, title: data.title, schemeVersion: data.schemeVersion, budgetLineIds: data.budgetLines.map((l) => l.budgetLineId), version: event.version };
  },
  listing: (view) => ({ list: "schemes", sortKey: view.schemeId }),
});
