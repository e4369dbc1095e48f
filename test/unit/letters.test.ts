import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChangeRequestDecidedLetterData,
  type LetterData,
  type LetterHeading,
  composeLetter,
  formatDutchDate,
  formatDutchEuros,
  formatDutchShare,
} from "../../domain/letter-content.ts";
import { type LetterState, decideRecordComplaint, decideRecordDelivery, decideRequestResend, decideSendLetter, evolveLetter, initialLetterState, letterDelivery, unconfirmedRecipients } from "../../domain/letters.ts";
import { paymentPlan } from "../../domain/payments.ts";
import type { DomainEvent, RecordedEvent } from "../../events/index.ts";
import { applicationLettersList, lettersProjection } from "../../domain/projections/letters.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";
import { letterWordingFor } from "../../schemes/letter-wording.ts";
import { renderLetterPdf } from "../../functions/letters/render.ts";
import { pdfText } from "../support/pdf-text.ts";

const schemes = bundledSchemes().all().map((s) => s.definition);
const technohubs = schemes.find((s) => s.id === "technohubs-2020")!;
const sterk = schemes.find((s) => s.id === "sterk-techniekonderwijs-2020")!;

const heading = (definition = technohubs, overrides: Partial<LetterHeading> = {}): LetterHeading => ({
  letterId: "0123456789abcdef0123456789abcdef01234567",
  applicationId: "app-7",
  schemeTitle: definition.dutchTitle,
  instrumentName: definition.instruments[0]!.dutchName,
  technohub: "Technohub Twente",
  region: "Twente",
  applicantName: "Metaalbedrijf Oost BV",
  date: "2021-03-01",
  ...overrides,
});

const awardData = (definition = technohubs): LetterData => ({
  kind: "award",
  amountCents: 40_950_000,
  decidedOn: "2021-02-25",
  roundId: "2021-02-15",
  derivation: {
    formula: "min(70% x 585,000.00, 500,000.00) = 409,500.00 [R-TH-02]",
    inputs: { eligibleCostsCents: 58_500_000, maxShareOfEligibleCostsBasisPoints: 7000, maxAmountCents: 50_000_000, requestedAmountCents: 50_000_000 },
    ruleIds: ["R-TH-02"],
  },
  commitments: definition.commitments.map((c) => ({ commitmentId: c.id, description: c.description, ruleIds: [...c.ruleIds] })),
  tranches: paymentPlan(40_950_000, definition.paymentSchedule.tranches),
});

const changeRequest: ChangeRequestDecidedLetterData = {
  kind: "change-request-decided",
  changeRequestId: "cr-1",
  requestedOn: "2019-09-20",
  decidedOn: "2019-10-15",
  summary: "aanvullende subsidie voor 12 VSO-leerlingen van De Brug (teldatum 1 oktober 2018), met addendum bij plan en begroting.",
  decision: "granted",
  reasons: ["12 leerlingen x € 15.895,00 = € 190.740,00 (R-ST-03)."],
  ruleIds: ["R-ST-03"],
  amountChange: { beforeCents: 100_000_000, afterCents: 119_074_000 },
};

