import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer";
import { AUTO_REPLY_HEADERS } from "./mailer.ts";
import type { Mailer, OutgoingMail } from "./ports.ts";

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1) || "localhost";

/** Locally the acknowledgements go to a folder: one .eml file per message, as a mail client would save it. */
export class OutboxMailer implements Mailer {
  constructor(readonly folder: string) {}

  async send(mail: OutgoingMail): Promise<{ acknowledgementId: string }> {
    const messageId = `<ack.${mail.key}@${domainOf(mail.from)}>`;
    const composed = new MailComposer({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: mail.inReplyTo } : {}),
      headers: AUTO_REPLY_HEADERS,
    });
    const bytes = await composed.compile().build();
    await mkdir(this.folder, { recursive: true });
    const temporary = join(this.folder, `.${randomUUID()}.tmp`);
    await writeFile(temporary, bytes);
    await rename(temporary, join(this.folder, `${mail.key}.eml`));
    return { acknowledgementId: messageId };
  }
}
