import { randomUUID } from "node:crypto";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import type * as z from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanTable } from "../../audit/dynamodb-log.ts";
import { verifyLog } from "../../audit/verify.ts";
import { hubKeyOf } from "../../domain/evaluation.ts";
import type { RecordedEvent } from "../../events/index.ts";
import { streamIds } from "../../events/index.ts";
import { type RouteSchemas, routeSchemas } from "../../functions/api/http.ts";
import { type ApiRoute, type RouteId, type StaffRole, apiRoutes } from "../../functions/api/routes.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { localClient } from "../support/dynamo.ts";
import { Staff } from "../support/scenario.ts";
import { sendMail } from "../support/mail.ts";

/**
 * "Every request ends in its effect or a clear 4xx; never a 5xx for input a client can send."
 *
 * A fast-check property per route of `apiRoutes`, run against the real local runtime: valid bodies
 * derived from the zod schemas the handlers validate with (steered towards the world's real ids),
 * the same with one field broken, extreme numbers, long strings, unicode, garbage, unknown and odd
 * path parameters and query strings, odd If-Match and Idempotency-Key headers, always as a role the
 * route allows. For every request: status < 500; after a 4xx the event log gained nothing (but a
 * refusal the domain records on purpose, R-X-05); after a 2xx every event it wrote is in the log as
 * answered. After each route the events table is counted (a Scan, independent of the store) and
 * must hold exactly what the requests were seen to write.
 */

const RUNS_WRITE = Number(process.env.FUZZ_RUNS_WRITE ?? 40);
const RUNS_READ = Number(process.env.FUZZ_RUNS_READ ?? 20);
/** Bodies stay at or under this many bytes: larger ones are the size-limit work (finding 3). */
const MAX_BODY_BYTES = 100_000;

let backOffice: TestBackOffice;
let staff: Staff;
const schemes = bundledSchemes();

// ---------------------------------------------------------------------------------------------
// The world: real targets for path parameters

interface World {
  /** technohubs-2020 execution: awarded, award letter issued (grant open), one invoice registered, one approved. */
  granted: string;
  /** technohubs-2020: complete and queued for a round, not assessed. */
  queued: string;
  /** technohubs-2020: registered only. */
  registered: string;
  /** verduurzamen-2025 hub-top: granted, its hub classified (an evaluation stream). */
  hub: string;
  hubKey: string;
  /** sterk-techniekonderwijs-2020 regional plan: registered only. */
  sterk: string;
  /** technohubs-2020 planning: awarded, no award letter (what withdrawal and lapse act on). */
  awarded: string;
  registeredInvoice: string;
  approvedInvoice: string;
  /** Issue 12: mail kept as correspondence (a question; a stranger's follow-up to `registered`). */
  correspondence: string[];
  /** Issue 13: a change request on `granted`, submitted and not yet decided. */
  changeRequest: string;
  /** Issue 13: letters to applicants (the world's award letter and others), by letter id. */
  letters: string[];
}
let world: World;

const members = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
const vdAnswers = Object.fromEntries(["statutory-goals", "services-annual-plan", "fundable", "affiliated-companies-involved", "project-plan"].map((id) => [id, { answer: true }]));

