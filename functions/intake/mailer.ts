import { type SESv2Client, SESv2ServiceException, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { MailRefused, type Mailer, MailerUnavailable, type OutgoingMail } from "./ports.ts";

/** RFC 3834: an automatic reply, so out-of-office robots do not answer it (and loop). */
export const AUTO_REPLY_HEADERS = { "Auto-Submitted": "auto-replied" } as const;

/** SES errors that no retry will cure: the message or the sender is refused. */
const permanent = new Set([
  "MessageRejected",
  "MailFromDomainNotVerifiedException",
  "AccountSuspendedException",
  "SendingPausedException",
  "NotFoundException",
  "BadRequestException",
]);

/** SES v2 SendEmail. The client is made once per container; the configuration set (optional) tracks bounces. */
export class SesMailer implements Mailer {
  constructor(private readonly options: { readonly client: SESv2Client; readonly configurationSetName?: string }) {}

  async send(mail: OutgoingMail): Promise<{ acknowledgementId: string }> {
    try {
      const result = await this.options.client.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: [mail.to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: "UTF-8" },
              Body: { Text: { Data: mail.text, Charset: "UTF-8" } },
              ...(mail.attachments?.length
                ? { Attachments: mail.attachments.map((a) => ({ FileName: a.filename, ContentType: a.contentType, RawContent: a.content, ContentDisposition: "ATTACHMENT" as const })) }
                : {}),
              // SES sets its own Message-ID; threading and the auto-reply marker are ours.
              Headers: [
                ...Object.entries(AUTO_REPLY_HEADERS).map(([Name, Value]) => ({ Name, Value })),
                ...(mail.inReplyTo ? [{ Name: "In-Reply-To", Value: mail.inReplyTo }, { Name: "References", Value: mail.inReplyTo }] : []),
              ],
            },
          },
          ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
          ...(mail.tags ? { EmailTags: Object.entries(mail.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
        }),
      );
      if (!result.MessageId) throw new MailerUnavailable(new Error("SES answered without a message id"));
      return { acknowledgementId: result.MessageId };
    } catch (error) {
      if (error instanceof MailerUnavailable) throw error;
      if (error instanceof SESv2ServiceException && permanent.has(error.name)) throw new MailRefused(error.name, error);
      throw new MailerUnavailable(error);
    }
  }
}
