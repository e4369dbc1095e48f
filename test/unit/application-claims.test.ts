import { describe, expect, it } from "vitest";
import { type ApplicationClaim, applicationClaimId, HUBS_LIST, applicationsProjection, hubClaimList, hubRange, regionClaimList } from "../../domain/projections/applications.ts";
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

  it("issue 15: a registration also lists the application under its hub's key (hubKeyOf) in the hub registry's list, so the registry pages by hub and a hub command reads the hub's few applications, not the scheme", () => {
    const event = registered("a3", "Technohub Zorg & Techniek", "Oost");
    const entry = claim(event, applicationClaimId("a3", "evaluation"));
    expect(entry).toMatchObject({ claim: "evaluation", applicationId: "a3", schemeId: "technohubs-2020", technohub: "Technohub Zorg & Techniek" });
    const listed = applicationsProjection.listing!(entry)!;
    expect(listed).toEqual({ list: HUBS_LIST, sortKey: "technohub-zorg-and-techniek#technohubs-2020#2021-01-10T09:00:00.000Z#a3" });
    // One hub's entries of one scheme, and of every scheme, are the ranges the routes read; a hub whose key extends this one's is outside both.
    for (const range of [hubRange("technohub-zorg-and-techniek", "technohubs-2020"), hubRange("technohub-zorg-and-techniek")]) {
      expect(listed.sortKey >= range.from && listed.sortKey <= range.to).toBe(true);
      const longer = "technohub-zorg-and-techniek-oost#technohubs-2020#2021-01-10T09:00:00.000Z#a4";
      expect(longer >= range.from && longer <= range.to).toBe(false);
    }
  });
});
