import technohubs from "../schemes/technohubs-2020.json" with { type: "json" };
import { bundledSchemes } from "../schemes/bundled.ts";
import { type LoadedScheme, type SchemeCatalogue, parseSchemeDefinition } from "../schemes/load.ts";

/**
 * Issue 12 finding 10: every bundled scheme's term lies in the past, so on a fresh `npm start`
 * every mail ends as "refused: late". The demo scheme is Technohubs 2020 with every date moved
 * by whole years so that its term (1 January to 30 June of the next year) holds today; its id,
 * titles and addresses say DEMO, so nothing it records can pass for the real scheme's. Only the
 * local runtime opens it (`npm start -- --demo`); it is never bundled into a Lambda.
 */
export const DEMO_SCHEME_ID = "demo-technohubs";
export const DEMO_INTAKE_ADDRESS = "demo@intake.aeno.local";
export const DEMO_SUBJECT_KEYWORD = "Demo technohubs";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One calendar date moved by whole years; 29 February becomes 28 February in a common year. */
export function shiftDateByYears(date: string, years: number): string {
  const match = ISO_DATE.exec(date);
  if (!match) return date;
  const year = Number(match[1]) + years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = match[2] === "02" && match[3] === "29" && !leap ? "28" : match[3];
  return `${String(year).padStart(4, "0")}-${match[2]}-${day}`;
}

function shiftDates(value: unknown, years: number): unknown {
  if (typeof value === "string") return ISO_DATE.test(value) ? shiftDateByYears(value, years) : value;
  if (Array.isArray(value)) return value.map((v) => shiftDates(v, years));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftDates(v, years)]));
  return value;
}

/** The demo scheme for the year `today` (YYYY-MM-DD, the fund's calendar) falls in. */
export function demoScheme(today: string): LoadedScheme {
  const base = technohubs as unknown as { term: { opens: string }; intake: Record<string, unknown>; interpretations: unknown[] } & Record<string, unknown>;
  const years = Number(today.slice(0, 4)) - Number(base.term.opens.slice(0, 4));
  const shifted = shiftDates(base, years) as typeof base;
  return parseSchemeDefinition(
    {
      ...shifted,
      id: DEMO_SCHEME_ID,
      title: `DEMO — Kick-start grant Technohubs (practice scheme, dates moved ${years} years)`,
      dutchTitle: `DEMO — Aanjaagsubsidie Technohubs (oefenregeling, data ${years} jaar verschoven)`,
      intake: { ...shifted.intake, emailAddress: DEMO_INTAKE_ADDRESS, publishedEmailAddress: null, subjectKeywords: [DEMO_SUBJECT_KEYWORD] },
      interpretations: [
        ...shifted.interpretations,
        {
          ruleId: "R-TH-01",
          subject: "term",
          note: `Demo scheme for the local runtime only: Technohubs 2020 with every date moved ${years} years so that its term holds today. Dates named in the prose of other notes are the original ones.`,
        },
      ],
    },
    "local/demo-scheme.ts",
  );
}

/** The bundled schemes plus the demo scheme. */
export function catalogueWithDemo(today: string): SchemeCatalogue {
  const loaded = [...bundledSchemes().all(), demoScheme(today)];
  const byId = new Map(loaded.map((s) => [s.definition.id, s]));
  return { get: (id) => byId.get(id), all: () => [...loaded] };
}
