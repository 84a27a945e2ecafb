/**
 * Database schemas (RFC 7047 §3.2, the `.ovsschema` format): tables, their columns' types with
 * every constraint, indexes, root tables and row limits.
 *
 * The wire format is terse — a base type may be a bare atomic type name (`"string"`), a column type
 * a bare base type — so `decode` reads it into one explicit model where every default is filled in:
 * `min` and `max` are always present, a reference's `refType` is always set, every table lists its
 * implicit `_uuid` and `_version` columns, and `isRoot` follows ovsdb-server's compatibility rule
 * (a schema that marks no table as root makes every table a root).
 *
 * ```ts
 * const schema = yield* DatabaseSchema.decode(json)
 * schema.tables.Logical_Switch_Port.columns.tag_request.type
 * // { key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 }
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { DatabaseSchemaError } from "../Errors.js"
import type { Json } from "../Json.js"

/**
 * The five atomic types (RFC 7047 §3.2 <atomic-type>).
 *
 * @since 0.1.0
 * @category models
 */
export type AtomicType = "integer" | "real" | "boolean" | "string" | "uuid"

/**
 * A base type with its constraints (RFC 7047 §3.2 <base-type>). Integer bounds may be `bigint`
 * (OVSDB integers are 64-bit).
 *
 * @since 0.1.0
 * @category models
 */
export interface BaseType {
  readonly type: AtomicType
  /** The only values allowed, when the type is an enumeration. */
  readonly enum?: ReadonlyArray<string | number | bigint | boolean>
  readonly minInteger?: number | bigint
  readonly maxInteger?: number | bigint
  readonly minReal?: number
  readonly maxReal?: number
  readonly minLength?: number
  readonly maxLength?: number
  /** For `uuid`: the table the value refers to. */
  readonly refTable?: string
  /** For references: whether a referenced row must exist (`strong`) or the reference is dropped (`weak`). */
  readonly refType?: "strong" | "weak"
}

/**
 * A column's type (RFC 7047 §3.2 <type>): a scalar (`min` = `max` = 1), an optional value
 * (`min` 0, `max` 1), a set (`key` only) or a map (`key` and `value`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ColumnType {
  readonly key: BaseType
  readonly value?: BaseType
  readonly min: number
  readonly max: number | "unlimited"
}

/**
 * A column (RFC 7047 §3.2 <column-schema>).
 *
 * @since 0.1.0
 * @category models
 */
export interface ColumnSchema {
  readonly name: string
  readonly type: ColumnType
  readonly ephemeral: boolean
  readonly mutable: boolean
}

/**
 * A table (RFC 7047 §3.2 <table-schema>).
 *
 * @since 0.1.0
 * @category models
 */
