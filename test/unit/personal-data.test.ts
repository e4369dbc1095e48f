import { randomBytes } from "node:crypto";
import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { addYears, applicationFileOf, decideErasureRequest, retentionEndsOn } from "../../domain/data-protection.ts";
import { maskIban } from "../../domain/payments.ts";
import { currentEvents, eventCatalogue, type RecordedEvent } from "../../events/index.ts";
import { ERASED, isSealedValue, locate, personalDataFields, plaintextFields, withStandIns } from "../../events/personal-data.ts";
import { KmsKeyWrapper, LocalKeyWrapper } from "../../functions/personal-data/key-wrapper.ts";
import type { SubjectKeyItem, SubjectKeyTable } from "../../functions/personal-data/key-table.ts";
import { PersonalDataVault } from "../../functions/personal-data/vault.ts";

/** The key table in memory: the vault's logic without DynamoDB (the scenario test uses the real table). */
function memoryKeyTable() {
  const items = new Map<string, Record<string, unknown>>();
  const table = {
    pepper: async () => items.get("pepper")?.wrappedKey as string | undefined,
    putPepper: async (wrappedKey: string) => ((items.get("pepper") ?? (items.set("pepper", { wrappedKey }), items.get("pepper")!)).wrappedKey as string),
    lookup: async (hash: string) => items.get(`lookup#${hash}`)?.subjectId as string | undefined,
    bindLookup: async (hash: string, subjectId: string) => {
      if (!items.has(`lookup#${hash}`)) items.set(`lookup#${hash}`, { subjectId });
      return items.get(`lookup#${hash}`)!.subjectId as string;
    },
    createSubject: async (item: SubjectKeyItem) => void items.set(`subject#${item.subjectId}`, { ...item }),
    subjects: async (ids: ReadonlyArray<string>) => new Map(ids.flatMap((id) => (items.has(`subject#${id}`) ? [[id, items.get(`subject#${id}`) as unknown as SubjectKeyItem] as const] : []))),
    reference: async () => undefined,
    streamsOf: async () => [],
    destroyKey: async (subjectId: string, erasedAt: string) => {
      const item = items.get(`subject#${subjectId}`)!;
      delete item.wrappedKey;
      item.erasedAt = erasedAt;
      for (const [key, value] of items) if (key.startsWith("lookup#") && value.subjectId === subjectId) items.delete(key);
    },
    liveSubjects: async function* () {},
  };
  return { table: table as unknown as SubjectKeyTable, items };
}

const newVault = () => {
  const { table, items } = memoryKeyTable();
  return { vault: new PersonalDataVault(table, new LocalKeyWrapper(randomBytes(32))), items };
};

const contactAdded = { applicationId: "app-1", address: "jan@metaal.example", name: "Jan Jansen", source: "staff" as const };

describe("issue 16: the personal-data registry (events/personal-data.ts)", () => {
  it("names only event types that exist, and every path reaches a field of a valid example", () => {
    for (const type of Object.keys(personalDataFields)) expect(Object.keys(currentEvents), type).toContain(type);
    expect(locate({ membersPresent: ["A", "B"] }, "membersPresent[]").map((l) => l.value)).toEqual(["A", "B"]);
    expect(locate({ formFields: { name: "X", agreed: true } }, "formFields.*").map((l) => l.value)).toEqual(["X", true]);
  });

  it("lists the plaintext personal-data fields of an event recorded before issue 16, never their values", () => {
    expect(plaintextFields("ContactAdded", contactAdded)).toEqual([
      { path: "address", subject: "contact" },
      { path: "name", subject: "contact" },
    ]);
    expect(plaintextFields("BudgetPaid", { amountCents: 1 })).toEqual([]);
  });
});

