/**
 * What the command line accepts, declared once: the flags every command shares, and each
 * command's usage table (its own flags, its positional arguments in ovsdb-client's notation, what
 * it does, an example), from which the parser, the help and the usage lines are all derived (see
 * `Usage`). Nothing here loads a command's implementation: `Cli` loads each one when it runs.
 *
 * @since 0.1.0
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import type { Slot, Usage } from "./Usage.js"
import { DEFAULT_DATABASE, DEFAULT_SERVER } from "./Usage.js"

/**
 * The root command and the flags every command shares.
 *
 * @since 0.1.0
 * @category commands
 */
export const connection = Command.make("effect-ovsdb").pipe(
  Command.withSharedFlags({
    privateKey: Flag.String("private-key").pipe(
      Flag.withAlias("p"),
      Flag.withMetavar("FILE"),
      Flag.withDescription("file with the private key, for ssl: remotes (and serve's pssl: listeners)"),
      Flag.optional
    ),
    certificate: Flag.String("certificate").pipe(
      Flag.withAlias("c"),
      Flag.withMetavar("FILE"),
      Flag.withDescription("file with the certificate of the private key, for ssl: remotes (and pssl:)"),
      Flag.optional
    ),
    caCert: Flag.String("ca-cert").pipe(
      Flag.withAlias("C"),
      Flag.withMetavar("FILE"),
      Flag.withDescription("file with the CA certificate the peer's must be signed by, for ssl: remotes (and pssl:)"),
      Flag.optional
    ),
    timeout: Flag.Int("timeout").pipe(
      Flag.withMetavar("SECS"),
      Flag.withDescription("seconds to wait for the connection and for each reply (default: no limit)"),
      Flag.optional
    ),
    format: Flag.String("format").pipe(
      Flag.withAlias("f"),
      Flag.withMetavar("FORMAT"),
      Flag.withDescription("output format of tables: table (the default), list, html, csv or json"),
      Flag.optional
    ),
    data: Flag.String("data").pipe(
      Flag.withAlias("d"),
      Flag.withMetavar("FORMAT"),
      Flag.withDescription("format of table cells: string (the default), bare or json"),
      Flag.optional
    ),
    headings: Flag.Boolean("headings").pipe(
      Flag.withDescription("--no-headings leaves out the tables' heading row"),
      Flag.withDefault(true)
    ),
    pretty: Flag.Boolean("pretty").pipe(
      Flag.withDescription("pretty-print JSON output, a member or element a line"),
      Flag.withDefault(false)
    ),
    bare: Flag.Boolean("bare").pipe(
      Flag.withDescription("the same as --format=list --data=bare --no-headings"),
      Flag.withDefault(false)
    ),
    timestamp: Flag.Boolean("timestamp").pipe(
      Flag.withDescription("print the time (UTC) with each table the monitor commands print"),
      Flag.withDefault(false)
    ),
    maxColumnWidth: Flag.Int("max-column-width").pipe(
      Flag.withMetavar("N"),
      Flag.withDescription("with --format=table, cut cells to this many bytes"),
      Flag.optional
    ),
    leaderOnly: Flag.Boolean("leader-only").pipe(
      Flag.withDescription(
        "with several remotes, use only the leader of a clustered database (the default); " +
          "--no-leader-only accepts any member connected to its cluster"
      ),
      Flag.withDefault(true)
    )
  }),
  Command.withDescription("an OVSDB (RFC 7047) client that mirrors ovsdb-client, built on Effect")
)

const SERVER = {
  key: "server",
  name: "SERVER",
  role: "server",
  description: "where the server listens: unix:FILE, tcp:HOST:PORT or ssl:HOST:PORT, or a cluster's members, " +
    `comma-separated (default: ${DEFAULT_SERVER})`
} as const satisfies Slot

const DATABASE = {
  key: "database",
  name: "DATABASE",
  role: "database",
  description: `the database (default: ${DEFAULT_DATABASE}, or else the server's only one; ` +
    "it must be named with several remotes)"
} as const satisfies Slot

const TABLE = { key: "table", name: "TABLE", description: "the table" } as const satisfies Slot

