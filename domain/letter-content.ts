import type { LetterKind } from "../events/letter-events.ts";
import type { LetterWording } from "../schemes/letter-wording.ts";
import { type BasisPoints, type Cents, assertCents } from "./money.ts";

/**
 * Issue 13: what each letter to an applicant says, in Dutch, from the scheme's wording and the data
 * of the decision. Pure: the same data give the same document (the PDF renderer lays it out), so a
 * letter rendered again for a re-send has the same hash.
 */

// --- Dutch notation -------------------------------------------------------------------------------

/** `€ 1.234.567,89`: Dutch euros from integer cents, exactly (no floating point on the way). */
export function formatDutchEuros(amount: Cents): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a whole number of cents, got ${amount}`);
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  const euros = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${sign}€ ${euros},${String(abs % 100).padStart(2, "0")}`;
}

/** `70%`, `12,5%`: a share in basis points, the Dutch way. */
export function formatDutchShare(share: BasisPoints): string {
  const whole = Math.floor(share / 100);
  const rest = share % 100;
  return rest === 0 ? `${whole}%` : `${whole},${String(rest).padStart(2, "0").replace(/0$/, "")}%`;
}

const months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"];

/** `1 maart 2021` from `2021-03-01`. */
export function formatDutchDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) throw new RangeError(`not a calendar date: ${date}`);
  return `${Number(match[3])} ${months[Number(match[2]) - 1]} ${match[1]}`;
}

// --- The data of each letter ----------------------------------------------------------------------

/** Who the letter is to and about: the same for every kind. */
export interface LetterHeading {
  readonly letterId: string;
  readonly applicationId: string;
  readonly schemeTitle: string;
  readonly instrumentName: string;
  readonly technohub: string;
  readonly region: string | null;
  readonly applicantName: string;
  /** The letter's date: the decision's own date where it has one, else the day it was recorded. */
  readonly date: string;
}

export interface IncompleteLetterData {
  readonly kind: "incomplete";
  readonly missing: ReadonlyArray<{ readonly sectionId: string; readonly title: string }>;
  readonly note: string | null;
  /** The next committee round's submission deadline, when one is still ahead (R-TH-10), or the term's end. */
  readonly completeBy: { readonly date: string; readonly what: string } | null;
}

export interface RefusedLetterData {
  readonly kind: "refused";
  /** The intake refused it (late, budget exhausted: R-TH-01) or the committee rejected it. */
  readonly by: "intake" | "committee";
  readonly reasons: ReadonlyArray<string>;
  readonly ruleIds: ReadonlyArray<string>;
  readonly decidedOn: string | null;
}

export interface AwardLetterData {
  readonly kind: "award";
  readonly amountCents: Cents;
  readonly decidedOn: string;
  readonly roundId: string;
  /** The stored derivation of the amount (AwardGranted), as the assessment computed it. */
  readonly derivation: { readonly formula: string; readonly inputs: Readonly<Record<string, number | string | null>>; readonly ruleIds: ReadonlyArray<string> };
  readonly commitments: ReadonlyArray<{ readonly commitmentId: string; readonly description: string; readonly ruleIds: ReadonlyArray<string> }>;
  readonly tranches: ReadonlyArray<{ readonly trancheId: string; readonly shareBasisPoints: BasisPoints; readonly amountCents: Cents }>;
}

/**
 * A change request ("wijzigingsverzoek") decided. The events (ChangeRequestGranted / Refused) are
 * being built elsewhere; this is the letter's data, to be filled from them when they land.
 */
export interface ChangeRequestDecidedLetterData {
  readonly kind: "change-request-decided";
  readonly changeRequestId: string;
  readonly requestedOn: string;
  readonly decidedOn: string;
  /** What was asked, in a sentence (from the request). */
  readonly summary: string;
  readonly decision: "granted" | "refused";
  readonly reasons: ReadonlyArray<string>;
  readonly ruleIds: ReadonlyArray<string>;
  /** A granted change to the grant's amount, if it changed it. */
  readonly amountChange: { readonly beforeCents: Cents; readonly afterCents: Cents } | null;
}

export interface PaymentLetterData {
  readonly kind: "payment";
  readonly amountCents: Cents;
  readonly trancheId: string;
  readonly valueDate: string;
  /** Masked: the letter goes by email (country, check digits and the last four only). */
  readonly ibanMasked: string;
  readonly bankReference: string;
  readonly grantCents: Cents;
  readonly paidSoFarCents: Cents;
}

