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
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
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
 * A command of `list-commands`: its name and its arguments' text.
 *
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
 * A coverage counter: its three rates and its total.
 *
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
 * What `coverage/show` reports, read by `parseCoverage`.
 *
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
 * What `memory/show` reports: each figure by name.
 *
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
 * What `version` reports: the program, its package and its version.
 *
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
 * A logging module of `vlog/list` with its level for each destination.
 *
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
 * A server's short id, as cluster/status prints server ids: the first four hex digits of its
 * UUID (`2a32`).
 *
 * @since 0.1.0
 * @category models
 */
export const ShortSid = Schema.String.check(Schema.isPattern(/^[0-9a-f]{4}$/))

/**
 * An id in the header of cluster/status (`Cluster ID`, `Server ID`): the short form and, where
 * known, the full UUID.
 *
 * @since 0.1.0
 * @category models
 */
export const ServerRef = Schema.Struct({ short: Schema.NonEmptyString, full: Schema.optionalKey(Schema.String) })

/**
 * A server that cluster/status names by its nickname: the leader, the vote, a candidate's vote.
 *
 * @since 0.1.0
 * @category models
 */
export const NamedServer = Schema.Struct({
  /** The name printed: the server's nickname (see `ClusterServer.nickname`), or this server's for "self". */
  nickname: Schema.NonEmptyString,
  /**
   * The short id of the server the nickname stands for: the one server of the `Servers:` list
   * (or of the servers being added or removed) with that nickname, or this server's for "self".
   * Absent when none or several have it.
   */
  sid: Schema.optionalKey(ShortSid),
  /** Whether it is this server (printed "self"). */
  self: Schema.Boolean
})

/**
 * A server of a cluster as `cluster/status` names it.
 *
 * @since 0.1.0
 * @category models
 */
export type NamedServer = typeof NamedServer.Type

/**
 * One Raft connection: its direction, the peer's nickname as printed, its short id where the
 * `Servers:` list tells it, and whether it is down (printed in parentheses).
 *
 * The nickname of a connection whose peer has not said who it is yet is `0000` on `tcp:` and
 * `ssl:` clusters (the short form of the all-zero id), and the peer's socket name on `unix:` ones.
 *
 * @since 0.1.0
 * @category models
 */
export const Connection = Schema.Struct({
  direction: Schema.Literals(["inbound", "outbound"]),
  nickname: Schema.NonEmptyString,
  /** The short id of the one listed server with this nickname; absent when none or several have it. */
  sid: Schema.optionalKey(ShortSid),
  failed: Schema.Boolean
})

/**
 * A connection of `cluster/status` to or from another server.
 *
 * @since 0.1.0
 * @category models
 */
export type Connection = typeof Connection.Type

/**
 * One member in the `Servers:` list, printed `NICKNAME (SID at ADDRESS)`: its ids and address,
 * whether it is this server, and what this server knows of it (`next_index` and `match_index` on
 * a leader, the age of its last message, a candidate's view of its vote).
 *
 * @since 0.1.0
 * @category models
 */
export const ClusterServer = Schema.Struct({
  /** Its short id: the first four hex digits of its server id (`cluster/sid` on that server). */
  sid: ShortSid,
  /**
   * What cluster/status calls it elsewhere (`Leader:`, `Vote:`, `Connections:`): for a `unix:`
   * address the socket's file name up to its first dot (`unix:/run/ovn/sb1.raft` is `sb1`), for
   * any other address its short id.
   */
  nickname: Schema.NonEmptyString,
  address: Schema.NonEmptyString,
  self: Schema.Boolean,
  /** Set while it is being added or removed: "adding: catchup", "adding: caught up", "adding: committing", "removing". */
  phase: Schema.optionalKey(Schema.NonEmptyString),
  /** On a candidate: whom this server voted for in the current election. */
  votedFor: Schema.optionalKey(NamedServer),
  nextIndex: Schema.optionalKey(Count),
  matchIndex: Schema.optionalKey(Count),
  lastMessageMsAgo: Schema.optionalKey(Count)
})

/**
 * A server of `cluster/status`'s list of servers, with what this server knows of it.
 *
 * @since 0.1.0
 * @category models
 */
export type ClusterServer = typeof ClusterServer.Type

/**
 * A server a leader is adding to or removing from the cluster (`Adding server …` and `Removing
 * server …` lines).
 *
 * @since 0.1.0
 * @category models
 */
export const PendingServer = Schema.Struct({
  sid: ShortSid,
  nickname: Schema.NonEmptyString,
  address: Schema.NonEmptyString,
  /** "adding: catchup", "adding: caught up", "adding: committing" or "removing". */
  phase: Schema.NonEmptyString
})

/**
 * A server of `cluster/status` that is joining or leaving.
 *
 * @since 0.1.0
 * @category models
 */
export type PendingServer = typeof PendingServer.Type

/**
 * The result of `cluster/status DB`: every field ovsdb-server prints. `extra` keeps `Key: value`
 * lines this parser does not know, from newer servers.
 *
 * @since 0.1.0
 * @category models
 */
