/**
 * The typed errors of effect-ovsdb, one class per concern.
 *
 * Every error is a `Schema.TaggedError`: serialisable, yieldable, and matched with `Effect.catchTag`.
 * Errors that can happen for several reasons carry a `reason` literal, so callers can branch on it
 * without parsing messages:
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Operation, Ovsdb } from "effect-ovsdb"
 *
 * const addSwitch = Ovsdb.Ovsdb.use((ovsdb) =>
 *   ovsdb.transact("OVN_Northbound", Operation.insert("Logical_Switch", { name: "ls0" }))
 * ).pipe(
 *   Effect.catchTag("TransactionError", (e) => Effect.logWarning(e.error, e.details))
 * )
 *
 * const program = addSwitch.pipe(
 *   Effect.provide(Ovsdb.layerConnection({ remote: "tcp:127.0.0.1:6641" })),
 *   Effect.catchTag("TransportError", (e) => e.reason === "Timeout" ? Effect.logWarning("no answer") : Effect.fail(e))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A remote string that is not OVS remote syntax (`unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RemoteParseError extends Schema.TaggedError<RemoteParseError>()("RemoteParseError", {
  input: Schema.String,
  detail: Schema.String
}) {
  /** The remote and why it is not OVS syntax: `invalid OVSDB remote "INPUT": DETAIL`. */
  override get message(): string {
    return `invalid OVSDB remote ${JSON.stringify(this.input)}: ${this.detail}`
  }
}

/**
 * Why a transport failed:
 *
 * - `Connect`: no connection could be made (refused, no such socket, unreachable).
 * - `Timeout`: a connection attempt took longer than `connectTimeout`.
 * - `Tls`: the TLS handshake failed: our certificate refused by the server (the alert it sent, e.g.
 *   "unknown ca", "certificate expired"), the server's certificate refused by us, or bad PEM files.
 * - `Read`, `Write`: the byte stream broke while reading or while writing.
 * - `Stalled`: the peer stopped reading, and the bytes waiting to be written passed the codec's
 *   `maxOutgoingBytes`.
 * - `Closed`: the connection ended.
 *
 * @since 0.1.0
 * @category errors
 */
export const TransportFailure = Schema.Literals(["Connect", "Timeout", "Tls", "Read", "Write", "Stalled", "Closed"])

/**
 * Why a transport failed: one of `TransportFailure`'s names.
 *
 * @since 0.1.0
 * @category errors
 */
export type TransportFailure = typeof TransportFailure.Type

/**
 * The byte stream to a remote failed or ended. `cause` is what Node or the socket layer reported
 * (an `Error` with its `code`, e.g. `ECONNREFUSED` or `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`), when
 * there was one; for a list of remotes that all failed, the `TransportError` of each, in order.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  remote: Schema.String,
  reason: TransportFailure,
  detail: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** The remote, the reason and what happened: `REMOTE: REASON: DETAIL`. */
  override get message(): string {
    return `${this.remote}: ${this.reason}: ${this.detail}`
  }
}

/**
 * Why the codec rejected the incoming bytes.
 *
 * - `Malformed`: not JSON (the server would close the connection on the same input).
 * - `TooLarge`: one JSON value longer than the configured maximum frame size.
 * - `TooDeep`: one JSON value nested deeper than the configured maximum depth.
 * - `NotJsonRpc`: valid JSON that is not a JSON-RPC 1.0 request, notification or response.
 *
 * @since 0.1.0
 * @category errors
 */
export const CodecFailure = Schema.Literals(["Malformed", "TooLarge", "TooDeep", "NotJsonRpc"])

/**
 * Why the codec failed: one of `CodecFailure`'s names.
 *
 * @since 0.1.0
 * @category errors
 */
export type CodecFailure = typeof CodecFailure.Type

/**
 * Incoming bytes that cannot be read as JSON-RPC messages. The connection is closed: after a
 * framing error nothing later on the stream can be trusted.
 *
 * @since 0.1.0
 * @category errors
 */
export class CodecError extends Schema.TaggedError<CodecError>()("CodecError", {
  reason: CodecFailure,
  detail: Schema.String
}) {
  /** The reason and what was wrong with the input: `REASON: DETAIL`. */
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/**
 * The connection closed (or failed) while a call was waiting for its reply, or a call was made on a
 * connection that is already closed. `detail` says why in words; `cause` is the error that ended
 * the connection (a `TransportError` or a `CodecError`), when one did.
 *
 * `requestSent` is true when the call's request had been handed to the connection before it
 * ended: the server may have received and carried it out, so its outcome is unknown. A
 * transaction cut off this way is reported as `TransactionOutcomeUnknown` instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionClosed extends Schema.TaggedError<ConnectionClosed>()("ConnectionClosed", {
  detail: Schema.String,
  requestSent: Schema.optionalKey(Schema.Boolean),
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Why the connection ended: `connection closed: DETAIL`. */
  override get message(): string {
    return `connection closed: ${this.detail}`
  }
}

