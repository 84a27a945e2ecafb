/**
 * Readers of appctl text output, one per command, each checked against real daemons' output
 * (test/fixtures/appctl). They accept what newer daemons add where the format leaves room for it,
 * and fail with an `AppctlParseError` naming the line on anything else: a figure they cannot read
 * is an error, never a silent zero.
 *
 * Every result is validated with its Schema, so the types below are also runtime checks.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { AppctlParseError } from "../Errors.js"

const fail = (command: string, line: string, detail: string) =>
  Effect.fail(new AppctlParseError({ command, line, detail }))

/** Validates a parsed value with its Schema; a mismatch is a parse error on the whole output. */
const validate = <S extends Schema.Top>(command: string, schema: S) => (value: unknown) =>
  Schema.decodeUnknownEffect(schema)(value).pipe(
    Effect.mapError((error) => new AppctlParseError({ command, line: "", detail: error.message }))
  ) as Effect.Effect<S["Type"], AppctlParseError>

const linesOf = (text: string): Array<string> => text.split("\n").filter((line) => line.trim() !== "")

/** A counter total: exact, a bigint beyond 2^53. */
const count = (digits: string): number | bigint => {
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : BigInt(digits)
}

const Count = Schema.Union([Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), Schema.BigInt])

// --- list-commands ---

/**
 * One command of `list-commands`.
 *
 * @since 0.1.0
 * @category models
 */
export const Command = Schema.Struct({ name: Schema.NonEmptyString, args: Schema.String })

/**
 * @since 0.1.0
 * @category models
 */
export type Command = typeof Command.Type

/**
 * Reads `list-commands`: a header line, then `  NAME ARGS` per command.
 *
 * @since 0.1.0
 * @category parsers
 */
export const listCommands = (text: string): Effect.Effect<ReadonlyArray<Command>, AppctlParseError> =>
  Effect.gen(function*() {
    const [header, ...rest] = linesOf(text)
    if (header !== "The available commands are:") {
      return yield* fail("list-commands", header ?? "", "expected \"The available commands are:\"")
    }
    const commands: Array<Command> = []
    for (const line of rest) {
      const match = /^ {2}(\S+)(?:\s+(.*))?$/.exec(line)
      if (match === null) return yield* fail("list-commands", line, "expected an indented command")
      commands.push({ name: match[1]!, args: (match[2] ?? "").trim() })
    }
    return yield* validate("list-commands", Schema.Array(Command))(commands)
  })

// --- coverage/show ---

/**
 * One coverage counter: its average rate per second over the last 5 seconds, the last minute and
 * the last hour, and its total since the daemon started.
 *
 * @since 0.1.0
 * @category models
 */
export const Counter = Schema.Struct({
  name: Schema.NonEmptyString,
  perSecond5s: Schema.Finite,
  perSecondMinute: Schema.Finite,
  perSecondHour: Schema.Finite,
  total: Count
})

/**
 * @since 0.1.0
 * @category models
 */
export type Counter = typeof Counter.Type

/**
 * The result of `coverage/show`.
 *
 * @since 0.1.0
 * @category models
 */
export const Coverage = Schema.Struct({
  /** The daemon's hash of its counter set, as printed in the header. */
  hash: Schema.String,
  counters: Schema.Array(Counter),
  /** How many counters never counted anything (the daemon lists them only by number). */
  neverHit: Schema.Int
})

/**
 * @since 0.1.0
 * @category models
 */
export type Coverage = typeof Coverage.Type

const COVERAGE_HEADER = /^Event coverage, avg rate over last: 5 seconds, last minute, last hour, +hash=([0-9a-f]+):$/
const COUNTER = /^(\S+)\s+(\d+(?:\.\d+)?)\/sec\s+(\d+(?:\.\d+)?)\/sec\s+(\d+(?:\.\d+)?)\/sec\s+total: (\d+)$/

/**
 * Reads `coverage/show`. The columns are the last 5 seconds, the last minute and the last hour.
 *
 * @since 0.1.0
 * @category parsers
 */
export const coverageShow = (text: string): Effect.Effect<Coverage, AppctlParseError> =>
  Effect.gen(function*() {
    const [header, ...rest] = linesOf(text)
    const hash = COVERAGE_HEADER.exec(header ?? "")
    if (hash === null) return yield* fail("coverage/show", header ?? "", "expected the \"Event coverage\" header")
    const counters: Array<Counter> = []
    let neverHit: number | undefined
    for (const line of rest) {
      const counter = COUNTER.exec(line)
      const never = /^(\d+) events never hit$/.exec(line)
      if (counter !== null) {
        counters.push({
          name: counter[1]!,
          perSecond5s: Number(counter[2]),
          perSecondMinute: Number(counter[3]),
          perSecondHour: Number(counter[4]),
          total: count(counter[5]!)
        })
      } else if (never !== null) {
        neverHit = Number(never[1])
      } else {
        return yield* fail("coverage/show", line, "expected a counter line or \"N events never hit\"")
      }
    }
    return yield* validate("coverage/show", Coverage)({ hash: hash[1], counters, neverHit: neverHit ?? 0 })
  })