export interface SettlementLetterData {
  readonly kind: "settlement";
  readonly awardCents: Cents;
  readonly finalGrantCents: Cents;
  readonly paidCents: Cents;
  readonly finalPaymentCents: Cents;
  readonly recoveryCents: Cents;
  readonly settledOn: string;
  readonly derivation: { readonly formula: string; readonly inputs: Readonly<Record<string, number | string | null>>; readonly ruleIds: ReadonlyArray<string> };
}

export interface RecoveryLetterData {
  readonly kind: "recovery";
  readonly amountCents: Cents;
  readonly receivedOn: string;
  readonly bankReference: string;
  readonly claimCents: Cents;
  /** Received so far, this payment included. */
  readonly receivedTotalCents: Cents;
}

export type LetterData = IncompleteLetterData | RefusedLetterData | AwardLetterData | ChangeRequestDecidedLetterData | PaymentLetterData | SettlementLetterData | RecoveryLetterData;

// --- The document ---------------------------------------------------------------------------------

export type LetterBlock =
  | { readonly kind: "heading"; readonly text: string }
  | { readonly kind: "paragraph"; readonly text: string }
  | { readonly kind: "bullets"; readonly items: ReadonlyArray<string> }
  /** Label and value rows; amounts right-aligned by the renderer. */
  | { readonly kind: "rows"; readonly rows: ReadonlyArray<{ readonly label: string; readonly value: string; readonly emphasis?: boolean }> };

export interface LetterDocument {
  readonly kind: LetterKind;
  /** The letter's subject, also the email's, with the application's reference so replies are filed with it. */
  readonly subject: string;
  readonly reference: string;
  readonly date: string;
  readonly sender: LetterWording["sender"];
  readonly addressee: ReadonlyArray<string>;
  readonly blocks: ReadonlyArray<LetterBlock>;
  readonly signature: ReadonlyArray<string>;
  /** The short email that carries the PDF. */
  readonly mailText: string;
  readonly template: string;
}

const titles: Readonly<Record<LetterKind, string>> = {
  incomplete: "Uw aanvraag is nog niet volledig",
  refused: "Besluit op uw aanvraag: afwijzing",
  award: "Toekenningsbrief: besluit op uw aanvraag",
  "change-request-decided": "Besluit op uw wijzigingsverzoek",
  payment: "Betaling van uw subsidie",
  settlement: "Vaststelling van uw subsidie",
  recovery: "Ontvangst van uw terugbetaling",
};

/** The application's reference as the intake reads it in a reply's subject (`[APP-<id>]`). */
export const applicationReference = (applicationId: string) => `APP-${applicationId}`;

const rules = (ruleIds: ReadonlyArray<string>) => (ruleIds.length ? ` (${ruleIds.join(", ")})` : "");

/** Dutch labels of a derivation's inputs; amounts end in Cents, shares in BasisPoints. */
const inputLabels: Readonly<Record<string, string>> = {
  eligibleCostsCents: "Subsidiabele kosten",
  maxShareOfEligibleCostsBasisPoints: "Ten hoogste dit deel van de subsidiabele kosten",
  maxAmountCents: "Maximaal subsidiebedrag",
  requestedAmountCents: "Aangevraagd bedrag",
  approvedEligibleCostsCents: "Goedgekeurde subsidiabele kosten",
  pupilCount: "Aantal VSO-leerlingen",
  perPupilCents: "Bedrag per leerling",
};

function derivationRows(derivation: AwardLetterData["derivation"]): Array<{ label: string; value: string }> {
  return Object.entries(derivation.inputs)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => {
      const label = inputLabels[key] ?? key;
      if (typeof value === "number" && key.endsWith("Cents")) return { label, value: formatDutchEuros(value) };
      if (typeof value === "number" && key.endsWith("BasisPoints")) return { label, value: formatDutchShare(value) };
      return { label, value: String(value) };
    });
}

