/**
 * Database schemas (RFC 7047 §3.2, the `.ovsschema` format): tables, their columns' types with every
 * constraint, indexes, root tables and row limits.
 *
 * The wire format is terse: a base type may be a bare atomic type name (`"string"`), a column type a
 * bare atomic type, an `enum` a bare atom. `decode` checks a schema the way ovsdb-server does and
 * reads it into one explicit model where every default is filled in and every rule ovsdb-server
 * applies on load is applied:
 *
 * - `min` and `max` are always present; a reference's `refType` is always set (`"strong"` unless
 *   `"weak"`);
 * - every table lists its implicit `_uuid` and `_version` columns;
 * - `isRoot` follows the compatibility rule: a schema that marks no table as root makes every table
 *   a root;
 * - a column holding a strong reference to a non-root table is never ephemeral, and one holding a
 *   weak reference is always mutable (ovsdb-server overrides the schema there);
 * - an `enum` is sorted and a bound equal to its type's natural limit (`maxInteger` 2^63 - 1,
 *   `minLength` 0, …) is dropped, as ovsdb-server does.
 *
 * So the schema file and the schema a server returns for it (`get_schema`) decode to equal values.
 * Members that RFC 7047 and Open vSwitch do not define are ignored, so newer servers' schemas still
 * decode. Integer bounds are `number`, or `bigint` beyond ±(2^53 - 1) (read the JSON with `Json.parse`).
 *
 * ```ts
 * import { Effect } from "effect"
 * import { DatabaseSchema, Ovsdb } from "effect-ovsdb"
 *
 * const tagRequest = Effect.gen(function*() {
 *   const json = yield* Ovsdb.Ovsdb.use((ovsdb) => ovsdb.getSchemaJson("OVN_Northbound"))
 *   const schema = yield* DatabaseSchema.decode(json)
 *   return schema.tables.Logical_Switch_Port?.columns.tag_request?.type
 *   // { key: { type: "integer", minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 }
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { DatabaseSchemaError } from "../Errors.js"
import { show as describe } from "../Json.js"
import { isUuidText } from "./Value.js"

// --- the model ---

/**
 * The five atomic types (RFC 7047 §3.2 `<atomic-type>`).
 *
 * @since 0.1.0
 * @category models
 */
export const AtomicType = Schema.Literals(["integer", "real", "boolean", "string", "uuid"])

/**
 * One of the five atomic types' names: `integer`, `real`, `boolean`, `string` or `uuid`.
 *
 * @since 0.1.0
 * @category models
 */
export type AtomicType = typeof AtomicType.Type

/**
 * One value of an `enum`. A `uuid` enumeration holds the UUIDs' text, in lower case.
 *
 * @since 0.1.0
 * @category models
 */
export const EnumAtom = Schema.Union([Schema.String, Schema.Number, Schema.BigInt, Schema.Boolean])

/**
 * One value of an `enum`: a string, a number, a bigint or a boolean.
 *
 * @since 0.1.0
 * @category models
 */
export type EnumAtom = typeof EnumAtom.Type

const Integer = Schema.Union([Schema.Number, Schema.BigInt])

/**
 * A base type with its constraints (RFC 7047 §3.2 `<base-type>`): an `enum`, or the bounds that apply
 * to its atomic type, or for `uuid` a reference to a table. A constraint that is absent does not
 * restrict.
 *
 * @since 0.1.0
 * @category models
 */
export const BaseType = Schema.Struct({
  type: AtomicType,
  /** The only values allowed, sorted. */
  enum: Schema.optionalKey(Schema.Array(EnumAtom)),
  minInteger: Schema.optionalKey(Integer),
  maxInteger: Schema.optionalKey(Integer),
  minReal: Schema.optionalKey(Schema.Number),
  maxReal: Schema.optionalKey(Schema.Number),
  /** In characters (Unicode code points). */
  minLength: Schema.optionalKey(Schema.Number),
  maxLength: Schema.optionalKey(Schema.Number),
  /** For `uuid`: the table the value refers to. */
  refTable: Schema.optionalKey(Schema.String),
  /** Set with `refTable`: whether a referenced row must exist (`strong`) or the reference is dropped (`weak`). */
  refType: Schema.optionalKey(Schema.Literals(["strong", "weak"]))
})

