/**
 * OVS remote syntax, as ovsdb-client, ovs-vsctl and ovn-nbctl take it (ovsdb-client(1), "Active
 * Database Connection Methods"):
 *
 * - `unix:PATH` — a unix domain socket;
 * - `tcp:HOST[:PORT]` — TCP; the port defaults to 6640, an IPv6 host goes in brackets (`tcp:[::1]:6640`);
 * - `ssl:HOST[:PORT]` — TLS, same form;
 * - several remotes separated by commas, tried in turn.
 *
 * ```ts
 * Remote.parse("tcp:[::1]:6641") // Effect.succeed({ _tag: "Tcp", host: "::1", port: 6641 })
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { RemoteParseError } from "./Errors.js"

/**
 * A unix domain socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Unix {
  readonly _tag: "Unix"
  readonly path: string
}

/**
 * A TCP or TLS endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export interface Inet<Tag extends "Tcp" | "Ssl"> {
  readonly _tag: Tag
  readonly host: string
  readonly port: number
}

/**
 * One remote.
 *
 * @since 0.1.0
 * @category models
 */
export type Remote = Unix | Inet<"Tcp"> | Inet<"Ssl">

/**
 * The port OVSDB listens on when a remote names none (IANA-assigned).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PORT = 6640

const fail = (input: string, detail: string) => Effect.fail(new RemoteParseError({ input, detail }))

const parsePort = (input: string, text: string) => {
  if (!/^\d{1,5}$/.test(text)) return fail(input, `port ${JSON.stringify(text)} is not a number`)
  const port = Number(text)
  return port >= 1 && port <= 65535 ? Effect.succeed(port) : fail(input, `port ${port} is out of range 1-65535`)
}

/** `HOST[:PORT]` or `[IPV6][:PORT]`. */
const parseInet = <Tag extends "Tcp" | "Ssl">(input: string, tag: Tag, rest: string) => {
  let host: string
  let port: string | undefined
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close === -1) return fail(input, "unbalanced [ in IPv6 address")
    host = rest.slice(1, close)
    const after = rest.slice(close + 1)
    if (after !== "" && !after.startsWith(":")) return fail(input, `unexpected ${JSON.stringify(after)} after ]`)
    port = after === "" ? undefined : after.slice(1)
    if (!host.includes(":")) return fail(input, `${JSON.stringify(host)} in brackets is not an IPv6 address`)
  } else {
    const colon = rest.indexOf(":")
    host = colon === -1 ? rest : rest.slice(0, colon)
    port = colon === -1 ? undefined : rest.slice(colon + 1)
    if (host.includes("]")) return fail(input, "unbalanced ] in host")
  }
  if (host === "") return fail(input, "missing host")
  if (!/^[A-Za-z0-9.\-_:%]+$/.test(host)) return fail(input, `${JSON.stringify(host)} is not a host name or address`)
  return Effect.map(
    port === undefined ? Effect.succeed(DEFAULT_PORT) : parsePort(input, port),
    (port): Inet<Tag> => ({ _tag: tag, host, port })
  )
}

/**
 * Parses one remote.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): Effect.Effect<Remote, RemoteParseError> => {
  const colon = input.indexOf(":")
  const scheme = colon === -1 ? input : input.slice(0, colon)
  const rest = input.slice(colon + 1)
  if (colon === -1) return fail(input, "expected unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT")
  switch (scheme) {
    case "unix":
      return rest === "" ? fail(input, "missing socket path") : Effect.succeed({ _tag: "Unix", path: rest })
    case "tcp":
      return parseInet(input, "Tcp", rest)
    case "ssl":
      return parseInet(input, "Ssl", rest)
    default:
      return fail(input, `unknown connection method ${JSON.stringify(scheme)} (expected unix, tcp or ssl)`)
  }
}

/**
 * Parses a comma-separated list of remotes (at least one).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseList = (input: string): Effect.Effect<NonEmptyReadonlyArray<Remote>, RemoteParseError> =>
  input.trim() === ""
    ? fail(input, "empty remote")
    : Effect.map(
      Effect.forEach(input.split(","), (part) => parse(part.trim())),
      (remotes) => remotes as unknown as NonEmptyReadonlyArray<Remote>
    )

/**
 * Writes a remote back in OVS syntax.
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
      return `${remote._tag.toLowerCase()}:${host}:${remote.port}`
    }
  }
}
