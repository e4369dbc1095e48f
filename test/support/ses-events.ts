/** Test support: SES's notifications as they arrive on AWS, for the consumers that take them. */

export const SES_RECIPIENT = "aanvrager@metaal-oost.example";
export const SES_MESSAGE_ID = "010701890abc1234-5678abcd-9ef0-4a1b-8c2d-3e4f5a6b7c8d-000000";
const LETTER_ID = "0123456789abcdef0123456789abcdef01234567";

/**
 * An EventBridge event as SES publishes it to the default bus for a configuration set's event
 * destination (source `aws.ses`, detail-type `Email Bounced`): the detail is SES's event record, with
 * the message's tags (each a list of values) beside the configuration set's own.
 */
export function sesBounceEvent(options: { letterId?: string; attempt?: string; address?: string; messageId?: string; tags?: Record<string, string[]> } = {}) {
  const address = options.address ?? SES_RECIPIENT;
  return {
    version: "0",
    id: "3f2b7a54-8a1d-4c55-9a8e-0b1c2d3e4f5a",
    "detail-type": "Email Bounced",
    source: "aws.ses",
    account: "123456789012",
    time: "2026-11-30T10:00:05Z",
    region: "eu-west-1",
    resources: ["arn:aws:ses:eu-west-1:123456789012:configuration-set/LettersConfigurationSet-abc"],
    detail: {
      eventType: "Bounce",
      bounce: {
        feedbackId: "0107018c-feedback-000000",
        bounceType: "Permanent",
        bounceSubType: "General",
        bouncedRecipients: [{ emailAddress: address, action: "failed", status: "5.1.1", diagnosticCode: `smtp; 550 5.1.1 <${address}>: Recipient address rejected: User unknown` }],
        timestamp: "2026-11-30T10:00:04.000Z",
        reportingMTA: "dns; b224-13.smtp-out.eu-west-1.amazonses.com",
      },
      mail: {
        timestamp: "2026-11-30T10:00:01.000Z",
        source: "aanvraag@example.org",
        sourceArn: "arn:aws:ses:eu-west-1:123456789012:identity/example.org",
        sendingAccountId: "123456789012",
        messageId: options.messageId ?? SES_MESSAGE_ID,
        destination: [address],
        headersTruncated: false,
        tags: options.tags ?? {
          "ses:operation": ["SendEmail"],
          "ses:configuration-set": ["LettersConfigurationSet-abc"],
          "ses:source-ip": ["203.0.113.7"],
          "ses:from-domain": ["example.org"],
          "ses:caller-identity": ["Letters-role"],
          letterId: [options.letterId ?? LETTER_ID],
          attempt: [options.attempt ?? "1"],
        },
      },
    },
  };
}


/**
 * SES's complaint for a letter (detail-type `Email Complaint Received`): the recipient reported it as
 * spam to their provider. `subType: "OnAccountSuppressionList"` is SES's record of mail it did not send
 * at all, the address being suppressed after an earlier complaint.
 */
export function sesComplaintEvent(options: { letterId?: string; attempt?: string; address?: string; messageId?: string; feedbackType?: string; subType?: string } = {}) {
  const bounce = sesBounceEvent(options);
  const address = options.address ?? SES_RECIPIENT;
  return {
    ...bounce,
    "detail-type": "Email Complaint Received",
    detail: {
      eventType: "Complaint",
      complaint: {
        feedbackId: "0107018c-complaint-000000",
        complainedRecipients: [{ emailAddress: address }],
        timestamp: "2026-11-30T11:00:00.000Z",
        ...(options.feedbackType ? { complaintFeedbackType: options.feedbackType, userAgent: "Mail provider feedback loop" } : {}),
        complaintSubType: options.subType ?? null,
      },
      mail: bounce.detail.mail,
    },
  };
}