/**
 * A decoded base type: an atomic type and its constraints.
 *
 * @since 0.1.0
 * @category models
 */
export type BaseType = typeof BaseType.Type

/**
 * A column's type (RFC 7047 §3.2 `<type>`): a scalar (`min` = `max` = 1), an optional value (`min` 0,
 * `max` 1), a set (`key` only) or a map (`key` and `value`) of `min` to `max` elements.
 *
 * @since 0.1.0
 * @category models
 */
export const ColumnType = Schema.Struct({
  key: BaseType,
  value: Schema.optionalKey(BaseType),
  min: Schema.Literals([0, 1]),
  max: Schema.Union([Schema.Number, Schema.Literal("unlimited")])
})

/**
 * A decoded column type: its key, its value for a map, and its `min` and `max`.
 *
 * @since 0.1.0
 * @category models
 */
export type ColumnType = typeof ColumnType.Type

/**
 * A column (RFC 7047 §3.2 `<column-schema>`). An ephemeral column is not written to disk; an
 * immutable one is set on insert only.
 *
 * @since 0.1.0
 * @category models
 */
export const ColumnSchema = Schema.Struct({
  name: Schema.String,
  type: ColumnType,
  ephemeral: Schema.Boolean,
  mutable: Schema.Boolean
})

/**
 * A decoded column: its name, its type and whether it is ephemeral or mutable.
 *
 * @since 0.1.0
 * @category models
 */
export type ColumnSchema = typeof ColumnSchema.Type

/**
 * A table (RFC 7047 §3.2 `<table-schema>`). A row of a non-root table lives only while something
 * refers to it. `mutable` is an Open vSwitch extension (ovsdb-server 3.1 does not enforce it).
 *
 * @since 0.1.0
 * @category models
 */
export const TableSchema = Schema.Struct({
  name: Schema.String,
  /** Every column, `_uuid` and `_version` first. */
  columns: Schema.Record(Schema.String, ColumnSchema),
  isRoot: Schema.Boolean,
  mutable: Schema.Boolean,
  maxRows: Schema.optionalKey(Schema.Number),
  /** Sets of columns whose values, taken together, must be unique across the table's rows. */
  indexes: Schema.Array(Schema.Array(Schema.String))
})

/**
 * A decoded table: its columns, whether it is a root table, its indexes and its row limit.
 *
 * @since 0.1.0
 * @category models
 */
export type TableSchema = typeof TableSchema.Type

/**
 * A database schema (RFC 7047 §3.2 `<database-schema>`). `version` is absent only in schemas older
 * than the RFC, which ovsdb-server still serves.
 *
 * @since 0.1.0
 * @category models
 */
export const DatabaseSchema = Schema.Struct({
  name: Schema.String,
  version: Schema.optionalKey(Schema.String),
  cksum: Schema.optionalKey(Schema.String),
  /** The tables by name, sorted. */
  tables: Schema.Record(Schema.String, TableSchema)
})

/**
 * A decoded database schema: its name, version, checksum and tables.
 *
 * @since 0.1.0
 * @category models
 */
export type DatabaseSchema = typeof DatabaseSchema.Type

// --- the wire format (RFC 7047 §3.2), checked as ovsdb-server checks it; decoding only ---

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT_MAX = 4294967295

/** RFC 7047 §3.1 `<id>`; names beginning with `_` are reserved to the server. */
const idProblem = (name: string, reserved: boolean): string | undefined =>
  !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? `${describe(name)} is not an <id> ([A-Za-z_][A-Za-z0-9_]*)`
    : reserved && name.startsWith("_")
    ? `${describe(name)}: names beginning with "_" are reserved`
    : undefined

const IntegerWire = Integer.check(Schema.makeFilter((n) =>
  typeof n === "bigint"
    ? n >= INT64_MIN && n <= INT64_MAX ? undefined : `${n} is beyond the 64-bit integer range`
    : Number.isSafeInteger(n)
    ? undefined
    : Number.isInteger(n)
    ? `${n} is beyond ±(2^53 - 1) and was rounded; read the JSON with Json.parse to keep it exact`
    : `expected an integer, not ${n}`
))

