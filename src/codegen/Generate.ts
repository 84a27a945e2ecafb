/**
 * The code generator: a database schema (an `.ovsschema` file, or `get_schema`'s reply) turned
 * into a TypeScript module with, per table, the row's type and the table's model (`Model.Table`,
 * which holds the Schema of its rows and the column codecs), and the database's name, version and
 * checksum. Enum columns become literal unions, references are typed by the table they point to,
 * and each column's documentation gives its type and constraints.
 *
 * @since 0.1.0
 */
import type { BaseType, ColumnType, DatabaseSchema, TableSchema } from "../protocol/DatabaseSchema.js"
import { shape } from "../protocol/SchemaCompatibility.js"

/**
 * Options of `generate`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Where the generated module imports the library from: `"effect-ovsdb"` (the default) in an
   * application, relative paths (`"../"`) inside this package.
   */
  readonly importFrom?: string | undefined
}

/** Names a generated module declares itself, and JavaScript's reserved words. */
const TAKEN = new Set([
  "schema",
  "database",
  "Model",
  "Value",
  "DatabaseSchema",
  ...("break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await").split(" ")
])

/**
 * The identifier a table gets in generated code: its name, or with `Table` appended when the name
 * is taken (a reserved word, or one of the module's own names).
 *
 * @since 0.1.0
 * @category naming
 */
export const identifier = (table: string): string => TAKEN.has(table) ? `${table}Table` : table

const literal = (atom: unknown): string =>
  typeof atom === "bigint" ? `${atom}n` : typeof atom === "string" ? JSON.stringify(atom) : String(atom)

const safeRange = (base: BaseType): boolean =>
  base.minInteger !== undefined && base.maxInteger !== undefined &&
  Math.abs(Number(base.minInteger)) <= Number.MAX_SAFE_INTEGER &&
  Math.abs(Number(base.maxInteger)) <= Number.MAX_SAFE_INTEGER

/** RFC 7047 §3.2 `<atomic-type>` as a TypeScript type. */
const atomType = (base: BaseType): string => {
  if (base.enum !== undefined) return base.enum.map(literal).join(" | ")
  switch (base.type) {
    case "integer":
      // Values beyond ±(2^53 - 1) are read exactly, as bigint (see `Value`).
      return safeRange(base) ? "number" : "number | bigint"
    case "real":
      return "number"
    case "boolean":
      return "boolean"
    case "string":
      return "string"
    case "uuid":
      return base.refTable === undefined ? "Value.Uuid" : `Model.Ref<${JSON.stringify(base.refTable)}>`
  }
}

const parenthesized = (type: string) => type.includes("|") ? `(${type})` : type

/** RFC 7047 §3.2 `<type>`: scalar, optional, set or map. */
const columnType = (type: ColumnType): string => {
  if (type.value !== undefined) return `ReadonlyMap<${atomType(type.key)}, ${atomType(type.value)}>`
  if (type.min === 1 && type.max === 1) return atomType(type.key)
  if (type.min === 0 && type.max === 1) return `${atomType(type.key)} | undefined`
  return `ReadonlyArray<${parenthesized(atomType(type.key))}>`
}

const constraints = (base: BaseType): ReadonlyArray<string> => [
  ...(base.minInteger === undefined && base.maxInteger === undefined
    ? []
    : [`${base.minInteger ?? "…"} to ${base.maxInteger ?? "…"}`]),
  ...(base.minReal === undefined && base.maxReal === undefined
    ? []
    : [`${base.minReal ?? "…"} to ${base.maxReal ?? "…"}`]),
  ...(base.minLength === undefined && base.maxLength === undefined
    ? []
    : [`${base.minLength ?? 0} to ${base.maxLength ?? "…"} characters`]),
  ...(base.refTable === undefined ? [] : [`refers to ${base.refTable} (${base.refType ?? "strong"})`])
]

const columnDoc = (type: ColumnType, mutable: boolean, ephemeral: boolean): string => {
  const parts = [
    shape(type),
    ...constraints(type.key).map((c) => type.value === undefined ? c : `key ${c}`),
    ...(type.value === undefined ? [] : constraints(type.value).map((c) => `value ${c}`)),
    ...(mutable ? [] : ["set on insert only"]),
    ...(ephemeral ? ["not written to disk"] : [])
  ]
  return parts.join("; ")
}