/** One sample of every letter kind, with what its PDF must say. */
const samples = (definition = technohubs): Array<{ data: LetterData; says: string[] }> => [
  {
    data: { kind: "incomplete", missing: [{ sectionId: "proposal", title: "Voorstel" }], note: "Het voorstel ontbrak in uw e-mail.", completeBy: { date: "2021-03-15", what: "de uiterste indieningsdatum" } },
    says: ["nog niet volledig", "Voorstel", "uiterlijk 15 maart 2021", "[APP-app-7]"],
  },
  {
    data: { kind: "refused", by: "intake", reasons: ["Het budget van de regeling is uitgeput."], ruleIds: ["R-TH-01"], decidedOn: null },
    says: ["afwijzing", "Het budget van de regeling is uitgeput.", "R-TH-01", "zes weken", "Awb"],
  },
  {
    data: awardData(definition),
    says: ["Toekenningsbrief", "€ 409.500,00", ...paymentPlan(40_950_000, definition.paymentSchedule.tranches).map((t) => formatDutchEuros(t.amountCents)), "min(70% x 585,000.00", "Uw verplichtingen", "Totaal € 409.500,00", "Bezwaar", "zes weken", "Awb"],
  },
  { data: changeRequest, says: ["wijzigingsverzoek", "toe te kennen", "€ 190.740,00", "€ 1.190.740,00", "R-ST-03", "Bezwaar"] },
  {
    data: { kind: "payment", amountCents: 32_760_000, trancheId: "advance", valueDate: "2021-03-10", ibanMasked: "NL91**********4300", bankReference: "BETALING-1", grantCents: 40_950_000, paidSoFarCents: 32_760_000 },
    says: ["Betaling van uw subsidie", "€ 327.600,00", "10 maart 2021", "NL91**********4300", "BETALING-1"],
  },
  {
    data: {
      kind: "settlement",
      awardCents: 40_950_000,
      finalGrantCents: 30_000_000,
      paidCents: 32_760_000,
      finalPaymentCents: 0,
      recoveryCents: 2_760_000,
      settledOn: "2021-09-01",
      derivation: { formula: "min(award 409,500.00, 70% x 428,571.43) = 300,000.00; paid 327,600.00; recovery 27,600.00 [R-TH-12]", inputs: { approvedEligibleCostsCents: 42_857_143 }, ruleIds: ["R-TH-02", "R-TH-12"] },
    },
    says: ["Vaststelling", "€ 300.000,00", "Terugvordering", "€ 27.600,00", "R-TH-12", "Bezwaar"],
  },
  {
    data: { kind: "recovery", amountCents: 1_000_000, receivedOn: "2021-10-01", bankReference: "TERUG-1", claimCents: 2_760_000, receivedTotalCents: 1_000_000 },
    says: ["terugbetaling", "€ 10.000,00", "€ 17.600,00", "TERUG-1"],
  },
];

describe("issue 13 letters: Dutch notation", () => {
  it("formats integer cents as Dutch euros exactly, and the text reads back to the same cents (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => {
        const text = formatDutchEuros(cents);
        expect(text).toMatch(/^€ \d{1,3}(\.\d{3})*,\d{2}$/);
        const [euros, rest] = text.slice(2).split(",");
        expect(BigInt(euros!.replaceAll(".", "")) * 100n + BigInt(rest!)).toBe(BigInt(cents));
      }),
    );
    expect(formatDutchEuros(40_950_000)).toBe("€ 409.500,00");
    expect(formatDutchEuros(5)).toBe("€ 0,05");
    expect(formatDutchShare(7000)).toBe("70%");
    expect(formatDutchShare(1250)).toBe("12,5%");
    expect(formatDutchDate("2021-03-01")).toBe("1 maart 2021");
  });

  it("R-TH-12 the award letter's payment plan adds up to the awarded amount to the cent, for any amount (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000_000_000 }), fc.constantFrom(...schemes), (amount, definition) => {
        const letter = composeLetter(heading(definition), { ...(awardData(definition) as Extract<LetterData, { kind: "award" }>), amountCents: amount, tranches: paymentPlan(amount, definition.paymentSchedule.tranches) }, letterWordingFor(definition));
        const plan = letter.blocks.filter((b) => b.kind === "rows").at(1) as Extract<(typeof letter.blocks)[number], { kind: "rows" }>;
        const cents = (value: string) => Number(value.slice(2).replaceAll(".", "").replace(",", ""));
        const tranches = plan.rows.slice(0, -1).reduce((sum, row) => sum + cents(row.value), 0);
        expect(tranches).toBe(amount);
        expect(cents(plan.rows.at(-1)!.value)).toBe(amount);
      }),
      { numRuns: 200 },
    );
  });
});

