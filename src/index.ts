/**
 * effect-ovsdb: an OVSDB (RFC 7047) client for Effect, with the Open vSwitch extensions.
 *
 * Each module is a namespace: `Ovsdb` (the API), `Operation` and `Value` (transactions and their
 * values), `Model` and `Typed` (typed tables and the operations over them; generated models are in
 * `effect-ovsdb/models/…`), `Monitor` (what to watch and the changes reported), `DatabaseSchema`,
 * `Session` (a connection that survives its servers), `Replica` (a typed local copy), the layers
 * underneath, `RpcClient`, `Codec` and `Transport`, and the server side: `Server`, `TestServer`
 * and `Engine`.
 *
 * @since 0.1.0
 * @module
 */

/** @since 0.1.0 */
export * as Appctl from "./Appctl.js"
/** @since 0.1.0 */
export * as AppctlParsers from "./appctl/Parsers.js"
/** @since 0.1.0 */
export * as Codec from "./Codec.js"
/** @since 0.1.0 */
export * as ColumnCodec from "./protocol/ColumnCodec.js"
/** @since 0.1.0 */
export * as DatabaseSchema from "./protocol/DatabaseSchema.js"
/** @since 0.1.0 */
export * as Engine from "./server/Engine.js"
/** @since 0.1.0 */
export * as Errors from "./Errors.js"
/** @since 0.1.0 */
export * as Json from "./Json.js"
/** @since 0.1.0 */
export * as JsonRpc from "./protocol/JsonRpc.js"
/** @since 0.1.0 */
export * as Model from "./Model.js"
/** @since 0.1.0 */
export * as Monitor from "./protocol/Monitor.js"
/** @since 0.1.0 */
export * as Operation from "./protocol/Operation.js"
/** @since 0.1.0 */
export * as Ovsdb from "./Ovsdb.js"
/** @since 0.1.0 */
export * as Remote from "./Remote.js"
/** @since 0.1.0 */
export * as Replica from "./Replica.js"
/** @since 0.1.0 */
export * as RpcClient from "./RpcClient.js"
/** @since 0.1.0 */
export * as SchemaCompatibility from "./protocol/SchemaCompatibility.js"
/** @since 0.1.0 */
export * as Server from "./server/Server.js"
/** @since 0.1.0 */
export * as Session from "./Session.js"
/** @since 0.1.0 */
export * as TestServer from "./server/TestServer.js"
/** @since 0.1.0 */
export * as Transport from "./Transport.js"
/** @since 0.1.0 */
export * as Typed from "./Typed.js"
/** @since 0.1.0 */
export * as Value from "./protocol/Value.js"
/** @since 0.1.0 */
export {
  AppctlError,
  AppctlParseError,
  CodecError,
  ConnectionClosed,
  MonitorCanceled,
  ProtocolError,
  RemoteParseError,
  RowDecodeError,
  RpcError,
  RpcTimeout,
  SchemaMismatch,
  TransactionError,
  TransactionOutcomeUnknown,
  TransportError,
  TryAgain,
  ValueError
} from "./Errors.js"
