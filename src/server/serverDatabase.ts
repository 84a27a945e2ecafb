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
 * Member order does not matter to JSON, but it does to the Open vSwitch tools: ovsdb-client lists
 * a schema's tables and columns in the order its hash tables take them from the reply's text. So
 * the tables and columns of a reply come in ovsdb-server's order, the one its hash tables give
 * from the schema file's text order (`source`, the file as `Json.parse` reads it), after
 * `ovsdb-tool create` wrote it into a database file and ovsdb-server read it back; without the
 * file, from the schema's own order. `passes` says how many programs read and wrote the schema.
 *
 * `_Server` has one `Database` row per database, the `_Server` database's own included. A
 * standalone database's row says `model` "standalone", `connected` and `leader` true, its schema
 * as JSON text with sorted members, and no `cid`, `sid` or `index`: what ovsdb-server keeps there
 * for a database it does not cluster. Only the server writes it; a client's write fails "not
 * allowed", as it does on ovsdb-server.
 *
 * @since 0.1.0
 */
import { shashOrder } from "../cli/OvsText.js"
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

/**
 * The member order of ovsdb-server's own `_server.ovsschema` (only the order matters here): what
 * `schemaToJson` takes as the `_Server` schema's source.
 *
 * @since 0.1.0
 * @category constants
 */
export const serverSchemaSource: Json = {
  tables: {
    Database: {
      columns: { name: 0, model: 0, connected: 0, leader: 0, schema: 0, cid: 0, sid: 0, index: 0 }
    }
  }
}

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

/** The member names of an object of the schema file, in the file's order, if it has that object. */
const memberNames = (json: Json | undefined): ReadonlyArray<string> | undefined =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? Object.keys(json) : undefined

const member = (json: Json | undefined, name: string): Json | undefined =>
  typeof json === "object" && json !== null && !Array.isArray(json)
    ? (json as { readonly [key: string]: Json })[name]
    : undefined

/**
 * One pass of a schema's tables through a program that reads the schema and writes it again
 * (ovsdb-tool, then ovsdb-server): the JSON object parsed from the text, the schema's table map
 * filled from it, and the JSON object written from that, each a hash table walked in its own order.
 */
const tablePass = (order: ReadonlyArray<string>): ReadonlyArray<string> => shashOrder(shashOrder(shashOrder(order)))

/**
 * One pass of a table's columns: the parsed JSON object, the table's column map (the implicit
 * `_uuid` and `_version` first), and the JSON object written without those two.
 */
const columnPass = (order: ReadonlyArray<string>): ReadonlyArray<string> =>
  shashOrder(shashOrder(["_uuid", "_version", ...shashOrder(order)]).filter((name) => !name.startsWith("_")))

/**
 * How many programs read and wrote a schema file's schema before a get_schema reply: ovsdb-server
 * serves a database file that `ovsdb-tool create` wrote from the schema file.
 *
 * @since 0.1.0
 * @category constants
 */
export const FILE_PASSES = 2

/**
 * The same for `_Server`, whose schema ovsdb-server reads from its own copy of the file.
 *
 * @since 0.1.0
 * @category constants
 */
export const SERVER_SCHEMA_PASSES = 1

/** Applies a pass `passes` times. */
const repeat =
  (pass: (order: ReadonlyArray<string>) => ReadonlyArray<string>, passes: number) =>
  (order: ReadonlyArray<string>): ReadonlyArray<string> => {
    let out = order
    for (let i = 0; i < passes; i++) out = pass(out)
    return out
  }

/** ovsdb_table_schema_to_json: `isRoot` only where it differs from the schema's default. */
const tableToJson = (
  table: DatabaseSchema.TableSchema,
  defaultIsRoot: boolean,
  source: Json | undefined,
  passes: number
): Json => {
  const names = memberNames(member(source, "columns")) ??
    Object.keys(table.columns).filter((name) => !name.startsWith("_"))
  const columns: { [name: string]: Json } = {}
  for (const name of repeat(columnPass, passes)(names)) {
    const column = table.columns[name]
    if (column !== undefined) columns[name] = columnToJson(column)
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
export const schemaToJson = (
  schema: DatabaseSchema.DatabaseSchema,
  source?: Json | undefined,
  passes: number = FILE_PASSES
): { readonly [key: string]: Json } => {
  const tables = Object.values(schema.tables)
  // RFC 7047 §3.2: a schema that marks no table as a root makes every table one.
  const defaultIsRoot = tables.every((table) => table.isRoot)
  const json: { [key: string]: Json } = { name: schema.name }
  if (schema.version !== undefined) json.version = schema.version
  if (schema.cksum !== undefined) json.cksum = schema.cksum
  const sourceTables = member(source, "tables")
  const tablesJson: { [name: string]: Json } = {}
  for (const name of repeat(tablePass, passes)(memberNames(sourceTables) ?? Object.keys(schema.tables))) {
    const table = schema.tables[name]
    if (table !== undefined) tablesJson[name] = tableToJson(table, defaultIsRoot, member(sourceTables, name), passes)
  }
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