async function buildWorld(): Promise<World> {
  const granted = await staff.register({
    schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Fuzz", region: "Fuzzregio" },
    applicant: { companyName: "Fuzz Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
  });
  await staff.details(granted, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
  await staff.complete(granted);
  const queued = await staff.register({
    schemeId: "technohubs-2020", instrumentId: "planning", technohub: { name: "Technohub Wachtrij", region: "Wachtregio" },
    applicant: { companyName: "Wacht BV" }, requestedAmountCents: 900_000, receivedAt: "2021-01-12T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
  });
  await staff.details(queued, { plannedStartDate: "2021-03-01", applicantAffiliated: true });
  await staff.complete(queued);
  const registered = await staff.register({
    schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Nieuw", region: "Nieuwregio" },
    applicant: { companyName: "Nieuw BV", chamberOfCommerceNumber: "12345678" }, requestedAmountCents: 10_000_000, receivedAt: "2021-01-15T09:00:00.000Z",
  });
  const hub = await staff.register({
    schemeId: "verduurzamen-2025", instrumentId: "hub-top", technohub: { name: "Technohub Fuzzpolder", region: "Fuzzpolder" },
    applicant: { companyName: "Fuzzpolder penvoerder BV" }, requestedAmountCents: 8_000_000, receivedAt: "2025-04-15T09:00:00.000Z",
    sectionIds: ["hub-description", "objectives", "activities", "success-elements", "budget"],
  });
  await staff.details(hub, { applicantAffiliated: true, leadApplicant: { companyName: "Fuzzpolder penvoerder BV", metalektroCompany: true } });
  await staff.complete(hub);
  const sterk = await staff.register({
    schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", technohub: { name: "Regio Fuzz", region: "STO19999" },
    applicant: { companyName: "Vmbo Fuzz" }, requestedAmountCents: 90_000_000, receivedAt: "2019-03-20T12:00:00.000Z",
  });
  const awarded = await staff.register({
    schemeId: "technohubs-2020", instrumentId: "planning", technohub: { name: "Technohub Toegekend", region: "Toekenregio" },
    applicant: { companyName: "Toegekend BV" }, requestedAmountCents: 900_000, receivedAt: "2021-01-13T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
  });
  await staff.details(awarded, { plannedStartDate: "2021-03-01", plannedEndDate: "2021-05-01", applicantAffiliated: true });
  await staff.complete(awarded);
  await backOffice.settle();
  await staff.assess(granted);
  await staff.assess(hub, vdAnswers);
  await staff.assess(awarded);
  await staff.award(awarded, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25" });
  await staff.award(granted, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25" });
  await staff.award(hub, { roundId: "2025-06-12", membersPresent: members, decidedOn: "2025-06-12" });
  await staff.awardLetter(granted, "2021-03-01");
  await staff.awardLetter(hub, "2025-06-20");
  const invoice = { trancheId: "advance", invoiceDate: "2021-03-05", amountCents: 1_000_000, iban: "NL91 ABNA 0417 1643 00", documentRef: "s3://documents/invoice.pdf" };
  const registeredInvoice = (await staff.expectAs("finance", "finance-anna", "POST", `/grants/${granted}/invoices`, { ...invoice, invoiceNumber: "F-1" }, 201)).body.recorded[0].data.invoiceId;
  const approvedInvoice = (await staff.expectAs("finance", "finance-anna", "POST", `/grants/${granted}/invoices`, { ...invoice, invoiceNumber: "F-2" }, 201)).body.recorded[0].data.invoiceId;
  await staff.expectAs("finance", "finance-bram", "POST", `/grants/${granted}/invoices/${approvedInvoice}/approval`, {}, 200);
  await backOffice.settle();
  const hubKey = hubKeyOf("Technohub Fuzzpolder");
  await staff.expect("assessor", "POST", `/schemes/verduurzamen-2025/hubs/${hubKey}/classifications`, {
    type: "growth-hub", dominantCharacteristic: "ecosystem-function", preconditions: ["Structurele financiering"], rationale: "Fuzz world", classifiedOn: "2025-07-01",
  }, 201);
  await backOffice.settle();
  const question = await sendMail(backOffice.smtpUrl, { from: "vraag@fuzz.example", to: "technohubs@intake.aeno.local", subject: "Vraag", text: "?" });
  const stranger = await sendMail(backOffice.smtpUrl, { from: "vreemde@fuzz.example", to: "technohubs@intake.aeno.local", subject: `Re: [APP-${registered}]`, text: "aanvulling" });
  const changeRequest = (await staff.expect("intake", "POST", `/grants/${granted}/change-requests`, { change: { kind: "decrease", decreaseCents: 100 }, receivedOn: "2021-04-01" }, 201)).body.recorded[0].data.requestId;
  await backOffice.settle();
  const letters = (await staff.expect("auditor", "GET", `/applications/${granted}/letters`, undefined, 200)).body.items.map((l: { letterId: string }) => l.letterId);
  return { granted, queued, registered, hub, hubKey, sterk, awarded, registeredInvoice, approvedInvoice, correspondence: [question.messageKey, stranger.messageKey], changeRequest, letters };
}

// ---------------------------------------------------------------------------------------------
// Pools of real values: the schemes' ids, dates and the world's ids

/** Every identifier-like string in the scheme definitions: instruments, sections, rounds, categories, checks, tranches... */
function schemeStrings(): { ids: string[]; dates: string[] } {
  const ids = new Set<string>();
  const dates = new Set<string>();
  const walk = (value: unknown) => {
    if (typeof value === "string") {
      if (/^\d{4}-\d{2}-\d{2}$/.test(value)) dates.add(value);
      if (value.length <= 60 && /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(value)) ids.add(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  for (const s of schemes.all()) walk(s.definition);
  return { ids: [...ids], dates: [...dates] };
}
const pools = schemeStrings();
const schemeIds = schemes.all().map((s) => s.definition.id);
const sectionIds = [...new Set(schemes.all().flatMap((s) => s.definition.requiredSections.map((r) => r.id)))];
const budgetLineIds = [...new Set(schemes.all().flatMap((s) => s.definition.budgetLines.map((l) => l.id)))];
const roundIds = [...new Set(schemes.all().flatMap((s) => s.definition.committeeRounds.map((r) => r.id)))];

/** Strings a client can send that code tends to trip over. Lone surrogates reach the server as JSON escapes. */
const oddStrings = [
  "", " ", "\t\n", "\u0000", "a\u0000b", "😀", "👩‍👩‍👧‍👦", "\u202eevil\u202c", "שלום עולם", "مرحبا", "\ud800", "a\udfffb", "\udbff\udfff", "\ufeffbom", "\u2028\u2029",
  "e\u0301", "Ω≈ç√∫", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "null", "undefined", "NaN", "-0", "1e308", "__proto__", "constructor", "toString", "hasOwnProperty", "../../etc/passwd", "%00", "%2F", "<script>alert(1)</script>",
  "' OR 1=1 --", "${7*7}", "{{7*7}}", "\\", "\"", "a".repeat(129), "Z".repeat(201),
];
const oddNumbers = [0, -1, -0, 1, 0.5, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) + 1, 1e308, -1e308, 5e-324, 10_000, 10_000_000_000_000, 10_000_000_000_001, 2 ** 31, 2 ** 32, 2 ** 63];
/** Number literals JSON allows but JavaScript turns into something else (Infinity, -0, huge). */
const rawNumberLiterals = ["1e309", "-1e309", "-0", "0.0", "1.0", "1E2", "123456789012345678901234567890", "9007199254740993", "-9007199254740993", "0.1e1", "1e-400", "100000000000000000000000000000000000000"];

// ---------------------------------------------------------------------------------------------
// Valid values derived from the zod schemas the handlers validate with

type AnySchema = z.ZodType & { _zod: { def: any } };
const def = (schema: unknown) => (schema as AnySchema)._zod.def;

function checksOf(schema: unknown): any[] {
  return (def(schema).checks ?? []).map((c: any) => c._zod?.def ?? c);
}

/** Instants and dates the ISO schemas accept at the edges of the calendar: year 0, the epoch, year 9999, leap days, Dutch midnight. */
const edgeInstants = ["0000-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2020-02-29T12:00:00.000Z", "2021-06-30T22:00:00.000Z", "9999-12-31T22:59:59.999Z", "9999-12-31T23:59:59.999Z"];
const edgeDates = ["0000-01-01", "0000-02-29", "1970-01-01", "2024-02-29", "2100-01-01", "9999-12-31"];
const isoInstants = fc.oneof(
  { arbitrary: fc.date({ min: new Date("2018-06-01T00:00:00Z"), max: new Date("2027-06-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString()), weight: 6 },
  { arbitrary: fc.constantFrom(...edgeInstants), weight: 1 },
);
const isoDates = fc.oneof({ arbitrary: fc.constantFrom(...pools.dates), weight: 3 }, { arbitrary: isoInstants.map((s) => s.slice(0, 10)), weight: 3 }, { arbitrary: fc.constantFrom(...edgeDates), weight: 1 });

/** Amounts in cents: mostly what a scheme awards, sometimes what no scheme can (EUR 100 billion and up to 2^53 - 1). */
const extremeCents = [0, 1, 10_000_000_000_000, 10_000_000_000_001, 2 ** 52, 4_503_599_627_370_496, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER];
const moneyAmounts = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 100_000_000 }), weight: 5 }, { arbitrary: fc.constantFrom(...extremeCents), weight: 2 });

/** A coherent registration: the scheme's own instrument, sections and a time inside its term. */
const registrations = fc.constantFrom(...schemes.all()).chain((scheme) => {
  const d = scheme.definition;
  return fc.record({
    schemeId: fc.constant(d.id),
    instrumentId: fc.constantFrom(...d.instruments.map((i) => i.id)),
    technohub: fc.record({ name: fc.oneof(fc.constantFrom("Technohub Fuzz", "Technohub Twente"), fc.string({ minLength: 1, maxLength: 30 })), region: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }) }),
    applicant: fc.record({ companyName: fc.constantFrom("Metaal BV", "Fuzz BV"), chamberOfCommerceNumber: fc.option(fc.stringMatching(/^\d{8}$/), { nil: null }) }),
    requestedAmountCents: moneyAmounts,
    receivedAt: fc.oneof(
      { arbitrary: fc.date({ min: new Date(`${d.term.opens}T08:00:00Z`), max: new Date(`${d.term.closes}T16:00:00Z`), noInvalidDate: true }).map((t) => t.toISOString()), weight: 5 },
      { arbitrary: fc.constantFrom(...edgeInstants), weight: 1 },
    ),
    sectionIds: fc.subarray(d.requiredSections.map((r) => r.id)),
  });
});

const criterionIds = [...new Set(schemes.all().flatMap((x) => x.definition.evaluationCriteria.map((c) => c.id)))];
const sessionIds = [...new Set(schemes.all().flatMap((x) => x.definition.commitments.flatMap((c) => ("sessions" in c ? c.sessions.map((v) => v.id) : []))))];

/** Whole bodies, where fields depend on each other; `derived` is the body schema's own arbitrary. */
function bodyHint(routeId: RouteId, derived: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> | undefined {
  switch (routeId) {
    case "RegisterApplication":
      return registrations;
    case "SubmitSelfEvaluation":
      // R-VD-08: each criterion of the scheme exactly once; mostly a first submission (corrects nothing).
      return fc.tuple(derived, fc.boolean()).map(([body, first]) => {
        const b = body as { criteria: object[]; corrects: unknown };
        return { ...b, corrects: first ? null : b.corrects, criteria: criterionIds.map((criterionId, i) => ({ ...b.criteria[i % b.criteria.length], criterionId })) };
      });
    // Issue 13: change requests the world's grant can take (or that the rules refuse and record), and decisions on them.
    case "SubmitChangeRequest":
      return fc.record({
        change: fc.oneof(
          fc.record({ kind: fc.constant("decrease"), decreaseCents: fc.integer({ min: 1, max: 10_000 }) }),
          fc.record({ kind: fc.constant("end-date-extension"), newEndDate: fc.constantFrom("2021-12-31", "2022-06-30") }),
          fc.record({ kind: fc.constant("cost-line-shift"), shifts: fc.constant([{ fromLineId: "staff", toLineId: "staff", amountCents: 100 }]) }),
        ),
        receivedOn: fc.constantFrom("2021-04-01", "2019-09-16", "2019-10-01"),
      });
    case "DecideChangeRequest":
      return fc.constantFrom({ decision: "grant" }, { decision: "refuse", reasons: ["fuzz"] });
    default:
      return undefined;
  }
}

/** Real values by field name: they get requests past "unknown id" into the domain rules. */
function hintFor(key: string | undefined, schema: unknown): fc.Arbitrary<unknown> | undefined {
  const type = def(schema).type;
  switch (key) {
    case "schemeId":
      return fc.constantFrom(...schemeIds);
    case "instrumentId":
      return fc.constantFrom(...schemes.all().flatMap((s) => s.definition.instruments.map((i) => i.id)));
    case "roundId":
      return fc.constantFrom(...roundIds);
    case "sectionIds":
    case "missingSectionIds":
      return fc.subarray(sectionIds, { minLength: 1, maxLength: 5 });
    case "membersPresent":
      return fc.subarray(members, { minLength: 1 });
    case "trancheId":
      return fc.constantFrom("advance", "final", ...pools.ids.filter((id) => /^\d{4}$/.test(id)));
    case "toBudgetLineId":
      return fc.constantFrom(...budgetLineIds);
    case "iban":
      return fc.constantFrom("NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "DE89370400440532013000", "GB82WEST12345698765432", "NL91ABNA0417164301");
    case "answers":
      return fc.constant(vdAnswers);
    case "sessionId":
      return fc.constantFrom(...sessionIds);
    case "recipients":
      // Issue 13: a letter's re-send to other addresses; the outbox refuses `.invalid` ones, as SES bounces them.
      return fc.subarray(["aanvrager@fuzz.example", "Tweede@Fuzz.example", "weg@fuzz.invalid"], { maxLength: 3 });
    case "requestedAmountCents":
    case "amountCents":
    case "approvedEligibleCostsCents":
    case "totalPlanCostsCents":
    case "hourlyRateCents":
      return type === "number" ? moneyAmounts : undefined;
    default:
      return undefined;
  }
}

/** An arbitrary of values the schema accepts (mostly: trimmed-away strings and the like may still fail it). */
function arbitraryOf(schema: unknown, key?: string): fc.Arbitrary<unknown> {
  const hint = hintFor(key, schema);
  const derived = derive(schema, key);
  return hint ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: derived, weight: 1 }) : derived;
  function derive(s: unknown, k?: string): fc.Arbitrary<unknown> {
    const dd = def(s);
    switch (dd.type) {
      case "string":
        return stringArbitrary(s);
      case "number":
        return numberArbitrary(s);
      case "boolean":
        return fc.boolean();
      case "literal":
        return fc.constantFrom(...(dd.values as unknown[]));
      case "enum":
        return fc.constantFrom(...Object.values(dd.entries as Record<string, unknown>));
      case "nullable":
        return fc.option(arbitraryOf(dd.innerType, k), { nil: null, freq: 4 });
      case "optional":
      case "default":
      case "prefault":
      case "readonly":
      case "nonoptional":
      case "catch":
        return arbitraryOf(dd.innerType, k);
      case "pipe":
        return arbitraryOf(dd.in, k);
      case "array": {
        const min = checksOf(s).find((c) => c.check === "min_length")?.minimum ?? 0;
        const max = checksOf(s).find((c) => c.check === "max_length")?.maximum ?? 5;
        return fc.array(arbitraryOf(dd.element), { minLength: min, maxLength: Math.max(min, Math.min(max, 4)) });
      }
      case "record":
        return fc.dictionary(stringArbitrary(dd.keyType) as fc.Arbitrary<string>, arbitraryOf(dd.valueType), { maxKeys: 3 });
      case "object": {
        const shape = dd.shape as Record<string, unknown>;
        const required = Object.keys(shape).filter((name) => !["optional", "default", "prefault"].includes(def(shape[name]).type));
        return fc.record(Object.fromEntries(Object.entries(shape).map(([name, field]) => [name, arbitraryOf(field, name)])), { requiredKeys: required as never[] });
      }
      case "union":
        return fc.oneof(...(dd.options as unknown[]).map((o) => arbitraryOf(o, k)));
      default:
        return fc.constant(undefined);
    }
  }
}

function stringArbitrary(schema: unknown): fc.Arbitrary<unknown> {
  const d = def(schema);
  if (d.type !== "string") return arbitraryOf(schema);
  const checks = checksOf(schema);
  const format = d.format ?? checks.find((c) => c.check === "string_format")?.format;
  if (format === "datetime") return isoInstants;
  if (format === "date") return isoDates;
  const min: number = checks.find((c) => c.check === "min_length")?.minimum ?? 0;
  const max: number = checks.find((c) => c.check === "max_length")?.maximum ?? 200;
  const regex = checks.find((c) => c.check === "string_format" && c.format === "regex")?.pattern as RegExp | undefined;
  if (regex) {
    const pool = pools.ids.filter((id) => regex.test(id) && id.length >= min && id.length <= max);
    const random = fc.stringMatching(regex).filter((s) => s.length >= min && s.length <= max);
    return pool.length ? fc.oneof(fc.constantFrom(...pool), random) : random;
  }
  const text = fc.string({ unit: fc.oneof({ arbitrary: fc.constantFrom(..."abcdefghij klmnop"), weight: 8 }, { arbitrary: fc.constantFrom("é", "😀", "ש", "\u0000", "\ud800", "ß", "\u202e"), weight: 1 }), minLength: min, maxLength: Math.min(max, 60) });
  return text.filter((s) => s.trim().length >= min && s.length <= max);
}

function numberArbitrary(schema: unknown): fc.Arbitrary<number> {
  const checks = checksOf(schema);
  const integer = checks.some((c) => c.check === "number_format" && (c.format === "safeint" || c.format === "int32"));
  let min = -1e9;
  let max = 1e9;
  for (const c of checks) {
    if (c.check === "greater_than") min = Math.max(min, c.inclusive ? c.value : c.value + (integer ? 1 : Number.EPSILON));
    if (c.check === "less_than") max = Math.min(max, c.inclusive ? c.value : c.value - (integer ? 1 : Number.EPSILON));
  }
  const realistic = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, Math.max(min, 0) + 100_000_000)) }) : fc.double({ min, max, noNaN: true });
  const edges = fc.constantFrom(...[min, max, Math.ceil(min), Math.floor(max)].filter((n) => n >= min && n <= max && (!integer || Number.isSafeInteger(n))));
  return fc.oneof({ arbitrary: realistic, weight: 5 }, { arbitrary: edges, weight: 1 });
}

