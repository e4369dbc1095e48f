import { describe, expect, it } from "vitest";
import { type ApplicationClaim, applicationClaimId, applicationsProjection, evaluationHubList, hubClaimList, regionClaimList } from "../../domain/projections/applications.ts";
import type { RecordedEvent } from "../../events/index.ts";

/**
 * Issue 15: the assessment finds the applications it competes with (R-TH-07 one per hub, R-TH-08
 * the region's other hubs) by querying two lists of the applications read model, not the scheme's.
 * Each application's claim on its hub and its region is an entry of its document, written once.
 */
const registered = (applicationId: string, name: string, region: string | null, version = 1) =>
  ({
    streamId: `application#${applicationId}`, version, type: "ApplicationRegistered", eventId: `${applicationId}-${version}`, schemaVersion: 2,
    data: { applicationId, schemeId: "technohubs-2020", schemeVersion: "sha256:x", instrumentId: "execution", technohub: { name, region }, applicant: { companyName: "Metaal BV", chamberOfCommerceNumber: null }, requestedAmountCents: 100, receivedAt: "2021-01-10T09:00:00.000Z" },
    metadata: { actor: "u", role: "intake", channel: "api", correlationId: "c" }, recordedAt: "2021-01-10T09:00:00.000Z", schemeId: "technohubs-2020", hash: "", previousHash: "",
  }) as unknown as RecordedEvent;

const claim = (event: RecordedEvent, docId: string) => applicationsProjection.apply(undefined, event, docId) as ApplicationClaim;

describe("application claims (issue 15)", () => {
  it("R-TH-07 R-TH-08 a registration writes the application and its hub and region claims, each listed per hub and per region", () => {
    const event = registered("a1", "TechnoHUB Woerden", "Utrecht West");
    expect(applicationsProjection.documentIds(event)).toEqual(["a1", applicationClaimId("a1", "hub"), applicationClaimId("a1", "region"), applicationClaimId("a1", "evaluation")]);
    const hub = claim(event, applicationClaimId("a1", "hub"));
    const region = claim(event, applicationClaimId("a1", "region"));
    // "TechnoHUB Woerden" and "Technohub  woerden" are one hub; regions compare without case.
    expect(applicationsProjection.listing!(hub)).toEqual({ list: hubClaimList("technohubs-2020", "Technohub  woerden"), sortKey: "2021-01-10T09:00:00.000Z#a1" });
    expect(applicationsProjection.listing!(region)).toEqual({ list: regionClaimList("technohubs-2020", "utrecht west"), sortKey: "2021-01-10T09:00:00.000Z#a1" });
  });

  it("R-TH-08 an application that names no region claims only its hub; later events change no claim", () => {
    expect(applicationsProjection.documentIds(registered("a2", "Hub", null))).toEqual(["a2", applicationClaimId("a2", "hub"), applicationClaimId("a2", "evaluation")]);
    const later = { ...registered("a2", "Hub", null, 2), type: "ApplicationQueued" } as RecordedEvent;
    expect(applicationsProjection.documentIds(later)).toEqual(["a2"]);
  });

  it("issue 15: a registration also lists the application under its hub's key (hubKeyOf), the key the evaluation's routes name a hub by, so a hub command reads the hub's few applications, not the scheme", () => {
    const event = registered("a3", "Technohub Zorg & Techniek", "Oost");
    const entry = claim(event, applicationClaimId("a3", "evaluation"));
    expect(entry).toMatchObject({ claim: "evaluation", applicationId: "a3", schemeId: "technohubs-2020", technohub: "Technohub Zorg & Techniek" });
    expect(applicationsProjection.listing!(entry)).toEqual({ list: evaluationHubList("technohubs-2020", "technohub-zorg-and-techniek"), sortKey: "2021-01-10T09:00:00.000Z#a3" });
  });
});