const CONDITION = {
  key: "condition",
  name: "CONDITION",
  description: "a JSON array of conditions, each [COLUMN, FUNCTION, VALUE] (RFC 7047 §5.1), true or false: " +
    "the rows for which any holds"
} as const satisfies Slot

const COLUMNS = {
  key: "columns",
  name: "COLUMN,...",
  optional: true,
  repeated: true,
  description: "the columns to print, comma-separated (default: all); !initial, !insert, !delete and !modify " +
    "leave out those kinds of changes; one such group at most"
} as const satisfies Slot

const TRANSACTION = {
  key: "transaction",
  name: "TRANSACTION",
  description: "the params of a transact request (RFC 7047 §4.1.3), as JSON: the database's name, then the operations"
} as const satisfies Slot

const LOCK = { key: "lock", name: "LOCK", description: "the lock's name" } as const satisfies Slot

const SELECT_NB_GLOBAL = "'[\"OVN_Northbound\",{\"op\":\"select\",\"table\":\"NB_Global\",\"where\":[]}]'"

/**
 * `list-dbs [SERVER]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const listDbs = {
  name: "list-dbs",
  description: ["List the databases available on SERVER."],
  slots: [SERVER],
  examples: [{ command: "effect-ovsdb list-dbs unix:/var/run/openvswitch/db.sock" }]
} as const satisfies Usage

/**
 * `get-schema [SERVER] [DATABASE]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const getSchema = {
  name: "get-schema",
  description: ["Print the schema of DATABASE on SERVER, as JSON."],
  slots: [SERVER, DATABASE],
  examples: [{ command: "effect-ovsdb get-schema tcp:127.0.0.1:6641 OVN_Northbound" }]
} as const satisfies Usage

/**
 * `list-tables [SERVER] [DATABASE]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const listTables = {
  name: "list-tables",
  description: ["List the tables of DATABASE on SERVER."],
  slots: [SERVER, DATABASE],
  examples: [{ command: "effect-ovsdb list-tables unix:/var/run/ovn/ovnnb_db.sock OVN_Northbound" }]
} as const satisfies Usage

/**
 * `list-columns [SERVER] [DATABASE] [TABLE]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const listColumns = {
  name: "list-columns",
  description: ["List the columns of TABLE (or of every table) in DATABASE on SERVER, with their types."],
  slots: [SERVER, DATABASE, { ...TABLE, optional: true, description: "the table (default: every table)" }],
  examples: [{ command: "effect-ovsdb list-columns unix:/var/run/openvswitch/db.sock Open_vSwitch Bridge" }]
} as const satisfies Usage

/**
 * `transact [SERVER] TRANSACTION`.
 *
 * @since 0.1.0
 * @category usages
 */
export const transact = {
  name: "transact",
  description: ["Run TRANSACTION on SERVER and print its results as JSON."],
  slots: [SERVER, TRANSACTION],
  examples: [{
    command: "effect-ovsdb transact tcp:127.0.0.1:6641 " +
      "'[\"OVN_Northbound\",{\"op\":\"insert\",\"table\":\"Logical_Switch\",\"row\":{\"name\":\"ls0\"}}]'"
  }]
} as const satisfies Usage

/**
 * `query [SERVER] TRANSACTION`.
 *
 * @since 0.1.0
 * @category usages
 */
export const query = {
  name: "query",
  description: ["Run TRANSACTION on SERVER, then abort it so that nothing changes, and print its results as JSON."],
  slots: [SERVER, TRANSACTION],
  examples: [{ command: `effect-ovsdb query tcp:127.0.0.1:6641 ${SELECT_NB_GLOBAL}` }]
} as const satisfies Usage

