/**
 * OVS remote syntax: where a client connects, written the way ovsdb-client, ovs-vsctl and ovn-nbctl
 * take it (ovsdb(7) "Connection Methods", the active ones):
 *
 * - `unix:PATH`: a unix domain socket;
 * - `tcp:HOST[:PORT]`: TCP. The port defaults to 6640. An IPv6 address goes in brackets, with an
 *   optional zone: `tcp:[::1]:6640`, `tcp:[fe80::1%eth0]`;
 * - `ssl:HOST[:PORT]`: TLS, same form;
 * - `REMOTE,REMOTE,…`: several remotes (the servers of a cluster), tried in turn. A comma separates two
 *   remotes only where a method follows it (`, tcp:…`), so a unix path may contain commas, as in
 *   Open vSwitch.
 *
 * A `Remote` is plain, serialisable data (`Schema.TaggedStruct`s): `Unix { path }`, `Tcp { host, port }`
 * or `Ssl { host, port }`. Parsing is pure. It rejects anything a client could not connect to (an
 * unknown or passive method, a bad or out-of-range port, a malformed address, trailing characters)
 * with a `RemoteParseError` that names the offending remote and says what is wrong.
 *
 * ```ts
 * import { Remote } from "effect-ovsdb"
 *
 * Remote.parse("tcp:[::1]:6641")      // Effect.succeed({ _tag: "Tcp", host: "::1", port: 6641 })
 * Remote.parseList("tcp:10.0.0.1,tcp:10.0.0.2")
 * // Effect.succeed([{ _tag: "Tcp", host: "10.0.0.1", port: 6640 }, { _tag: "Tcp", host: "10.0.0.2", port: 6640 }])
 * Remote.format({ _tag: "Ssl", host: "fe80::1%eth0", port: 6640 }) // "ssl:[fe80::1%eth0]:6640"
 * ```
 *
 * Where Open vSwitch 3.1 and its manual disagree, this module follows the manual: `tcp:[::1]`
 * defaults the port like `tcp:127.0.0.1` does, where the tools reject it. It is also stricter than
 * the tools in three ways: port 0, a port with a sign or spaces, and a `cid:UUID` entry in a list
 * (cluster ids, not supported yet) are errors. A relative unix path is kept as written. The OVS tools
 * resolve it against their run directory, Node against the working directory.
 *
 * @since 0.1.0
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { RemoteParseError } from "./Errors.js"

/**
 * The port a `tcp:` or `ssl:` remote uses when it names none (IANA-assigned to OVSDB).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PORT = 6640

// --- hosts ---

const IPV4_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/
const ZONE = /^[\w.-]+$/
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/

const isIpv4 = (text: string): boolean => {
  const octets = text.split(".")
  return octets.length === 4 && octets.every((octet) => IPV4_OCTET.test(octet))
}

/** Hex groups on one side of a `::`; a trailing dotted quad counts as two groups. */
const countGroups = (side: string, last: boolean): number | undefined => {
  if (side === "") return 0
  const groups = side.split(":")
  const tail = groups[groups.length - 1]!
  const quad = last && tail.includes(".")
  if (quad && !isIpv4(tail)) return undefined
  const hex = quad ? groups.slice(0, -1) : groups
  return hex.every((group) => HEX_GROUP.test(group)) ? hex.length + (quad ? 2 : 0) : undefined
}

/** RFC 4291 §2.2 text form, with an optional RFC 4007 `%zone`. */
const isIpv6 = (text: string): boolean => {
  const percent = text.indexOf("%")
  if (percent !== -1 && !ZONE.test(text.slice(percent + 1))) return false
  const address = percent === -1 ? text : text.slice(0, percent)
  const halves = address.split("::")
  if (halves.length > 2) return false
  if (halves.length === 1) return countGroups(address, true) === 8
  const head = countGroups(halves[0]!, false)
  const tail = countGroups(halves[1]!, true)
  return head !== undefined && tail !== undefined && head + tail < 8
}