/** The letter for the data, in the scheme's words. */
export function composeLetter(heading: LetterHeading, data: LetterData, wording: LetterWording): LetterDocument {
  const reference = applicationReference(heading.applicationId);
  const about = `${heading.schemeTitle}: ${heading.instrumentName}, ${heading.technohub}`;
  const blocks: LetterBlock[] = [];
  const p = (text: string) => blocks.push({ kind: "paragraph", text });
  const h = (text: string) => blocks.push({ kind: "heading", text });
  const objection = () => {
    h("Bezwaar");
    for (const text of wording.objection) p(text);
  };

  switch (data.kind) {
    case "incomplete": {
      p(`Wij hebben uw aanvraag voor de ${about} ontvangen. Wij nemen alleen volledige aanvragen in behandeling, op volgorde van binnenkomst. Uw aanvraag is nog niet volledig: de volgende onderdelen ontbreken.`);
      blocks.push({ kind: "bullets", items: data.missing.map((m) => m.title) });
      if (data.note) p(`Toelichting: ${data.note}`);
      if (data.completeBy) p(`Stuur de ontbrekende onderdelen uiterlijk ${formatDutchDate(data.completeBy.date)} (${data.completeBy.what}), per e-mail met het kenmerk ${reference} in het onderwerp. Uw aanvraag wordt in behandeling genomen zodra zij volledig is; wat u al stuurde, blijft bewaard.`);
      else p(`Stuur de ontbrekende onderdelen per e-mail met het kenmerk ${reference} in het onderwerp. Uw aanvraag wordt in behandeling genomen zodra zij volledig is; wat u al stuurde, blijft bewaard.`);
      break;
    }
    case "refused": {
      p(
        data.by === "committee"
          ? `${capitalise(wording.decidedBy)} heeft op ${data.decidedOn ? formatDutchDate(data.decidedOn) : formatDutchDate(heading.date)} besloten uw aanvraag voor de ${about} af te wijzen.`
          : `Wij kunnen uw aanvraag voor de ${about} niet in behandeling nemen en wijzen haar af.`,
      );
      h("Waarom wij uw aanvraag afwijzen");
      blocks.push({ kind: "bullets", items: data.reasons.map((r) => r) });
      if (data.ruleIds.length) p(`Dit besluit berust op de volgende regels van de regeling: ${data.ruleIds.join(", ")}.`);
      objection();
      break;
    }
    case "award": {
      p(`${capitalise(wording.decidedBy)} heeft op ${formatDutchDate(data.decidedOn)} besloten u voor de ${about} een subsidie toe te kennen van ${formatDutchEuros(data.amountCents)}. Met deze brief ontvangt u dat besluit.`);
      h("Het toegekende bedrag");
      blocks.push({ kind: "rows", rows: [...derivationRows(data.derivation), { label: "Toegekend subsidiebedrag", value: formatDutchEuros(data.amountCents), emphasis: true }] });
      p(`Berekening zoals vastgelegd: ${data.derivation.formula}${data.derivation.ruleIds.length ? ` (regels ${data.derivation.ruleIds.join(", ")})` : ""}.`);
      h("Uw verplichtingen");
      blocks.push({ kind: "bullets", items: data.commitments.map((c) => `${wording.commitments[c.commitmentId] ?? c.description}${rules(c.ruleIds)}`) });
      h("Betaling");
      blocks.push({
        kind: "rows",
        rows: [
          ...data.tranches.map((t) => ({ label: `${wording.tranches[t.trancheId] ?? t.trancheId} (${formatDutchShare(t.shareBasisPoints)})`, value: formatDutchEuros(t.amountCents) })),
          { label: "Totaal", value: formatDutchEuros(data.tranches.reduce((sum, t) => sum + assertCents(t.amountCents), 0)), emphasis: true },
        ],
      });
      p(wording.paymentInstructions);
      objection();
      break;
    }
    case "change-request-decided": {
      p(`Op ${formatDutchDate(data.requestedOn)} ontvingen wij uw wijzigingsverzoek voor de ${about}: ${data.summary}`);
      p(
        data.decision === "granted"
          ? `Op ${formatDutchDate(data.decidedOn)} is besloten uw wijzigingsverzoek toe te kennen.`
          : `Op ${formatDutchDate(data.decidedOn)} is besloten uw wijzigingsverzoek af te wijzen.`,
      );
      if (data.reasons.length) {
        h(data.decision === "granted" ? "Toelichting" : "Waarom wij uw wijzigingsverzoek afwijzen");
        blocks.push({ kind: "bullets", items: [...data.reasons] });
      }
      if (data.amountChange) {
        blocks.push({
          kind: "rows",
          rows: [
            { label: "Subsidiebedrag voor de wijziging", value: formatDutchEuros(data.amountChange.beforeCents) },
            { label: data.amountChange.afterCents >= data.amountChange.beforeCents ? "Verhoging" : "Verlaging", value: formatDutchEuros(Math.abs(data.amountChange.afterCents - data.amountChange.beforeCents)) },
            { label: "Subsidiebedrag na de wijziging", value: formatDutchEuros(data.amountChange.afterCents), emphasis: true },
          ],
        });
      }
      if (data.ruleIds.length) p(`Dit besluit berust op de volgende regels van de regeling: ${data.ruleIds.join(", ")}.`);
      objection();
      break;
    }
    case "payment": {
      p(`Wij hebben ${formatDutchEuros(data.amountCents)} van uw subsidie voor de ${about} betaald.`);
      blocks.push({
        kind: "rows",
        rows: [
          { label: "Betaald bedrag", value: formatDutchEuros(data.amountCents), emphasis: true },
          { label: "Termijn", value: wording.tranches[data.trancheId] ?? data.trancheId },
          { label: "Valutadatum", value: formatDutchDate(data.valueDate) },
          { label: "Rekening", value: data.ibanMasked },
          { label: "Betalingskenmerk", value: data.bankReference },
          { label: "Toegekend subsidiebedrag", value: formatDutchEuros(data.grantCents) },
          { label: "Totaal betaald tot nu toe", value: formatDutchEuros(data.paidSoFarCents) },
        ],
      });
      break;
    }
    case "settlement": {
      p(`Wij hebben uw eindrapportage goedgekeurd en de subsidie voor de ${about} op ${formatDutchDate(data.settledOn)} vastgesteld op ${formatDutchEuros(data.finalGrantCents)}.`);
      h("De vaststelling");
      blocks.push({
        kind: "rows",
        rows: [
          ...derivationRows(data.derivation),
          { label: "Toegekend subsidiebedrag", value: formatDutchEuros(data.awardCents) },
          { label: "Vastgesteld subsidiebedrag", value: formatDutchEuros(data.finalGrantCents), emphasis: true },
          { label: "Al betaald", value: formatDutchEuros(data.paidCents) },
          data.recoveryCents > 0
            ? { label: "Terug te betalen", value: formatDutchEuros(data.recoveryCents), emphasis: true }
            : { label: "Nog te betalen", value: formatDutchEuros(data.finalPaymentCents), emphasis: true },
        ],
      });
      p(`Berekening zoals vastgelegd: ${data.derivation.formula}${data.derivation.ruleIds.length ? ` (regels ${data.derivation.ruleIds.join(", ")})` : ""}.`);
      if (data.recoveryCents > 0) {
        h("Terugvordering");
        p(`U hebt ${formatDutchEuros(data.recoveryCents)} meer ontvangen dan de vastgestelde subsidie. Dat bedrag vorderen wij terug. ${wording.recoveryInstructions}`);
      } else if (data.finalPaymentCents > 0) p(`Het restant van ${formatDutchEuros(data.finalPaymentCents)} betalen wij uit. ${wording.paymentInstructions}`);
      objection();
      break;
    }
    case "recovery": {
      const outstanding = Math.max(0, data.claimCents - data.receivedTotalCents);
      p(`Wij hebben op ${formatDutchDate(data.receivedOn)} uw terugbetaling van ${formatDutchEuros(data.amountCents)} ontvangen voor de ${about}.`);
      blocks.push({
        kind: "rows",
        rows: [
          { label: "Ontvangen bedrag", value: formatDutchEuros(data.amountCents), emphasis: true },
          { label: "Betalingskenmerk", value: data.bankReference },
          { label: "Teruggevorderd bij de vaststelling", value: formatDutchEuros(data.claimCents) },
          { label: "Totaal ontvangen", value: formatDutchEuros(data.receivedTotalCents) },
          { label: "Nog terug te betalen", value: formatDutchEuros(outstanding), emphasis: true },
        ],
      });
      p(outstanding > 0 ? `Er staat nog ${formatDutchEuros(outstanding)} open. ${wording.recoveryInstructions}` : "Hiermee is de terugvordering voldaan.");
      break;
    }
    default: {
      const unhandled: never = data;
      throw new Error(`no template for ${JSON.stringify(unhandled)}`);
    }
  }
  p(wording.questions);

  const subject = `${titles[data.kind]} - ${heading.schemeTitle} - ${heading.technohub} [${reference}]`;
  return {
    kind: data.kind,
    subject,
    reference,
    date: formatDutchDate(heading.date),
    sender: wording.sender,
    addressee: [heading.applicantName, `t.a.v. de ${wording.addresseeLabel.toLowerCase()}, ${heading.technohub}${heading.region ? ` (${heading.region})` : ""}`],
    blocks,
    signature: ["Met vriendelijke groet,", ...wording.signature],
    mailText:
      `Geachte ${wording.addresseeLabel.toLowerCase()},\n\n` +
      `In de bijlage vindt u onze brief "${titles[data.kind]}" over uw aanvraag voor de ${about} (kenmerk ${reference}).\n\n` +
      `Antwoorden of stukken nasturen kan door op deze e-mail te reageren; laat het kenmerk ${reference} in het onderwerp staan.\n\n` +
      `Met vriendelijke groet,\n${wording.signature.join("\n")}\n`,
    template: wording.template,
  };
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