const tableCode = (table: TableSchema): string => {
  const name = identifier(table.name)
  const immutable = Object.values(table.columns).filter((c) => !c.mutable && !c.name.startsWith("_")).map((c) =>
    JSON.stringify(c.name)
  )
  const fields = Object.values(table.columns).map((column) => {
    const [doc, type] = column.name === "_uuid"
      ? ["The row's UUID, chosen when it is inserted", `Model.Ref<${JSON.stringify(table.name)}>`]
      : column.name === "_version"
      ? ["A new UUID at every change of the row", "Value.Uuid"]
      : [columnDoc(column.type, column.mutable, column.ephemeral), columnType(column.type)]
    return `  /** ${doc} */\n  readonly ${column.name}: ${type}`
  })
  const about = [
    `${table.name}: a ${table.isRoot ? "root" : "non-root"} table`,
    ...(table.maxRows === undefined ? [] : [`at most ${table.maxRows} rows`]),
    ...(table.indexes.length === 0 ? [] : [`indexes: ${table.indexes.map((i) => i.join(" + ")).join(", ")}`])
  ].join("; ")
  return [
    `/**`,
    ` * A row of ${about}.`,
    ` *`,
    ` * @category rows`,
    ` */`,
    `export interface ${name} {`,
    fields.join("\n"),
    `}`,
    ``,
    `/**`,
    ` * The ${table.name} table.`,
    ` *`,
    ` * @category tables`,
    ` */`,
    `export const ${name} = Model.table<${JSON.stringify(table.name)}, ${name}, ${
      immutable.length === 0 ? "never" : immutable.join(" | ")
    }>(schema, ${JSON.stringify(table.name)})`
  ].join("\n")
}

/** A value as TypeScript: bigints as bigint literals; objects spread over lines down to `depth`, then on one line. */
const valueLiteral = (value: unknown, depth: number, indent = ""): string => {
  if (typeof value === "bigint") return `${value}n`
  if (typeof value !== "object" || value === null) return JSON.stringify(value)
  const inner = indent + "  "
  const open = depth > 0 ? `\n${inner}` : ""
  const close = depth > 0 ? `\n${indent}` : ""
  const separator = depth > 0 ? `,\n${inner}` : ", "
  if (Array.isArray(value) && value.length === 0) return "[]"
  if (Array.isArray(value)) {
    return `[${open}${value.map((item) => valueLiteral(item, depth - 1, inner)).join(separator)}${close}]`
  }
  const entries = Object.entries(value).map(([key, item]) =>
    `${JSON.stringify(key)}: ${valueLiteral(item, depth - 1, inner)}`
  )
  return entries.length === 0
    ? "{}"
    : depth > 0
    ? `{${open}${entries.join(separator)}${close}}`
    : `{ ${entries.join(", ")} }`
}

/**
 * Generates the module of a database schema.
 *
 * @example
 * ```ts
 * const schema = yield* DatabaseSchema.decode(JSON.parse(text))
 * const source = Generate.generate(schema, { importFrom: "effect-ovsdb" })
 * ```
 *
 * @since 0.1.0
 * @category generating
 */
export const generate = (schema: DatabaseSchema, options: Options = {}): string => {
  const from = options.importFrom ?? "effect-ovsdb"
  const imports = from === "effect-ovsdb"
    ? [`import type { DatabaseSchema, Value } from "effect-ovsdb"`, `import { Model } from "effect-ovsdb"`]
    : [
      `import * as Model from "${from}Model.js"`,
      `import type * as DatabaseSchema from "${from}protocol/DatabaseSchema.js"`,
      `import type * as Value from "${from}protocol/Value.js"`
    ]
  const tables = Object.values(schema.tables)
  const version = schema.version === undefined ? "" : `, version ${schema.version}`
  return [
    `/**`,
    ` * A typed model of the ${schema.name} database${version}, generated by \`effect-ovsdb codegen\``,
    ` * from its schema. Do not edit: generate it again.`,
    ` *`,
    ` * @since 0.1.0`,
    ` */`,
    ...imports,
    ``,
    `const schema: DatabaseSchema.DatabaseSchema = ${valueLiteral(schema, 4)}`,
    ``,
    ...tables.map((table) => `${tableCode(table)}\n`),
    `/**`,
    ` * The ${schema.name} database: its name, version, checksum, schema and tables.`,
    ` *`,
    ` * @category databases`,
    ` */`,
    `export const database = Model.database(schema, { ${tables.map((t) => identifier(t.name)).join(", ")} })`,
    ``
  ].join("\n")
}