/** Why `host` (brackets removed) is not an IP address or DNS name; `undefined` when it is one. */
const hostProblem = (host: string): string | undefined => {
  if (host === "") return "missing host"
  if (host.includes(":")) return isIpv6(host) ? undefined : `${JSON.stringify(host)} is not an IPv6 address`
  const labels = host.split(".")
  if (labels.every((label) => /^\d+$/.test(label))) {
    return isIpv4(host) ? undefined : `${JSON.stringify(host)} is not an IPv4 address`
  }
  return host.length <= 253 && labels.every((label) => LABEL.test(label))
    ? undefined
    : `${JSON.stringify(host)} is not a host name or IP address`
}

const pathProblem = (path: string): string | undefined =>
  path === "" ? "missing socket path" : path.includes("\u0000") ? "socket path contains a NUL character" : undefined

// --- the model ---

const Host = Schema.String.check(Schema.makeFilter(hostProblem))
const Port = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 }))

/**
 * A unix domain socket.
 *
 * @since 0.1.0
 * @category models
 */
export const Unix = Schema.TaggedStruct("Unix", { path: Schema.String.check(Schema.makeFilter(pathProblem)) })

/**
 * A decoded unix remote: its socket's path.
 *
 * @since 0.1.0
 * @category models
 */
export type Unix = typeof Unix.Type

/**
 * A TCP endpoint. `host` is a DNS name or an IP address, without brackets.
 *
 * @since 0.1.0
 * @category models
 */
export const Tcp = Schema.TaggedStruct("Tcp", { host: Host, port: Port })

/**
 * A decoded TCP remote: its host and port.
 *
 * @since 0.1.0
 * @category models
 */
export type Tcp = typeof Tcp.Type

/**
 * A TLS endpoint. `host` is a DNS name or an IP address, without brackets.
 *
 * @since 0.1.0
 * @category models
 */
export const Ssl = Schema.TaggedStruct("Ssl", { host: Host, port: Port })

/**
 * A decoded TLS remote: its host and port.
 *
 * @since 0.1.0
 * @category models
 */
export type Ssl = typeof Ssl.Type

/**
 * One remote. Decoding with this Schema checks the same rules as `parse`.
 *
 * @since 0.1.0
 * @category models
 */
export const Remote = Schema.Union([Unix, Tcp, Ssl])

/**
 * A decoded remote: `Unix`, `Tcp` or `Ssl`, told apart by `_tag`.
 *
 * @since 0.1.0
 * @category models
 */
export type Remote = typeof Remote.Type

// --- parsing ---

const PASSIVE = new Set(["punix", "ptcp", "pssl"])

const parsePort = (text: string): Result.Result<number, string> => {
  if (text === "") return Result.fail("missing port after \":\"")
  if (!/^\d+$/.test(text)) return Result.fail(`port ${JSON.stringify(text)} is not a decimal number`)
  const port = Number(text)
  return port >= 1 && port <= 65535 ? Result.succeed(port) : Result.fail(`port ${text} is out of range 1-65535`)
}

/** `HOST[:PORT]` or `[ADDRESS][:PORT]`, the part after `tcp:` or `ssl:`. */
const parseEndpoint = (rest: string): Result.Result<{ readonly host: string; readonly port: number }, string> => {
  if (rest.includes(",")) {
    return Result.fail("unexpected \",\"; a comma separates remotes only in a list, before a method such as tcp:")
  }
  let host: string
  let port: string | undefined
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close === -1) return Result.fail("unbalanced \"[\": no closing \"]\"")
    host = rest.slice(1, close)
    const after = rest.slice(close + 1)
    if (after !== "" && !after.startsWith(":")) {
      return Result.fail(`unexpected ${JSON.stringify(after)} after the bracketed address`)
    }
    port = after === "" ? undefined : after.slice(1)
  } else {
    if (rest.includes("[") || rest.includes("]")) return Result.fail("unbalanced brackets around the address")
    const parts = rest.split(":")
    if (parts.length > 2) {
      return Result.fail("too many \":\"; an IPv6 address goes in brackets, as in tcp:[::1]:6640")
    }
    host = parts[0]!
    port = parts[1]
  }
  const problem = hostProblem(host)
  if (problem !== undefined) return Result.fail(problem)
  return Result.map(port === undefined ? Result.succeed(DEFAULT_PORT) : parsePort(port), (port) => ({ host, port }))
}

