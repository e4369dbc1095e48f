import { bundledSchemes } from "../../schemes/bundled.ts";
import type { TestBackOffice } from "./back-office.ts";
import type { Staff } from "./scenario.ts";

export const VERDUURZAMEN = "verduurzamen-2025";
const members = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
const answers = Object.fromEntries(["statutory-goals", "services-annual-plan", "fundable", "affiliated-companies-involved", "project-plan"].map((id) => [id, { answer: true }]));

/** A verduurzamen-2025 hub awarded through the API (so it is evaluated): its path under the scheme. */
export async function fundedHub(backOffice: TestBackOffice, staff: Staff, name: string): Promise<{ hubKey: string; path: string; applicationId: string }> {
  const applicationId = await staff.register({
    schemeId: VERDUURZAMEN, instrumentId: "hub-top", technohub: { name, region: `${name} regio` },
    applicant: { companyName: `${name} penvoerder BV` }, requestedAmountCents: 8_000_000, receivedAt: "2025-04-15T09:00:00.000Z",
    sectionIds: ["hub-description", "objectives", "activities", "success-elements", "budget"],
  });
  await staff.details(applicationId, { applicantAffiliated: true, leadApplicant: { companyName: `${name} penvoerder BV`, metalektroCompany: true } });
  await staff.complete(applicationId);
  await backOffice.settle();
  await staff.assess(applicationId, answers);
  await staff.award(applicationId, { roundId: "2025-06-12", membersPresent: members, decidedOn: "2025-06-12" });
  await backOffice.settle();
  const hubKey = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return { hubKey, path: `/schemes/${VERDUURZAMEN}/hubs/${hubKey}`, applicationId };
}

const criteria = bundledSchemes().get(VERDUURZAMEN)!.definition.evaluationCriteria.map((c) => c.id);
/** Text as a hub writes it (with a few accented letters, so bytes and characters differ). */
const prose = "De hub heeft dit jaar samen met de bedrijven en het onderwijs gewerkt aan verduurzaming; coördinatie en één gedeelde agenda blijven aandachtspunten. ";

function text(chars: number, seed: number): string {
  let out = `${seed}. `;
  while (out.length < chars) out += prose;
  return out.slice(0, chars).trim();
}

/**
 * A valid self-evaluation whose request body is exactly `bytes` long (UTF-8): the six criteria,
 * then as many objectives (each field at most 4,000 characters) as the size needs, the last few
 * bytes in the first criterion's summary.
 */
export function selfEvaluationOfSize(bytes: number, submittedOn = "2026-01-15", corrects: string | null = null) {
  const body = {
    submittedOn,
    corrects,
    criteria: criteria.map((criterionId, i) => ({ criterionId, status: "on-track", summary: text(1_000, i), attentionPoints: [text(200, i)] })),
    objectives: [] as Array<{ objective: string; expectedAchievement: string; supportWished: string | null }>,
  };
  const size = () => Buffer.byteLength(JSON.stringify(body), "utf8");
  const slack = 2_500; // what the first summary can still take (4,000 characters at most)
  while (bytes - size() > slack) {
    const n = body.objectives.length;
    body.objectives.push({ objective: text(300, n), expectedAchievement: text(4_000, n), supportWished: text(4_000, n + 1) });
    const over = size() - (bytes - slack / 2);
    if (over > 0) {
      // Too much: shorten this one (ASCII, so characters are bytes) to land inside the slack.
      const last = body.objectives.at(-1)!;
      last.supportWished = null;
      const cut = size() - (bytes - slack / 2);
      if (cut > 0) last.expectedAchievement = "x".repeat(Math.max(1, last.expectedAchievement.length - cut));
      else last.expectedAchievement += "x".repeat(Math.min(4_000 - last.expectedAchievement.length, -cut));
    }
  }
  const rest = bytes - size();
  if (rest < 0) throw new Error(`a self-evaluation is at least ${size()} bytes`);
  body.criteria[0]!.summary += "x".repeat(rest);
  return body;
}