export interface TableSchema {
  readonly name: string
  /** Every column, `_uuid` and `_version` included. */
  readonly columns: { readonly [name: string]: ColumnSchema }
  readonly isRoot: boolean
  readonly maxRows?: number
  /** Sets of columns whose values must be unique across the table's rows. */
  readonly indexes: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * A database schema (RFC 7047 §3.2 <database-schema>).
 *
 * @since 0.1.0
 * @category models
 */
export interface DatabaseSchema {
  readonly name: string
  readonly version: string
  readonly cksum?: string
  readonly tables: { readonly [name: string]: TableSchema }
}

// --- the wire format, as Schemas ---

const AtomicTypeJson = Schema.Literals(["integer", "real", "boolean", "string", "uuid"])
const Bound = Schema.Union([Schema.Number, Schema.BigInt])
const EnumAtom = Schema.Union([Schema.String, Schema.Number, Schema.BigInt, Schema.Boolean])

const BaseTypeObject = Schema.Struct({
  type: AtomicTypeJson,
  enum: Schema.optionalKey(Schema.Union([EnumAtom, Schema.Tuple([Schema.Literal("set"), Schema.Array(EnumAtom)])])),
  minInteger: Schema.optionalKey(Bound),
  maxInteger: Schema.optionalKey(Bound),
  minReal: Schema.optionalKey(Schema.Number),
  maxReal: Schema.optionalKey(Schema.Number),
  minLength: Schema.optionalKey(Schema.Number),
  maxLength: Schema.optionalKey(Schema.Number),
  refTable: Schema.optionalKey(Schema.String),
  refType: Schema.optionalKey(Schema.Literals(["strong", "weak"]))
})
const BaseTypeJson = Schema.Union([AtomicTypeJson, BaseTypeObject])

const ColumnTypeJson = Schema.Union([
  BaseTypeJson,
  Schema.Struct({
    key: BaseTypeJson,
    value: Schema.optionalKey(BaseTypeJson),
    min: Schema.optionalKey(Schema.Int),
    max: Schema.optionalKey(Schema.Union([Schema.Int, Schema.Literal("unlimited")]))
  })
])

const ColumnJson = Schema.Struct({
  type: ColumnTypeJson,
  ephemeral: Schema.optionalKey(Schema.Boolean),
  mutable: Schema.optionalKey(Schema.Boolean)
})

const TableJson = Schema.Struct({
  columns: Schema.Record(Schema.String, ColumnJson),
  maxRows: Schema.optionalKey(Schema.Int),
  isRoot: Schema.optionalKey(Schema.Boolean),
  indexes: Schema.optionalKey(Schema.Array(Schema.Array(Schema.String)))
})

const DatabaseJson = Schema.Struct({
  name: Schema.String,
  version: Schema.optionalKey(Schema.String),
  cksum: Schema.optionalKey(Schema.String),
  tables: Schema.Record(Schema.String, TableJson)
})

// --- wire → model ---

const toBaseType = (json: typeof BaseTypeJson.Type): BaseType => {
  if (typeof json === "string") return { type: json }
  const { enum: enumeration, refType, ...rest } = json
  return {
    ...rest,
    ...(enumeration === undefined ? {} : {
      enum: Array.isArray(enumeration) ? (enumeration as readonly ["set", ReadonlyArray<typeof EnumAtom.Type>])[1] : [
        enumeration as typeof EnumAtom.Type
      ]
    }),
    // RFC 7047 §3.2: refType defaults to "strong" when refTable is given.
    ...(json.refTable === undefined ? {} : { refType: refType ?? "strong" })
  }
}

const toColumnType = (json: typeof ColumnTypeJson.Type): ColumnType => {
  if (typeof json === "string" || !("key" in json)) return { key: toBaseType(json), min: 1, max: 1 }
  return {
    key: toBaseType(json.key),
    ...(json.value === undefined ? {} : { value: toBaseType(json.value) }),
    min: json.min ?? 1,
    max: json.max ?? 1
  }
}

const UUID_COLUMN: ColumnType = { key: { type: "uuid" }, min: 1, max: 1 }

const toTable = (name: string, json: typeof TableJson.Type, everyTableIsRoot: boolean): TableSchema => {
  const columns: { [name: string]: ColumnSchema } = {}
  for (const [column, spec] of Object.entries(json.columns)) {
    columns[column] = {
      name: column,
      type: toColumnType(spec.type),
      ephemeral: spec.ephemeral ?? false,
      mutable: spec.mutable ?? true
    }
  }
  // RFC 7047 §3.2: every table has the implicit _uuid and _version columns.
  columns._uuid = { name: "_uuid", type: UUID_COLUMN, ephemeral: false, mutable: false }
  columns._version = { name: "_version", type: UUID_COLUMN, ephemeral: false, mutable: false }
  return {
    name,
    columns,
    isRoot: everyTableIsRoot || (json.isRoot ?? false),
    ...(json.maxRows === undefined ? {} : { maxRows: json.maxRows }),
    indexes: json.indexes ?? []
  }
}

const problems = (schema: DatabaseSchema): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const table of Object.values(schema.tables)) {
    for (const column of Object.values(table.columns)) {
      const { max, min, key, value } = column.type
      const where = `${table.name}.${column.name}`
      if (min !== 0 && min !== 1) found.push(`${where}: min must be 0 or 1, not ${min}`)
      if (max !== "unlimited" && (max < 1 || max < min)) found.push(`${where}: max ${max} is below min ${min}`)
      for (const base of value === undefined ? [key] : [key, value]) {
        if (base.refTable !== undefined && schema.tables[base.refTable] === undefined) {
          found.push(`${where}: refTable ${base.refTable} is not a table of ${schema.name}`)
        }
      }
    }
    for (const index of table.indexes) {
      for (const column of index) {
        if (table.columns[column] === undefined) found.push(`${table.name}: index names unknown column ${column}`)
      }
    }
  }
  return found
}

/**
 * Reads a schema as `get_schema` returns it or an `.ovsschema` file holds it.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (json: Json | unknown): Effect.Effect<DatabaseSchema, DatabaseSchemaError> =>
  Schema.decodeUnknownEffect(DatabaseJson)(json).pipe(
    Effect.mapError((error) => new DatabaseSchemaError({ detail: error.message })),
    Effect.flatMap((wire) => {
      const everyTableIsRoot = Object.values(wire.tables).every((table) => table.isRoot !== true)
      const tables: { [name: string]: TableSchema } = {}
      for (const [name, table] of Object.entries(wire.tables)) tables[name] = toTable(name, table, everyTableIsRoot)
      const schema: DatabaseSchema = {
        name: wire.name,
        version: wire.version ?? "0.0.0",
        ...(wire.cksum === undefined ? {} : { cksum: wire.cksum }),
        tables
      }
      const found = problems(schema)
      return found.length === 0
        ? Effect.succeed(schema)
        : Effect.fail(new DatabaseSchemaError({ detail: found.join("; ") }))
    })
  )

/**
 * Whether a column holds at most one value and may be empty (`min` 0, `max` 1).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isOptional = (type: ColumnType): boolean => type.value === undefined && type.min === 0 && type.max === 1

/**
 * Whether a column is a map.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isMap = (type: ColumnType): boolean => type.value !== undefined

/**
 * Whether a column is a set that may hold more than one value.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSet = (type: ColumnType): boolean => type.value === undefined && type.max !== 1
