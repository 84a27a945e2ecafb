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
 * `Open_vSwitch`). Errors, usage mistakes included, go to standard error, one line starting with
 * `effect-ovsdb: `, and the exit status is 1.
 *
 * @since 0.1.0
 */
import type { CliError } from "effect/cli"
import { CliOutput, Command } from "effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { appctl } from "./AppctlCommand.js"
import { echo, getSchema, listColumns, listDbs, listTables } from "./CatalogCommands.js"
import { codegen } from "./CodegenCommand.js"
import { dump, transactCommand } from "./DataCommands.js"
import { serve } from "./ServeCommand.js"
import { connection } from "./Session.js"
import { lockCommand, monitorCommand, waitCommand } from "./WatchCommands.js"

/**
 * The command tree.
 *
 * @since 0.1.0
 * @category commands
 */
export const cli = connection.pipe(
  Command.withSubcommands([
    listDbs,
    getSchema,
    listTables,
    listColumns,
    transactCommand("transact", "Run a transaction and print its result"),
    transactCommand("query", "Run a transaction, then abort it, and print its result"),
    dump,
    monitorCommand("monitor", "Print a table's contents, then every change, as JSON"),
    monitorCommand("monitor-cond", "Like monitor, for the rows matching CONDITIONS"),
    monitorCommand("monitor-cond-since", "Like monitor-cond, resuming after LAST-ID when the server can"),
    lockCommand("lock", "Ask for a lock and print the replies and notices"),
    lockCommand("steal", "Steal a lock and print the replies and notices"),
    lockCommand("unlock", "Release a lock"),
    waitCommand,
    echo,
    appctl,
    codegen,
    serve
  ])
)

/** A parse error on one line: its first line, and the parser's suggestions, if any. */
const oneLine = (error: CliError.NonShowHelpErrors): string => {
  const [first = error.message] = error.message.split("\n", 1)
  const suggestions = "suggestions" in error ? error.suggestions : []
  return suggestions.length > 0 ? `${first} (did you mean ${suggestions.join(" or ")}?)` : first
}

/**
 * Usage mistakes the parser finds are reported as ovsdb-client reports them: one line on stderr
 * each, and no help text on stdout. Help asked for, and the version, print as usual.
 */
const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(event.errors.map((error) => `effect-ovsdb: ${oneLine(error)}; use --help for help`).join("\n"))
      : CliOutput.defaultPresenter.present(event)
})

/**
 * Runs the command line with these arguments (without `node` and the script).
 *
 * @since 0.1.0
 * @category running
 */
export const run = (args: ReadonlyArray<string>) =>
  Command.runWith(cli, { version: "0.1.0" })(args).pipe(Effect.provide(presenter))
