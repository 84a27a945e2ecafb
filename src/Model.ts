/**
 * Models of databases: a table's row type, its column codecs and the Schema of its rows, from a
 * `DatabaseSchema` — one the code generator wrote into a module (`effect-ovsdb codegen`), or one
 * fetched from the server at run time. The typed operations of `Typed` are built over them.
 *
 * References are typed by the table they point to: `Ref<"Logical_Switch_Port">` is a `Uuid` that
 * TypeScript will not put where a `Ref<"Logical_Router">` belongs, and `Named<T>` is the same for a
 * row inserted earlier in the same transaction (RFC 7047 §5.1 `<named-uuid>`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Model, Ovsdb, Typed } from "effect-ovsdb"
 * import { Logical_Switch } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const program = Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   // A generated model: rows are typed as its schema says.
 *   yield* ovsdb.transact("OVN_Northbound", Typed.insert(Logical_Switch, { name: "ls0" }))
 *   // A model of a database known only at run time: values are checked, not typed.
 *   const nb = Model.fromSchema(yield* ovsdb.getSchema("OVN_Northbound"))
 *   yield* ovsdb.transact("OVN_Northbound", Typed.insert(nb.table("Logical_Switch"), { name: "ls1" }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { ValueError } from "./Errors.js"
import { type Json, show as showJson } from "./Json.js"
import * as ColumnCodec from "./protocol/ColumnCodec.js"
import type { ColumnSchema, DatabaseSchema, TableSchema } from "./protocol/DatabaseSchema.js"
import * as Value from "./protocol/Value.js"

declare const RefTable: unique symbol

/**
 * The UUID of a row of `Table`. A plain `Uuid` is accepted where a `Ref` is expected; a `Ref` to
 * another table is not.
 *
 * @since 0.1.0
 * @category references
 */
export type Ref<Table extends string> = Value.Uuid & { readonly [RefTable]?: Table }

/**
 * The name of a row of `Table` inserted earlier in the same transaction (`uuid-name`).
 *
 * @since 0.1.0
 * @category references
 */
export type Named<Table extends string> = Value.NamedUuid & { readonly [RefTable]?: Table }

/**
 * Names a row of `table` that an `insert` of the same transaction creates, so that other
 * operations can refer to it before it has a UUID.
 *
 * @example
 * ```ts
 * import { Model, Typed } from "effect-ovsdb"
 * import { Logical_Switch, Logical_Switch_Port } from "effect-ovsdb/models/OVN_Northbound"
 *
 * const port = Model.named(Logical_Switch_Port, "port")
 * Typed.insert(Logical_Switch_Port, { name: "lsp0" }, { uuidName: port })
 * Typed.insert(Logical_Switch, { name: "ls0", ports: [port] })
 * ```
 *
 * @since 0.1.0
 * @category references
 */
export const named = <Name extends string>(_table: Table<Name, object>, name: string): Named<Name> =>
  Value.namedUuid(name)

/**
 * A value as it may be written: wherever the read form has a `Ref<T>`, a `Named<T>` is allowed too.
 *
 * @since 0.1.0
 * @category models
 */
export type Writable<V> = V extends Value.Uuid ? V extends Ref<infer T extends string> ? Ref<T> | Named<T> : V
  : V extends ReadonlyArray<infer A> ? ReadonlyArray<Writable<A>>
  : V extends ReadonlyMap<infer K, infer X> ? ReadonlyMap<Writable<K>, Writable<X>>
  : V

/**
 * The columns the server maintains, which no operation writes.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerColumns = "_uuid" | "_version"

/**
 * A row's JSON on the wire (RFC 7047 §5.1 `<row>`).
 *
 * @since 0.1.0
 * @category models
 */
export type JsonRow = { readonly [column: string]: Json }

/**
 * A table of a model: its name, its schema (absent for a table the database does not have), the
 * codec of each column, and the Schema of its rows. `Row` is the type of a whole row as read;
 * `Immutable` names the columns set only on insert.
 *
 * @since 0.1.0
 * @category models
 */
export interface Table<Name extends string = string, Row extends object = AnyRow, Immutable extends string = string> {
  readonly name: Name
  /** The database the table belongs to. */
  readonly database: string
  readonly schema: TableSchema | undefined
  readonly codecs: { readonly [column: string]: ColumnCodec.ColumnCodec }
  /** The Schema of a row: the wire form (`<row>`, any subset of the columns) to typed values and back. */
  readonly Row: Schema.Codec<Row, JsonRow>
  /** The table's indexes: sets of columns whose values together are unique. */
  readonly indexes: ReadonlyArray<ReadonlyArray<string>>
  /** Type only: the columns set only on insert. */
  readonly "~immutable"?: Immutable
}

/**
 * The row of a table known only at run time.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyRow = { readonly [column: string]: Value.Value | undefined }

/**
 * The row type of a table.
 *
 * @since 0.1.0
 * @category models
 */
export type RowOf<T> = T extends Table<string, infer Row, string> ? Row : never