// ---------------------------------------------------------------------------------------------
// Breaking one thing: near-valid bodies

const RAW = "\u0001raw\u0001";
type Raw = { [RAW]: string };
const raw = (text: string): Raw => ({ [RAW]: text });

/** JSON text in which `raw(...)` markers are replaced by their literal text (numbers JSON allows but JS mangles). */
function jsonText(value: unknown): string {
  const literals: string[] = [];
  const text = JSON.stringify(value, (_, v) => (v && typeof v === "object" && RAW in v ? `${RAW}${literals.push(v[RAW]) - 1}` : v));
  return text === undefined ? "" : text.replace(/"\\u0001raw\\u0001(\d+)"/g, (_, i: string) => literals[Number(i)]!);
}

type Path = Array<string | number>;
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))];
  if (value && typeof value === "object") return [at, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
  return [at];
}

function setAt(value: unknown, path: Path, replace: (old: unknown, parent: any, key: string | number) => unknown): unknown {
  const copy = structuredClone(value);
  if (path.length === 0) return replace(copy, undefined, "");
  let parent: any = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  const key = path.at(-1)!;
  const next = replace(parent[key], parent, key);
  if (next === DELETE) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = next;
  return copy;
}
const DELETE = Symbol("delete");

/** A long string of about `bytes` UTF-8 bytes made of `unit`. */
const longString = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit))));

