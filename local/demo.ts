import { hubKeyOf } from "../domain/evaluation.ts";
import type { StaffRole } from "../functions/api/routes.ts";

/**
 * Demo data: the 2025 round of Verduurzamen Technohubs and its mid-term evaluation as the
 * documents describe them (seed 001, KplusV, 29 April 2026), loaded through the staff API
 * exactly as staff would enter it. Dates, amounts, visits, interviews and the classification
 * table of chapter 4.3.3 are the report's; the contents of the self-evaluations are summaries.
 */
const schemeId = "verduurzamen-2025";
const round = "2025-06-12";
const committee = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
const sections = ["hub-description", "objectives", "activities", "success-elements", "budget"];
const answers = Object.fromEntries(["statutory-goals", "services-annual-plan", "fundable", "affiliated-companies-involved", "project-plan"].map((id) => [id, { answer: true }]));

type HubType = "system-hub" | "growth-hub";
type Characteristic = "innovation" | "education-renewal" | "ecosystem-function";

interface DemoHub {
  readonly name: string;
  readonly region: string;
  readonly instrumentId: "hub-top" | "hub-middle";
  readonly amountCents: number;
  /** Chapter 4.3.3; null for the hub that withdrew. */
  readonly classification: { type: HubType; dominantCharacteristic: Characteristic; preconditions: [string, string] } | null;
}

/** The eight applications of 2025 (R-VD-02) and, for the seven funded, the classification table of chapter 4.3.3. */
export const demoHubs: ReadonlyArray<DemoHub> = [
  {
    name: "TechnoHUB Woerden", region: "Woerden", instrumentId: "hub-top", amountCents: 8_000_000,
    classification: { type: "system-hub", dominantCharacteristic: "ecosystem-function", preconditions: ["Realiseren structurele (publiek-private) financiering en afspraken vanaf 2027.", "Bewaken strategisch partnerschap (voorkomen versnippering/transactioneel karakter)."] },
  },
  {
    name: "Technohub TINT", region: "Twente", instrumentId: "hub-top", amountCents: 8_000_000,
    classification: { type: "growth-hub", dominantCharacteristic: "ecosystem-function", preconditions: ["Valideren en concretiseren verdienmodel met gedeeld eigenaarschap.", "Versterken robuustheid/continuïteit (minder kwetsbaar voor personele wisselingen)."] },
  },
  {
    name: "Technohub Smart Makers Network", region: "Gelderland", instrumentId: "hub-top", amountCents: 8_000_000,
    classification: { type: "system-hub", dominantCharacteristic: "ecosystem-function", preconditions: ["Structurele financiering van kernrollen (o.a. business development) na 2026.", "Versterken community-structuur en doorvertaling naar oZone-modules."] },
  },
  {
    name: "Technohub Smart Metrology and Manufacturing", region: "Brabant", instrumentId: "hub-top", amountCents: 8_000_000,
    classification: { type: "system-hub", dominantCharacteristic: "innovation", preconditions: ["Borging van kennis in structureel LLO-/oZone-aanbod.", "Doorontwikkeling en besluitvorming over duurzame financieringsconstructie (partnerprogramma)."] },
  },
  {
    name: "Technohub MIRA", region: "Rijnmond", instrumentId: "hub-top", amountCents: 8_000_000,
    classification: { type: "system-hub", dominantCharacteristic: "innovation", preconditions: ["Borging van begeleiding en doorontwikkeling van demonstrator/methodiek/modules.", "Verbreden van toepassing buiten koplopers (meer bedrijven laten landen)."] },
  },
  { name: "Technohub Logistics Lab", region: "Venlo", instrumentId: "hub-middle", amountCents: 3_000_000, classification: null },
  {
    name: "Technohub Precisietechnologie", region: "Eindhoven", instrumentId: "hub-middle", amountCents: 3_000_000,
    classification: { type: "growth-hub", dominantCharacteristic: "education-renewal", preconditions: ["Instroom en leerwerkplekken als structurele 'motor' organiseren (met bedrijven).", "Verbreden portfolio en promotietoolbox via onderwijsprofessionals."] },
  },
  {
    name: "Technohub Noordoostpolder", region: "Noordoostpolder", instrumentId: "hub-middle", amountCents: 3_000_000,
    classification: { type: "system-hub", dominantCharacteristic: "education-renewal", preconditions: ["Governance en structurele uitvoeringskracht expliciteren en borgen.", "Doorvertaling van praktijkopbrengsten naar overdraagbare formats (oZone/praktijkbeschrijvingen)."] },
  },
];