describe("issue 13 letters: every kind rendered as a PDF and read back", () => {
  for (const definition of schemes) {
    it(`every letter kind of ${definition.id} renders in the scheme's Dutch wording and says what the decision is`, async () => {
      const wording = letterWordingFor(definition);
      for (const { data, says } of samples(definition)) {
        // Act
        const letter = composeLetter(heading(definition), data, wording);
        const rendered = await renderLetterPdf(letter, new Date("2021-03-01T09:00:00.000Z"));
        const text = (await pdfText(rendered.pdf)).join(" ");

        // Assess
        expect(rendered.pages, data.kind).toBeGreaterThanOrEqual(1);
        expect(rendered.bytes).toBe(rendered.pdf.byteLength);
        expect(text).toContain(wording.sender.name);
        expect(text).toContain(definition.dutchTitle);
        expect(text).toContain("Kenmerk: APP-app-7");
        expect(text).toContain("Met vriendelijke groet,");
        expect(text).toContain(`pagina 1 van ${rendered.pages}`);
        for (const phrase of says) expect(text, `${definition.id} ${data.kind}`).toContain(phrase);
      }
    });
  }

  it("R-TH-13 R-VD-04 R-ST-06 the award letter lists each scheme's commitments in its own Dutch words, with their rule IDs", async () => {
    for (const definition of schemes) {
      const wording = letterWordingFor(definition);
      const text = (await pdfText((await renderLetterPdf(composeLetter(heading(definition), awardData(definition), wording), new Date("2021-03-01T09:00:00.000Z"))).pdf)).join(" ");
      for (const commitment of definition.commitments) {
        expect(wording.commitments[commitment.id], `${definition.id} ${commitment.id}`).toBeDefined();
        expect(text).toContain(wording.commitments[commitment.id]!.slice(0, 40));
        for (const ruleId of commitment.ruleIds) expect(text).toContain(ruleId);
      }
      for (const tranche of definition.paymentSchedule.tranches) expect(wording.tranches[tranche.id], `${definition.id} ${tranche.id}`).toBeDefined();
    }
  });

  it("R-ST-03 the change-request letter renders from hand-made data: the VSO supplement granted, the amount before and after, and how to object under the Awb", async () => {
    // Act
    const letter = composeLetter(heading(sterk, { technohub: "Regio Twente STO19001" }), changeRequest, letterWordingFor(sterk));
    const text = (await pdfText((await renderLetterPdf(letter, new Date("2019-10-15T09:00:00.000Z"))).pdf)).join(" ");

    // Assess
    expect(letter.subject).toBe("Besluit op uw wijzigingsverzoek - Sterk Techniekonderwijs in de regio - Regio Twente STO19001 [APP-app-7]");
    expect(text).toContain("Op 20 september 2019 ontvingen wij uw wijzigingsverzoek");
    expect(text).toContain("Op 15 oktober 2019 is besloten uw wijzigingsverzoek toe te kennen.");
    expect(text).toContain("Subsidiebedrag voor de wijziging € 1.000.000,00");
    expect(text).toContain("Verhoging € 190.740,00");
    expect(text).toContain("Subsidiebedrag na de wijziging € 1.190.740,00");
    expect(text).toContain("op grond van de Algemene wet bestuursrecht (Awb) binnen zes weken");
    expect(text).toContain("DUS-I");

    const refusedText = (await pdfText((await renderLetterPdf(composeLetter(heading(sterk), { ...changeRequest, decision: "refused", reasons: ["Het wijzigingsverzoek kwam na 1 oktober 2019."], amountChange: null }, letterWordingFor(sterk)), new Date("2019-10-15T09:00:00.000Z"))).pdf)).join(" ");
    expect(refusedText).toContain("besloten uw wijzigingsverzoek af te wijzen");
    expect(refusedText).toContain("Waarom wij uw wijzigingsverzoek afwijzen");
    expect(refusedText).toContain("Het wijzigingsverzoek kwam na 1 oktober 2019.");
  });

  it("renders the same letter to the same bytes (a re-send proves by its hash it is the letter recorded); another date gives another hash", async () => {
    const letter = composeLetter(heading(), awardData(), letterWordingFor(technohubs));
    const first = await renderLetterPdf(letter, new Date("2021-03-01T09:00:00.000Z"));
    const again = await renderLetterPdf(letter, new Date("2021-03-01T09:00:00.000Z"));
    const later = await renderLetterPdf(letter, new Date("2021-03-02T09:00:00.000Z"));
    expect(again.sha256).toBe(first.sha256);
    expect(Buffer.from(again.pdf).equals(Buffer.from(first.pdf))).toBe(true);
    expect(later.sha256).not.toBe(first.sha256);
  });

  it("a name outside the PDF's standard font (Łódź, an arrow) is printed with a placeholder instead of failing the letter", async () => {
    const letter = composeLetter(heading(technohubs, { technohub: "Technohub Łódź → Oost" }), awardData(), letterWordingFor(technohubs));
    const text = (await pdfText((await renderLetterPdf(letter, new Date("2021-03-01T09:00:00.000Z"))).pdf)).join(" ");
    expect(text).toContain("Technohub ?ód? ? Oost");
  });
});