type Mutation =
  | { kind: "delete" }
  | { kind: "wrong-type"; value: unknown }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "number"; value: number | Raw }
  | { kind: "string"; value: string }
  | { kind: "long"; unit: string; bytes: number };

const wrongTypes = fc.constantFrom<unknown>(null, true, false, 0, -1, "", "text", "NaN", [], [null], {}, { a: 1 }, "2021-02-30", "2021-13-01", "2021-02-28T25:00:00.000Z", "0x10", " 12 ");
const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: "delete" }),
  wrongTypes.map((value): Mutation => ({ kind: "wrong-type", value })),
  fc.record({ key: fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "extra", "", "😀", "a".repeat(300)), fc.string()), value: wrongTypes }).map((m): Mutation => ({ kind: "extra", ...m })),
  fc.oneof(fc.constantFrom(...oddNumbers), fc.constantFrom(...rawNumberLiterals).map(raw), fc.integer(), fc.double()).map((value): Mutation => ({ kind: "number", value })),
  fc.oneof(fc.constantFrom(...oddStrings), fc.string({ unit: "binary", maxLength: 40 })).map((value): Mutation => ({ kind: "string", value })),
  fc.record({ unit: fc.constantFrom("a", "é", "😀", "\u202e", "\u0000", "𝔘", "x ", "\ud800", "["), bytes: fc.constantFrom(300, 2_100, 5_000, 20_000, 60_000, 95_000) }).map((m): Mutation => ({ kind: "long", ...m })),
);

function mutate(value: unknown, pick: number, mutation: Mutation): unknown {
  const paths = pathsOf(value);
  const path = paths[pick % paths.length]!;
  switch (mutation.kind) {
    case "delete":
      return path.length ? setAt(value, path, () => DELETE) : undefined;
    case "wrong-type":
    case "number":
    case "string":
      return setAt(value, path, () => mutation.value);
    case "long": {
      const budget = Math.max(100, MAX_BODY_BYTES - Buffer.byteLength(jsonText(value)) - 100);
      return setAt(value, path, () => longString(mutation.unit, Math.min(mutation.bytes, budget / (mutation.unit === "\u0000" || mutation.unit === "\ud800" ? 6 : 1.2))));
    }
    case "extra":
      return setAt(value, path, (old) => (old && typeof old === "object" && !Array.isArray(old) ? Object.defineProperty({ ...old }, mutation.key, { value: mutation.value, enumerable: true }) : Array.isArray(old) ? [...old, mutation.value] : { [mutation.key]: mutation.value }));
  }
}

const garbageBodies = fc.oneof(
  fc.constantFrom(
    "{", "}", "[", "[]", "null", "true", "0", "-0", "1e309", "\"text\"", "{}", "{\"a\":1}{", "{\"a\":}", "{'a':1}", "{a:1}", "<xml><a>1</a></xml>", "a=1&b=2", "\ufeff{}",
    "{\"__proto__\":{\"polluted\":true}}", "{\"constructor\":{\"prototype\":{\"polluted\":true}}}", "[".repeat(5_000) + "]".repeat(5_000), "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000),
    "{\"x\":\"\\ud800\"}", "{\"x\":\"\\u0000\"}", "\"\\ud800\"", "NaN", "Infinity", "undefined", " ", "\n\n",
  ),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
);

// ---------------------------------------------------------------------------------------------
// A request

interface FuzzRequest {
  readonly kind: "valid" | "near-valid" | "garbage" | "no-body";
  readonly params: Record<string, { value: string; encoded: string }>;
  readonly query: string;
  readonly bodyText: string | undefined;
  readonly contentType: string | undefined;
  readonly ifMatch: string | "current" | undefined;
  readonly idempotencyKey: string | undefined;
  readonly subject: string;
  readonly role: StaffRole;
}

/** No lone surrogate (String.prototype.isWellFormed, which the project's TypeScript lib does not declare yet). */
const wellFormed = (value: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);

/** Percent-encodes what encodeURIComponent can; a lone surrogate becomes its (ill-formed) UTF-8 bytes. */
function encodeSegment(value: string): { encoded: string; wellFormed: boolean } {
  if (wellFormed(value)) return { encoded: encodeURIComponent(value), wellFormed: true };
  const encoded = [...value].map((ch) => (wellFormed(ch) ? encodeURIComponent(ch) : `%${((ch.charCodeAt(0) >> 12) | 0xe0).toString(16)}%${(((ch.charCodeAt(0) >> 6) & 0x3f) | 0x80).toString(16)}%${((ch.charCodeAt(0) & 0x3f) | 0x80).toString(16)}`)).join("");
  return { encoded, wellFormed: false };
}

/** Routes whose success ends an application's life get applications of their own, so the world's grant and hub stay targets. */
const ending = new Set<string>(["WithdrawApplication", "LapseAward"]);

function realTargets(name: string, routeId: string): string[] {
  switch (name) {
    case "applicationId":
      return ending.has(routeId) ? [world.awarded, world.queued, world.registered, world.sterk] : [world.granted, world.queued, world.registered, world.hub, world.sterk, world.awarded];
    case "grantId":
      return [world.granted, world.hub];
    case "invoiceId":
      return [world.registeredInvoice, world.approvedInvoice];
    case "schemeId":
      return schemeIds;
    case "budgetLineId":
      return budgetLineIds;
    case "roundId":
      return roundIds;
    case "hubKey":
      return [world.hubKey, hubKeyOf("Technohub Fuzz")];
    case "messageKey":
      return [...world.correspondence, "0".repeat(64)];
    case "requestId":
      return [world.changeRequest];
    case "letterId":
      return [...world.letters, "0".repeat(40)];
    default:
      return [];
  }
}

const paramValue = (name: string, routeId: string) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...realTargets(name, routeId)), weight: 12 },
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/), weight: 2 },
    { arbitrary: fc.constantFrom(...oddStrings.filter((s) => s !== "" && !/^\.+$/.test(s))), weight: 2 },
    { arbitrary: fc.constantFrom(...pools.ids), weight: 1 },
    { arbitrary: fc.constantFrom(100, 128, 129, 1_000, 6_000).map((n) => "x".repeat(n)), weight: 1 },
  );

/** Parameters that belong together: an invoice of its grant, a hub of its scheme, a scheme's own lines and rounds. */
function coherentParams(names: ReadonlyArray<string>): fc.Arbitrary<Record<string, string>> | undefined {
  const has = (...n: string[]) => n.every((x) => names.includes(x));
  if (has("grantId", "invoiceId")) return fc.constantFrom({ grantId: world.granted, invoiceId: world.registeredInvoice }, { grantId: world.granted, invoiceId: world.approvedInvoice });
  if (has("grantId", "requestId")) return fc.constant({ grantId: world.granted, requestId: world.changeRequest });
  if (has("schemeId", "hubKey")) return fc.constant({ schemeId: "verduurzamen-2025", hubKey: world.hubKey });
  if (has("schemeId", "budgetLineId")) return fc.constantFrom(...schemes.all().flatMap((x) => x.definition.budgetLines.map((l) => ({ schemeId: x.definition.id, budgetLineId: l.id }))));
  if (has("schemeId", "roundId")) return fc.constantFrom(...schemes.all().flatMap((x) => x.definition.committeeRounds.map((r) => ({ schemeId: x.definition.id, roundId: r.id }))));
  return undefined;
}

