/**
 * Which server a session may use, read from its `_Server.Database` rows (ovsdb-server(7) §"The
 * _Server database"), as Open vSwitch's `ovsdb_cs_check_server_db__` (lib/ovsdb-cs.c) decides it:
 *
 * - a clustered database must have its schema (a member that has not joined yet has none), be
 *   `connected` to its cluster, be the `leader` when the session is leader-only, and have an
 *   `index` no lower than the highest one this session has seen (a lower one is a stale member,
 *   cut off while the others moved on);
 * - a relay must have its schema and be `connected`, and is refused when leader-only (a relay is
 *   never a leader);
 * - a standalone database needs only its schema.
 *
 * With a cluster id pinned (`cid:` in the remote list), a clustered database of another cluster
 * is refused too. Pure: the session feeds it rows and keeps the highest index.
 */
import type * as Value from "../protocol/Value.js"

/** The `_Server.Database` columns the check reads. */
export const COLUMNS = ["name", "model", "connected", "leader", "schema", "cid", "index"] as const

/** One `_Server.Database` row, as far as the check reads it. */
export interface DatabaseRow {
  readonly name: string
  readonly model: string
  readonly connected: boolean
  readonly leader: boolean
  readonly hasSchema: boolean
  readonly cid: string | undefined
  readonly index: bigint | undefined
}

/** What the session asks of a server. */
export interface Wanted {
  /** The database to check; every database but `_Server` when absent. */
  readonly database: string | undefined
  readonly leaderOnly: boolean
  /** A pinned cluster id (`cid:UUID` in the remote list). */
  readonly cid: string | undefined
}

/** The verdict on a server: usable (with the highest index it showed), or why not. */
export type Verdict =
  | { readonly _tag: "Usable"; readonly index: bigint | undefined }
  | { readonly _tag: "Unusable"; readonly reason: string; readonly missing: boolean }

const unusable = (reason: string, missing = false): Verdict => ({ _tag: "Unusable", reason, missing })

/** Reads a row of `_Server.Database` from monitor values (optional columns are 0- or 1-element sets). */
export const readRow = (row: Value.Row): DatabaseRow => {
  const one = (value: Value.Value | undefined): Value.Value | undefined => Array.isArray(value) ? value[0] : value
  const cid = one(row.cid)
  const index = one(row.index)
  const schema = one(row.schema)
  return {
    name: typeof row.name === "string" ? row.name : "",
    model: typeof row.model === "string" ? row.model : "standalone",
    connected: row.connected === true,
    leader: row.leader === true,
    hasSchema: typeof schema === "string" && schema !== "",
    cid: typeof cid === "object" && cid !== null && "value" in cid ? String(cid.value).toLowerCase() : undefined,
    index: typeof index === "number" || typeof index === "bigint" ? BigInt(index) : undefined
  }
}

/** Checks one database's row. */
const checkRow = (row: DatabaseRow, wanted: Wanted, minIndex: bigint): Verdict => {
  if (!row.hasSchema) return unusable(`${row.name} has no schema yet (a cluster member that has not joined)`)
  switch (row.model) {
    case "clustered":
      if (!row.connected) return unusable(`${row.name}: the member is disconnected from its cluster`)
      if (wanted.leaderOnly && !row.leader) return unusable(`${row.name}: the member is not the cluster leader`)
      if (row.index !== undefined && row.index < minIndex) {
        return unusable(`${row.name}: the member has stale data (index ${row.index}, already seen ${minIndex})`)
      }
      if (wanted.cid !== undefined && row.cid !== wanted.cid) {
        return unusable(`${row.name}: cluster id ${row.cid ?? "unknown"}, not the pinned ${wanted.cid}`)
      }
      return { _tag: "Usable", index: row.index }
    case "relay":
      if (!row.connected) return unusable(`${row.name}: the relay is disconnected from its source`)
      if (wanted.leaderOnly) return unusable(`${row.name}: a relay cannot be a leader`)
      return { _tag: "Usable", index: undefined }
    default:
      return { _tag: "Usable", index: undefined }
  }
}

/**
 * The verdict on a server from its `_Server.Database` rows: every checked database must be usable;
 * the highest index among them is what the session remembers.
 */
export const check = (rows: ReadonlyArray<DatabaseRow>, wanted: Wanted, minIndex: bigint): Verdict => {
  const checked = wanted.database === undefined
    ? rows.filter((row) => row.name !== "_Server")
    : rows.filter((row) => row.name === wanted.database)
  if (wanted.database !== undefined && checked.length === 0) {
    return unusable(`the server has no database ${wanted.database}`, true)
  }
  let index: bigint | undefined
  for (const row of checked) {
    const verdict = checkRow(row, wanted, minIndex)
    if (verdict._tag === "Unusable") return verdict
    if (verdict.index !== undefined && (index === undefined || verdict.index > index)) index = verdict.index
  }
  return { _tag: "Usable", index }
}