describe("issue 13 letters: the letter's stream", () => {
  const sent = (state: LetterState, recipients: string[]) => {
    const decision = decideSendLetter(state, {
      letterId: "abc",
      kind: "award",
      applicationId: "app-7",
      source: { streamId: "application#app-7", version: 9, eventId: "e9", type: "AwardLetterIssued" },
      recipients,
      subject: "Toekenningsbrief",
      sha256: "a".repeat(64),
      bytes: 5000,
      pages: 2,
      template: "technohubs-2020/1",
    });
    return { decision, state: decision.events ? decision.events.reduce((s, e) => evolveLetter(s, e as DomainEvent), state) : state };
  };
  const apply = (state: LetterState, decision: { events?: ReadonlyArray<unknown> }) => (decision.events ?? []).reduce((s: LetterState, e) => evolveLetter(s, e as DomainEvent), state);

  it("one letter per source event: a second LetterSent for the same letter is refused as already there", () => {
    const { decision, state } = sent(initialLetterState, ["jan@example.org"]);
    expect(decision.outcome).toBe("accepted");
    expect(decision.events?.[0]).toMatchObject({ type: "LetterSent", data: { attempt: 1, recipients: ["jan@example.org"] } });
    expect(sent(state, ["jan@example.org"]).decision).toMatchObject({ outcome: "refused", refusal: { code: "already-exists" } });
    expect(letterDelivery(state)).toBe("sending");
    expect(unconfirmedRecipients(state, 1)).toEqual(["jan@example.org"]);
  });

  it("accepted then bounced is recorded (SES reports bounces after accepting); the same outcome twice is a duplicate notification", () => {
    let { state } = sent(initialLetterState, ["jan@example.org", "piet@example.org"]);
    state = apply(state, decideRecordDelivery(state, { attempt: 1, recipient: "jan@example.org", outcome: "accepted", messageId: "m1" }));
    state = apply(state, decideRecordDelivery(state, { attempt: 1, recipient: "piet@example.org", outcome: "accepted", messageId: "m2" }));
    expect(letterDelivery(state)).toBe("delivered");
    expect(decideRecordDelivery(state, { attempt: 1, recipient: "jan@example.org", outcome: "accepted", messageId: "m1" })).toMatchObject({ outcome: "refused", refusal: { code: "already-exists" } });
    const bounce = decideRecordDelivery(state, { attempt: 1, recipient: "piet@example.org", outcome: "bounced", reason: "mailbox unknown", messageId: "m2" });
    expect(bounce).toMatchObject({ outcome: "accepted", events: [{ type: "LetterBounced", data: { how: "bounced", recipient: "piet@example.org" } }] });
    state = apply(state, bounce);
    expect(letterDelivery(state)).toBe("undelivered");
    expect(decideRecordDelivery(state, { attempt: 1, recipient: "onbekend@example.org", outcome: "accepted", messageId: "m3" })).toMatchObject({ outcome: "refused", refusal: { code: "invalid" } });
    expect(decideRecordDelivery(state, { attempt: 2, recipient: "jan@example.org", outcome: "accepted", messageId: "m3" })).toMatchObject({ outcome: "refused", refusal: { code: "not-found" } });
  });

  it("a complaint (the recipient reported the letter as spam) is recorded once per recipient of an attempt; the letter stays delivered, and the view tells staff to reach the applicant another way", () => {
    const { state } = sent(initialLetterState, ["jan@example.org"]);
    const accepted = apply(state, decideRecordDelivery(state, { attempt: 1, recipient: "jan@example.org", outcome: "accepted", messageId: "m1" }));
    const complaint = decideRecordComplaint(accepted, { attempt: 1, recipient: "jan@example.org", feedbackType: "abuse", messageId: "m1" });
    expect(complaint).toMatchObject({ outcome: "accepted", events: [{ type: "LetterComplaintReceived", data: { attempt: 1, recipient: "jan@example.org", feedbackType: "abuse" } }] });
    const complained = apply(accepted, complaint);
    expect(letterDelivery(complained)).toBe("delivered");
    expect(decideRecordComplaint(complained, { attempt: 1, recipient: "jan@example.org", feedbackType: "abuse", messageId: "m1" })).toMatchObject({ outcome: "refused", refusal: { code: "already-exists" } });
    expect(decideRecordComplaint(complained, { attempt: 1, recipient: "piet@example.org", feedbackType: null, messageId: "m1" })).toMatchObject({ outcome: "refused", refusal: { code: "invalid" } });
    expect(decideRecordComplaint(complained, { attempt: 2, recipient: "jan@example.org", feedbackType: null, messageId: "m1" })).toMatchObject({ outcome: "refused", refusal: { code: "not-found" } });
  });

  it("a letter with no contact to send it to is undelivered at once, for staff", () => {
    expect(letterDelivery(sent(initialLetterState, []).state)).toBe("undelivered");
  });

  it("staff's re-send is the next attempt, one at a time; there is nothing to re-send of a letter never sent", () => {
    expect(decideRequestResend(initialLetterState, { letterId: "abc", recipients: [], reason: "bounced" })).toMatchObject({ outcome: "refused", refusal: { code: "not-found" } });
    const { state } = sent(initialLetterState, ["jan@example.invalid"]);
    const request = decideRequestResend(state, { letterId: "abc", recipients: ["jan@example.org", "jan@example.org"], reason: "the applicant gave another address" });
    expect(request).toMatchObject({ outcome: "accepted", events: [{ type: "LetterResendRequested", data: { attempt: 2, recipients: ["jan@example.org"] } }] });
    const requested = apply(state, request);
    expect(decideRequestResend(requested, { letterId: "abc", recipients: [], reason: "again" })).toMatchObject({ outcome: "refused", refusal: { code: "already-exists" } });
  });
});

