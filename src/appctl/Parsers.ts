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

// --- cluster/status ---

/**
 * A server id as cluster/status prints it: the short form and, where known, the full UUID.
 *
 * @since 0.1.0
 * @category models
 */
export const ServerRef = Schema.Struct({ short: Schema.NonEmptyString, full: Schema.optionalKey(Schema.String) })

/**
 * One Raft connection: its direction, the peer's short id (`0000` while not yet known), and
 * whether it failed (printed in parentheses).
 *
 * @since 0.1.0
 * @category models
 */
export const Connection = Schema.Struct({
  direction: Schema.Literals(["inbound", "outbound"]),
  server: Schema.NonEmptyString,
  failed: Schema.Boolean
})

/**
 * One member in the `Servers:` list: its ids and address, whether it is this server, and what this
 * server knows of it (`next_index` and `match_index` on a leader, the age of its last message).
 *
 * @since 0.1.0
 * @category models
 */
export const ClusterServer = Schema.Struct({
  sid: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  address: Schema.NonEmptyString,
  self: Schema.Boolean,
  nextIndex: Schema.optionalKey(Count),
  matchIndex: Schema.optionalKey(Count),
  lastMessageMsAgo: Schema.optionalKey(Count)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ClusterServer = typeof ClusterServer.Type

/**
 * The result of `cluster/status DB`: every field ovsdb-server prints. `extra` keeps `Key: value`
 * lines this parser does not know, from newer servers.
 *
 * @since 0.1.0
 * @category models
 */
export const ClusterStatus = Schema.Struct({
  name: Schema.NonEmptyString,
  /** Absent while a joining server has not learnt it ("not yet known"). */
  clusterId: Schema.optionalKey(ServerRef),
  serverId: ServerRef,
  address: Schema.NonEmptyString,
  /** "cluster member", "joining cluster", "leaving cluster", "left cluster", … */
  status: Schema.NonEmptyString,
  remotesForJoining: Schema.optionalKey(Schema.Array(Schema.String)),
  role: Schema.NonEmptyString,
  term: Count,
  /** "self", a short server id, or "unknown". */
  leader: Schema.NonEmptyString,
  vote: Schema.NonEmptyString,
  lastElection: Schema.optionalKey(Schema.Struct({
    startedMsAgo: Count,
    reason: Schema.String,
    wonMsAgo: Schema.optionalKey(Count)
  })),
  electionTimerMs: Count,
  log: Schema.Struct({ first: Count, last: Count }),
  entriesNotCommitted: Count,
  entriesNotApplied: Count,
  connections: Schema.Array(Connection),
  disconnections: Count,
  servers: Schema.Array(ClusterServer),
  extra: Schema.Record(Schema.String, Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type ClusterStatus = typeof ClusterStatus.Type

const SERVER_LINE = /^(\S+) \((\S+) at (\S+)\)( \(self\))?((?: \w+=\d+)*)(?: last msg (\d+) ms ago)?$/
const SERVER_REF = /^(\S+)(?: \(([0-9a-f-]{36})\))?$/

/**
 * Reads `cluster/status DB`, from any member's point of view: a leader's, a follower's, or a
 * server still joining or leaving.
 *
 * @since 0.1.0
 * @category parsers
 */
export const clusterStatus = (text: string): Effect.Effect<ClusterStatus, AppctlParseError> =>
  Effect.gen(function*() {
    const command = "cluster/status"
    const all = text.split("\n")
    const serversAt = all.findIndex((line) => /^Servers:/.test(line))
    const head = linesOf((serversAt === -1 ? all : all.slice(0, serversAt)).join("\n"))
    const fields: Record<string, string> = {}
    const status: Record<string, unknown> = { extra: {} }
    for (const line of head.slice(1)) {
      const election = /^Last Election started (\d+) ms ago, reason: (.*)$/.exec(line)
      const won = /^Last Election won: (\d+) ms ago$/.exec(line)
      if (election !== null) {
        status.lastElection = { startedMsAgo: count(election[1]!), reason: election[2] }
      } else if (won !== null) {
        status.lastElection = { ...(status.lastElection as object | undefined), wonMsAgo: count(won[1]!) }
      } else {
        // "Key: value", or "Key:" alone when the value is empty (a lone member has no Connections).
        const field = /^([^:]+):(?: (.*))?$/.exec(line)
        if (field === null) return yield* fail(command, line, "expected \"Key: value\"")
        fields[field[1]!] = field[2] ?? ""
      }
    }
    const number = (key: string) => {
      const value = fields[key]
      return value !== undefined && /^\d+$/.test(value) ? count(value) : undefined
    }
    const ref = (key: string) => {
      const match = SERVER_REF.exec(fields[key] ?? "")
      return match === null ? undefined : { short: match[1]!, ...(match[2] === undefined ? {} : { full: match[2] }) }
    }
    const known: Record<string, (value: string) => unknown> = {
      Name: (value) => (status.name = value),
      "Cluster ID": (value) => value === "not yet known" ? undefined : (status.clusterId = ref("Cluster ID")),
      "Server ID": () => (status.serverId = ref("Server ID")),
      Address: (value) => (status.address = value),
      Status: (value) => (status.status = value),
      "Remotes for joining": (value) => (status.remotesForJoining = value.split(/\s+/)),
      Role: (value) => (status.role = value),
      Term: () => (status.term = number("Term")),
      Leader: (value) => (status.leader = value),
      Vote: (value) => (status.vote = value),
      "Election timer": () => (status.electionTimerMs = number("Election timer")),
      Log: (value) => {
        const log = /^\[(\d+), (\d+)\]$/.exec(value)
        return log === null ? undefined : (status.log = { first: count(log[1]!), last: count(log[2]!) })
      },
      "Entries not yet committed": () => (status.entriesNotCommitted = number("Entries not yet committed")),
      "Entries not yet applied": () => (status.entriesNotApplied = number("Entries not yet applied")),
      Connections: (value) => {
        const tokens = value.split(/\s+/).filter((token) => token !== "")
        const matches = tokens.map((token) => /^(\()?(<-|->)(\w+)\)?$/.exec(token))
        if (matches.some((match) => match === null)) return undefined
        return (status.connections = matches.map((match) => ({
          direction: match![2] === "<-" ? "inbound" : "outbound",
          server: match![3],
          failed: match![1] === "("
        })))
      },
      Disconnections: () => (status.disconnections = number("Disconnections"))
    }
    for (const [key, value] of Object.entries(fields)) {
      const read = known[key]
      if (read === undefined) {
        ;(status.extra as Record<string, string>)[key] = value
      } else if (read(value) === undefined && value !== "not yet known") {
        return yield* fail(command, `${key}: ${value}`, `cannot read the value of ${key}`)
      }
    }
    const servers: Array<unknown> = []
    for (const line of serversAt === -1 ? [] : linesOf(all.slice(serversAt + 1).join("\n"))) {
      const match = SERVER_LINE.exec(line.trim())
      if (match === null) return yield* fail(command, line, "expected \"SID (SID at ADDRESS) …\"")
      const indexes = Object.fromEntries([...match[5]!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, count(m[2]!)]))
      servers.push({
        sid: match[1],
        name: match[2],
        address: match[3],
        self: match[4] !== undefined,
        ...(indexes.next_index === undefined ? {} : { nextIndex: indexes.next_index }),
        ...(indexes.match_index === undefined ? {} : { matchIndex: indexes.match_index }),
        ...(match[6] === undefined ? {} : { lastMessageMsAgo: count(match[6]) })
      })
    }
    status.servers = servers
    status.connections ??= []
    return yield* validate(command, ClusterStatus)(status)
  })
