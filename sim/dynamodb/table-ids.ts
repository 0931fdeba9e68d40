// dynalite makes a new table's TableId from 14 random bytes, grouped 8-4-4-4-8
// (`6f304f0e-5768-4a15-18d3-c9003af5`), where DynamoDB's is a UUID, 8-4-4-4-12, the pattern
// botocore's model gives TableId (a stock-tools audit). The id is replaced with a random UUID
// before dynalite stores the description; dynalite answers CreateTable from the same object,
// so CreateTable and every DescribeTable after it give the UUID. Tables created before this
// keep the id they were stored with.
import { randomUUID } from 'node:crypto';
import type { DynaliteStore } from './kept-table-descriptions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Wraps the store's description writes so that a table's TableId is a UUID. */
export function giveTablesUuids(store: DynaliteStore): void {
  const tables = store.tableDb;
  const put = tables.put.bind(tables);
  tables.put = (name, table, callback) => {
    const description = table as { TableId?: unknown } | null;
    if (description && typeof description.TableId === 'string' && !UUID.test(description.TableId)) description.TableId = randomUUID();
    put(name, table, callback);
  };
}