const RealWire = Schema.Union([Schema.Number, Schema.BigInt])

const LengthWire = Schema.Number.check(
  Schema.makeFilter((n) =>
    Number.isInteger(n) && n >= 0 && n <= UINT_MAX ? undefined : `expected an integer from 0 to ${UINT_MAX}, not ${n}`
  )
)

/** A UUID atom (RFC 7047 §5.1 `<uuid>`), tagged so it stays apart from strings until the type is known. */
const UuidAtomWire = Schema.Tuple([Schema.Literal("uuid"), Schema.String]).pipe(
  Schema.decodeTo(Schema.Struct({ uuid: Schema.String }), {
    decode: SchemaGetter.transform(([, uuid]) => ({ uuid })),
    encode: SchemaGetter.forbiddenEncoding
  })
)

const AtomWire = Schema.Union([Schema.String, Schema.Number, Schema.BigInt, Schema.Boolean, UuidAtomWire])
type AtomWire = typeof AtomWire.Type

/** RFC 7047 §5.1 `<set>`: `["set", [atoms…]]`, or one bare atom. */
const EnumWire = Schema.Union([Schema.Tuple([Schema.Literal("set"), Schema.Array(AtomWire)]), AtomWire]).pipe(
  Schema.decodeTo(Schema.Array(Schema.toType(AtomWire)), {
    decode: SchemaGetter.transform((set) => Array.isArray(set) ? set[1] : [set]),
    encode: SchemaGetter.forbiddenEncoding
  })
)

const fitsType: { readonly [T in AtomicType]: (atom: AtomWire) => boolean } = {
  integer: (atom) =>
    typeof atom === "bigint"
      ? atom >= INT64_MIN && atom <= INT64_MAX
      : typeof atom === "number" && Number.isSafeInteger(atom),
  real: (atom) => typeof atom === "number" || typeof atom === "bigint",
  boolean: (atom) => typeof atom === "boolean",
  string: (atom) => typeof atom === "string",
  uuid: (atom) => typeof atom === "object" && isUuidText(atom.uuid)
}

const NAMES: { readonly [T in AtomicType]: string } = {
  integer: "an integer",
  real: "a real",
  boolean: "a boolean",
  string: "a string",
  uuid: "a UUID"
}

/** An enum atom as the model holds it: a UUID as its lower-case text, a real as a `number`. */
const toEnumAtom = (type: AtomicType, atom: AtomWire): EnumAtom =>
  typeof atom === "object" ? atom.uuid.toLowerCase() : type === "real" && typeof atom === "bigint" ? Number(atom) : atom

/** Code point order, which is UTF-8 byte order: how ovsdb-server sorts strings. */
const compareStrings = (a: string, b: string): number => {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
  }
  return a.length - b.length
}

const compareAtoms = (a: EnumAtom, b: EnumAtom): number =>
  typeof a === "string" && typeof b === "string" ? compareStrings(a, b) : a < b ? -1 : a > b ? 1 : 0

const sortedAtoms = (type: AtomicType, atoms: ReadonlyArray<AtomWire>): ReadonlyArray<EnumAtom> =>
  atoms.map((atom) => toEnumAtom(type, atom)).sort(compareAtoms)

const CONSTRAINTS = [
  "minInteger",
  "maxInteger",
  "minReal",
  "maxReal",
  "minLength",
  "maxLength",
  "refTable",
  "refType"
] as const
type Constraint = (typeof CONSTRAINTS)[number]

const APPLIES: { readonly [T in AtomicType]: ReadonlyArray<Constraint> } = {
  integer: ["minInteger", "maxInteger"],
  real: ["minReal", "maxReal"],
  boolean: [],
  string: ["minLength", "maxLength"],
  uuid: ["refTable", "refType"]
}

