import { AsyncLocalStorage } from "node:async_hooks";
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import {
  type DataSubjectKind,
  ERASED,
  isSealedValue,
  locate,
  normaliseIdentity,
  personalDataFields,
  sealedValuePattern,
} from "../../events/personal-data.ts";
import { maskIban } from "../../domain/payments.ts";
import type { KeyWrapper } from "./key-wrapper.ts";
import type { SubjectKeyTable } from "./key-table.ts";

/**
 * Seals personal-data fields on append and reveals sealed values on read (issue 16).
 *
 * Each subject has its own AES-256-GCM key, wrapped by the KeyWrapper and kept in the key table.
 * Sealing is deterministic per subject (the IV is an HMAC of the value under the subject's key), so
 * one value of one subject always seals to the same text: projections can compare sealed values
 * (a contact removed is the contact added) and a replay without keys equals the live read models.
 * The cost is that equal values of one subject are recognisable as equal, which they are anyway.
 *
 * Unwrapped keys and lookups are cached for one invocation only (`invocation(work)`, which every
 * request, reaction and intake run goes through): a key destroyed by an erasure is not served from
 * a warm container's cache. The cache belongs to the invocation, not to the instance: the local
 * runtime serves many requests at once from one vault, and one request starting must not empty
 * another's cache (issue 15's simulation: a committee decision re-read its five members' lookups
 * and keys on every retry because other requests kept starting).
 */
export class PersonalDataVault {
  private pepperKey: Buffer | undefined;
  private readonly invocations = new AsyncLocalStorage<InvocationCache>();
  /** Outside any invocation (scripts, tests, the audit CLI): one cache, emptied by `beginInvocation()`. */
  private readonly outside: InvocationCache = { keys: new Map(), lookups: new Map() };
  /**
   * The subject/stream references this process has written. Kept across invocations, unlike keys
   * and lookups: a reference is never deleted or changed (an erasure destroys the key and forgets
   * the lookups; the references stay to find the sealed values), so writing it again only costs a
   * request. Issue 15's simulation: a re-sent award wrote its five committee members' again.
   */
  private readonly referenced = new Set<string>();