/**
 * The server answered a JSON-RPC request with an error (RFC 7047 §4.1: `"error"` not null),
 * e.g. `"unknown method"` or `{"error":"unknown database", "details": …}`.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcError extends Schema.TaggedError<RpcError>()("RpcError", {
  method: Schema.String,
  error: Schema.String,
  details: Schema.optionalKey(Schema.String),
  syntax: Schema.optionalKey(Schema.String)
}) {
  /** The method and the server's error: `METHOD: ERROR: DETAILS`. */
  override get message(): string {
    return `${this.method}: ${this.error}${this.details === undefined ? "" : `: ${this.details}`}`
  }
}

/**
 * No reply arrived within the call's timeout. The call was cancelled on the server (RFC 7047 §4.1.4).
 * A `transact` the server had already committed stays committed: cancelling cannot undo it.
 *
 * @since 0.1.0
 * @category errors
 */
export class RpcTimeout extends Schema.TaggedError<RpcTimeout>()("RpcTimeout", {
  method: Schema.String,
  timeoutMillis: Schema.Number
}) {
  /** The method and how long it waited: `METHOD: no reply within N ms`. */
  override get message(): string {
    return `${this.method}: no reply within ${this.timeoutMillis} ms`
  }
}

/**
 * A server reply that does not have the shape the protocol promises for that method.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  method: Schema.String,
  detail: Schema.String
}) {
  /** The method and what was wrong with the reply: `METHOD: unexpected reply: DETAIL`. */
  override get message(): string {
    return `${this.method}: unexpected reply: ${this.detail}`
  }
}

/**
 * A transaction that the server did not commit (RFC 7047 §4.1.3, §5.2).
 *
 * `error` is the RFC error string (`"constraint violation"`, `"referential integrity violation"`,
 * `"timed out"`, `"aborted"`, `"not owner"`, …). `index` is the position of the failed operation
 * in the request, or `undefined` for a failure found at commit time (referential integrity, index
 * uniqueness, maxRows), which the server appends after the operations' results and which names no
 * operation. `op` is that operation's name.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransactionError extends Schema.TaggedError<TransactionError>()("TransactionError", {
  database: Schema.String,
  error: Schema.String,
  details: Schema.optionalKey(Schema.String),
  syntax: Schema.optionalKey(Schema.String),
  index: Schema.optionalKey(Schema.Number),
  op: Schema.optionalKey(Schema.String)
}) {
  /** The database, the operation that failed (or the commit) and the server's error. */
  override get message(): string {
    const where = this.index === undefined ? "at commit" : `in operation ${this.index} (${this.op ?? "?"})`
    return `${this.database}: transaction failed ${where}: ${this.error}${
      this.details === undefined ? "" : `: ${this.details}`
    }`
  }
}

/**
 * A transaction whose request was sent but whose reply never came: the connection ended first
 * (server killed, network cut, leader lost). The server may have committed it or not; nothing on
 * this side can tell. Read the database (or wait for a monitor to show the change) before trying
 * it again, or make it safe to repeat (e.g. with a `wait` operation on what it expects to find).
 * `cause` is the `ConnectionClosed` that cut it off.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransactionOutcomeUnknown extends Schema.TaggedError<TransactionOutcomeUnknown>()(
  "TransactionOutcomeUnknown",
  {
    database: Schema.String,
    detail: Schema.String,
    cause: Schema.optionalKey(Schema.Defect())
  }
) {
  /** The database, that the transaction may have committed, and why its reply never came. */
  override get message(): string {
    return `${this.database}: transaction outcome unknown (it may have committed): the connection closed before its reply: ${this.detail}`
  }
}

/**
 * A database schema (`.ovsschema`, RFC 7047 §3.2) that does not follow the schema format.
 *
 * @since 0.1.0
 * @category errors
 */
export class DatabaseSchemaError extends Schema.TaggedError<DatabaseSchemaError>()("DatabaseSchemaError", {
  detail: Schema.String
}) {
  /** Where and how the schema is invalid: `invalid database schema: DETAIL`. */
  override get message(): string {
    return `invalid database schema: ${this.detail}`
  }
}

/**
 * The server cancelled a monitor (ovsdb-server(7) §4.1.7 `monitor_canceled`), e.g. because its
 * database was removed or converted on a session that asked to be told (`set_db_change_aware`).
 *
 * @since 0.1.0
 * @category errors
 */
export class MonitorCanceled extends Schema.TaggedError<MonitorCanceled>()("MonitorCanceled", {
  database: Schema.String,
  monitor: Schema.String
}) {
  /** The database and the monitor: `DATABASE: the server canceled monitor ID`. */
  override get message(): string {
    return `${this.database}: the server canceled monitor ${this.monitor}`
  }
}

/**
 * Why an appctl call failed: the control socket could not be found or reached, the daemon
 * answered with an error (its message in `detail`), or no answer came in time.
 *
 * @since 0.1.0
 * @category errors
 */
export const AppctlFailure = Schema.Literals(["NotFound", "Connect", "Error", "Timeout"])