const ifMatches = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 10 },
  { arbitrary: fc.constant<"current">("current"), weight: 3 },
  { arbitrary: fc.constantFrom("", " ", "abc", "-1", "1.5", "\"3\"", "W/\"3\"", "*", "99999999999999999999", "1e3", "0x10", " 2 ", "NaN", "Infinity", "0", "\"\"", "é", "1,2", "9007199254740993"), weight: 3 },
);

const idempotencyKeys = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 6 },
  { arbitrary: fc.constant("fresh"), weight: 5 },
  { arbitrary: fc.constantFrom("", " ", "k\tk", "é-", "x".repeat(201), "key with spaces", "ключ", "😀"), weight: 1 },
);

function queryArbitrary(schema: unknown): fc.Arbitrary<string> {
  const junk = fc.oneof(
    fc.constantFrom("", "?", "a=%zz", "&&=&", "schemeId", "schemeId=", "schemeId=technohubs-2020&schemeId=verduurzamen-2025", `x=${"y".repeat(5_000)}`, "format=xml", "today=2021-02-30", "at=9999-12-31", "%E0%A4%A=1", "schemeId=%00", "schemeId=%ED%A0%80"),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 3 }).map((o) => new URLSearchParams(o).toString()),
  );
  if (!schema) return junk;
  const valid = arbitraryOf(schema).map((o) => new URLSearchParams(Object.entries((o ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null).map(([k, v]): [string, string] => [k, String(v)])).toString());
  const nearValid = fc.tuple(arbitraryOf(schema), fc.nat(), mutations).map(([o, pick, m]) => {
    const broken = mutate(o ?? {}, pick, m);
    const entries = broken && typeof broken === "object" ? Object.entries(broken).filter(([, v]) => v !== undefined) : [["q", String(broken)]];
    return entries.map(([k, v]) => `${encodeURIComponent(String(k))}=${typeof v === "string" ? encodeSegment(v).encoded : encodeURIComponent(jsonText(v))}`).join("&");
  });
  return fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: nearValid, weight: 3 }, { arbitrary: junk, weight: 1 });
}

function requestArbitrary(route: ApiRoute): fc.Arbitrary<FuzzRequest> {
  const schemas = routeSchemas.get(route.id as RouteId) ?? ({} as RouteSchemas<unknown, unknown, unknown>);
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const independent = fc.record(Object.fromEntries(names.map((n) => [n, paramValue(n, route.id)]))) as fc.Arbitrary<Record<string, string>>;
  const coherent = coherentParams(names);
  const params = (coherent ? fc.oneof({ arbitrary: coherent, weight: 3 }, { arbitrary: independent, weight: 2 }) : independent).map((values) =>
    Object.fromEntries(Object.entries(values).map(([n, v]) => [n, { value: v, encoded: encodeSegment(v).encoded }])),
  );
  const bodySchema = schemas.body;
  const derived = bodySchema ? arbitraryOf(bodySchema) : fc.constant({});
  const hinted = bodyHint(route.id as RouteId, derived);
  const validValue = hinted ? fc.oneof({ arbitrary: hinted, weight: 3 }, { arbitrary: derived, weight: 1 }) : derived;
  const body = fc.oneof(
    { arbitrary: validValue.map((v) => ({ kind: "valid" as const, text: jsonText(v) })), weight: route.method === "GET" ? 0 : 5 },
    { arbitrary: fc.tuple(validValue, fc.nat(), mutations).map(([v, pick, m]) => ({ kind: "near-valid" as const, text: jsonText(mutate(v, pick, m)) })), weight: route.method === "GET" ? 0 : 5 },
    { arbitrary: garbageBodies.map((text) => ({ kind: "garbage" as const, text })), weight: route.method === "GET" ? 1 : 2 },
    { arbitrary: fc.constant({ kind: "no-body" as const, text: undefined as string | undefined }), weight: route.method === "GET" ? 6 : 1 },
  );
  return fc
    .record({
      params,
      query: fc.oneof({ arbitrary: fc.constant(""), weight: schemas.query ? 0 : 4 }, { arbitrary: queryArbitrary(schemas.query), weight: 2 }),
      body,
      contentType: fc.oneof({ arbitrary: fc.constant("application/json"), weight: 8 }, { arbitrary: fc.constantFrom(undefined, "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data; boundary=x"), weight: 1 }),
      ifMatch: ifMatches,
      idempotencyKey: idempotencyKeys,
      roleIndex: fc.nat(),
      subject: fc.constantFrom("anna", "bram", "carla"),
    })
    .map(({ params, query, body, contentType, ifMatch, idempotencyKey, roleIndex, subject }) => {
      const role = route.roles[roleIndex % route.roles.length]!;
      // Fresh per request: reusing a key with another body is finding 4 (a 422 expected later), not this property's.
      const key = idempotencyKey === "fresh" ? `fuzz-${randomUUID()}` : idempotencyKey === undefined ? undefined : `${idempotencyKey}${idempotencyKey.length > 150 ? randomUUID() : ""}`;
      return { kind: body.kind, params, query, bodyText: body.text, contentType: body.text === undefined ? undefined : contentType, ifMatch, idempotencyKey: key, subject: `${role}-${subject}`, role };
    });
}

// ---------------------------------------------------------------------------------------------
// Running a request and checking it

type StatusClass = "2xx" | "3xx" | "4xx" | "5xx";
const tally = new Map<string, Record<StatusClass, number>>();
/** Every event appended while the fuzz runs, by correlation id: the store's append, observed. */
const appendedBy = new Map<string, RecordedEvent[]>();
let appendedTotal = 0;
let eventsBefore = 0;
/** Issue 13: events the letters reaction appends on its own, after the request whose decision it answers (not that request's writes). */
let reactionAppended = 0;
const byLettersReaction = (event: RecordedEvent) => event.metadata.actor === "letters" && event.metadata.channel === "system";
/** Every event in the table, once the letters reaction has caught up with what the requests decided. */
async function countEventsSettled(): Promise<number> {
  await backOffice.settle();
  return countEvents();
}

function count(routeId: string, status: number) {
  const row = tally.get(routeId) ?? { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
  row[`${Math.floor(status / 100)}xx` as StatusClass]++;
  tally.set(routeId, row);
}

/** The primary stream a route writes to, for If-Match "current". */
function primaryStream(route: ApiRoute, params: Record<string, { value: string }>): string | undefined {
  const p = (n: string) => params[n]?.value ?? "";
  if (route.path.startsWith("/applications/")) return streamIds.application(p("applicationId"));
  if (route.path.startsWith("/grants/")) return streamIds.grant(p("grantId"));
  if (route.path.includes("/hubs/")) return streamIds.hub(p("schemeId"), p("hubKey"));
  if (route.id === "ReleaseBudgetTranche") return streamIds.budgetLine(p("schemeId"), p("budgetLineId"));
  if (route.id === "LowerBudgetLine" || route.id === "CorrectBudgetTrancheRelease" || route.id === "TransferBudget") return streamIds.budgetLine(p("schemeId"), p("budgetLineId"));
  if (route.id === "OpenScheme") return streamIds.scheme(p("schemeId"));
  return undefined;
}

async function countEvents(): Promise<number> {
  const client = localClient();
  try {
    let total = 0;
    let start: Record<string, any> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: backOffice.tables.events, Select: "COUNT", ExclusiveStartKey: start }));
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  } finally {
    client.destroy();
  }
}