export const ClusterStatus = Schema.Struct({
  /** This server's nickname (the first line), as other servers' `cluster/status` name it. */
  nickname: Schema.NonEmptyString,
  name: Schema.NonEmptyString,
  /** Absent while a joining server has not learnt it ("not yet known"). */
  clusterId: Schema.optionalKey(ServerRef),
  serverId: ServerRef,
  address: Schema.NonEmptyString,
  /** "cluster member", "joining cluster", "leaving cluster", "left cluster", … */
  status: Schema.NonEmptyString,
  remotesForJoining: Schema.optionalKey(Schema.Array(Schema.String)),
  /** On a leader: the servers it is adding or removing. */
  pendingServers: Schema.Array(PendingServer),
  role: Schema.NonEmptyString,
  term: Count,
  /** The leader this server knows of; absent when it knows none ("unknown"). */
  leader: Schema.optionalKey(NamedServer),
  /** Whom this server voted for in the current term; absent when it has not voted ("unknown"). */
  vote: Schema.optionalKey(NamedServer),
  lastElection: Schema.optionalKey(Schema.Struct({
    startedMsAgo: Count,
    reason: Schema.String,
    wonMsAgo: Schema.optionalKey(Count)
  })),
  electionTimerMs: Count,
  /** On a leader changing the election timer: the value it is changing to. */
  electionTimerChangingToMs: Schema.optionalKey(Count),
  log: Schema.Struct({ first: Count, last: Count }),
  entriesNotCommitted: Count,
  entriesNotApplied: Count,
  connections: Schema.Array(Connection),
  disconnections: Count,
  servers: Schema.Array(ClusterServer),
  extra: Schema.Record(Schema.String, Schema.String)
})

/**
 * What `cluster/status` reports, read by `parseClusterStatus`.
 *
 * @since 0.1.0
 * @category models
 */
export type ClusterStatus = typeof ClusterStatus.Type

/** `NICKNAME (SID at ADDRESS)`, then `(self)`, a phase, a candidate's `(voted for NICKNAME)`, indexes, last message. */
const SERVER_LINE =
  /^(\S+) \(([0-9a-f]{4}) at (\S+)\)( \(self\))?(?: \(((?:adding: [^)]+)|removing)\))?(?: \(voted for (\S+)\))?((?: \w+=\d+)*)(?: last msg (\d+) ms ago)?$/
const PENDING_LINE = /^(Adding|Removing) server (\S+) \(([0-9a-f]{4}) at (\S+)\) \(([^)]+)\)$/
const SERVER_REF = /^(\S+)(?: \(([0-9a-f-]{36})\))?$/
const CONNECTION = /^(\()?(<-|->)([^\s()]+)(\))?$/

interface Known {
  readonly sid: string
  readonly nickname: string
  readonly self?: boolean
}

/** The server a nickname stands for: the one of `servers` with that nickname, if exactly one has it. */
const serverNamed = (servers: ReadonlyArray<Known>, nickname: string): Known | undefined => {
  const named = servers.filter((server) => server.nickname === nickname)
  return named.length === 1 ? named[0] : undefined
}

const withSid = (server: Known | undefined): { readonly sid?: string } =>
  server === undefined ? {} : { sid: server.sid }