describe("issue 16: sealing and revealing (functions/personal-data/vault.ts)", () => {
  it("seals each personal-data field under its subject's key; the sealed payload still validates against the event's own schema", async () => {
    const { vault } = newVault();
    const sealed = (await vault.seal("ContactAdded", contactAdded, "application#app-1", "s")) as typeof contactAdded;
    expect(isSealedValue(sealed.address) && isSealedValue(sealed.name)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain("Jan");
    // The address and the name are one subject: the contact.
    expect(sealed.address.split(".")[1]).toBe(sealed.name.split(".")[1]);
    const { payload, restore } = withStandIns("ContactAdded", sealed);
    expect(restore(eventCatalogue.parse("ContactAdded", 1, payload))).toEqual(sealed);
    expect(await vault.reveal(sealed)).toEqual(contactAdded);
  });

  it("reveals exactly what was sealed, a lone surrogate or a NUL included (route fuzz finding)", async () => {
    const { vault } = newVault();
    const odd = { ...contactAdded, name: "\u0000Jan\ud800 Jansen" };
    expect(await vault.reveal(await vault.seal("ContactAdded", odd, "application#app-1", "s"))).toEqual(odd);
  });

  it("seals one value of one subject to one text (projections compare sealed values), another subject's differently", async () => {
    const { vault } = newVault();
    const a = (await vault.seal("ContactAdded", contactAdded, "application#app-1", "s")) as typeof contactAdded;
    const removed = (await vault.seal("ContactRemoved", { applicationId: "app-1", address: "JAN@metaal.example".toLowerCase(), reason: "left" }, "application#app-1", "s")) as { address: string };
    expect(removed.address).toBe(a.address);
    const other = (await vault.seal("ContactAdded", { ...contactAdded, address: "piet@metaal.example" }, "application#app-1", "s")) as typeof contactAdded;
    expect(other.name).not.toBe(a.name);
  });

  it("R-X-03: a sealed IBAN masked by the domain is revealed masked; after erasure every sealed value reads [erased] wherever it is (documents, CSV text)", async () => {
    const { vault } = newVault();
    const sealed = (await vault.seal("PaymentMade", { iban: "NL91ABNA0417164300" }, "grant#g", "s")) as { iban: string };
    const masked = maskIban(sealed.iban);
    expect(await vault.reveal({ list: [masked], csv: `g;${masked};100` })).toEqual({ list: ["NL91**********4300"], csv: "g;NL91**********4300;100" });
    const subjectId = sealed.iban.split(".")[1]!;
    expect(await vault.findSubject("bank-account", "nl91 abna 0417 1643 00")).toBe(subjectId);
    await vault.destroyKey(subjectId);
    vault.beginInvocation();
    expect(await vault.reveal({ csv: `g;${masked};100`, iban: sealed.iban })).toEqual({ csv: `g;${ERASED};100`, iban: ERASED });
    expect(await vault.findSubject("bank-account", "NL91ABNA0417164300")).toBeUndefined();
  });

  it("issue 15: each invocation caches its own keys and lookups; one starting does not empty another's, and a key destroyed is not served to a later one", async () => {
    const { table } = memoryKeyTable();
    const reads = { lookup: 0, subjects: 0 };
    const counted = Object.assign(Object.create(table) as SubjectKeyTable, {
      lookup: (hash: string) => (reads.lookup++, table.lookup(hash)),
      subjects: (ids: ReadonlyArray<string>) => (reads.subjects++, table.subjects(ids)),
    });
    const vault = new PersonalDataVault(counted, new LocalKeyWrapper(randomBytes(32)));
    const members = { membersPresent: ["A. de Vries", "B. Bakker"] };
    const first = (await vault.invocation(() => vault.seal("AwardGranted", members, "application#a", "s"))) as typeof members;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    const long = vault.invocation(async () => {
      await vault.seal("AwardGranted", members, "application#b", "s");
      await paused;
      const before = { ...reads };
      // A retry after another request started: sealed from this invocation's cache, nothing read again.
      await vault.seal("AwardGranted", members, "application#b", "s");
      return { before, after: { ...reads } };
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await vault.invocation(() => vault.seal("AwardGranted", members, "application#c", "s"));
    resume();
    const { before, after } = await long;
    expect(after).toEqual(before);
    const subjectId = first.membersPresent[0]!.split(".")[1]!;
    await vault.invocation(() => vault.destroyKey(subjectId));
    expect(await vault.invocation(() => vault.reveal(first))).toEqual({ membersPresent: [ERASED, "B. Bakker"] });
    // Outside any invocation the one shared cache is used, and beginInvocation empties it.
    expect(await vault.reveal(first)).toEqual({ membersPresent: [ERASED, "B. Bakker"] });
  });

  it("finds a message's sender by the message key: the form fields and the answer are sealed under the sender's key", async () => {
    const { vault } = newVault();
    const mail = (await vault.seal("MailReceived", { messageKey: "k".repeat(64), from: "jan@metaal.example", subject: "Aanvraag van Jan" }, "intake#k", "s")) as { from: string; subject: string };
    const answer = (await vault.seal("CorrespondenceAnswered", { messageKey: "k".repeat(64), text: "Beste Jan" }, "intake#k", "s")) as { text: string };
    expect(answer.text.split(".")[1]).toBe(mail.from.split(".")[1]);
    // A display name around the address is the same contact as the address staff added.
    const named = (await vault.seal("MailReceived", { messageKey: "m".repeat(64), from: "Jan <Jan@Metaal.example>", subject: "x" }, "intake#m", "s")) as { from: string };
    const added = (await vault.seal("ContactAdded", contactAdded, "application#app-1", "s")) as { address: string };
    expect(named.from.split(".")[1]).toBe(added.address.split(".")[1]);
  });

  it("wraps keys with KMS under an encryption context (aws-sdk-client-mock)", async () => {
    const kms = mockClient(KMSClient);
    kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]) });
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32).fill(7) });
    const wrapper = new KmsKeyWrapper(new KMSClient({}), "arn:aws:kms:eu-west-1:1:key/k");
    const wrapped = await wrapper.wrap(Buffer.alloc(32));
    expect(wrapped).toBe("kms1.AQID");
    expect((await wrapper.unwrap(wrapped)).equals(Buffer.alloc(32, 7))).toBe(true);
    expect(kms.commandCalls(EncryptCommand)[0]!.args[0].input.EncryptionContext).toEqual({ purpose: "data-subject-key" });
    kms.restore();
  });
});