describe("issue 13 letters: an application's list of letters", () => {
  /** LetterSent for a letter answering `type` (recorded at `decidedAt`), itself recorded at `sentAt`. */
  const letterSent = (letterId: string, type: string, decidedAt: string | undefined, sentAt: string): RecordedEvent => ({
    eventId: `sent-${letterId}`,
    streamId: `letter#${letterId}`,
    version: 1,
    type: "LetterSent",
    schemaVersion: 1,
    data: {
      letterId,
      kind: type === "AwardLetterIssued" ? "award" : "payment",
      applicationId: "app-7",
      source: { streamId: "application#app-7", version: type === "AwardLetterIssued" ? 9 : 12, eventId: `e-${type}`, type, ...(decidedAt ? { recordedAt: decidedAt } : {}) },
      attempt: 1,
      recipients: ["jan@example.org"],
      subject: `Brief ${letterId}`,
      sha256: "a".repeat(64),
      bytes: 5000,
      pages: 2,
      template: "technohubs-2020/1",
    },
    metadata: { actor: "system", role: "system", channel: "system", correlationId: "c" },
    recordedAt: sentAt,
    schemeId: "technohubs-2020",
    hash: "h",
    previousHash: "",
  });
  const listed = (event: RecordedEvent) => lettersProjection.listing!(lettersProjection.apply(undefined, event, event.streamId.slice("letter#".length))!);

  it("R-TH-12 letters list in the order of the decisions they answer: an award letter that took longer to render than the payment's after it still comes first", () => {
    // The award letter's PDF was sent after the payment letter's, though the award came first.
    const award = listed(letterSent("zzz-award", "AwardLetterIssued", "2021-03-01T10:00:00.000Z", "2021-03-01T10:00:00.900Z"));
    const payment = listed(letterSent("aaa-payment", "PaymentMade", "2021-03-01T10:00:00.300Z", "2021-03-01T10:00:00.400Z"));
    expect(award!.list).toBe(applicationLettersList("app-7"));
    expect([payment!.sortKey, award!.sortKey].sort()).toEqual([award!.sortKey, payment!.sortKey]);
  });

  it("a letter recorded before its source carried a time lists by when it was sent", () => {
    const old = listed(letterSent("old", "PaymentMade", undefined, "2021-03-01T10:00:00.400Z"));
    expect(old!.sortKey).toBe("2021-03-01T10:00:00.400Z#old");
  });
});