/**
 * Reads `cluster/status DB`, from any member's point of view: a leader's, a follower's, a
 * candidate's, or a server still joining or leaving.
 *
 * Servers are printed `NICKNAME (SID at ADDRESS)`, and named by their nickname everywhere else;
 * each name is resolved to a short id through the `Servers:` list (see `NamedServer`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const clusterStatus = (text: string): Effect.Effect<ClusterStatus, AppctlParseError> =>
  Effect.gen(function*() {
    const command = "cluster/status"
    const all = text.split("\n")
    const serversAt = all.findIndex((line) => /^Servers:/.test(line))
    const [first, ...head] = linesOf((serversAt === -1 ? all : all.slice(0, serversAt)).join("\n"))
    const nickname = (first ?? "").trim()
    if (nickname === "" || /\s/.test(nickname)) {
      return yield* fail(command, first ?? "", "expected the server's nickname")
    }

    const servers: Array<ClusterServer> = []
    const votes: Array<string | undefined> = []
    for (const line of serversAt === -1 ? [] : linesOf(all.slice(serversAt + 1).join("\n"))) {
      const match = SERVER_LINE.exec(line.trim())
      if (match === null) return yield* fail(command, line, "expected \"NICKNAME (SID at ADDRESS) …\"")
      const indexes = Object.fromEntries([...match[7]!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, count(m[2]!)]))
      servers.push({
        sid: match[2]!,
        nickname: match[1]!,
        address: match[3]!,
        self: match[4] !== undefined,
        ...(match[5] === undefined ? {} : { phase: match[5] }),
        ...(indexes.next_index === undefined ? {} : { nextIndex: indexes.next_index }),
        ...(indexes.match_index === undefined ? {} : { matchIndex: indexes.match_index }),
        ...(match[8] === undefined ? {} : { lastMessageMsAgo: count(match[8]) })
      })
      votes.push(match[6])
    }

    const fields: Record<string, string> = {}
    const pendingServers: Array<PendingServer> = []
    const status: Record<string, unknown> = { nickname, extra: {}, pendingServers }
    for (const line of head) {
      const election = /^Last Election started (\d+) ms ago, reason: (.*)$/.exec(line)
      const won = /^Last Election won: (\d+) ms ago$/.exec(line)
      const pending = PENDING_LINE.exec(line)
      if (election !== null) {
        status.lastElection = { startedMsAgo: count(election[1]!), reason: election[2] }
      } else if (won !== null) {
        status.lastElection = { ...(status.lastElection as object | undefined), wonMsAgo: count(won[1]!) }
      } else if (pending !== null) {
        pendingServers.push({ nickname: pending[2]!, sid: pending[3]!, address: pending[4]!, phase: pending[5]! })
      } else {
        // "Key: value", or "Key:" alone when the value is empty (a lone member has no Connections).
        const field = /^([^:]+):(?: (.*))?$/.exec(line)
        if (field === null) return yield* fail(command, line, "expected \"Key: value\"")
        fields[field[1]!] = field[2] ?? ""
      }
    }

    const known: ReadonlyArray<Known> = [...servers, ...pendingServers]
    const serverId = SERVER_REF.exec(fields["Server ID"] ?? "")
    const selfSid = serverId === null ? undefined : serverId[1]!
    /** "self", "unknown" (absent), or a nickname, resolved to a short id. */
    const named = (value: string): NamedServer | undefined => {
      if (value === "unknown") return undefined
      if (value === "self") return { nickname, ...(selfSid === undefined ? {} : { sid: selfSid }), self: true }
      const server = serverNamed(known, value)
      return server === undefined
        ? { nickname: value, self: false }
        : { nickname: value, sid: server.sid, self: server.self === true }
    }
    servers.forEach((server, i) => {
      const vote = votes[i]
      if (vote !== undefined) servers[i] = { ...server, votedFor: named(vote) ?? { nickname: vote, self: false } }
    })

    const number = (key: string) => {
      const value = fields[key]
      return value !== undefined && /^\d+$/.test(value) ? count(value) : undefined
    }
    const ref = (key: string) => {
      const match = SERVER_REF.exec(fields[key] ?? "")
      return match === null ? undefined : { short: match[1]!, ...(match[2] === undefined ? {} : { full: match[2] }) }
    }
    const readers: Record<string, (value: string) => unknown> = {
      Name: (value) => (status.name = value),
      "Cluster ID": (value) => value === "not yet known" ? undefined : (status.clusterId = ref("Cluster ID")),
      "Server ID": () => (status.serverId = ref("Server ID")),
      Address: (value) => (status.address = value),
      Status: (value) => (status.status = value),
      "Remotes for joining": (value) => (status.remotesForJoining = value.split(/\s+/)),
      Role: (value) => (status.role = value),
      Term: () => (status.term = number("Term")),
      Leader: (value) => /\s/.test(value) ? undefined : (status.leader = named(value) ?? null),
      Vote: (value) => /\s/.test(value) ? undefined : (status.vote = named(value) ?? null),
      "Election timer": (value) => {
        const timer = /^(\d+)(?: \(changing to (\d+)\))?$/.exec(value)
        if (timer === null) return undefined
        if (timer[2] !== undefined) status.electionTimerChangingToMs = count(timer[2])
        return (status.electionTimerMs = count(timer[1]!))
      },
      Log: (value) => {
        const log = /^\[(\d+), (\d+)\]$/.exec(value)
        return log === null ? undefined : (status.log = { first: count(log[1]!), last: count(log[2]!) })
      },
      "Entries not yet committed": () => (status.entriesNotCommitted = number("Entries not yet committed")),
      "Entries not yet applied": () => (status.entriesNotApplied = number("Entries not yet applied")),
      Connections: (value) => {
        const tokens = value.split(/\s+/).filter((token) => token !== "")
        const matches = tokens.map((token) => CONNECTION.exec(token))
        // Parenthesised together or not at all.
        if (matches.some((match) => match === null || (match[1] === undefined) !== (match[4] === undefined))) {
          return undefined
        }
        return (status.connections = matches.map((match) => ({
          direction: match![2] === "<-" ? "inbound" : "outbound",
          nickname: match![3]!,
          ...withSid(serverNamed(known, match![3]!)),
          failed: match![1] === "("
        })))
      },
      Disconnections: () => (status.disconnections = number("Disconnections"))
    }
    for (const [key, value] of Object.entries(fields)) {
      const read = readers[key]
      if (read === undefined) {
        ;(status.extra as Record<string, string>)[key] = value
      } else if (read(value) === undefined && value !== "not yet known") {
        return yield* fail(command, `${key}: ${value}`, `cannot read the value of ${key}`)
      }
    }
    // "unknown" leader or vote: read, and left out.
    if (status.leader === null) delete status.leader
    if (status.vote === null) delete status.vote
    status.servers = servers
    status.connections ??= []
    return yield* validate(command, ClusterStatus)(status)
  })