const excerpt = (text: string | undefined, n = 300) => (text === undefined ? "(none)" : text.length > n ? `${JSON.stringify(text.slice(0, n))}… (${text.length} chars)` : JSON.stringify(text));

/** A refusal the domain records on purpose (R-X-05, R-TH-01, R-X-02): the submission and its refusal, nothing else. */
function isRecordedRefusal(status: number, body: any, written: RecordedEvent[]): boolean {
  // Issue 13: a change request the rules refuse on arrival is kept with its refusal.
  const changeRequest = new Set(["ChangeRequestSubmitted", "ChangeRequestRefused"]);
  if ((status === 409 || status === 422) && written.some((e) => e.type === "ChangeRequestRefused") && written.every((e) => changeRequest.has(e.type))) return true;
  // Issue 16: an erasure refused (a running file, the fiscal retention period) is recorded with its reason, and answered 409.
  const erasure = new Set(["PersonalDataErasureRequested", "PersonalDataErasureRefused"]);
  if (status === 409 && written.some((e) => e.type === "PersonalDataErasureRefused") && written.every((e) => erasure.has(e.type))) return true;
  if (status !== 409 || !["closed", "budget-exhausted"].includes(body?.title)) return false;
  const allowed = new Set(["ApplicationRegistered", "ApplicationSectionsReceived", "ApplicationRefused", "BudgetLineIntakeClosed"]);
  return written.some((e) => e.type === "ApplicationRefused") && written.every((e) => allowed.has(e.type));
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * A plain HTTP request, as any client can send it: a GET may carry a body, and header values go on
 * the wire as bytes (UTF-8 where a client would send UTF-8), which fetch refuses to do.
 */
function httpRequest(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const url = new URL(backOffice.apiUrl);
  const wire = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("latin1")]));
  const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, agent, headers: { ...wire, ...(payload ? { "content-length": String(payload.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** Which of the route's schemas (body, path, query) refuses the request as the handler will see it, if any. */
function schemaRefusal(route: ApiRoute, request: FuzzRequest): string | undefined {
  const schemas = routeSchemas.get(route.id as RouteId) ?? {};
  if (schemas.body) {
    let body: unknown;
    try {
      body = request.bodyText ? JSON.parse(request.bodyText) : undefined;
    } catch {
      return "body";
    }
    if (!schemas.body.safeParse(body).success) return "body";
  }
  if (schemas.path && !schemas.path.safeParse(Object.fromEntries(Object.entries(request.params).map(([n, p]) => [n, p.value]))).success) return "path";
  if (schemas.query && !schemas.query.safeParse(request.query ? Object.fromEntries(new URLSearchParams(request.query)) : {}).success) return "query";
  return undefined;
}


async function send(route: ApiRoute, request: FuzzRequest): Promise<{ status: number; body: any }> {
  const path = route.path.replace(/\{([^}]+)\}/g, (_, n: string) => request.params[n]!.encoded) + (request.query ? `?${request.query}` : "");
  const correlationId = `fuzz-${randomUUID()}`;
  const headers: Record<string, string> = { "x-correlation-id": correlationId, authorization: `Bearer ${await backOffice.token(request.role, request.subject)}` };
  if (request.contentType) headers["content-type"] = request.contentType;
  if (request.idempotencyKey !== undefined) headers["idempotency-key"] = request.idempotencyKey;
  const stream = primaryStream(route, request.params);
  if (request.ifMatch === "current") headers["if-match"] = `"${stream ? (await backOffice.dependencies.events.readStream(stream).catch(() => [])).length : 0}"`;
  else if (request.ifMatch !== undefined) headers["if-match"] = request.ifMatch;

  const before = appendedTotal;
  const response = await httpRequest(route.method, path, headers, request.bodyText);
  const text = response.text;
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (a PDF, CSV): keep the text
  }
  const status = response.status;
  count(route.id, status);
  const written = appendedBy.get(correlationId) ?? [];
  const describe = () =>
    `${route.method} ${path.length > 400 ? `${path.slice(0, 400)}… (${path.length} chars)` : path} as ${request.role}/${request.subject} [${request.kind}]` +
    ` headers ${JSON.stringify({ ...headers, authorization: undefined })} body ${excerpt(request.bodyText)}` +
    ` -> ${status} ${excerpt(text, 600)}; wrote ${written.map((e) => `${e.streamId}@${e.version}:${e.type}`).join(", ") || "nothing"}`;

  // Input the route's own schemas refuse can never succeed.
  if (status >= 200 && status < 300) {
    const refusedBy = schemaRefusal(route, request);
    if (refusedBy) expect.fail(`a ${status} for input the route's ${refusedBy} schema refuses: ${describe()}`);
  }

  // Nothing but this request may have written while it ran (requests run one at a time).
  expect(appendedTotal - before, `events from another request appeared during: ${describe()}`).toBe(written.length);

  if (status >= 500) expect.fail(`5xx: ${describe()}`);
  if (status >= 400) {
    if (written.length && !isRecordedRefusal(status, body, written)) expect.fail(`a ${status} left events behind: ${describe()}`);
    return { status, body };
  }
  if (status >= 200 && status < 300) {
    // A 2xx write is complete: every event it reported is in the log as written, at its version.
    for (const event of written) {
      const [stored] = await backOffice.dependencies.events.readStream(event.streamId, event.version, event.version);
      expect(stored?.eventId, `event ${event.streamId}@${event.version} missing after: ${describe()}`).toBe(event.eventId);
      // As written, to the character: unicode (lone surrogates included) must survive the round trip, or the hash chain breaks.
      expect({ data: stored?.data, hash: stored?.hash }, `event ${event.streamId}@${event.version} reads back changed after: ${describe()}`).toEqual({ data: event.data, hash: event.hash });
    }
    if (Array.isArray(body?.recorded)) {
      expect(body.recorded.map((e: any) => `${e.streamId}@${e.version}`), describe()).toEqual(response.headers["idempotent-replayed"] ? body.recorded.map((e: any) => `${e.streamId}@${e.version}`) : written.map((e) => `${e.streamId}@${e.version}`));
    }
    if (!route.writes) expect(written, `a read wrote: ${describe()}`).toEqual([]);
  }
  return { status, body };
}

// ---------------------------------------------------------------------------------------------
// The money pipeline: one application's whole life, each amount drawn from realistic to extreme

const RUNS_PIPELINE = Number(process.env.FUZZ_RUNS_PIPELINE ?? 24);
let pipelineCount = 0;

/** Per run, amounts either stay what schemes award or are pushed to the extremes (so two huge cost lines meet). */
const pipelineAmount = (extreme: boolean) => (extreme ? fc.oneof(fc.constantFrom(...extremeCents), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })) : fc.integer({ min: 1, max: 60_000_000 }));

