import type { DomainEventOf, RecordedEvent } from "../../events/index.ts";
import { defineProjection } from "./projection.ts";

/** What staff see of an application: the current state, with the stream version it reflects. */
export interface ApplicationView {
  readonly applicationId: string;
  readonly schemeId: string;
  readonly schemeVersion: string;
  readonly instrumentId: string;
  readonly technohub: { readonly name: string; readonly region: string | null };
  readonly applicant: { readonly companyName: string; readonly chamberOfCommerceNumber: string | null };
  readonly requestedAmountCents: number;
  readonly receivedAt: string;
  readonly status: "registered";
  /** The application stream's version this view includes; clients send it back as If-Match. */
  readonly version: number;
  readonly registeredVia: string;
}

export const applicationsProjection = defineProjection<ApplicationView>({
  name: "applications",
  handles: ["ApplicationRegistered"],
  documentIds: (event) => (event.streamId.startsWith("application#") ? [event.streamId.slice("application#".length)] : []),
  apply(view, event: RecordedEvent) {
    switch (event.type) {
      case "ApplicationRegistered": {
        const data = (event as RecordedEvent<"ApplicationRegistered", DomainEventOf<"ApplicationRegistered">["data"]>).data;
        return { ...data, status: "registered", version: event.version, registeredVia: event.metadata.channel };
      }
      default:
        // Events it does not read still move the version on, so If-Match stays exact.
        return view && { ...view, version: event.version };
    }
  },
  listing: (view) => ({ list: `scheme#${view.schemeId}`, sortKey: `${view.receivedAt}#${view.applicationId}` }),
});