  constructor(
    private readonly table: SubjectKeyTable,
    private readonly wrapper: KeyWrapper,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `work` with its own cache of keys and lookups, forgotten when it ends. */
  invocation<T>(work: () => Promise<T>): Promise<T> {
    // Bounded, as a warm container's memory is.
    if (this.referenced.size > 20_000) this.referenced.clear();
    return this.invocations.run({ keys: new Map(), lookups: new Map() }, work);
  }

  /** Forget the keys and lookups cached outside any invocation. */
  beginInvocation(): void {
    this.outside.keys.clear();
    this.outside.lookups.clear();
    if (this.referenced.size > 20_000) this.referenced.clear();
  }

  private get keys(): Map<string, Buffer | "erased"> {
    return (this.invocations.getStore() ?? this.outside).keys;
  }

  private get lookups(): Map<string, string> {
    return (this.invocations.getStore() ?? this.outside).lookups;
  }

  /** The payload with every personal-data field sealed under its subject's key; notes the stream against each subject. */
  async seal(type: string, data: unknown, streamId: string, schemeId: string): Promise<unknown> {
    const fields = personalDataFields[type];
    if (!fields || !data || typeof data !== "object") return data;
    const original = data as Record<string, unknown>;
    const copy = structuredClone(original);
    for (const f of fields) {
      for (const at of locate(copy, f.path)) {
        if (typeof at.value !== "string" || isSealedValue(at.value) || at.value === ERASED) continue;
        const identity = f.identity(original, at.value);
        if (identity === null) continue;
        const subjectId = await this.subjectFor(f.subject, identity, f.aliases?.(original) ?? []);
        const key = await this.keyOf(subjectId);
        if (key === "erased") throw new Error(`data subject ${subjectId} is erased but still found by its lookup`);
        (at.holder as Record<string | number, unknown>)[at.key] = sealWith(subjectId, key, at.value);
        await this.noteStream(subjectId, streamId, schemeId);
      }
    }
    return copy;
  }

  /**
   * Every sealed value anywhere in `value` (a payload, a read-model document, a CSV text, a letter's
   * fields) replaced by what it says, or by `[erased]` once its subject's key is destroyed. The one
   * read path for personal data: API responses, command handlers' folds, letters.
   */
  async reveal<T>(value: T): Promise<T> {
    const ids = new Set<string>();
    collectSubjects(value, ids);
    if (ids.size === 0) return value;
    await this.loadKeys([...ids]);
    return revealWith(value, (subjectId) => this.keys.get(subjectId) ?? "erased") as T;
  }

  /** The subject an identity belongs to, if it has one (an erasure request names a person by address, IBAN or name). */
  async findSubject(kind: DataSubjectKind, identity: string): Promise<string | undefined> {
    return this.table.lookup(await this.lookupHash(kind, identity));
  }

  async subjectFor(kind: DataSubjectKind, identity: string, aliases: ReadonlyArray<string> = []): Promise<string> {
    const hash = await this.lookupHash(kind, identity);
    let subjectId = this.lookups.get(hash) ?? (await this.table.lookup(hash));
    if (!subjectId) {
      // A message's sender may already be known by the message (its form fields sealed before its address).
      for (const alias of aliases) {
        subjectId = await this.table.lookup(await this.lookupHash(kind, alias));
        if (subjectId) break;
      }
    }
    if (!subjectId) {
      const candidate = randomBytes(16).toString("hex");
      const key = randomBytes(32);
      await this.table.createSubject({ subjectId: candidate, kind, wrappedKey: await this.wrapper.wrap(key), createdAt: this.now().toISOString() });
      subjectId = await this.table.bindLookup(hash, candidate);
      if (subjectId === candidate) this.keys.set(candidate, key);
    }
    this.lookups.set(hash, subjectId);
    for (const alias of aliases) {
      const aliasHash = await this.lookupHash(kind, alias);
      if (this.lookups.get(aliasHash) === subjectId) continue;
      await this.table.bindLookup(aliasHash, subjectId);
      this.lookups.set(aliasHash, subjectId);
    }
    return subjectId;
  }

  /** The streams that hold data of the subject (written when it was sealed). */
  streamsOf(subjectId: string): Promise<Array<{ streamId: string; schemeId: string }>> {
    return this.table.streamsOf(subjectId);
  }

  /** Subjects whose keys still exist: the retention command's work list. */
  liveSubjects() {
    return this.table.liveSubjects();
  }

  /** Crypto-shredding: the subject's key is destroyed; every sealed value of it now reads `[erased]`. */
  async destroyKey(subjectId: string): Promise<void> {
    await this.table.destroyKey(subjectId, this.now().toISOString());
    this.keys.set(subjectId, "erased");
  }

  private async noteStream(subjectId: string, streamId: string, schemeId: string): Promise<void> {
    const mark = `${subjectId}|${streamId}`;
    if (this.referenced.has(mark)) return;
    await this.table.reference(subjectId, streamId, schemeId);
    this.referenced.add(mark);
  }

  private async keyOf(subjectId: string): Promise<Buffer | "erased"> {
    await this.loadKeys([subjectId]);
    return this.keys.get(subjectId) ?? "erased";
  }

  private async loadKeys(ids: ReadonlyArray<string>): Promise<void> {
    const missing = ids.filter((id) => !this.keys.has(id));
    if (missing.length === 0) return;
    const items = await this.table.subjects(missing);
    for (const id of missing) {
      const wrapped = items.get(id)?.wrappedKey;
      this.keys.set(id, wrapped ? await this.wrapper.unwrap(wrapped) : "erased");
    }
  }

  /** HMAC-SHA256 of the normalised identity under the lookup key: the table never holds an address, an IBAN or a name. */
  private async lookupHash(kind: DataSubjectKind, identity: string): Promise<string> {
    if (!this.pepperKey) {
      let wrapped = await this.table.pepper();
      wrapped ??= await this.table.putPepper(await this.wrapper.wrap(randomBytes(32)));
      this.pepperKey = await this.wrapper.unwrap(wrapped);
    }
    const normalised = identity.startsWith("message:") ? identity : normaliseIdentity(kind, identity);
    return createHmac("sha256", this.pepperKey).update(`${kind}\u0000${normalised}`).digest("hex");
  }
}

/** `work` in an invocation of the vault, where there is one (a runtime without the key table has none). */
export function inInvocation<T>(vault: Pick<PersonalDataVault, "invocation"> | undefined, work: () => Promise<T>): Promise<T> {
  return vault ? vault.invocation(work) : work();
}

interface InvocationCache {
  readonly keys: Map<string, Buffer | "erased">;
  readonly lookups: Map<string, string>;
}

/** Deterministic AES-256-GCM: the IV is the first 12 bytes of HMAC(key, value), so one value seals to one text per subject. */
export function sealWith(subjectId: string, key: Buffer, value: string): string {
  // As JSON text: a lone surrogate a client sent survives the round trip (UTF-8 alone would replace it).
  const text = JSON.stringify(value);
  const iv = createHmac("sha256", key).update("pd1-iv\u0000").update(text).digest().subarray(0, 12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return `pd1.${subjectId}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
}

export function openWith(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8")) as string;
}

function collectSubjects(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    if (!value.includes("pd1")) return;
    for (const match of value.matchAll(sealedValuePattern)) into.add(match[2]!);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectSubjects(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) collectSubjects(v, into);
}

function revealWith(value: unknown, keyOf: (subjectId: string) => Buffer | "erased"): unknown {
  if (typeof value === "string") {
    if (!value.includes("pd1")) return value;
    return value.replace(sealedValuePattern, (_, masked: string, subjectId: string, body: string) => {
      const key = keyOf(subjectId);
      if (key === "erased") return ERASED;
      const plain = openWith(key, body);
      return masked ? maskIban(plain) : plain;
    });
  }
  if (Array.isArray(value)) return value.map((v) => revealWith(v, keyOf));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealWith(v, keyOf)]));
  return value;
}