const BaseTypeObjectWire = Schema.Struct({
  type: AtomicType,
  enum: Schema.optionalKey(EnumWire),
  minInteger: Schema.optionalKey(IntegerWire),
  maxInteger: Schema.optionalKey(IntegerWire),
  minReal: Schema.optionalKey(RealWire),
  maxReal: Schema.optionalKey(RealWire),
  minLength: Schema.optionalKey(LengthWire),
  maxLength: Schema.optionalKey(LengthWire),
  refTable: Schema.optionalKey(Schema.String.check(Schema.makeFilter((name) => idProblem(name, false)))),
  refType: Schema.optionalKey(Schema.Literals(["strong", "weak"]))
}).check(Schema.makeFilter((base) => {
  const issues: Array<Schema.FilterIssue> = []
  for (const member of CONSTRAINTS) {
    if (base[member] === undefined) continue
    // ovsdb-server takes no other constraint beside "enum", and none that the type does not have.
    if (base.enum !== undefined) issues.push({ path: [member], issue: `${member} cannot be combined with enum` })
    else if (!APPLIES[base.type].includes(member)) {
      issues.push({ path: [member], issue: `${member} does not apply to type ${base.type}` })
    }
  }
  if (base.refType !== undefined && base.refTable === undefined && base.type === "uuid" && base.enum === undefined) {
    issues.push({ path: ["refType"], issue: "refType needs refTable" })
  }
  const ordered = (
    min: "minInteger" | "minReal" | "minLength",
    max: "maxInteger" | "maxReal" | "maxLength"
  ) => {
    const low = base[min]
    const high = base[max]
    if (APPLIES[base.type].includes(min) && low !== undefined && high !== undefined && low > high) {
      issues.push({ path: [max], issue: `${min} ${describe(low)} exceeds ${max} ${describe(high)}` })
    }
  }
  ordered("minInteger", "maxInteger")
  ordered("minReal", "maxReal")
  ordered("minLength", "maxLength")
  if (base.enum !== undefined) {
    const misfits = base.enum.filter((atom) => !fitsType[base.type](atom))
    const atoms = sortedAtoms(base.type, base.enum)
    const twice = atoms.find((atom, i) => i > 0 && compareAtoms(atoms[i - 1]!, atom) === 0)
    if (atoms.length === 0) issues.push({ path: ["enum"], issue: "enum needs at least one value" })
    for (const atom of misfits) {
      issues.push({ path: ["enum"], issue: `${describe(toEnumAtom(base.type, atom))} is not ${NAMES[base.type]}` })
    }
    if (misfits.length === 0 && twice !== undefined) {
      issues.push({ path: ["enum"], issue: `enum holds ${describe(twice)} twice` })
    }
  }
  return issues
}))

const BaseTypeWire = Schema.Union([AtomicType, BaseTypeObjectWire])
type BaseTypeWire = typeof BaseTypeWire.Type

const ColumnTypeWire = Schema.Union([
  AtomicType,
  Schema.Struct({
    key: BaseTypeWire,
    value: Schema.optionalKey(BaseTypeWire),
    min: Schema.optionalKey(Schema.Literals([0, 1])),
    max: Schema.optionalKey(Schema.Union([
      Schema.Literal("unlimited"),
      Schema.Number.check(Schema.makeFilter((n) =>
        Number.isInteger(n) && n >= 1 && n < UINT_MAX
          ? undefined
          : `max must be "unlimited" or an integer from 1 to ${UINT_MAX - 1}, not ${n}`
      ))
    ]))
  })
])
type ColumnTypeWire = typeof ColumnTypeWire.Type

const ColumnWire = Schema.Struct({
  type: ColumnTypeWire,
  ephemeral: Schema.optionalKey(Schema.Boolean),
  mutable: Schema.optionalKey(Schema.Boolean)
})

