/**
 * Tables as ovsdb-client prints them (lib/table.c), in each of its formats:
 *
 * - `table` (the default): the caption, a heading line and a line of dashes, then a line a row,
 *   each column padded with spaces to its widest cell (counted in bytes, as `%-*s` counts), one
 *   space between columns, spaces at the end of a line dropped (`table_finish_line`).
 * - `list`: a paragraph a row, a line a cell, each headed by its column's name padded to 20.
 * - `csv`: comma-separated; a cell holding a comma, a quote or a new line in quotes, its quotes
 *   doubled.
 * - `html`: a `<table border=1>`; UUIDs become links, a `_uuid` column's cells anchors.
 * - `json`: `{"caption": …, "data": [[cell, …], …], "headings": […], "time": …}`, cells as their JSON.
 *
 * Every format but `html` and `json` puts a blank line between two tables of one run (the `static
 * int n` of each of lib/table.c's printers). `--timestamp` puts the time (UTC, to the
 * millisecond) before a table, or in its `time` member. A cell is literal text, a datum of its
 * column's type written by `--data` (`string`, `bare` or `json`: see `Datum`), or empty.
 *
 * @since 0.1.0
 */
import type { Json } from "../../Json.js"
import type { ColumnType } from "../../protocol/DatabaseSchema.js"
import { datumText } from "./Datum.js"
import type { JsonLike } from "./JsonText.js"
import { datumJson, jsonString, JsonWriter } from "./JsonText.js"

/**
 * How tables are printed: `--format`, `--data`, headings or `--no-headings`, `--pretty`,
 * `--max-column-width` (0: no limit).
 *
 * @since 0.1.0
 * @category models
 */
export interface Style {
  readonly format: "table" | "list" | "html" | "csv" | "json"
  readonly data: "string" | "bare" | "json"
  readonly headings: boolean
  readonly pretty: boolean
  readonly maxColumnWidth: number
}

/**
 * ovsdb-client's default style: `--format=table --data=string`, with headings.
 *
 * @since 0.1.0
 * @category models
 */
export const defaultStyle: Style = { format: "table", data: "string", headings: true, pretty: false, maxColumnWidth: 0 }

/**
 * A column: its heading, and the type of the datums its cells hold; a column without a type holds
 * literal text (a monitor's `row` and `action`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Column {
  readonly heading: string
  readonly type?: ColumnType | undefined
}

/**
 * A cell: a datum's JSON in a typed column, text in another; `undefined` is an empty cell.
 *
 * @since 0.1.0
 * @category models
 */
export type Cell = Json | undefined

/**
 * A table to print.
 *
 * @since 0.1.0
 * @category models
 */
export interface Table {
  readonly caption?: string | undefined
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<ReadonlyArray<Cell>>
  /**
   * Whether the cells are datums as ovsdb-client builds them (`ovsdb_datum_to_json`: a dump's),
   * whose reals it writes as reals whatever their value; otherwise (a monitor's) they are JSON as
   * the server sent it, written again as ovsdb-client reads it (see `numberText`).
   */
  readonly built?: boolean | undefined
}

/**
 * A time as `--timestamp` writes it (`xastrftime_msec("%Y-%m-%d %H:%M:%S.###", …, true)`, UTC).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatTimestamp = (millis: number): string => {
  const iso = new Date(millis).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** A string's length in UTF-8 bytes, as `strlen` counts it. */
const byteLength = (text: string): number => {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, "utf8")
  }
  return text.length
}

/** The longest start of `text` within `bytes` bytes, whole characters only. */
const truncateBytes = (text: string, bytes: number): string => {
  let used = 0
  let end = 0
  for (const char of text) {
    const size = byteLength(char)
    if (used + size > bytes) break
    used += size
    end += char.length
  }
  return text.slice(0, end)
}

const SPACES = " ".repeat(256)

/** `width` spaces. */
const spaces = (width: number): string =>
  width <= 0 ? "" : width <= SPACES.length ? SPACES.slice(0, width) : " ".repeat(width)

