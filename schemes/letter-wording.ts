import type { SchemeDefinition } from "./definition.ts";

/**
 * Issue 13: the wording of the letters to applicants, per scheme, in Dutch and in the scheme's own
 * words (taken from the source documents in /work/shared/seeds: 000 for the Aanjaagsubsidie, 001's
 * annex "De regeling" for Verduurzamen, 003 for Sterk Techniekonderwijs). Data, not code: the
 * templates (domain/letter-content.ts) only arrange it. `template` names the wording's version and is
 * recorded on every letter, so a letter rendered again after a change of wording is told apart.
 */
export interface LetterWording {
  readonly template: string;
  /** Who writes: the letterhead. */
  readonly sender: { readonly name: string; readonly lines: ReadonlyArray<string> };
  /** The closing lines under "Met vriendelijke groet,". */
  readonly signature: ReadonlyArray<string>;
  /** Who decides on award, in a sentence: "de beoordelingscommissie", "de Minister van OCW". */
  readonly decidedBy: string;
  /** What the applicant is called in the salutation's addressee line (aanvrager, penvoerder, regio). */
  readonly addresseeLabel: string;
  /** Where questions go; the reference must be quoted. */
  readonly questions: string;
  /** How and within what term to object ("bezwaar"), as the scheme words it. */
  readonly objection: ReadonlyArray<string>;
  /** The commitments of the award (R-TH-13, R-VD-04, R-ST-06) in the scheme's Dutch words, by commitment id. */
  readonly commitments: Readonly<Record<string, string>>;
  /** The payment plan's tranches in the scheme's words, by tranche id. */
  readonly tranches: Readonly<Record<string, string>>;
  /** What the grantee does to be paid (how to invoice), after the plan. */
  readonly paymentInstructions: string;
  /** How a recovery claim is paid back. */
  readonly recoveryInstructions: string;
}

const aoObjection = (fund: string) => [
  `Bent u het niet eens met dit besluit? Dan kunt u binnen zes weken na de datum van deze brief schriftelijk bezwaar maken bij ${fund}. ` +
    "Wij volgen daarbij de termijn en de eisen van de Algemene wet bestuursrecht (Awb).",
  "Vermeld in uw bezwaarschrift uw naam en adres, de datum, het kenmerk van deze brief en waarom u het niet eens bent met het besluit, en onderteken het.",
];

const technohubs: LetterWording = {
  template: "technohubs-2020/1",
  sender: { name: "A+O Metalektro", lines: ["Aanjaagsubsidie Technohubs", "vergoedingen@ao-metalektro.nl"] },
  signature: ["De beoordelingscommissie Aanjaagsubsidie Technohubs", "namens A+O Metalektro"],
  decidedBy: "de beoordelingscommissie, met vertegenwoordigers van FME, FNV, CNV, De Unie en VHP2,",
  addresseeLabel: "Aanvrager",
  questions: "Hebt u vragen over deze brief? Mail ze naar vergoedingen@ao-metalektro.nl en vermeld het kenmerk van deze brief.",
  objection: aoObjection("A+O Metalektro"),
  commitments: {
    "ozone-library": "Met behulp van deze subsidie ontwikkeld onderwijs wordt ter beschikking gesteld aan de openbare bibliotheek van oZone.",
    "monitoring-and-knowledge-sharing": "Betrokkenen bij de technohub werken mee aan monitoring en kennisdeling.",
  },
  tranches: {
    advance: "Na ontvangst van de toekenningsbrief: 80 procent van het toegekende subsidiebedrag, met een eerste factuur",
    final: "Na goedkeuring van de eindrapportage met behaalde resultaten en verantwoording van gemaakte kosten: de resterende 20 procent, met een tweede factuur",
  },
  paymentInstructions: "Stuur uw facturen aan A+O Metalektro en vermeld het kenmerk van deze brief.",
  recoveryInstructions: "Wij verzoeken u het terug te betalen bedrag binnen zes weken over te maken aan A+O Metalektro, onder vermelding van het kenmerk van deze brief.",
};