const TableWire = Schema.Struct({
  columns: Schema.Record(Schema.String, ColumnWire),
  maxRows: Schema.optionalKey(
    Schema.Number.check(
      Schema.makeFilter((n) =>
        Number.isInteger(n) && n >= 1 ? undefined : `maxRows must be an integer of at least 1, not ${n}`
      )
    )
  ),
  isRoot: Schema.optionalKey(Schema.Boolean),
  mutable: Schema.optionalKey(Schema.Boolean),
  indexes: Schema.optionalKey(Schema.Array(Schema.Array(Schema.String)))
}).check(Schema.makeFilter((table) => {
  const issues: Array<Schema.FilterIssue> = []
  const names = Object.keys(table.columns)
  if (names.length === 0) issues.push({ path: ["columns"], issue: "a table needs at least one column" })
  for (const name of names) {
    const problem = idProblem(name, true)
    if (problem !== undefined) issues.push({ path: ["columns", name], issue: problem })
  }
  // ovsdb-server: `_uuid` may be indexed, `_version` is ephemeral.
  const ephemeral = (name: string) => name === "_version" || table.columns[name]?.ephemeral === true
  const known = (name: string) => name === "_uuid" || name === "_version" || table.columns[name] !== undefined
  for (const [i, index] of (table.indexes ?? []).entries()) {
    if (index.length === 0) issues.push({ path: ["indexes", i], issue: "an index needs at least one column" })
    for (const [j, name] of index.entries()) {
      const issue = !known(name)
        ? `${describe(name)} is not a column of this table`
        : index.indexOf(name) !== j
        ? `${describe(name)} appears twice in the index`
        : ephemeral(name)
        ? `ephemeral column ${describe(name)} cannot be indexed`
        : undefined
      if (issue !== undefined) issues.push({ path: ["indexes", i, j], issue })
    }
  }
  return issues
}))

const baseTypesOf = (type: ColumnTypeWire): ReadonlyArray<readonly ["key" | "value", BaseTypeWire]> => {
  if (typeof type === "string") return []
  return type.value === undefined ? [["key", type.key]] : [["key", type.key], ["value", type.value]]
}

const DatabaseWire = Schema.Struct({
  name: Schema.String.check(Schema.makeFilter((name) => idProblem(name, false))),
  version: Schema.optionalKey(
    Schema.String.check(
      Schema.makeFilter((version) =>
        /^\d+\.\d+\.\d+$/.test(version) ? undefined : `version ${describe(version)} is not in the form x.y.z`
      )
    )
  ),
  cksum: Schema.optionalKey(Schema.String),
  tables: Schema.Record(Schema.String, TableWire)
}).check(Schema.makeFilter((database) => {
  const issues: Array<Schema.FilterIssue> = []
  for (const [name, table] of Object.entries(database.tables)) {
    const problem = idProblem(name, true)
    if (problem !== undefined) issues.push({ path: ["tables", name], issue: problem })
    for (const [column, { type }] of Object.entries(table.columns)) {
      for (const [which, base] of baseTypesOf(type)) {
        if (typeof base === "object" && base.refTable !== undefined && database.tables[base.refTable] === undefined) {
          issues.push({
            path: ["tables", name, "columns", column, "type", which, "refTable"],
            issue: `no table ${describe(base.refTable)} in database ${database.name}`
          })
        }
      }
    }
  }
  return issues
}))

// --- wire → model ---

const toBaseType = (wire: BaseTypeWire): BaseType => {
  if (typeof wire === "string") return { type: wire }
  const { type } = wire
  if (wire.enum !== undefined) return { type, enum: sortedAtoms(type, wire.enum) }
  // A bound at its type's natural limit restricts nothing; ovsdb-server drops it.
  const { maxInteger, maxLength, maxReal, minInteger, minLength, minReal, refTable } = wire
  return {
    type,
    ...(minInteger === undefined || minInteger === INT64_MIN ? {} : { minInteger }),
    ...(maxInteger === undefined || maxInteger === INT64_MAX ? {} : { maxInteger }),
    ...(minReal === undefined || Number(minReal) === -Number.MAX_VALUE ? {} : { minReal: Number(minReal) }),
    ...(maxReal === undefined || Number(maxReal) === Number.MAX_VALUE ? {} : { maxReal: Number(maxReal) }),
    ...(minLength === undefined || minLength === 0 ? {} : { minLength }),
    ...(maxLength === undefined || maxLength === UINT_MAX ? {} : { maxLength }),
    // RFC 7047 §3.2: refType defaults to "strong".
    ...(refTable === undefined ? {} : { refTable, refType: wire.refType ?? "strong" })
  }
}

const toColumnType = (wire: ColumnTypeWire): ColumnType =>
  typeof wire === "string" ? { key: { type: wire }, min: 1, max: 1 } : {
    key: toBaseType(wire.key),
    ...(wire.value === undefined ? {} : { value: toBaseType(wire.value) }),
    min: wire.min ?? 1,
    max: wire.max ?? 1
  }