/** A line without its trailing spaces, and its end (`table_finish_line`). */
const finishLine = (line: string): string => {
  let end = line.length
  while (end > 0 && line.charCodeAt(end - 1) === 32) end--
  return `${end === line.length ? line : line.slice(0, end)}\n`
}

const HTML_SPECIAL = /[&<>"]/g
const HTML_ESCAPES: { readonly [char: string]: string } = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }

/** `table_escape_html_text__`. */
const escapeHtml = (text: string): string => text.replace(HTML_SPECIAL, (char) => HTML_ESCAPES[char]!)

/** At each place, a UUID (any case) first, else one character to escape. */
const HTML_SCAN = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[&<>"]/g

/** `table_print_html_cell__`: the content escaped, each UUID in it a link to the row it names. */
const htmlCell = (element: string, content: string): string =>
  `    <${element}>${
    content.replace(HTML_SCAN, (match) =>
      match.length === 1 ? HTML_ESCAPES[match]! : `<a href="#${match}">${match.slice(0, 8)}</a>`)
  }</${element}>\n`

/** `table_print_csv_cell__`. */
const csvCell = (content: string): string => /[\n",]/.test(content) ? `"${content.replaceAll("\"", "\"\"")}"` : content

/**
 * Prints tables in one style, as one run of ovsdb-client does: it counts the tables printed, for
 * the blank line between two.
 *
 * @since 0.1.0
 * @category printing
 */
export class Printer {
  private printed = 0
  private readonly json: JsonWriter
  private readonly compact = new JsonWriter(false)

  constructor(readonly style: Style) {
    this.json = new JsonWriter(style.pretty)
  }

  /**
   * The table's text, in pieces. `timestamp`, when given, is the time to print with it.
   */
  print(table: Table, timestamp?: string): Iterable<string> {
    switch (this.style.format) {
      case "table":
        return this.table(table, timestamp)
      case "list":
        return this.list(table, timestamp)
      case "html":
        return this.html(table, timestamp)
      case "csv":
        return this.csv(table, timestamp)
      case "json":
        return this.jsonTable(table, timestamp)
    }
  }

  /** `cell_to_text`: a cell as the text formats write it. */
  cellText(cell: Cell, column: Column, built: boolean | undefined): string {
    const type = column.type
    if (cell === undefined) return ""
    if (type === undefined) return cell as string
    if (this.style.data !== "json") {
      const text = datumText(cell, type, this.style.data === "bare")
      if (text !== undefined) return text
    }
    return this.compact.text(built === true ? datumJson(cell, type) : cell)
  }

  /** The blank line before every table but the first (not in html and json), the time, and the caption. */
  private head(table: Table, timestamp: string | undefined): string {
    let head = this.printed++ > 0 ? "\n" : ""
    if (timestamp !== undefined) head += `${timestamp}\n`
    if (table.caption !== undefined) head += `${table.caption}\n`
    return head
  }

  private *table(table: Table, timestamp: string | undefined): Generator<string> {
    yield this.head(table, timestamp)
    const { columns, rows } = table
    const n = columns.length
    const texts: Array<string> = new Array(rows.length * n)
    const lengths = new Int32Array(rows.length * n)
    const widths = new Array<number>(n).fill(0)
    for (let y = 0; y < rows.length; y++) {
      const row = rows[y]!
      for (let x = 0; x < n; x++) {
        const text = this.cellText(row[x], columns[x]!, table.built)
        const length = byteLength(text)
        texts[y * n + x] = text
        lengths[y * n + x] = length
        if (length > widths[x]!) widths[x] = length
      }
    }
    const max = this.style.maxColumnWidth
    for (let x = 0; x < n; x++) {
      if (max > 0 && widths[x]! > max) widths[x] = max
      if (this.style.headings) widths[x] = Math.max(widths[x]!, byteLength(columns[x]!.heading))
    }
    if (this.style.headings) {
      yield finishLine(
        columns.map((column, x) => column.heading + spaces(widths[x]! - byteLength(column.heading))).join(" ")
      )
      yield finishLine(widths.map((width) => "-".repeat(width)).join(" "))
    }
    for (let y = 0; y < rows.length; y++) {
      let line = ""
      for (let x = 0; x < n; x++) {
        const text = texts[y * n + x]!
        const length = lengths[y * n + x]!
        const width = widths[x]!
        if (x > 0) line += " "
        // %-*.*s: padded to the width, and cut to it (only --max-column-width makes a cell wider).
        line += length <= width ? text + spaces(width - length) : truncateBytes(text, width)
      }
      yield finishLine(line)
    }
  }

  private *list(table: Table, timestamp: string | undefined): Generator<string> {
    yield this.head(table, timestamp)
    const { columns, rows } = table
    const labels = columns.map((column) => {
      const padded = column.heading + spaces(20 - byteLength(column.heading))
      return `${padded}: `
    })
    for (let y = 0; y < rows.length; y++) {
      let paragraph = y > 0 ? "\n" : ""
      for (let x = 0; x < columns.length; x++) {
        paragraph += `${this.style.headings ? labels[x] : ""}${this.cellText(rows[y]![x], columns[x]!, table.built)}\n`
      }
      yield paragraph
    }
  }

  private *html(table: Table, timestamp: string | undefined): Generator<string> {
    yield `${timestamp === undefined ? "" : `${timestamp}\n`}<table border=1>\n`
    if (table.caption !== undefined) yield htmlCell("caption", table.caption)
    const { columns, rows } = table
    if (this.style.headings) {
      yield `  <tr>\n${columns.map((column) => htmlCell("th", column.heading)).join("")}  </tr>\n`
    }
    for (const row of rows) {
      let text = "  <tr>\n"
      for (let x = 0; x < columns.length; x++) {
        const content = this.cellText(row[x], columns[x]!, table.built)
        text += columns[x]!.heading === "_uuid"
          ? `    <td><a name="${escapeHtml(content)}">${escapeHtml(truncateBytes(content, 8))}</a></td>\n`
          : htmlCell("td", content)
      }
      yield `${text}  </tr>\n`
    }
    yield "</table>\n"
  }

  private *csv(table: Table, timestamp: string | undefined): Generator<string> {
    yield this.head(table, timestamp)
    const { columns, rows } = table
    if (this.style.headings) yield `${columns.map((column) => csvCell(column.heading)).join(",")}\n`
    for (const row of rows) {
      yield `${columns.map((column, x) => csvCell(this.cellText(row[x], column, table.built))).join(",")}\n`
    }
  }

  /** `table_print_json__`: members in bytewise order (caption, data, headings, time). */
  private *jsonTable(table: Table, timestamp: string | undefined): Generator<string> {
    const writer = this.json
    const { columns, rows } = table
    const member = (name: string) => `${jsonString(name)}${writer.colon}`
    let head = `{${writer.indent(1)}`
    if (table.caption !== undefined) head += `${member("caption")}${jsonString(table.caption)},${writer.indent(1)}`
    yield `${head}${member("data")}[${rows.length > 0 ? writer.indent(2) : ""}`
    const separator = `,${writer.indent(2)}`
    for (let y = 0; y < rows.length; y++) {
      const row = rows[y]!
      const cells: Array<JsonLike> = new Array(columns.length)
      for (let x = 0; x < columns.length; x++) {
        const cell = row[x]
        const type = columns[x]!.type
        cells[x] = cell === undefined ? null : type === undefined || table.built !== true ? cell : datumJson(cell, type)
      }
      yield (y > 0 ? separator : "") + writer.text(cells, 2)
    }
    const headings = writer.text(columns.map((column) => column.heading), 1)
    const time = timestamp === undefined ? "" : `,${writer.indent(1)}${member("time")}${jsonString(timestamp)}`
    yield `],${writer.indent(1)}${member("headings")}${headings}${time}}\n`
  }
}
