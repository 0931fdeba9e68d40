// dynalite reads a table's description (key schema, indexes, status) from LevelDB before every
// item operation: GetItem, PutItem, UpdateItem, Query and each table of a batch. Each read is a
// round trip through LevelDB's thread pool and a promise, then a setImmediate, about ten per face
// sign-in; on two cores the thread it wakes competes with the kit's main thread. In a CPU profile
// of the kit under a 4-client load, LevelDB's get took 7 % of the main thread's busy time, 60 %
// of it for table descriptions, which change only through CreateTable, UpdateTable and
// DeleteTable. Kept, a GetItem and an UpdateItem cost 18 % less CPU and 20 % less time
// (docs/lambda-dynamodb.md, "Tenth pass").
//
// So an ACTIVE table's description is kept, as the JSON LevelDB would hand back, and decoded
// afresh for each read (dynalite's UpdateTable and DeleteTable change the object they are given).
// Every write to the descriptions (put, del, batch) forgets the name first, and a read that was
// under way while a write began is not kept: what is kept was read after the last write ended.
// A description that is not ACTIVE (CREATING, UPDATING, DELETING) is never kept, so its status
// moves on as dynalite's timers move it. Once the store is closed, every read goes to it.

/** The part of dynalite's table-description store (`store.tableDb`) this wraps: callback style. */
export interface TableDescriptionDb {
  get(name: string, callback: (error: Error | null | undefined, table?: unknown) => void): void;
  put(name: string, table: unknown, callback: (error?: Error | null) => void): void;
  del(name: string, callback: (error?: Error | null) => void): void;
  batch(operations: unknown[], callback: (error?: Error | null) => void): void;
}

/** dynalite's store, as `db.create` returns it: the descriptions, and whether it was closed. */
export interface DynaliteStore {
  tableDb: TableDescriptionDb;
  lifecycleManager?: { getState(): string };
}

const KEPT = Symbol('table descriptions kept');

/** Keeps the store's ACTIVE table descriptions in memory, as the file's comment says. Idempotent. */
export function keepTableDescriptions(store: DynaliteStore): void {
  const tables = store.tableDb as TableDescriptionDb & { [KEPT]?: true };
  if (tables[KEPT]) return;
  const read = tables.get.bind(tables);
  const put = tables.put.bind(tables);
  const del = tables.del.bind(tables);
  const batch = tables.batch.bind(tables);
  /** Name -> the description's JSON. */
  const kept = new Map<string, string>();
  /** Writes begun; a read keeps what it found only if none began or is still under way since it started. */
  let writesBegun = 0;
  let writesUnderWay = 0;
  const closed = () => store.lifecycleManager?.getState() === 'closed';

  /** Forgets what a write touches and counts it while under way; returns its callback, wrapped. */
  const writing = (names: string[] | 'all', callback: (error?: Error | null) => void) => {
    if (names === 'all') kept.clear();
    else for (const name of names) kept.delete(name);
    writesBegun += 1;
    writesUnderWay += 1;
    return (error?: Error | null) => {
      writesUnderWay -= 1;
      callback(error);
    };
  };

  tables.get = (name, callback) => {
    const json = closed() ? undefined : kept.get(name);
    if (json !== undefined) {
      // Asynchronous as dynalite's own read is, so callers see the same order of events.
      setImmediate(callback, null, JSON.parse(json));
      return;
    }
    const begunBefore = writesBegun;
    read(name, (error, table) => {
      if (!error && writesBegun === begunBefore && writesUnderWay === 0 && isActiveTable(table)) kept.set(name, JSON.stringify(table));
      callback(error, table);
    });
  };
  tables.put = (name, table, callback) => put(name, table, writing([name], callback));
  tables.del = (name, callback) => del(name, writing([name], callback));
  tables.batch = (operations, callback) => batch(operations, writing('all', callback));
  tables[KEPT] = true;
}

function isActiveTable(table: unknown): boolean {
  return typeof table === 'object' && table !== null && (table as { TableStatus?: unknown }).TableStatus === 'ACTIVE';
}