/**
 * `dump [SERVER] [DATABASE] [TABLE [COLUMN]...]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const dump = {
  name: "dump",
  description: [
    "Print the contents of DATABASE on SERVER, every table or TABLE alone, every column or the COLUMNs named, " +
    "in the output format (--format, --data)."
  ],
  slots: [
    SERVER,
    DATABASE,
    { ...TABLE, optional: true, description: "the table (default: every table)" },
    { key: "columns", name: "COLUMN", optional: true, repeated: true, nested: true, description: "a column of TABLE" }
  ],
  examples: [{ command: "effect-ovsdb --format=csv dump unix:/var/run/openvswitch/db.sock Open_vSwitch Bridge name" }]
} as const satisfies Usage

/**
 * `monitor [SERVER] [DATABASE] TABLE [COLUMN,...]...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const monitor = {
  name: "monitor",
  description: ["Print the contents of TABLE in DATABASE on SERVER, then each change to them, until interrupted."],
  slots: [SERVER, DATABASE, TABLE, COLUMNS],
  examples: [{ command: "effect-ovsdb monitor unix:/var/run/openvswitch/db.sock Open_vSwitch Bridge name,ports" }]
} as const satisfies Usage

/**
 * `monitor-cond [SERVER] [DATABASE] CONDITION TABLE [COLUMN,...]...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const monitorCond = {
  name: "monitor-cond",
  description: ["Like monitor, for the rows of TABLE that match CONDITION."],
  slots: [SERVER, DATABASE, CONDITION, TABLE, COLUMNS],
  examples: [{
    command: "effect-ovsdb monitor-cond unix:/var/run/ovn/ovnnb_db.sock OVN_Northbound " +
      "'[[\"name\",\"==\",\"ls0\"]]' Logical_Switch name,ports"
  }]
} as const satisfies Usage

/**
 * `monitor-cond-since [SERVER] [DATABASE] [LASTID] CONDITION TABLE [COLUMN,...]...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const monitorCondSince = {
  name: "monitor-cond-since",
  description: [
    "Like monitor-cond, starting after the transaction LASTID when the server still has the changes since " +
    "(a clustered database), or else from the whole contents; prints found and last_id first, then each " +
    "update's last_id."
  ],
  slots: [
    SERVER,
    DATABASE,
    {
      key: "lastId",
      name: "LASTID",
      role: "lastId",
      description: "the id of the last transaction seen, a UUID (default: none, the whole contents)"
    },
    CONDITION,
    TABLE,
    COLUMNS
  ],
  examples: [{
    command: "effect-ovsdb monitor-cond-since tcp:127.0.0.1:6641 OVN_Northbound " +
      "5b3c8d9e-3a9f-4e0a-8a47-2f1f1f6f0a11 '[true]' Logical_Switch name"
  }]
} as const satisfies Usage

/**
 * `lock [SERVER] LOCK`.
 *
 * @since 0.1.0
 * @category usages
 */
export const lock = {
  name: "lock",
  description: [
    "Ask SERVER for LOCK, print the reply, then each notice that it is locked or stolen, until interrupted."
  ],
  slots: [SERVER, LOCK],
  examples: [{ command: "effect-ovsdb lock tcp:127.0.0.1:6641 ovn_northd" }]
} as const satisfies Usage

/**
 * `steal [SERVER] LOCK`.
 *
 * @since 0.1.0
 * @category usages
 */
export const steal = {
  name: "steal",
  description: ["Take LOCK on SERVER from whoever holds it, print the reply, then each notice, until interrupted."],
  slots: [SERVER, LOCK],
  examples: [{ command: "effect-ovsdb steal tcp:127.0.0.1:6641 ovn_northd" }]
} as const satisfies Usage

/**
 * `unlock [SERVER] LOCK`.
 *
 * @since 0.1.0
 * @category usages
 */
export const unlock = {
  name: "unlock",
  description: ["Release LOCK on SERVER and print the reply."],
  slots: [SERVER, LOCK],
  examples: [{ command: "effect-ovsdb unlock tcp:127.0.0.1:6641 ovn_northd" }]
} as const satisfies Usage

/**
 * `wait [SERVER] DATABASE STATE`.
 *
 * @since 0.1.0
 * @category usages
 */
export const wait = {
  name: "wait",
  description: ["Wait until DATABASE reaches STATE on SERVER."],
  slots: [
    SERVER,
    { key: "database", name: "DATABASE", description: "the database" },
    {
      key: "state",
      name: "STATE",
      choices: ["added", "connected", "removed"],
      description: "added, connected (a clustered database's member with a leader) or removed"
    }
  ],
  examples: [{ command: "effect-ovsdb wait unix:/var/run/ovn/ovnnb_db.sock OVN_Northbound connected" }]
} as const satisfies Usage

