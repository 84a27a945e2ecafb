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
 * and so may DATABASE (default `Open_vSwitch`). Errors go to standard error, one line starting
 * with `effect-ovsdb: `, and the exit status is 1.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"
import { appctl } from "./AppctlCommand.js"
import { echo, getSchema, listColumns, listDbs, listTables } from "./CatalogCommands.js"
import { dump, transactCommand } from "./DataCommands.js"
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
    appctl
  ])
)

/**
 * Runs the command line with these arguments (without `node` and the script).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.runWith(cli, { version: "0.1.0" })
