/**
 * `effect-ovsdb serve [--remote=punix:PATH | ptcp:PORT[:IP] | pssl:PORT[:IP]]... SCHEMA...`: serves
 * one empty database per schema file, in memory, with ovsdb-server's protocol and semantics, on
 * every listener given, until interrupted (SIGINT or SIGTERM), when the listeners close and a unix
 * socket's file is removed. `pssl:` takes the same `--private-key`, `--certificate` and `--ca-cert`
 * as ovsdb-server.
 *
 * ```sh
 * effect-ovsdb serve --remote=punix:/run/ovn/nb.sock --remote=ptcp:6641:127.0.0.1 /usr/share/ovn/ovn-nb.ovsschema
 * ```
 *
 * It logs on standard error, one line per event: each listener (with the port a `ptcp:0` or
 * `pssl:0` got), each connection, and each disconnection with its reason. A client that breaks the
 * protocol loses its connection; the server goes on.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Listener from "../server/Listener.js"
import type { Disconnect } from "../server/Server.js"
import * as Server from "../server/Server.js"
import type * as Commands from "./Commands.js"
import { connection } from "./Commands.js"
import { bind, UsageError } from "./Usage.js"

/** One line on standard error. */
const log = (line: string) => Console.error(`effect-ovsdb: ${line}`)

const describeDisconnect = (disconnect: Disconnect): string => {
  switch (disconnect._tag) {
    case "Closed":
      return "connection closed"
    case "ProtocolError":
      return `${disconnect.detail}, closing the connection`
    case "ConnectionFailed":
      return `connection failed: ${disconnect.detail}`
  }
}

/** The TLS files of the shared flags: all three, or none. */
const tlsFiles = Effect.flatMap(connection, (flags) => {
  const files = [flags.privateKey, flags.certificate, flags.caCert].map(Option.getOrUndefined)
  const [privateKey, certificate, caCert] = files
  if (privateKey !== undefined && certificate !== undefined && caCert !== undefined) {
    return Effect.succeed({ privateKey, certificate, caCert })
  }
  return files.some((file) => file !== undefined)
    ? Effect.fail(new UsageError("--private-key, --certificate and --ca-cert go together"))
    : Effect.succeed(undefined)
})

/**
 * `serve --remote=REMOTE... SCHEMA...`.
 *
 * @since 0.1.0
 * @category commands
 */
export const serve = (
  usage: typeof Commands.serve,
  words: ReadonlyArray<string>,
  { remotes }: { readonly remotes: ReadonlyArray<string> }
) =>
  Effect.gen(function*() {
    const { schemas } = yield* bind(usage, words)
    const tls = yield* tlsFiles
    const databases = yield* Effect.forEach(schemas, Server.readSchemaFile)
    const server = yield* Server.make({ databases })
    const onConnection = (transport: Parameters<typeof server.serve>[0], name: string) =>
      log(`${name}: connected`).pipe(
        Effect.andThen(server.serve(transport)),
        Effect.flatMap((disconnect) => log(`${name}: ${describeDisconnect(disconnect)}`))
      )
    for (const remote of remotes) {
      const listening = yield* Listener.listen(remote, { tls, onConnection })
      yield* log(`${remote}: listening${listening.port === undefined ? "" : ` on port ${listening.port}`}`)
    }
    yield* log(`serving ${server.databases.join(", ")}`)
    return yield* Effect.never
  }).pipe(Effect.scoped)