/**
 * `echo [SERVER] [ARG]...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const echo = {
  name: "echo",
  description: ["Send ARGs to SERVER in an echo request (RFC 7047 §4.1.11) and print the reply as JSON."],
  slots: [SERVER, { key: "words", name: "ARG", optional: true, repeated: true, description: "a string to send" }],
  examples: [{ command: "effect-ovsdb echo tcp:127.0.0.1:6641 hello" }]
} as const satisfies Usage

/**
 * `appctl [--target=TARGET] COMMAND [ARG]...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const appctl = {
  name: "appctl",
  description: [
    "Run COMMAND on a daemon's control socket and print what ovs-appctl prints, or, with --format=json, " +
    "the typed result of the commands this library reads (list-commands, coverage/show, memory/show, version, " +
    "cluster/status, ...)."
  ],
  flags: {
    target: Flag.String("target").pipe(
      Flag.withAlias("t"),
      Flag.withMetavar("TARGET"),
      Flag.withDescription("a control socket path, or a daemon name in $OVS_RUNDIR (default: ovs-vswitchd)"),
      Flag.optional
    )
  },
  slots: [
    { key: "command", name: "COMMAND", description: "the daemon's command (its list-commands lists them)" },
    { key: "args", name: "ARG", optional: true, repeated: true, description: "an argument of COMMAND" }
  ],
  examples: [{ command: "effect-ovsdb appctl -t /var/run/ovn/ovnnb_db.ctl cluster/status OVN_Northbound" }]
} as const satisfies Usage

/**
 * `codegen [--import=MODULE] SCHEMA [OUT]`.
 *
 * @since 0.1.0
 * @category usages
 */
export const codegen = {
  name: "codegen",
  description: ["Generate the typed model (TypeScript) of the database schema in SCHEMA."],
  flags: {
    importFrom: Flag.String("import").pipe(
      Flag.withMetavar("MODULE"),
      Flag.withDescription("the module the generated code imports the library from (default: effect-ovsdb)"),
      Flag.optional
    )
  },
  slots: [
    { key: "schema", name: "SCHEMA", description: "an .ovsschema file, or a saved get-schema reply" },
    { key: "out", name: "OUT", optional: true, description: "the TypeScript file to write (default: standard output)" }
  ],
  examples: [{ command: "effect-ovsdb codegen /usr/share/ovn/ovn-nb.ovsschema src/models/OVN_Northbound.ts" }]
} as const satisfies Usage

/**
 * `serve --remote=REMOTE... SCHEMA...`.
 *
 * @since 0.1.0
 * @category usages
 */
export const serve = {
  name: "serve",
  description: [
    "Serve an empty in-memory database for each SCHEMA, as ovsdb-server would, on every REMOTE, " +
    "until interrupted; one line on stderr per listener, connection and disconnection."
  ],
  flags: {
    remotes: Flag.String("remote").pipe(
      Flag.withMetavar("REMOTE"),
      Flag.withDescription("where to listen: punix:FILE, ptcp:PORT[:IP] or pssl:PORT[:IP] (repeatable)"),
      Flag.atLeast(1)
    )
  },
  slots: [{ key: "schemas", name: "SCHEMA", repeated: true, description: "an .ovsschema file: one database each" }],
  examples: [{
    command: "effect-ovsdb serve --remote=punix:/run/ovn/nb.sock --remote=ptcp:6641:127.0.0.1 " +
      "/usr/share/ovn/ovn-nb.ovsschema"
  }]
} as const satisfies Usage

/**
 * Every command's usage, in the order the help lists them.
 *
 * @since 0.1.0
 * @category usages
 */
export const USAGES: ReadonlyArray<Usage> = [
  listDbs,
  getSchema,
  listTables,
  listColumns,
  transact,
  query,
  dump,
  monitor,
  monitorCond,
  monitorCondSince,
  lock,
  steal,
  unlock,
  wait,
  echo,
  appctl,
  codegen,
  serve
]
