/**
 * The help, as ovsdb-client writes its own: `effect-ovsdb --help` lists every command with its
 * arguments in ovsdb-client's notation and what it does, then the options; `effect-ovsdb COMMAND
 * --help` gives the command's usage line, each argument and each option it takes with what it is
 * for, and an example. The arguments come from each command's usage table (see `Usage`), the
 * options from the command line parser's own account of its flags, so that the help says what
 * the parser does.
 *
 * @since 0.1.0
 */
import type { FlagDoc, HelpDoc } from "effect/cli/HelpDoc"
import * as Option from "effect/Option"
import type { Usage } from "./Usage.js"
import { DEFAULT_DATABASE, DEFAULT_SERVER, notation, PROGRAM, usageLine } from "./Usage.js"

/** Lines are wrapped to this width, as ovsdb-client's help fits in 80 columns. */
const WIDTH = 79

/** Where a two-column table's second column starts, at most; a longer first column puts it on the next line. */
const COLUMN = 26

/**
 * The usage line of the program, printed after a mistake that no command's usage covers.
 *
 * @since 0.1.0
 * @category help
 */
export const PROGRAM_USAGE = `usage: ${PROGRAM} [OPTIONS] COMMAND [ARG...]`

/** `text` in lines of at most `WIDTH` columns, each after `indent` (the first after `first`). */
const wrap = (text: string, indent: string, first = indent): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = first
  let empty = true
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = indent
      empty = true
    }
    line += empty ? word : ` ${word}`
    empty = false
  }
  lines.push(line)
  return lines
}

/** A two-column table: each row's name, then its description, wrapped under itself. */
const table = (rows: ReadonlyArray<readonly [string, string]>): ReadonlyArray<string> => {
  const widest = Math.max(0, ...rows.map(([left]) => left.length))
  const column = Math.min(COLUMN, widest + 4)
  const indent = " ".repeat(column)
  return rows.flatMap(([left, right]) => {
    const name = `  ${left}`
    if (right === "") return [name]
    return name.length + 2 <= column
      ? wrap(right, indent, name.padEnd(column))
      : [name, ...wrap(right, indent)]
  })
}

/** A flag as ovsdb-client lists its options: `-p, --private-key=FILE`, `--pretty`. */
const flagName = (flag: FlagDoc): string => {
  const value = flag.type === "boolean" ? "" : `=${flag.type}`
  return [...flag.aliases, `--${flag.name}${value}`].join(", ")
}

const flagRows = (flags: ReadonlyArray<FlagDoc> | undefined): ReadonlyArray<readonly [string, string]> =>
  (flags ?? []).map((flag) => [flagName(flag), Option.getOrElse(flag.description, () => "")])

/** A section: its title line, then its lines; nothing when it has none. */
const section = (title: string, lines: ReadonlyArray<string>): ReadonlyArray<string> =>
  lines.length === 0 ? [] : ["", title, ...lines]

const DEFAULTS = [
  `The default SERVER is ${DEFAULT_SERVER}.`,
  `The default DATABASE is ${DEFAULT_DATABASE}, or else the server's only database.`,
  "",
  "SERVER connection methods:",
  ...table([
    ["unix:FILE", "Unix domain socket named FILE"],
    ["tcp:HOST:PORT", "PORT at remote HOST"],
    ["ssl:HOST:PORT", "SSL PORT at remote HOST (with --private-key, --certificate and --ca-cert)"],
    ["REMOTE,REMOTE,...", "the members of a cluster, tried in random order (DATABASE must be named)"]
  ])
]

/**
 * The program's help: every command in ovsdb-client's notation with what it does, the defaults,
 * the connection methods, and the options (from `doc`, the root command's help from the parser).
 *
 * @since 0.1.0
 * @category help
 */
export const programHelp = (doc: HelpDoc, usages: ReadonlyArray<Usage>): string =>
  [
    `${PROGRAM}: ${doc.description}`,
    PROGRAM_USAGE,
    "",
    "Valid commands are:",
    ...usages.flatMap((usage) => [
      "",
      `  ${usage.name} ${notation(usage)}`.trimEnd(),
      ...usage.description.flatMap((line) => wrap(line, "    "))
    ]),
    "",
    ...DEFAULTS,
    ...section("Options (of every command):", table(flagRows(doc.flags))),
    ...section("Other options:", table(flagRows(doc.globalFlags))),
    "",
    `Run '${PROGRAM} COMMAND --help' for a command's arguments, options and an example.`
  ].join("\n")

/**
 * A command's help: its usage line, what it does, each argument, its own options, the options
 * every command takes, and examples (`doc` is the command's help from the parser).
 *
 * @since 0.1.0
 * @category help
 */
export const commandHelp = (doc: HelpDoc, usage: Usage): string =>
  [
    usageLine(usage),
    "",
    ...usage.description.flatMap((line) => wrap(line, "")),
    ...section("Arguments:", table(usage.slots.map((slot) => [slot.name, slot.description]))),
    ...section(`Options of ${usage.name}:`, table(flagRows(doc.flags))),
    ...section("Options (of every command):", table(flagRows(doc.inheritedFlags))),
    ...section("Other options:", table(flagRows(doc.globalFlags))),
    ...section(
      usage.examples.length === 1 ? "Example:" : "Examples:",
      usage.examples.flatMap((example) => [
        ...(example.description === undefined ? [] : wrap(example.description, "  # ")),
        `  ${example.command}`
      ])
    )
  ].join("\n")