const parseRemote = (input: string): Result.Result<Remote, string> => {
  const colon = input.indexOf(":")
  if (colon === -1) {
    return Result.fail(
      input === "" ? "empty remote" : "no connection method; expected unix:PATH, tcp:HOST[:PORT] or ssl:HOST[:PORT]"
    )
  }
  const method = input.slice(0, colon)
  const rest = input.slice(colon + 1)
  switch (method) {
    case "unix": {
      const problem = pathProblem(rest)
      return problem === undefined ? Result.succeed({ _tag: "Unix", path: rest }) : Result.fail(problem)
    }
    case "tcp":
      return Result.map(parseEndpoint(rest), ({ host, port }): Remote => ({ _tag: "Tcp", host, port }))
    case "ssl":
      return Result.map(parseEndpoint(rest), ({ host, port }): Remote => ({ _tag: "Ssl", host, port }))
    case "cid":
      return Result.fail("cluster ids (cid:UUID) are not supported; list the servers' remotes only")
    default:
      return Result.fail(
        PASSIVE.has(method)
          ? `${method}: is a passive (listening) method; a client connects with unix:, tcp: or ssl:`
          : `unknown connection method ${JSON.stringify(method)}; expected unix, tcp or ssl`
      )
  }
}

/**
 * Parses one remote.
 *
 * @example
 * ```ts
 * import { Remote } from "effect-ovsdb"
 *
 * Remote.parse("unix:/var/run/openvswitch/db.sock") // Effect.succeed({ _tag: "Unix", path: "/var/run/openvswitch/db.sock" })
 * Remote.parse("tcp:127.0.0.1")                      // Effect.succeed({ _tag: "Tcp", host: "127.0.0.1", port: 6640 })
 * Remote.parse("ptcp:6640")                          // Effect.fail(RemoteParseError: a passive method)
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Effect.Effect<Remote, RemoteParseError> =>
  Effect.fromResult(Result.mapError(parseRemote(input), (detail) => new RemoteParseError({ input, detail })))

/**
 * Splits a remote list where Open vSwitch does (`ovsdb_session_parse_remote`): at a comma followed
 * by optional blanks and a lowercase method name with its colon; blanks before each remote are
 * skipped.
 */
const splitList = (input: string): ReadonlyArray<string> => {
  const delimiter = /,(?=[ \t]*[a-z]+:)/g
  const remotes: Array<string> = []
  let start = 0
  for (const match of input.matchAll(delimiter)) {
    remotes.push(input.slice(start, match.index))
    start = match.index + 1
  }
  remotes.push(input.slice(start))
  return remotes.map((remote) => remote.replace(/^[ \t]+/, "")).filter((remote) => remote !== "")
}

/**
 * Parses a comma-separated list of remotes (at least one), as clients of a clustered database take
 * it. The error names the first remote that does not parse.
 *
 * @example
 * ```ts
 * import { Remote } from "effect-ovsdb"
 *
 * Remote.parseList("tcp:10.0.0.1:6641, tcp:10.0.0.2:6641")
 * // Effect.succeed([{ _tag: "Tcp", host: "10.0.0.1", port: 6641 }, { _tag: "Tcp", host: "10.0.0.2", port: 6641 }])
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseList = (input: string): Effect.Effect<NonEmptyReadonlyArray<Remote>, RemoteParseError> => {
  const [first, ...others] = splitList(input)
  return first === undefined
    ? Effect.fail(new RemoteParseError({ input, detail: "empty remote list" }))
    : Effect.map(
      Effect.all([parse(first), Effect.forEach(others, parse)]),
      ([head, tail]): NonEmptyReadonlyArray<Remote> => [head, ...tail]
    )
}

/**
 * Writes a remote in OVS syntax, with its port, and an IPv6 address in brackets. `parse` reads it
 * back to the same remote.
 *
 * @example
 * ```ts
 * import { Remote } from "effect-ovsdb"
 *
 * Remote.format({ _tag: "Tcp", host: "::1", port: 6641 }) // "tcp:[::1]:6641"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (remote: Remote): string => {
  switch (remote._tag) {
    case "Unix":
      return `unix:${remote.path}`
    case "Tcp":
    case "Ssl": {
      const host = remote.host.includes(":") ? `[${remote.host}]` : remote.host
      return `${remote._tag === "Tcp" ? "tcp" : "ssl"}:${host}:${remote.port}`
    }
  }
}