const UUID: ColumnType = { key: { type: "uuid" }, min: 1, max: 1 }

const byName = <A>(record: { readonly [name: string]: A }): ReadonlyArray<readonly [string, A]> =>
  Object.entries(record).sort(([a], [b]) => compareStrings(a, b))

const toDatabaseSchema = (wire: typeof DatabaseWire.Type): DatabaseSchema => {
  // RFC 7047 §3.2: if no table sets isRoot, every table is a root (schemas older than isRoot).
  const everyTableIsRoot = Object.values(wire.tables).every((table) => table.isRoot !== true)
  const isRoot = (name: string) => everyTableIsRoot || wire.tables[name]?.isRoot === true
  const tables: { [name: string]: TableSchema } = {}
  for (const [name, table] of byName(wire.tables)) {
    const columns: { [name: string]: ColumnSchema } = {
      // ovsdb-server: _uuid is persistent, _version ephemeral; neither can be written.
      _uuid: { name: "_uuid", type: UUID, ephemeral: false, mutable: false },
      _version: { name: "_version", type: UUID, ephemeral: true, mutable: false }
    }
    for (const [column, wireColumn] of byName(table.columns)) {
      const type = toColumnType(wireColumn.type)
      const refs = type.value === undefined ? [type.key] : [type.key, type.value]
      // ovsdb-server: a strong reference to a non-root table is always persistent (else replaying
      // the log would lose the row), and a weak reference always mutable (it goes with its row).
      const pinned = refs.some((base) =>
        base.refType === "strong" && base.refTable !== undefined && !isRoot(base.refTable)
      )
      const weak = refs.some((base) => base.refType === "weak")
      columns[column] = {
        name: column,
        type,
        ephemeral: (wireColumn.ephemeral ?? false) && !pinned,
        mutable: (wireColumn.mutable ?? true) || weak
      }
    }
    tables[name] = {
      name,
      columns,
      isRoot: isRoot(name),
      mutable: table.mutable ?? true,
      ...(table.maxRows === undefined ? {} : { maxRows: table.maxRows }),
      indexes: table.indexes ?? []
    }
  }
  return {
    name: wire.name,
    ...(wire.version === undefined ? {} : { version: wire.version }),
    ...(wire.cksum === undefined ? {} : { cksum: wire.cksum }),
    tables
  }
}

/**
 * Reads a schema as `get_schema` returns it or an `.ovsschema` file holds it, checking it as
 * ovsdb-server does. The error lists every problem with where it is.
 *
 * @example
 * ```ts
 * import { DatabaseSchema } from "effect-ovsdb"
 *
 * DatabaseSchema.decode({ name: "T", version: "1.0.0", tables: { t: { columns: { n: { type: "float" } } } } })
 * // Effect.fail(DatabaseSchemaError: invalid database schema: Expected "integer" | "real" | "boolean" | "string" | "uuid"
 * //   at ["tables"]["t"]["columns"]["n"]["type"])
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (json: unknown): Effect.Effect<DatabaseSchema, DatabaseSchemaError> =>
  Schema.decodeUnknownEffect(DatabaseWire)(json, { errors: "all" }).pipe(
    Effect.mapError((error) => new DatabaseSchemaError({ detail: error.message })),
    Effect.map(toDatabaseSchema)
  )

/**
 * Whether a column holds one value or none (`min` 0, `max` 1, not a map).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isOptional = (type: ColumnType): boolean => type.value === undefined && type.min === 0 && type.max === 1

/**
 * Whether a column is a map (it has a `value` type).
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

/**
 * The names of a schema's tables, in the schema's order (sorted, when `decode` made it).
 *
 * @since 0.1.0
 * @category getters
 */
export const tableNames = (schema: DatabaseSchema): ReadonlyArray<string> => Object.keys(schema.tables)

/**
 * The names of a table's columns, in the table's order (when `decode` made it: `_uuid`, `_version`,
 * then the others sorted).
 *
 * @since 0.1.0
 * @category getters
 */
export const columnNames = (table: TableSchema): ReadonlyArray<string> => Object.keys(table.columns)