const at = (type: string, data: Record<string, unknown>, recordedAt = "2022-03-01T10:00:00.000Z") => ({ type, data, recordedAt }) as unknown as RecordedEvent;

describe("issue 16: when personal data may be erased (domain/data-protection.ts)", () => {
  const paidAndSettled = applicationFileOf("app-1", "technohubs-2020", [
    at("AwardGranted", { decidedOn: "2021-02-25" }),
    at("PaymentMade", { valueDate: "2021-03-10" }),
    at("GrantSettled", { settledOn: "2022-02-10" }),
    at("PaymentMade", { valueDate: "2022-02-15" }),
  ]);

  it("refuses while a file runs, without a date (the last payment is not known yet)", () => {
    const running = applicationFileOf("app-2", "technohubs-2020", [at("AwardGranted", { decidedOn: "2021-02-25" })]);
    expect(decideErasureRequest([running], "2030-01-01", "contact")).toMatchObject({ outcome: "refuse", code: "running-file", erasableFrom: null });
  });

  it("R-X-03 refuses a bank account until seven years after the last payment (fiscal retention), then erases", () => {
    expect(decideErasureRequest([paidAndSettled], "2029-02-14", "bank-account")).toMatchObject({ outcome: "refuse", code: "fiscal-retention", erasableFrom: "2029-02-15" });
    expect(decideErasureRequest([paidAndSettled], "2029-02-15", "bank-account")).toEqual({ outcome: "erase" });
  });

  it("erases a contact of a closed file at once: a contact's address is not a financial record", () => {
    expect(decideErasureRequest([paidAndSettled], "2022-03-01", "contact")).toEqual({ outcome: "erase" });
  });

  it("retention ends per scheme: seven (Sterk Techniekonderwijs: ten) years after the last payment, two after a file closed without money", () => {
    expect(retentionEndsOn([paidAndSettled])).toBe("2029-02-15");
    expect(retentionEndsOn([{ ...paidAndSettled, schemeId: "sterk-techniekonderwijs-2020" }])).toBe("2032-02-15");
    const rejected = applicationFileOf("app-3", "technohubs-2020", [at("ApplicationRejected", { decidedOn: "2021-02-25" })]);
    expect(retentionEndsOn([rejected])).toBe("2023-02-25");
    expect(addYears("2024-02-29", 1)).toBe("2025-03-01");
  });
});

describe("issue 16: no personal data in application logs (test/support/log-scan.ts)", () => {
  it("the tap sees every log line whatever the level, and the scan finds a fixture's address or IBAN in it", async () => {
    const { log, tapLog } = await import("../../functions/runtime/log.ts");
    const { personalDataIn } = await import("../support/log-scan.ts");
    const seen: string[] = [];
    const suiteTap = tapLog((line) => seen.push(line));
    try {
      log("debug", "probe", { subjectId: "0".repeat(32) });
    } finally {
      tapLog(suiteTap);
    }
    expect(seen).toHaveLength(1);
    expect(personalDataIn(seen[0]!)).toEqual([]);
    expect(personalDataIn('{"from":"Aanvrager@Example.org","iban":"NL91ABNA0417164300"}')).toEqual(["NL91ABNA0417164300", "aanvrager@example.org"]);
  });
});
