/**
 * `effect-ovsdb appctl [-t TARGET] COMMAND [ARG…]`: ovs-appctl through this library. It prints
 * the daemon's text as ovs-appctl does, or, with `--format json`, the typed result of the commands
 * this library reads (list-commands, coverage/show, memory/show, version, cluster/status, …).
 * Failures read as ovs-appctl's: a daemon's error reply is printed as the daemon wrote it, then
 * `effect-ovsdb: TARGET: server returned an error`, with exit status 2; a target that cannot be
 * found or reached is one line, with exit status 1.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Appctl from "../Appctl.js"
import * as Parsers from "../appctl/Parsers.js"
import type { AppctlError } from "../Errors.js"
import * as JsonText from "../Json.js"
import type { Json } from "../Json.js"
import type * as Commands from "./Commands.js"
import { connection } from "./Commands.js"
import { bind, reportFailure, UsageError } from "./Usage.js"

/** The typed reader of each command that has one. */
const TYPED: { readonly [command: string]: (text: string) => Effect.Effect<unknown, { readonly message: string }> } = {
  "list-commands": Parsers.listCommands,
  "coverage/show": Parsers.coverageShow,
  "memory/show": Parsers.memoryShow,
  version: Parsers.version,
  "ovsdb-server/list-dbs": Parsers.lines("ovsdb-server/list-dbs"),
  "ovsdb-server/list-remotes": Parsers.lines("ovsdb-server/list-remotes"),
  "cluster/cid": Parsers.uuid("cluster/cid"),
  "cluster/sid": Parsers.uuid("cluster/sid"),
  "cluster/status": Parsers.clusterStatus,
  "vlog/list": Parsers.vlogList
}

/**
 * Reports a failed call as ovs-appctl does. A daemon's error reply: its text as the daemon wrote
 * it, then `TARGET: server returned an error`, exit status 2. A target not found or not reached:
 * one line, `cannot read pidfile "…" (…)` or `cannot connect to "…" (…)`, exit status 1.
 */
const reportAppctlFailure = (error: AppctlError) => {
  switch (error.reason) {
    case "Error":
      return Console.error(error.detail).pipe(
        Effect.andThen(Console.error(`effect-ovsdb: ${error.target}: server returned an error`)),
        Effect.andThen(Effect.sync(() => {
          process.exitCode = 2
        }))
      )
    case "NotFound":
    case "Connect":
      return reportFailure({ message: error.detail })
    default:
      return reportFailure(error)
  }
}

/**
 * `appctl [--target=TARGET] COMMAND [ARG]...`.
 *
 * @since 0.1.0
 * @category commands
 */
export const appctl = (
  usage: typeof Commands.appctl,
  words: ReadonlyArray<string>,
  { target }: { readonly target: Option.Option<string> }
) =>
  Effect.gen(function*() {
    const flags = yield* connection
    const { args, command } = yield* bind(usage, words)
    const json = Option.getOrUndefined(flags.format)
    const read = TYPED[command]
    if (json !== undefined && (json !== "json" || read === undefined)) {
      return yield* Effect.fail(
        new UsageError(json !== "json" ? `unsupported --format ${json}` : `no typed result for ${command}`)
      )
    }
    const text = yield* Appctl.Appctl.use((daemon) => daemon.call(command, args)).pipe(
      Effect.provide(Appctl.layer({
        target: Option.getOrElse(target, () => "ovs-vswitchd"),
        timeout: Option.match(flags.timeout, { onNone: () => undefined, onSome: (s) => `${s} seconds` as const })
      })),
      Effect.catchTag("AppctlError", reportAppctlFailure)
    )
    if (text === undefined) return
    if (read !== undefined && json !== undefined) {
      return yield* Console.log(JsonText.stringify((yield* read(text)) as Json))
    }
    // As ovs-appctl: the daemon's text as it is.
    if (text !== "") yield* Console.log(text.endsWith("\n") ? text.slice(0, -1) : text)
  })
