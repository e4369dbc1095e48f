import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamIds } from "../../events/index.ts";
import { handleSesBounce } from "../../functions/letters/bounce-handler.ts";
import { LETTER_BOUNCES_REACTION, LetterBounces } from "../../functions/letters/bounces.ts";
import { tapLog } from "../../functions/runtime/log.ts";
import { reactionFunction, runAs } from "../../local/iam-parity.ts";
import { eventually, startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";
import { sesBounceEvent, sesComplaintEvent } from "../support/ses-events.ts";

/**
 * Issue 13 on AWS: SES accepts a letter and reports its bounce later, through the letters'
 * configuration set, on the default bus. Here the local runtime sends the letter (the outbox accepts
 * it, as SES would), and the bounce notification SES would publish is handed to the bounces handler,
 * run as the stack's LetterBounces function (its synthesised IAM enforced).
 */
let backOffice: TestBackOffice;
let staff: Staff;
const CONTACT = "boekhouding@gieterij-west.example";

beforeAll(async () => {
  backOffice = await startTestBackOffice("letter-bounces");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

/** SES's bounce notification, delivered to the function as EventBridge would (once per call). */
function deliver(event: ReturnType<typeof sesBounceEvent> | ReturnType<typeof sesComplaintEvent>) {
  const bounces = new LetterBounces({ events: backOffice.dependencies.events, personalData: backOffice.dependencies.personalData });
  return runAs(reactionFunction(LETTER_BOUNCES_REACTION), () => handleSesBounce(event.detail, bounces));
}

describe("letters bounced after SES accepted them (issue 13 on AWS)", () => {
  it("R-TH-09 a bounce SES reports for an accepted letter is recorded once and the letter is listed as undelivered (bounced); a redelivery records nothing, an unknown letter is ignored", async () => {
    // Prepare: an incomplete application (R-TH-09) whose letter SES (here the outbox) accepted.
    const applicationId = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Gieterij", region: "Achterhoek" },
      applicant: { companyName: "Gieterij West BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-12T09:00:00.000Z", sectionIds: ["application-form"],
    });
    await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: CONTACT }, 200);
    await staff.expect("intake", "POST", `/applications/${applicationId}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "Het voorstel ontbrak." }, 200);
    await backOffice.settle();
    const sent = await eventually(() => staff.expect("auditor", "GET", `/applications/${applicationId}/letters`, undefined, 200), (r) => r.body.count === 1 && r.body.items[0].delivery === "delivered");
    const letter = sent.body.items[0];
    const accepted = letter.latest.recipients[0];
    expect(accepted).toMatchObject({ address: CONTACT, outcome: "accepted" });
    const logged: string[] = [];
    const before = tapLog((line) => logged.push(line));

    // Act: SES's bounce for it, delivered twice (EventBridge delivers at least once), and one for a letter we never sent.
    const bounce = sesBounceEvent({ letterId: letter.letterId, attempt: "1", address: CONTACT, messageId: accepted.messageId });
    const first = await deliver(bounce);
    const second = await deliver(bounce);
    const unknown = await deliver(sesBounceEvent({ letterId: "e".repeat(40), attempt: "1", address: CONTACT }));
    const notOurs = await deliver(sesBounceEvent({ address: CONTACT, tags: { "ses:configuration-set": ["LettersConfigurationSet"] } }));
    tapLog(before);
    await backOffice.settle();

    // Assess: one LetterBounced on the letter's stream, the letter undelivered with SES's reason.
    expect([first, second, unknown, notOurs]).toEqual(["recorded", "already-recorded", "unknown-letter", "not-a-letter"]);
    const events = await backOffice.dependencies.events.readStream(streamIds.letter(letter.letterId));
    expect(events.map((e) => e.type)).toEqual(["LetterSent", "LetterAccepted", "LetterBounced"]);
    expect(events[2]!.data).toEqual({ letterId: letter.letterId, attempt: 1, recipient: CONTACT, how: "bounced", reason: "SES reported a Permanent bounce (General), status 5.1.1, action failed", messageId: accepted.messageId });
    expect(await backOffice.dependencies.events.readStream(streamIds.letter("e".repeat(40)))).toEqual([]);
    const undelivered = await eventually(() => staff.expect("intake", "GET", "/letters/undelivered", undefined, 200), (r) => r.body.items.some((l: any) => l.letterId === letter.letterId));
    const listed = undelivered.body.items.find((l: any) => l.letterId === letter.letterId);
    expect(listed).toMatchObject({ applicationId, kind: "incomplete", delivery: "undelivered" });
    expect(listed.problems).toEqual([`${CONTACT}: bounced: SES reported a Permanent bounce (General), status 5.1.1, action failed`]);
    // Ids only in the log: the handler wrote a line per notification, none with an address.
    const lines = logged.filter((l) => l.includes('"letter bounce or complaint"'));
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain("@");
    // The function did nothing its synthesised IAM does not allow.
    expect(backOffice.iam.denials).toEqual([]);
  });
  it("R-TH-09 a complaint SES reports (the contact marked the letter as spam) is recorded once; the letter stays delivered and tells staff to reach the applicant another way; SES's record of mail it suppressed is a bounce", async () => {
    // Prepare: two incomplete applications whose letters SES (here the outbox) accepted.
    const letterOf = async (hub: string, contact: string) => {
      const applicationId = await staff.register({
        schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: hub, region: "Twente" },
        applicant: { companyName: `${hub} BV` }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-13T09:00:00.000Z", sectionIds: ["application-form"],
      });
      await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: contact }, 200);
      await staff.expect("intake", "POST", `/applications/${applicationId}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "Het voorstel ontbrak." }, 200);
      await backOffice.settle();
      const sent = await eventually(() => staff.expect("auditor", "GET", `/applications/${applicationId}/letters`, undefined, 200), (r) => r.body.count === 1 && r.body.items[0].delivery === "delivered");
      return { applicationId, letter: sent.body.items[0] };
    };
    const spam = await letterOf("Technohub Klacht", "klager@klacht.example");
    const suppressed = await letterOf("Technohub Onderdrukt", "geblokkeerd@onderdrukt.example");

    // Act: a complaint with the provider's report type, delivered twice; SES's complaint record for mail it did not send.
    const complaint = sesComplaintEvent({ letterId: spam.letter.letterId, attempt: "1", address: "klager@klacht.example", messageId: spam.letter.latest.recipients[0].messageId, feedbackType: "abuse" });
    const outcomes = [await deliver(complaint), await deliver(complaint)];
    const notSent = await deliver(sesComplaintEvent({ letterId: suppressed.letter.letterId, attempt: "1", address: "geblokkeerd@onderdrukt.example", subType: "OnAccountSuppressionList" }));
    await backOffice.settle();

    // Assess
    expect([...outcomes, notSent]).toEqual(["recorded", "already-recorded", "recorded"]);
    const events = await backOffice.dependencies.events.readStream(streamIds.letter(spam.letter.letterId));
    expect(events.map((e) => e.type)).toEqual(["LetterSent", "LetterAccepted", "LetterComplaintReceived"]);
    expect(events[2]!.data).toEqual({ letterId: spam.letter.letterId, attempt: 1, recipient: "klager@klacht.example", feedbackType: "abuse", messageId: spam.letter.latest.recipients[0].messageId });
    const listed = await eventually(() => staff.expect("intake", "GET", `/applications/${spam.applicationId}/letters`, undefined, 200), (r) => r.body.items[0].latest.recipients[0].complaint === "abuse");
    expect(listed.body.items[0]).toMatchObject({ delivery: "delivered", latest: { recipients: [{ address: "klager@klacht.example", outcome: "accepted", complaint: "abuse" }] } });
    expect(listed.body.items[0].problems).toEqual([expect.stringMatching(/^klager@klacht\.example: reported the letter as spam \(abuse\); later mail to this address may be suppressed/)]);
    const blocked = await eventually(() => staff.expect("intake", "GET", "/letters/undelivered", undefined, 200), (r) => r.body.items.some((l: any) => l.letterId === suppressed.letter.letterId));
    expect(blocked.body.items.find((l: any) => l.letterId === suppressed.letter.letterId).problems).toEqual([expect.stringContaining("geblokkeerd@onderdrukt.example: bounced: SES did not send it: the address is on the account's suppression list")]);
    expect(blocked.body.items.map((l: any) => l.letterId)).not.toContain(spam.letter.letterId);
    expect(backOffice.iam.denials).toEqual([]);
  });
});
