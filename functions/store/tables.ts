/**
 * The table layout, declared once: the CDK stack and the local runtime both build their tables
 * from these definitions (a test compares the synthesised template with them).
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

export interface TableDefinition {
  readonly logicalName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalIndexes: ReadonlyArray<{ readonly indexName: string; readonly partitionKey: KeyAttribute; readonly sortKey: KeyAttribute }>;
  readonly stream: boolean;
}

/**
 * Replay order index: partition `<schemeId>#<shard>`, sort `<recordedAt>#<streamId>#<version>`.
 * A stream always lands in the same shard (hash of its id), so its events stay in version order;
 * shards spread a busy scheme over several index partitions (about 1,000 writes/s each on AWS)
 * and readers merge them. Changing the count re-partitions the index: a migration, not a setting.
 */
export const ORDER_SHARDS = 4;

export const eventsTable: TableDefinition = {
  logicalName: "Events",
  partitionKey: { name: "streamId", type: "S" },
  sortKey: { name: "version", type: "N" },
  globalIndexes: [
    {
      indexName: "globalOrder",
      partitionKey: { name: "orderPartition", type: "S" },
      sortKey: { name: "orderKey", type: "S" },
    },
  ],
  stream: true,
};

/** Read models: disposable documents rebuilt from the log, plus the projectors' per-stream checkpoints. */
export const readModelsTable: TableDefinition = {
  logicalName: "ReadModels",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [
    {
      indexName: "byList",
      partitionKey: { name: "listPk", type: "S" },
      sortKey: { name: "listSk", type: "S" },
    },
  ],
  stream: false,
};

/**
 * Issue 16: the data subjects' keys, outside the event log (events/personal-data.ts). Items:
 * `subject#<id>`/`key` (the wrapped key, or `erasedAt` once destroyed), `subject#<id>`/`stream#<id>`
 * (a stream that holds the subject's data: what an erasure request must weigh), `subject#<id>`/`lookup#<h>`
 * and `lookup#<h>`/`subject` (finding a subject by a keyed hash of its identity, never by the identity
 * itself), and `pepper`/`pepper` (that hash's key, wrapped).
 */
export const subjectKeysTable: TableDefinition = {
  logicalName: "SubjectKeys",
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalIndexes: [],
  stream: false,
};
