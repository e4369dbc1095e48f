import * as z from "zod";

/** The EventBridge `source` of every event this back office publishes. */
export const EVENT_SOURCE = "subsidy.backoffice";

/**
 * One version of one event type. The `type` is past tense (`ApplicationRegistered`) and is used
 * unchanged as the EventBridge `detail-type`, so routing rules and the store speak the same names.
 */
export interface EventVersion<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly version: number;
  readonly schema: S;
}

export function eventVersion<T extends string, S extends z.ZodType>(type: T, version: number, schema: S): EventVersion<T, S> {
  return { type, version, schema };
}

/** Turns the payload of `from.version` into the payload of `from.version + 1`. */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(payload: unknown): unknown;
}

export class UnknownEventType extends Error {
  constructor(readonly eventType: string, readonly schemaVersion: number) {
    super(`unknown event type ${eventType} v${schemaVersion}`);
    this.name = "UnknownEventType";
  }
}

export class EventSchemaViolation extends Error {
  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`${eventType} v${schemaVersion} does not match its schema: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "EventSchemaViolation";
  }
}

export function issuePaths(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

/**
 * Every event type the system knows, with all its versions and the upcasters between them.
 * Reading an event always goes through `parse`, so old events reach the domain as the current version.
 */
export class EventCatalogue {
  private readonly versions = new Map<string, Map<number, z.ZodType>>();
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(versions: ReadonlyArray<EventVersion>, upcasters: ReadonlyArray<Upcaster> = []) {
    for (const v of versions) {
      const byVersion = this.versions.get(v.type) ?? new Map<number, z.ZodType>();
      if (byVersion.has(v.version)) throw new Error(`event ${v.type} v${v.version} is defined twice`);
      byVersion.set(v.version, v.schema);
      this.versions.set(v.type, byVersion);
    }
    for (const u of upcasters) this.upcasters.set(`${u.type}@${u.fromVersion}`, u);
    for (const [type, byVersion] of this.versions) {
      const current = this.currentVersion(type);
      for (let version = 1; version < current; version++) {
        if (byVersion.has(version) && !this.upcasters.has(`${type}@${version}`)) {
          throw new Error(`event ${type} v${version} has no upcaster to v${version + 1}`);
        }
      }
    }
  }

  types(): string[] {
    return [...this.versions.keys()].sort();
  }

  currentVersion(type: string): number {
    const byVersion = this.versions.get(type);
    if (!byVersion) throw new UnknownEventType(type, 0);
    return Math.max(...byVersion.keys());
  }

  /** Validates a payload written as `schemaVersion`, upcasts it step by step and validates the result. */
  parse(type: string, schemaVersion: number, payload: unknown): unknown {
    const byVersion = this.versions.get(type);
    const schema = byVersion?.get(schemaVersion);
    if (!byVersion || !schema) throw new UnknownEventType(type, schemaVersion);
    let data = this.validate(type, schemaVersion, schema, payload);
    const current = this.currentVersion(type);
    for (let version = schemaVersion; version < current; version++) {
      const upcaster = this.upcasters.get(`${type}@${version}`);
      const next = byVersion.get(version + 1);
      if (!upcaster || !next) throw new UnknownEventType(type, version + 1);
      data = this.validate(type, version + 1, next, upcaster.upcast(data));
    }
    return data;
  }

  private validate(type: string, version: number, schema: z.ZodType, payload: unknown): unknown {
    const result = schema.safeParse(payload);
    if (!result.success) throw new EventSchemaViolation(type, version, issuePaths(result.error));
    return result.data;
  }
}