// --- memory/show ---

/**
 * The result of `memory/show`: each figure by name (`atoms`, `cells`, `monitors`, `raft-log`, …).
 *
 * @since 0.1.0
 * @category models
 */
export const Memory = Schema.Record(Schema.String, Count)

/**
 * @since 0.1.0
 * @category models
 */
export type Memory = typeof Memory.Type

/**
 * Reads `memory/show`: `NAME:VALUE` pairs separated by spaces.
 *
 * @since 0.1.0
 * @category parsers
 */
export const memoryShow = (text: string): Effect.Effect<Memory, AppctlParseError> =>
  Effect.gen(function*() {
    const figures: Record<string, number | bigint> = {}
    for (const line of linesOf(text)) {
      for (const pair of line.trim().split(/\s+/)) {
        const match = /^([\w-]+):(\d+)$/.exec(pair)
        if (match === null) return yield* fail("memory/show", line, `expected NAME:NUMBER, got ${JSON.stringify(pair)}`)
        figures[match[1]!] = count(match[2]!)
      }
    }
    return yield* validate("memory/show", Memory)(figures)
  })

// --- version ---

/**
 * The result of `version`: `ovsdb-server (Open vSwitch) 3.1.0`.
 *
 * @since 0.1.0
 * @category models
 */
export const Version = Schema.Struct({
  program: Schema.NonEmptyString,
  package: Schema.String,
  version: Schema.NonEmptyString
})

/**
 * @since 0.1.0
 * @category models
 */
export type Version = typeof Version.Type

/**
 * Reads `version`: its first line; later lines (a schema version, say) are left alone.
 *
 * @since 0.1.0
 * @category parsers
 */
export const version = (text: string): Effect.Effect<Version, AppctlParseError> => {
  const line = linesOf(text)[0] ?? ""
  const match = /^(\S+) \(([^)]*)\) (\S+)$/.exec(line)
  return match === null
    ? fail("version", line, "expected \"PROGRAM (PACKAGE) VERSION\"")
    : validate("version", Version)({ program: match[1], package: match[2], version: match[3] })
}

// --- one item per line ---

/**
 * Reads output that lists one item per line (`ovsdb-server/list-dbs`, `ovsdb-server/list-remotes`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const lines = (command: string) => (text: string): Effect.Effect<ReadonlyArray<string>, AppctlParseError> =>
  validate(command, Schema.Array(Schema.NonEmptyString))(linesOf(text).map((line) => line.trim()))

/**
 * Reads output that is one UUID (`cluster/cid`, `cluster/sid`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const uuid = (command: string) => (text: string): Effect.Effect<string, AppctlParseError> => {
  const line = text.trim()
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(line)
    ? Effect.succeed(line)
    : fail(command, line, "expected a UUID")
}

// --- vlog/list ---

/**
 * One logging module of `vlog/list`: its level for each destination.
 *
 * @since 0.1.0
 * @category models
 */
export const LogModule = Schema.Struct({
  module: Schema.NonEmptyString,
  levels: Schema.Record(Schema.String, Schema.Literals(["OFF", "EMER", "ERR", "WARN", "INFO", "DBG"]))
})

/**
 * @since 0.1.0
 * @category models
 */
export type LogModule = typeof LogModule.Type

/**
 * Reads `vlog/list`: a header naming the destinations, a rule, then one row per module.
 *
 * @since 0.1.0
 * @category parsers
 */
export const vlogList = (text: string): Effect.Effect<ReadonlyArray<LogModule>, AppctlParseError> =>
  Effect.gen(function*() {
    const [header, rule, ...rows] = linesOf(text)
    const destinations = (header ?? "").trim().split(/\s+/)
    if (destinations.length === 0 || destinations[0] === "" || !/^[\s-]+$/.test(rule ?? "")) {
      return yield* fail("vlog/list", header ?? "", "expected the destinations header and its rule")
    }
    const modules: Array<{ readonly module: string; readonly levels: Record<string, string> }> = []
    for (const row of rows) {
      const [module, ...levels] = row.trim().split(/\s+/)
      if (levels.length !== destinations.length) {
        return yield* fail("vlog/list", row, `expected a level for each of ${destinations.join(", ")}`)
      }
      modules.push({ module: module!, levels: Object.fromEntries(destinations.map((d, i) => [d, levels[i]!])) })
    }
    return yield* validate("vlog/list", Schema.Array(LogModule))(modules)
  })
