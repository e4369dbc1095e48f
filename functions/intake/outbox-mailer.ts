import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer";
import { AUTO_REPLY_HEADERS } from "./mailer.ts";
import { MailRefused, type Mailer, type OutgoingMail } from "./ports.ts";

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1) || "localhost";

export interface OutboxMailerOptions {
  /**
   * Issue 13: domains whose addresses the outbox refuses, as a mail service refuses an address it
   * cannot deliver to (a domain matches itself and its subdomains). Locally this stands in for SES's
   * bounces, so a bounced letter can be shown; RFC 2606's `invalid` is the local runtime's default.
   */
  readonly refuseDomains?: ReadonlyArray<string>;
}

/** Locally the acknowledgements go to a folder: one .eml file per message, as a mail client would save it. */
export class OutboxMailer implements Mailer {
  constructor(
    readonly folder: string,
    private readonly options: OutboxMailerOptions = {},
  ) {}

  async send(mail: OutgoingMail): Promise<{ acknowledgementId: string }> {
    const domain = domainOf(mail.to).toLowerCase();
    const refused = this.options.refuseDomains?.find((d) => domain === d.toLowerCase() || domain.endsWith(`.${d.toLowerCase()}`));
    if (refused) throw new MailRefused(`550 5.1.2 the domain ${domain} does not accept mail`);
    const messageId = `<ack.${mail.key}@${domainOf(mail.from)}>`;
    const composed = new MailComposer({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: mail.inReplyTo } : {}),
      headers: AUTO_REPLY_HEADERS,
      ...(mail.attachments?.length ? { attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content) })) } : {}),
    });
    const bytes = await composed.compile().build();
    await mkdir(this.folder, { recursive: true });
    const temporary = join(this.folder, `.${randomUUID()}.tmp`);
    await writeFile(temporary, bytes);
    await rename(temporary, join(this.folder, `${mail.key}.eml`));
    return { acknowledgementId: messageId };
  }
}
