/**
 * The `effect-ovsdb` command line: ovsdb-client's commands, built on the library, printing what
 * ovsdb-client prints for the same input.
 *
 * ```sh
 * effect-ovsdb list-dbs unix:/var/run/openvswitch/db.sock
 * effect-ovsdb transact tcp:127.0.0.1:6641 '["OVN_Northbound",{"op":"select","table":"NB_Global","where":[]}]'
 * ```
 *
 * Like ovsdb-client, the SERVER argument may be left out (default `unix:/var/run/openvswitch/db.sock`)
 * and so may DATABASE (default `Open_vSwitch`, or the server's only database when it has no
 * `Open_vSwitch`). Errors go to standard error, one line starting with `effect-ovsdb: ` (a usage
 * mistake adds the command's usage line), and the exit status is 1.
 *
 * Each command is declared by its usage table (`Commands`), and its implementation is loaded only
 * when it runs: `list-dbs` loads neither the server, the code generator nor the output formats.
 *
 * @since 0.1.0
 */
import * as Argument from "effect/cli/Argument"
import type * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import type { HelpDoc } from "effect/cli/HelpDoc"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Commands from "./Commands.js"
import { commandHelp, PROGRAM_USAGE, programHelp } from "./Help.js"
import type { Usage } from "./Usage.js"
import { reportFailure, usageLine } from "./Usage.js"

/**
 * The values of a usage's own flags, as the parser gives them.
 *
 * @since 0.1.0
 * @category commands
 */
export type FlagValues<U extends Usage> = U extends { readonly flags: infer F extends Command.Command.Config }
  ? Command.Command.Config.Infer<F>
  : Record<string, never>

/**
 * A command's implementation: it gets its usage, the words after its name, and its own flags.
 *
 * @since 0.1.0
 * @category commands
 */
export type Implementation<U extends Usage, R> = (
  usage: U,
  words: ReadonlyArray<string>,
  flags: FlagValues<U>
) => Effect.Effect<void, { readonly message: string; readonly usage?: string | undefined }, R>

/**
 * A command of the tree, declared by its usage: the parser takes the usage's own flags and the
 * words after the command's name (which the implementation binds by the usage), and the
 * implementation is loaded when the command runs. Its failure is reported on stderr.
 */
const lazy = <const U extends Usage, R>(usage: U, load: () => Promise<Implementation<U, R>>) =>
  Command.make(
    usage.name,
    { flags: usage.flags ?? {}, words: Argument.String("ARG").pipe(Argument.variadic()) },
    ({ flags, words }) =>
      Effect.promise(load).pipe(
        // The parser's values of `usage.flags`: what FlagValues<U> names, which it cannot see through a generic U.
        Effect.flatMap((implementation) => implementation(usage, words, flags as FlagValues<U>)),
        Effect.catch(reportFailure)
      )
  ).pipe(Command.withDescription(usage.description.join(" ")))

/**
 * The command tree.
 *
 * @since 0.1.0
 * @category commands
 */
export const cli = Commands.connection.pipe(
  Command.withSubcommands([
    lazy(Commands.listDbs, () => import("./CatalogCommands.js").then((m) => m.listDbs)),
    lazy(Commands.getSchema, () => import("./CatalogCommands.js").then((m) => m.getSchema)),
    lazy(Commands.listTables, () => import("./CatalogCommands.js").then((m) => m.listTables)),
    lazy(Commands.listColumns, () => import("./CatalogCommands.js").then((m) => m.listColumns)),
    lazy(Commands.transact, () => import("./DataCommands.js").then((m) => m.transact)),
    lazy(Commands.query, () => import("./DataCommands.js").then((m) => m.transact)),
    lazy(Commands.dump, () => import("./DataCommands.js").then((m) => m.dump)),
    lazy(Commands.monitor, () => import("./WatchCommands.js").then((m) => m.monitor)),
    lazy(Commands.monitorCond, () => import("./WatchCommands.js").then((m) => m.monitor)),
    lazy(Commands.monitorCondSince, () => import("./WatchCommands.js").then((m) => m.monitor)),
    lazy(Commands.lock, () => import("./WatchCommands.js").then((m) => m.lock)),
    lazy(Commands.steal, () => import("./WatchCommands.js").then((m) => m.lock)),
    lazy(Commands.unlock, () => import("./WatchCommands.js").then((m) => m.lock)),
    lazy(Commands.wait, () => import("./WatchCommands.js").then((m) => m.wait)),
    lazy(Commands.echo, () => import("./CatalogCommands.js").then((m) => m.echo)),
    lazy(Commands.appctl, () => import("./AppctlCommand.js").then((m) => m.appctl)),
    lazy(Commands.codegen, () => import("./CodegenCommand.js").then((m) => m.codegen)),
    lazy(Commands.serve, () => import("./ServeCommand.js").then((m) => m.serve))
  ])
)

/** The usage of the command a parse ended in (the last of `path`), if it is one of ours. */
const usageAt = (path: ReadonlyArray<string>): Usage | undefined =>
  path.length > 1 ? Commands.USAGES.find((usage) => usage.name === path[path.length - 1]) : undefined

/** The help for `doc`: the program's, or its command's. */
const help = (doc: HelpDoc, path: ReadonlyArray<string>): string => {
  const usage = usageAt(doc.commandPath ?? path)
  return usage === undefined ? programHelp(doc, Commands.USAGES) : commandHelp(doc, usage)
}

/** A parse error on one line: its first line, and the parser's suggestions, if any. */
const oneLine = (error: CliError.NonShowHelpErrors): string => {
  const [first = error.message] = error.message.split("\n", 1)
  const suggestions = "suggestions" in error ? error.suggestions : []
  return suggestions.length > 0 ? `${first} (did you mean ${suggestions.join(" or ")}?)` : first
}

/**
 * Help, asked for or shown when no command is given, is ours (see `Help`), on stdout. Usage
 * mistakes the parser finds are reported as ovsdb-client reports them, on stderr: one line each,
 * then the usage line of the command (or of the program). The version prints as usual.
 */
const presenter = CliOutput.layerPresenter({
  present: (event) => {
    switch (event._tag) {
      case "Help":
        return Console.log(help(event.helpDoc, event.commandPath))
      case "InvalidInvocation": {
        const usage = usageAt(event.commandPath)
        return Console.error(
          [
            ...event.errors.map((error) => `effect-ovsdb: ${oneLine(error)}; use --help for help`),
            usage === undefined ? PROGRAM_USAGE : usageLine(usage)
          ].join("\n")
        )
      }
      default:
        return CliOutput.defaultPresenter.present(event)
    }
  }
})

/**
 * Runs the command line with these arguments (without `node` and the script).
 *
 * @since 0.1.0
 * @category running
 */
export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(cli, { version: "0.1.0" })(args).pipe(Effect.provide(presenter))