/**
 * Why an appctl call failed: one of `AppctlFailure`'s names.
 *
 * @since 0.1.0
 * @category errors
 */
export type AppctlFailure = typeof AppctlFailure.Type

/**
 * A unixctl (`ovs-appctl`) command that failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class AppctlError extends Schema.TaggedError<AppctlError>()("AppctlError", {
  target: Schema.String,
  command: Schema.String,
  reason: AppctlFailure,
  detail: Schema.String
}) {
  /** The target, the command and the daemon's message or what failed. */
  override get message(): string {
    // No command yet when the target itself was not found.
    return this.command === "" ? `${this.target}: ${this.detail}` : `${this.target}: ${this.command}: ${this.detail}`
  }
}

/**
 * Output of an appctl command that its parser does not understand. `line` is the offending line.
 *
 * @since 0.1.0
 * @category errors
 */
export class AppctlParseError extends Schema.TaggedError<AppctlParseError>()("AppctlParseError", {
  command: Schema.String,
  line: Schema.String,
  detail: Schema.String
}) {
  /** The command, the line that could not be read, and why. */
  override get message(): string {
    return `${this.command}: cannot read ${JSON.stringify(this.line)}: ${this.detail}`
  }
}

/**
 * A value a column cannot hold, caught before anything is sent: `constraint` is the rule it breaks
 * (`type`, `maxInteger`, `enum`, `min`, `max`, `key enum`, …).
 *
 * @since 0.1.0
 * @category errors
 */
export class ValueError extends Schema.TaggedError<ValueError>()("ValueError", {
  table: Schema.String,
  column: Schema.String,
  constraint: Schema.String,
  value: Schema.String,
  detail: Schema.String
}) {
  /** The column, the value and the constraint it breaks: `TABLE.COLUMN: VALUE breaks CONSTRAINT: DETAIL`. */
  override get message(): string {
    return `${this.table}.${this.column}: ${this.value} breaks ${this.constraint}: ${this.detail}`
  }
}

/**
 * A row the server sent that the model cannot read (a typed monitor's, `Typed.monitor`): the value
 * of `column` breaks the model's `constraint` for it (`type`, `enum`, `max`, …), as happens when
 * the server's schema is not the one the model was made from. `uuid` names the row.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Ovsdb, Typed } from "effect-ovsdb"
 * import * as Nb from "effect-ovsdb/models/OVN_Northbound"
 *
 * const watch = Effect.scoped(Effect.gen(function*() {
 *   const ovsdb = yield* Ovsdb.Ovsdb
 *   return yield* Typed.monitor(ovsdb, Nb.database, { Logical_Switch: true })
 * })).pipe(
 *   Effect.catchTag("RowDecodeError", (error) => Effect.logError(`${error.table}.${error.column}: ${error.detail}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RowDecodeError extends Schema.TaggedError<RowDecodeError>()("RowDecodeError", {
  database: Schema.String,
  table: Schema.String,
  uuid: Schema.String,
  column: Schema.String,
  constraint: Schema.String,
  value: Schema.String,
  detail: Schema.String
}) {
  /** The row and the value the model refuses: `DATABASE: TABLE row UUID: COLUMN: VALUE breaks the model's CONSTRAINT: DETAIL`. */
  override get message(): string {
    return `${this.database}: ${this.table} row ${this.uuid}: ${this.column}: ${this.value} breaks the model's ${this.constraint}: ${this.detail}`
  }
}

/**
 * A model of a database that does not fit the server's schema; `differences` lists every problem
 * (a missing table or column, a column of another type).
 *
 * @since 0.1.0
 * @category errors
 */
export class SchemaMismatch extends Schema.TaggedError<SchemaMismatch>()("SchemaMismatch", {
  database: Schema.String,
  differences: Schema.Array(Schema.String)
}) {
  /** The database, then each difference between the model and the server's schema, one a line. */
  override get message(): string {
    return `${this.database}: the server's schema does not fit the model:\n  ${this.differences.join("\n  ")}`
  }
}

/**
 * An optimistic transaction (`Replica.transact`) that did not commit, and may commit if built
 * again from what the replica shows then: a value it verified changed (`"verify"`), the server
 * answered `"timed out"` or `"canceled"`, or the connection ended (`"reconnect"`). With
 * `outcomeUnknown`, its reply never came: it may have committed, and a builder run again should
 * find its own change already there. `Replica.retry` runs the builder again.
 *
 * @since 0.1.0
 * @category errors
 */
export class TryAgain extends Schema.TaggedError<TryAgain>()("TryAgain", {
  database: Schema.String,
  reason: Schema.Literals(["verify", "timed out", "canceled", "reconnect"]),
  detail: Schema.String,
  outcomeUnknown: Schema.Boolean
}) {
  /** The database, why the transaction should be tried again, and the server's detail. */
  override get message(): string {
    return `${this.database}: try the transaction again (${this.reason}): ${this.detail}${
      this.outcomeUnknown ? " (it may have committed)" : ""
    }`
  }
}