/**
 * Reads a wire row's columns with their types (`Value.normalize`): optional columns as `T |
 * undefined`, sets as arrays, maps as `ReadonlyMap`. Columns the model lacks (a newer server's)
 * are left out; a value that is not OVSDB notation fails, naming the column.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeRow = (table: Table<string, object>, json: JsonRow): Result.Result<AnyRow, string> => {
  const row: { [column: string]: Value.Value | undefined } = {}
  for (const column in json) {
    const codec = table.codecs[column]
    if (codec === undefined) continue
    const value = Value.decode(json[column]!)
    if (value === undefined) {
      return Result.fail(`${table.name}.${column}: not an OVSDB value: ${showJson(json[column])}`)
    }
    row[column] = Value.normalize(codec.type, value)
  }
  return Result.succeed(row)
}

/**
 * Writes a row's columns through their codecs; the first value its column refuses is the failure.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRow = (
  table: Table<string, object>,
  row: object,
  refuseColumns: (column: ColumnSchema) => string | undefined = () => undefined
): Result.Result<JsonRow, ValueError> => {
  const known = knownTable(table)
  if (Result.isFailure(known)) return Result.fail(known.failure)
  const out: { [column: string]: Json } = {}
  for (const [column, value] of Object.entries(row) as ReadonlyArray<[string, Value.Value | undefined]>) {
    const codec = known.success.codecs[column]
    if (codec === undefined) return Result.fail(unknownColumn(table, column))
    const refused = refuseColumns(known.success.schema.columns[column]!)
    if (refused !== undefined) return Result.fail(refusal(table.name, column, refused, value))
    const encoded = codec.encode(value)
    if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
    out[column] = encoded.success
  }
  return Result.succeed(out)
}

/**
 * The table's schema and codecs, or a `ValueError` when the database has no such table.
 *
 * @since 0.1.0
 * @category encoding
 */
export const knownTable = (
  table: Table<string, object>
): Result.Result<{ readonly schema: TableSchema; readonly codecs: Table["codecs"] }, ValueError> =>
  table.schema === undefined
    ? Result.fail(
      new ValueError({
        table: table.name,
        column: "",
        constraint: "table",
        value: table.name,
        detail: `${table.database} has no table named ${table.name}`
      })
    )
    : Result.succeed({ schema: table.schema, codecs: table.codecs })

/**
 * A `ValueError` for a column the table does not have.
 *
 * @since 0.1.0
 * @category encoding
 */
export const unknownColumn = (table: Table<string, object>, column: string): ValueError =>
  new ValueError({
    table: table.name,
    column,
    constraint: "column",
    value: column,
    detail: `${table.name} has no column named ${column}`
  })

/**
 * A `ValueError` for a rule of the operation (not of the column's type) that `value` breaks.
 *
 * @since 0.1.0
 * @category encoding
 */
export const refusal = (table: string, column: string, constraint: string, value: unknown): ValueError =>
  new ValueError({
    table,
    column,
    constraint,
    value: ColumnCodec.show(value),
    detail: ruleDetails[constraint] ?? constraint
  })

const ruleDetails: { readonly [rule: string]: string } = {
  "read-only": "the server maintains this column",
  immutable: "the column is set on insert only",
  mutator: "this mutator does not apply to the column's type",
  function: "this function does not apply to the column's type"
}

const isObject = (u: unknown): u is object => typeof u === "object" && u !== null

const rowSchema = <Row extends object>(table: Table<string, object>): Schema.Codec<Row, JsonRow> =>
  Schema.Record(Schema.String, Schema.Unknown).pipe(Schema.decodeTo(
    Schema.declare((u): u is Row => isObject(u)),
    SchemaTransformation.transformEffect<Row, { readonly [column: string]: unknown }>({
      decode: (json, options) => {
        const row = decodeRow(table, json as JsonRow)
        return Result.isFailure(row)
          ? Effect.fail(new SchemaIssue.InvalidValue({ message: row.failure }, json, options))
          : Effect.succeed(row.success as Row)
      },
      encode: (row, options) => {
        const json = encodeRow(table, row)
        return Result.isFailure(json)
          ? Effect.fail(new SchemaIssue.InvalidValue({ message: json.failure.message }, row, options))
          : Effect.succeed(json.success)
      }
    })
  )) as unknown as Schema.Codec<Row, JsonRow>

/**
 * The model of one table of `schema`. A name the schema lacks gives a table whose every operation
 * fails with a `ValueError` (constraint `table`) before anything is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const table = <Name extends string = string, Row extends object = AnyRow, Immutable extends string = string>(
  schema: DatabaseSchema,
  name: Name
): Table<Name, Row, Immutable> => {
  const tableSchema = schema.tables[name]
  const codecs = Object.fromEntries(
    Object.values(tableSchema?.columns ?? {}).map((
      column
    ) => [column.name, ColumnCodec.make(name, column.name, column.type)])
  )
  const model: { -readonly [K in keyof Table<Name, Row, Immutable>]: Table<Name, Row, Immutable>[K] } = {
    name,
    database: schema.name,
    schema: tableSchema,
    codecs,
    Row: undefined as never,
    indexes: tableSchema?.indexes ?? []
  }
  model.Row = rowSchema<Row>(model)
  return model
}

/**
 * A model of a whole database: its name, version and checksum, its schema, and its tables.
 *
 * @since 0.1.0
 * @category models
 */
export interface Database<Tables> {
  readonly name: string
  readonly version: string | undefined
  readonly cksum: string | undefined
  readonly schema: DatabaseSchema
  readonly tables: Tables
  /** The table named `name`; one the database lacks fails every operation with a `ValueError`. */
  readonly table: (name: string) => Table
}

/**
 * Puts the tables of a model together.
 *
 * @since 0.1.0
 * @category constructors
 */
export const database = <Tables>(schema: DatabaseSchema, tables: Tables): Database<Tables> => ({
  name: schema.name,
  version: schema.version,
  cksum: schema.cksum,
  schema,
  tables,
  table: (name) => table(schema, name)
})

/**
 * A model of a database known only at run time (its schema from `Ovsdb.getSchema`): every table,
 * with rows typed as `AnyRow` and values checked by the columns' codecs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchema = (schema: DatabaseSchema): Database<{ readonly [name: string]: Table }> => {
  const tables = Object.fromEntries(Object.keys(schema.tables).map((name) => [name, table(schema, name)]))
  return { ...database(schema, tables), table: (name) => tables[name] ?? table(schema, name) }
}