/** Work visits (4 November 2025) and interviews (February to April 2026), annex 3 of the report. */
const findings: ReadonlyArray<{ hub: string; kind: "interview" | "work-visit"; date: string; notes: string }> = [
  { hub: "Technohub TINT", kind: "work-visit", date: "2025-11-04", notes: "Werkbezoek (Apeldoorn) om de beoordelingsbeslissingen uit juni te verdiepen; teruggekoppeld in de begeleidingscommissie van 10 november 2025." },
  { hub: "Technohub Noordoostpolder", kind: "work-visit", date: "2025-11-04", notes: "Werkbezoek (Emmeloord) om de beoordelingsbeslissingen uit juni te verdiepen; teruggekoppeld in de begeleidingscommissie van 10 november 2025." },
  { hub: "Technohub Precisietechnologie", kind: "interview", date: "2026-02-18", notes: "Interview volgens de vaste interviewleidraad, ter verrijking van de zelfevaluatie." },
  { hub: "Technohub Smart Metrology and Manufacturing", kind: "interview", date: "2026-03-30", notes: "Interview volgens de vaste interviewleidraad, ter verrijking van de zelfevaluatie." },
  { hub: "Technohub Noordoostpolder", kind: "interview", date: "2026-03-31", notes: "Interview (online, samen met MIRA) volgens de vaste interviewleidraad." },
  { hub: "Technohub MIRA", kind: "interview", date: "2026-03-31", notes: "Interview (online, samen met NOP) volgens de vaste interviewleidraad." },
  { hub: "Technohub TINT", kind: "interview", date: "2026-03-31", notes: "Interview volgens de vaste interviewleidraad, ter verrijking van de zelfevaluatie." },
  { hub: "TechnoHUB Woerden", kind: "interview", date: "2026-04-01", notes: "Interview volgens de vaste interviewleidraad, ter verrijking van de zelfevaluatie." },
  { hub: "Technohub Smart Makers Network", kind: "interview", date: "2026-04-01", notes: "Interview volgens de vaste interviewleidraad, ter verrijking van de zelfevaluatie." },
];

const criteria = ["development-phase-robustness", "company-involvement", "education-collaboration", "regional-sectoral-positioning", "future-perspective-scalability", "content-focus-impact"];


export interface DemoResult {
  readonly loaded: boolean;
  readonly applications: Record<string, string>;
}

/**
 * Loads the 2025 round and its evaluation through the staff API at `apiUrl`, each step as the
 * role that does it. Does nothing when the scheme already has applications (a kept data dir).
 */
