import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import type { TableDefinition } from "./tables.ts";

/** Creates a table from its shared definition (locally and in tests; on AWS the CDK stack does it). */
export async function createTable(client: DynamoDBClient, tableName: string, definition: TableDefinition): Promise<void> {
  const attributes = new Map<string, "S" | "N">();
  for (const key of [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    attributes.set(key.name, key.type);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
          { AttributeName: definition.sortKey.name, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: definition.globalIndexes.length
          ? definition.globalIndexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
                { AttributeName: index.sortKey.name, KeyType: "RANGE" as const },
              ],
              Projection: { ProjectionType: "ALL" as const },
            }))
          : undefined,
        StreamSpecification: definition.stream ? { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } : undefined,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
}

export async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = table.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream`);
  return arn;
}