const pipelines = fc
  .record({ scheme: fc.constantFrom("technohubs-2020", "verduurzamen-2025", "sterk-techniekonderwijs-2020"), extreme: fc.boolean(), instrumentPick: fc.nat() })
  .chain(({ scheme, extreme, instrumentPick }) => {
    const d = schemes.get(scheme)!.definition;
    const instrument = d.instruments[instrumentPick % d.instruments.length]!;
    const categories = d.costRules.eligibleCategories.filter((c) => c.instrumentIds.includes(instrument.id)).map((c) => c.id);
    const coFinancing = d.eligibilityChecks.flatMap((c) => (c.kind === "co-financing-min-share" ? c.contributionKinds.map((k) => k.id) : []));
    const partnerKinds = d.eligibilityChecks.flatMap((c) => (c.kind === "consortium-composition" ? c.requiredPartnerKinds : []));
    const amount = pipelineAmount(extreme);
    return fc.record({
      scheme: fc.constant(d),
      instrumentId: fc.constant(instrument.id),
      requestedAmountCents: amount,
      costLines: fc.array(
        fc.record({
          categoryId: categories.length ? fc.constantFrom(...categories, "hardware") : fc.constant("budget"),
          amountCents: amount,
          external: fc.option(fc.record({ hundredthsOfHour: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e21)), hourlyRateCents: amount }), { nil: null, freq: 4 }),
        }),
        { maxLength: 4 },
      ),
      coFinancing: fc.array(fc.record({ kindId: coFinancing.length ? fc.constantFrom(...coFinancing) : fc.constant("financial"), amountCents: amount }), { maxLength: coFinancing.length ? 3 : 0 }),
      partnerKinds: fc.constant(partnerKinds),
      totalPlanCostsCents: fc.option(amount, { nil: null }),
      awardCents: fc.option(amount, { nil: undefined }),
      invoiceCents: fc.option(amount, { nil: undefined }),
      actualCents: amount,
      approvedCents: amount,
      recoveryCents: amount,
      pupils: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 9_999, 10_000)),
    });
  });

type Pipeline = typeof pipelines extends fc.Arbitrary<infer T> ? T : never;

const routeOf = (id: RouteId) => apiRoutes.find((r) => r.id === id)! as ApiRoute;

/** One step as a client sends it: valid JSON, a fresh idempotency key half the time. */
function step(id: RouteId, params: Record<string, string>, body: unknown, role: StaffRole, subject = `${role}-pipeline`) {
  const request: FuzzRequest = {
    kind: "valid",
    params: Object.fromEntries(Object.entries(params).map(([n, v]) => [n, { value: v, encoded: encodeURIComponent(v) }])),
    query: "",
    bodyText: body === undefined ? undefined : jsonText(body),
    contentType: body === undefined ? undefined : "application/json",
    ifMatch: undefined,
    idempotencyKey: Math.random() < 0.5 ? `pipeline-${randomUUID()}` : undefined,
    subject,
    role,
  };
  return send(routeOf(id), request);
}

/** Register, details, complete, assess, award, letter, invoice, approve, pay, final report, review, settle, recovery; stops at the first 4xx. */
async function livePipeline(p: Pipeline): Promise<void> {
  const n = ++pipelineCount;
  const d = p.scheme;
  const sections = d.requiredSections.filter((r) => r.instrumentIds.includes(p.instrumentId)).map((r) => r.id);
  const receivedAt = `${d.term.opens}T10:00:00.000Z`;
  const region = d.id === "sterk-techniekonderwijs-2020" ? `STO19${String(100 + n).padStart(3, "0")}` : `Pijplijnregio ${n}`;
  const registered = await step("RegisterApplication", {}, {
    schemeId: d.id, instrumentId: p.instrumentId, technohub: { name: `Technohub Pijplijn ${n}`, region }, applicant: { companyName: "Pijplijn Metaal BV" },
    requestedAmountCents: p.requestedAmountCents, receivedAt, sectionIds: sections,
  }, "intake");
  if (registered.status !== 201) return;
  const id: string = registered.body.applicationId;
  const details = await step("RecordApplicationDetails", { applicationId: id }, {
    plannedStartDate: d.term.closes, applicantAffiliated: true, leadApplicant: { companyName: "Pijplijn Metaal BV", metalektroCompany: true },
    costLines: p.costLines.map((l, i) => ({ lineId: `line-${i}`, categoryId: l.categoryId, description: `cost line ${i}`, amountCents: l.amountCents, external: l.external })),
    coFinancing: p.coFinancing.map((c, i) => ({ partner: `Partner ${i}`, kindId: c.kindId, amountCents: c.amountCents })),
    partners: p.partnerKinds.map((kindId, i) => ({ name: `Partner ${i}`, kindId })),
    totalPlanCostsCents: p.totalPlanCostsCents,
  }, "intake");
  if (details.status !== 200) return;
  if ((await step("RecordCompleteness", { applicationId: id }, { complete: true }, "intake")).status !== 200) return;
  const answers = Object.fromEntries(d.eligibilityChecks.filter((c) => c.kind === "yes-no" || c.kind === "project-plan").map((c) => [c.id, { answer: true }]));
  if ((await step("AssessApplication", { applicationId: id }, { answers }, "assessor")).status !== 200) return;
  const queued = (await backOffice.dependencies.events.readStream(streamIds.application(id))).find((e) => e.type === "ApplicationQueued");
  const roundId = (queued?.data as { roundId?: string } | undefined)?.roundId ?? "none";
  const round = d.committeeRounds.find((r) => r.id === roundId);
  const decidedOn = round?.expectedMeetingDate ?? round?.submissionDeadline ?? d.term.closes;
  const award = await step("RecordCommitteeDecision", { applicationId: id }, { decision: "award", roundId, membersPresent: members, decidedOn, ...(p.awardCents === undefined ? {} : { amountCents: p.awardCents }) }, "committee-secretary");
  if (award.status !== 200) return;
  if (d.vsoSupplement?.instrumentId === p.instrumentId) {
    // R-ST-03: the change request between award and letter; supplement = pupils x EUR 15,895, reserved on the line.
    await step("RequestVsoSupplement", { applicationId: id }, { partnerSchool: "VSO Fuzz", pupilCount: p.pupils, addendumRef: `addendum-${n}`, requestedOn: decidedOn }, "committee-secretary");
  }
  if ((await step("IssueAwardLetter", { applicationId: id }, { issuedOn: decidedOn }, "committee-secretary")).status !== 200) return;
  const opened = (await backOffice.dependencies.events.readStream(streamIds.grant(id), 1, 1))[0]?.data as { tranches: Array<{ trancheId: string; amountCents: number; trigger: { kind: string; year?: number } }> } | undefined;
  const tranche = opened?.tranches[0];
  if (!tranche) return;
  const invoiceDate = tranche.trigger.kind === "calendar-year" ? `${tranche.trigger.year}-01-15` : decidedOn;
  const invoice = await step("RegisterInvoice", { grantId: id }, {
    trancheId: tranche.trancheId, invoiceNumber: `P-${n}`, invoiceDate, amountCents: p.invoiceCents ?? tranche.amountCents, iban: "NL91ABNA0417164300", documentRef: "s3://documents/p.pdf",
  }, "finance", "finance-anna");
  if (invoice.status !== 201) return;
  const invoiceId: string = invoice.body.recorded[0].data.invoiceId;
  if ((await step("ApprovePayment", { grantId: id, invoiceId }, {}, "finance", "finance-bram")).status !== 200) return;
  if ((await step("RecordPayment", { grantId: id, invoiceId }, { bankReference: `B-${n}`, valueDate: invoiceDate }, "finance", "finance-bram")).status !== 200) return;
  const report = { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: p.actualCents }], submittedOn: invoiceDate };
  if ((await step("SubmitFinalReport", { grantId: id }, report, "intake")).status !== 200) return;
  if ((await step("ReviewFinalReport", { grantId: id }, { decision: "approve", approvedEligibleCostsCents: p.approvedCents, on: invoiceDate }, "assessor")).status !== 200) return;
  const settled = await step("SettleGrant", { grantId: id }, { settledOn: invoiceDate }, "finance");
  if (settled.status !== 200) return;
  await step("RecordRecovery", { grantId: id }, { amountCents: p.recoveryCents, bankReference: `R-${n}`, receivedOn: invoiceDate }, "finance");
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  backOffice = await startTestBackOffice("fuzz");
  staff = new Staff(backOffice);
  world = await buildWorld();
  // Register every handler, so routeSchemas holds every route's schemas (the server loads them lazily).
  await Promise.all(apiRoutes.map((r) => import(/* @vite-ignore */ new URL(`../../${r.entry}`, import.meta.url).href)));
  const store = backOffice.dependencies.events;
  const append = store.append.bind(store);
  store.append = async (appends, options) => {
    const recorded = await append(appends, options);
    if (recorded.some(byLettersReaction)) {
      reactionAppended += recorded.length;
      return recorded;
    }
    for (const event of recorded) {
      const id = event.metadata.correlationId;
      appendedBy.set(id, [...(appendedBy.get(id) ?? []), event]);
    }
    appendedTotal += recorded.length;
    return recorded;
  };
  await backOffice.settle();
  eventsBefore = await countEvents();
}, 120_000);