export async function loadDemoData(apiUrl: string, tokenFor: (role: StaffRole) => Promise<string>, log: (message: string) => void = () => {}): Promise<DemoResult> {
  const call = async (role: StaffRole, method: string, path: string, body?: unknown, expected: number[] = [200, 201]): Promise<any> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await tokenFor(role)}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`demo: ${method} ${path} as ${role} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const existing = await call("auditor", "GET", `/applications?schemeId=${schemeId}`);
  if (existing.count > 0) {
    log(`demo: ${schemeId} already has ${existing.count} applications; not loading again`);
    return { loaded: false, applications: Object.fromEntries(existing.items.map((i: { technohub: { name: string }; applicationId: string }) => [i.technohub.name, i.applicationId])) };
  }

  log("demo: registering the 2025 round (8 applications of 2025-04-15)");
  const ids: Record<string, string> = {};
  for (const [i, hub] of demoHubs.entries()) {
    const registered = await call("intake", "POST", "/applications", {
      schemeId,
      instrumentId: hub.instrumentId,
      technohub: { name: hub.name, region: hub.region },
      applicant: { companyName: `${hub.name} penvoerder BV` },
      requestedAmountCents: hub.amountCents,
      receivedAt: `2025-04-15T09:0${i}:00.000Z`,
      sectionIds: sections,
    });
    const id: string = registered.applicationId;
    ids[hub.name] = id;
    await call("intake", "POST", `/applications/${id}/details`, { applicantAffiliated: true, leadApplicant: { companyName: `${hub.name} penvoerder BV`, metalektroCompany: true } });
    await call("intake", "POST", `/applications/${id}/completeness`, { complete: true });
  }
  for (const hub of demoHubs) await call("assessor", "POST", `/applications/${ids[hub.name]}/assessment`, { answers });
  log("demo: committee of 2025-06-12 awards 5 x EUR 80,000 and 3 x EUR 30,000");
  for (const hub of demoHubs) await call("committee-secretary", "POST", `/applications/${ids[hub.name]}/decision`, { decision: "award", roundId: round, membersPresent: committee, decidedOn: round });
  await call("committee-secretary", "POST", `/applications/${ids["Technohub Logistics Lab"]}/withdrawal`, { reason: "no lead applicant (penvoerder) could be found" });
  const funded = demoHubs.filter((h) => h.classification);
  for (const hub of funded) await call("committee-secretary", "POST", `/applications/${ids[hub.name]}/award-letter`, { issuedOn: "2025-06-20" });

  // The evaluation addresses funded hubs, found through the (eventually consistent) application list.
  for (let attempt = 0; ; attempt++) {
    const list = await call("auditor", "GET", `/applications?schemeId=${schemeId}`);
    if (list.items.filter((i: { status: string }) => i.status === "granted").length === funded.length) break;
    if (attempt >= 600) throw new Error("demo: the awards did not reach the application list in time");
    await new Promise((r) => setTimeout(r, 50));
  }

  log("demo: knowledge sessions, work visits, self-evaluations, interviews and the classification of 29 April 2026");
  const hubPath = (name: string) => `/schemes/${schemeId}/hubs/${hubKeyOf(name)}`;
  for (const hub of funded) {
    for (const sessionId of ["knowledge-session-1", "knowledge-session-2"]) await call("intake", "POST", `${hubPath(hub.name)}/knowledge-sessions`, { sessionId, representatives: [`Coördinator ${hub.name}`] });
  }
  await call("intake", "POST", `${hubPath("Technohub Smart Makers Network")}/ozone-modules`, { moduleName: "Masterclass omgezet naar oZone-module", loadedOn: "2026-03-01" });
  for (const hub of funded) {
    await call("intake", "POST", `${hubPath(hub.name)}/self-evaluations`, {
      submittedOn: "2026-02-13",
      criteria: criteria.map((criterionId) => ({ criterionId, status: "on-track", summary: "Ingevuld zelfevaluatieformat; zie het interviewverslag.", attentionPoints: [] })),
      objectives: [{ objective: "Verduurzamen van de Technohub na de subsidieperiode", expectedAchievement: "Gedeeltelijk gerealiseerd in 2026", supportWished: hub.classification!.preconditions[0] }],
    });
  }
  for (const finding of findings) {
    await call("assessor", "POST", `${hubPath(finding.hub)}/findings`, { kind: finding.kind, date: finding.date, participants: ["Begeleidingscommissie", "A+O Metalektro", "KplusV"], notes: finding.notes });
  }
  for (const hub of funded) {
    const c = hub.classification!;
    await call("assessor", "POST", `${hubPath(hub.name)}/classifications`, {
      type: c.type,
      dominantCharacteristic: c.dominantCharacteristic,
      preconditions: c.preconditions,
      rationale: "Tussentijdse evaluatie KplusV (29 april 2026), hoofdstuk 4.3.3: type en dominant kenmerk op basis van zelfevaluatie, werkbezoeken en interviews.",
      classifiedOn: "2026-04-29",
    });
  }
  log("demo: loaded");
  return { loaded: true, applications: ids };
}
