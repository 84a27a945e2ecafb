/**
 * The schema as ovsdb-server writes it (`get_schema`, and the `_Server` database's `schema`
 * column), and the `_Server` database itself (ovsdb-server(7) §"The _Server Database").
 *
 * `schemaToJson` follows ovsdb-server's `ovsdb_schema_to_json`: a column type is written in its
 * shortest form (a bare atomic type when it has no constraint, `min` only when not 1, `max` only
 * when not 1), `refType` only when weak, a one-value `enum` as its bare atom, `mutable` only when
 * false, `ephemeral` only when true, and `isRoot` only when it differs from the default (every
 * table is a root when none is marked).
 *
 * `_Server` has one `Database` row per database, the `_Server` database's own included. A
 * standalone database's row says `model` "standalone", `connected` and `leader` true, its schema
 * as JSON text with sorted members, and no `cid`, `sid` or `index`: what ovsdb-server keeps there
 * for a database it does not cluster. Only the server writes it; a client's write fails "not
 * allowed", as it does on ovsdb-server.
 *
 * @since 0.1.0
 */
import type { Json } from "../Json.js"
import { stringify } from "../Json.js"
import * as ServerModel from "../models/_Server.js"
import type * as DatabaseSchema from "../protocol/DatabaseSchema.js"

/**
 * The name of the database every server has.
 *
 * @since 0.1.0
 * @category constants
 */
export const SERVER_DATABASE = "_Server"

/**
 * The `_Server` database's schema (version 1.2.0, as ovsdb-server 3.x serves it).
 *
 * @since 0.1.0
 * @category constants
 */
export const serverSchema: DatabaseSchema.DatabaseSchema = ServerModel.database.schema

/** Whether a base type has any constraint: then it is written as an object, else as its type's name. */
const hasConstraints = (base: DatabaseSchema.BaseType): boolean =>
  base.enum !== undefined || base.minInteger !== undefined || base.maxInteger !== undefined ||
  base.minReal !== undefined || base.maxReal !== undefined || base.minLength !== undefined ||
  base.maxLength !== undefined || base.refTable !== undefined

/** An enum's atoms as a datum (a UUID enum holds the UUIDs' text): one atom bare, more as a set. */
const enumToJson = (base: DatabaseSchema.BaseType, atoms: ReadonlyArray<DatabaseSchema.EnumAtom>): Json => {
  const encoded = atoms.map((atom): Json => base.type === "uuid" ? ["uuid", String(atom)] : atom)
  return encoded.length === 1 ? encoded[0]! : ["set", encoded]
}

/** ovsdb_base_type_to_json. */
const baseTypeToJson = (base: DatabaseSchema.BaseType): Json => {
  if (!hasConstraints(base)) return base.type
  const json: { [key: string]: Json } = { type: base.type }
  if (base.enum !== undefined) json.enum = enumToJson(base, base.enum)
  if (base.minInteger !== undefined) json.minInteger = base.minInteger
  if (base.maxInteger !== undefined) json.maxInteger = base.maxInteger
  if (base.minReal !== undefined) json.minReal = base.minReal
  if (base.maxReal !== undefined) json.maxReal = base.maxReal
  if (base.minLength !== undefined) json.minLength = base.minLength
  if (base.maxLength !== undefined) json.maxLength = base.maxLength
  if (base.refTable !== undefined) {
    json.refTable = base.refTable
    if (base.refType === "weak") json.refType = "weak"
  }
  return json
}

/** ovsdb_type_to_json: a scalar without constraints is its base type alone. */
const typeToJson = (type: DatabaseSchema.ColumnType): Json => {
  const isScalar = type.value === undefined && type.min === 1 && type.max === 1
  if (isScalar && !hasConstraints(type.key)) return baseTypeToJson(type.key)
  const json: { [key: string]: Json } = { key: baseTypeToJson(type.key) }
  if (type.value !== undefined) json.value = baseTypeToJson(type.value)
  if (type.min !== 1) json.min = type.min
  if (type.max !== 1) json.max = type.max
  return json
}

/** ovsdb_column_to_json. */
const columnToJson = (column: DatabaseSchema.ColumnSchema): Json => {
  const json: { [key: string]: Json } = { type: typeToJson(column.type) }
  if (!column.mutable) json.mutable = false
  if (column.ephemeral) json.ephemeral = true
  return json
}

/** ovsdb_table_schema_to_json: `isRoot` only where it differs from the schema's default. */
const tableToJson = (table: DatabaseSchema.TableSchema, defaultIsRoot: boolean): Json => {
  const columns: { [name: string]: Json } = {}
  for (const name in table.columns) {
    if (!name.startsWith("_")) columns[name] = columnToJson(table.columns[name]!)
  }
  const json: { [key: string]: Json } = {}
  if (!table.mutable) json.mutable = false
  if (table.isRoot !== defaultIsRoot) json.isRoot = table.isRoot
  json.columns = columns
  if (table.maxRows !== undefined) json.maxRows = table.maxRows
  if (table.indexes.length > 0) json.indexes = table.indexes.map((index) => [...index])
  return json
}

/**
 * A schema as ovsdb-server writes it in a `get_schema` reply.
 *
 * @example
 * ```ts
 * schemaToJson(serverSchema).tables // { Database: { columns: { name: { type: "string" }, … } } }
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const schemaToJson = (schema: DatabaseSchema.DatabaseSchema): { readonly [key: string]: Json } => {
  const tables = Object.values(schema.tables)
  // RFC 7047 §3.2: a schema that marks no table as a root makes every table one.
  const defaultIsRoot = tables.every((table) => table.isRoot)
  const json: { [key: string]: Json } = { name: schema.name }
  if (schema.version !== undefined) json.version = schema.version
  if (schema.cksum !== undefined) json.cksum = schema.cksum
  const tablesJson: { [name: string]: Json } = {}
  for (const table of tables) tablesJson[table.name] = tableToJson(table, defaultIsRoot)
  json.tables = tablesJson
  return json
}

/** JSON text with every object's members sorted by name, as ovsdb-server writes the `schema` column. */
const sortedText = (json: Json): string => {
  if (Array.isArray(json)) return `[${(json as ReadonlyArray<Json>).map(sortedText).join(",")}]`
  if (typeof json === "object" && json !== null) {
    const record = json as { readonly [key: string]: Json }
    const members = Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${sortedText(record[key]!)}`)
    return `{${members.join(",")}}`
  }
  return stringify(json) ?? "null"
}

/**
 * The operations that write the `Database` rows of `_Server` for these databases (the `_Server`
 * database included in the list), one insert each, as the server itself writes them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const databaseRows = (schemas: ReadonlyArray<DatabaseSchema.DatabaseSchema>): ReadonlyArray<Json> =>
  schemas.map((schema) => ({
    op: "insert",
    table: "Database",
    row: {
      name: schema.name,
      model: "standalone",
      connected: true,
      leader: true,
      schema: sortedText(schemaToJson(schema))
    }
  }))