const verduurzamen: LetterWording = {
  template: "verduurzamen-2025/1",
  sender: { name: "A+O Metalektro", lines: ["Verduurzamen van de Technohubs", "namens de Stichting Raad van Overleg in de Metalektro (ROM)"] },
  signature: ["De werkorganisatie van A+O Metalektro", "namens het bestuur van de ROM"],
  decidedBy: "de beoordelingscommissie",
  addresseeLabel: "Penvoerder",
  questions: "Hebt u vragen over deze brief? Mail ze naar vergoedingen@ao-metalektro.nl en vermeld het kenmerk van deze brief.",
  objection: aoObjection("A+O Metalektro"),
  commitments: {
    "knowledge-sessions": "De Technohub is met ten minste één vertegenwoordiger aanwezig bij elk van de twee kennissessies (september en februari).",
    "ozone-module": "De Technohub laadt ten minste één module op oZone.",
  },
  tranches: {
    advance: "Na ontvangst van de toekenningsbrief: 80 procent van de bijdrage vanuit ROM",
    final: "Na goedkeuring van de eindrapportage (de drie elementen waaruit blijkt dat het project succesvol is afgerond): de resterende 20 procent",
  },
  paymentInstructions: "Stuur uw facturen aan A+O Metalektro en vermeld het kenmerk van deze brief.",
  recoveryInstructions: "Wij verzoeken u het terug te betalen bedrag binnen zes weken over te maken aan A+O Metalektro, onder vermelding van het kenmerk van deze brief.",
};

const sterkTechniekonderwijs: LetterWording = {
  template: "sterk-techniekonderwijs-2020/1",
  sender: { name: "DUS-I", lines: ["Dienst Uitvoering Subsidies aan Instellingen", "namens de Minister van Onderwijs, Cultuur en Wetenschap", "ocwsubsidies@minvws.nl"] },
  signature: ["De Minister van Onderwijs, Cultuur en Wetenschap,", "namens deze: DUS-I"],
  decidedBy: "de Minister van Onderwijs, Cultuur en Wetenschap",
  addresseeLabel: "Regio",
  questions: "Hebt u vragen over deze beschikking? Mail ze naar ocwsubsidies@minvws.nl en vermeld uw regionummer en het kenmerk van deze brief.",
  objection: [
    "Bent u het niet eens met dit besluit? Dan kunt u op grond van de Algemene wet bestuursrecht (Awb) binnen zes weken na de dag waarop dit besluit is verzonden " +
      "een bezwaarschrift indienen bij de Minister van Onderwijs, Cultuur en Wetenschap, p/a DUS-I.",
    "Het bezwaarschrift bevat ten minste uw naam en adres, de datum, het kenmerk van dit besluit en de gronden van het bezwaar, en is ondertekend.",
  ],
  commitments: {
    "accountability-per-region": "De regio legt verantwoording af over de subsidie (verantwoording per regio).",
  },
  tranches: {
    "year-2020": "Subsidie over 2020",
    "year-2021": "Subsidie over 2021",
    "year-2022": "Subsidie over 2022",
    "year-2023": "Subsidie over 2023",
  },
  paymentInstructions: "De subsidie wordt per jaar betaald; geld van een later jaar kan niet eerder worden besteed, budget van eerdere jaren mag worden gebruikt om te starten.",
  recoveryInstructions: "Het terug te vorderen bedrag maakt u binnen zes weken over aan DUS-I, onder vermelding van uw regionummer en het kenmerk van dit besluit.",
};

const byScheme: Readonly<Record<string, LetterWording>> = {
  "technohubs-2020": technohubs,
  "verduurzamen-2025": verduurzamen,
  "sterk-techniekonderwijs-2020": sterkTechniekonderwijs,
};

/** The wording for a scheme; a scheme without its own (the local demo's copy of Technohubs) takes its fund's first scheme's. */
export function letterWordingFor(definition: Pick<SchemeDefinition, "id" | "fund">): LetterWording {
  const own = byScheme[definition.id];
  if (own) return own;
  return definition.fund.id === "dus-i" ? sterkTechniekonderwijs : { ...technohubs, template: `${definition.id}/technohubs-2020/1` };
}