afterAll(async () => {
  const rows = [...tally.values()];
  const sum = (c: StatusClass) => rows.reduce((s, r) => s + r[c], 0);
  const total = sum("2xx") + sum("3xx") + sum("4xx") + sum("5xx");
  console.log(
    [
      `route fuzz: ${total} requests, 2xx ${sum("2xx")}, 4xx ${sum("4xx")}, 5xx ${sum("5xx")}`,
      ...[...tally].map(([id, r]) => `  ${id}: ${r["2xx"] + r["3xx"] + r["4xx"] + r["5xx"]} requests, 2xx ${r["2xx"]}, 4xx ${r["4xx"]}, 5xx ${r["5xx"]}`),
    ].join("\n"),
  );
  agent.destroy();
  await backOffice?.stop();
});

describe("causes the fuzz found, each through the API", () => {
  it("finding 6: two cost lines of 9,007,199,254,740,991 cents each are refused at the details step (400 naming each amount), and the application can still be assessed", async () => {
    // Prepare
    const id = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Finding Zes", region: "Zesregio" },
      applicant: { companyName: "Zes BV" }, requestedAmountCents: 40_000_000, receivedAt: "2021-01-11T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    const huge = (lineId: string) => ({ lineId, categoryId: "company-staff", description: "Staff", amountCents: Number.MAX_SAFE_INTEGER });

    // Act
    const details = await backOffice.call("intake", "POST", `/applications/${id}/details`, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [huge("a"), huge("b")] });
    await staff.complete(id);
    const assessed = await backOffice.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} });

    // Assess: refused up front, naming both fields; the assessment then runs on what was recorded (no details)
    expect(details.status).toBe(400);
    expect(details.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.costLines.0.amountCents", "body.costLines.1.amountCents"]);
    expect(details.body.errors[0].message).toContain("EUR 100,000,000,000.00");
    expect(assessed.status).toBe(200);
  });

  it.each(["9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "9999-12-31T22:59:59.999Z"])("R-VD-06 calendar edges: an application received at %s (recorded and refused, R-TH-01) leaves the decision deadlines and every read of its scheme answering (was a RangeError, 500)", async (receivedAt) => {
    const created = await backOffice.call("intake", "POST", "/applications", {
      schemeId: "verduurzamen-2025", instrumentId: "hub-middle", technohub: { name: `Technohub Rand ${receivedAt.slice(0, 4)}`, region: "Rand" },
      applicant: { companyName: "Rand BV" }, requestedAmountCents: 3_000_000, receivedAt,
    });
    expect(created.status).toBeLessThan(500);
    await backOffice.settle();
    for (const path of ["/schemes/verduurzamen-2025/decision-deadlines", "/schemes/verduurzamen-2025/decision-deadlines?today=2025-05-10", "/applications?schemeId=verduurzamen-2025", "/hubs", "/schemes/verduurzamen-2025/evaluation", `/applications/${created.body.applicationId}`]) {
      const read = await backOffice.call("committee-secretary", "GET", path);
      expect({ path, status: read.status, body: read.status >= 500 ? read.body : undefined }).toEqual({ path, status: 200, body: undefined });
    }
  });
});

describe("route fuzz: every request ends in its effect or a clear 4xx, never a 5xx", () => {
  for (const route of apiRoutes) {
    it(`${route.id}: ${route.method} ${route.path}`, async () => {
      // fc.check rather than fc.assert: the failure is told by send()'s own summary of the request,
      // not by a counterexample that may print 100 KB of string. No shrinking: the world moves on.
      const run = await fc.check(
        fc.asyncProperty(requestArbitrary(route), async (request) => {
          await send(route, request);
        }),
        { numRuns: route.writes ? RUNS_WRITE : RUNS_READ, endOnFailure: true, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
      );
      if (run.failed) throw new Error(`${route.id} (seed ${run.seed}, path ${run.counterexamplePath}): ${run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance)}`);
      // Independent of the observed appends: the table holds exactly what the requests were seen to write.
      expect(await countEventsSettled()).toBe(eventsBefore + appendedTotal + reactionAppended);
    });
  }

  it("money through a whole life, register to recovery, with amounts from realistic to beyond any scheme: every step its effect or a 4xx", async () => {
    const run = await fc.check(
      fc.asyncProperty(pipelines, async (pipeline) => {
        await livePipeline(pipeline);
      }),
      { numRuns: RUNS_PIPELINE, endOnFailure: true, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );
    if (run.failed) throw new Error(`pipeline (seed ${run.seed}, path ${run.counterexamplePath}): ${run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance)}`);
    expect(await countEventsSettled()).toBe(eventsBefore + appendedTotal + reactionAppended);
  });

  it("R-X-01 after the fuzz, the whole event log verifies: every chain, version and schema, whatever unicode it holds", async () => {
    const client = localClient();
    try {
      await backOffice.settle();
      const { report } = await verifyLog(scanTable(client, backOffice.tables.events));
      expect(report.problems).toEqual([]);
      expect(report.events).toBe(eventsBefore + appendedTotal + reactionAppended);
    } finally {
      client.destroy();
    }
  });

  it("after the fuzz, the read models agree with the log: every application, grant and hub a request wrote to shows its last version", async () => {
    await backOffice.settle();
    const streams = new Set([...appendedBy.values()].flat().map((e) => e.streamId));
    for (const id of [world.granted, world.queued, world.registered, world.hub, world.sterk, world.awarded]) streams.add(streamIds.application(id));
    const readOf = (streamId: string) => {
      const [kind, id] = streamId.split("#") as [string, string];
      if (kind === "application") return `/applications/${encodeURIComponent(id)}`;
      if (kind === "grant") return `/grants/${encodeURIComponent(id)}`;
      if (kind === "hub") return `/schemes/${id.slice(0, id.indexOf("."))}/hubs/${id.slice(id.indexOf(".") + 1)}/evaluation`;
      return undefined;
    };
    const checked = [...streams].filter((id) => readOf(id));
    for (const streamId of checked) {
      const log = await backOffice.dependencies.events.readStream(streamId);
      const view = await backOffice.call("auditor", "GET", readOf(streamId)!);
      expect({ streamId, version: view.body?.version }).toEqual({ streamId, version: log.length });
    }
    expect(checked.length).toBeGreaterThan(10);
  });
});
