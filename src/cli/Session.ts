/**
 * What every command shares: the connection flags (TLS files, timeout, output format), ovsdb-client's
 * way of reading an optional SERVER argument, a connection for the command's run, and its way of
 * reporting failure (one line on stderr, exit status 1).
 *
 * @since 0.1.0
 */
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Json } from "../Json.js"
import * as Ovsdb from "../Ovsdb.js"

/**
 * The server ovsdb-client talks to when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SERVER = "unix:/var/run/openvswitch/db.sock"

/**
 * The database ovsdb-client uses when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DATABASE = "Open_vSwitch"

/**
 * The root command and the flags every command shares.
 *
 * @since 0.1.0
 * @category commands
 */
export const connection = Command.make("effect-ovsdb").pipe(
  Command.withSharedFlags({
    privateKey: Flag.String("private-key").pipe(Flag.withAlias("p"), Flag.optional),
    certificate: Flag.String("certificate").pipe(Flag.withAlias("c"), Flag.optional),
    caCert: Flag.String("ca-cert").pipe(Flag.withAlias("C"), Flag.optional),
    timeout: Flag.Int("timeout").pipe(
      Flag.withDescription("seconds to wait for each reply (default: no limit)"),
      Flag.optional
    ),
    format: Flag.String("format").pipe(
      Flag.withDescription("output format of dump: json (as ovsdb-client --format=json)"),
      Flag.optional
    )
  }),
  Command.withDescription("An OVSDB client (RFC 7047) that mirrors ovsdb-client")
)

/**
 * A usage error, reported like any other failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Error {}

const isRemote = (arg: string): boolean => /^(unix|tcp|ssl):/.test(arg)

/** Splits `[SERVER] ARGS…` the way ovsdb-client does: a leading remote is the server. */
const splitServer = (args: ReadonlyArray<string>): readonly [string, ReadonlyArray<string>] =>
  args.length > 0 && isRemote(args[0]!) ? [args[0]!, args.slice(1)] : [DEFAULT_SERVER, args]

/**
 * Runs `use` with a connection to `server`, built from the shared flags.
 *
 * @since 0.1.0
 * @category running
 */
export const withOvsdb = <A, E>(server: string, use: (ovsdb: Ovsdb.Ovsdb["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const flags = yield* connection
    const tls = Option.all([flags.privateKey, flags.certificate, flags.caCert]).pipe(
      Option.map(([privateKey, certificate, caCert]) => ({ privateKey, certificate, caCert })),
      Option.getOrUndefined
    )
    const options: Ovsdb.Options = {
      remote: server,
      tls,
      requestTimeout: Option.match(flags.timeout, { onNone: () => undefined, onSome: (s) => `${s} seconds` as const })
    }
    return yield* Ovsdb.Ovsdb.use(use).pipe(Effect.provide(Ovsdb.layer(options)))
  })

/**
 * Prints the error ovsdb-client style and sets a failing exit status.
 *
 * @since 0.1.0
 * @category running
 */
export const reportFailure = (error: { readonly message: string }) =>
  Console.error(`effect-ovsdb: ${error.message}`).pipe(Effect.andThen(Effect.sync(() => {
    process.exitCode = 1
  })))

const positional = Argument.String("args").pipe(Argument.variadic())

/**
 * A command taking `[SERVER] ARGS…`; `run` gets the server and the rest.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = <R>(
  name: string,
  description: string,
  run: (server: string, args: ReadonlyArray<string>) => Effect.Effect<void, { readonly message: string }, R>
) =>
  Command.make(name, { args: positional }, ({ args }) => {
    const [server, rest] = splitServer(args)
    return run(server, rest).pipe(Effect.catch(reportFailure))
  }).pipe(Command.withDescription(description))

/**
 * Fails with a usage error when there are more than `count` arguments.
 *
 * @since 0.1.0
 * @category parsing
 */
export const atMost = (name: string, args: ReadonlyArray<string>, count: number) =>
  args.length > count
    ? Effect.fail(new UsageError(`too many arguments for '${name}' (use --help for help)`))
    : Effect.void

/**
 * A JSON value as an object, or an empty one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const asRecord = (json: Json | undefined): { readonly [key: string]: Json } =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? json as { readonly [key: string]: Json } : {}

/**
 * `--format`: JSON is the format this client prints tables in; any other is a usage error.
 *
 * @since 0.1.0
 * @category parsing
 */
export const requireJsonFormat = Effect.flatMap(connection, (flags) =>
  Option.match(flags.format, {
    onNone: () => Effect.void,
    onSome: (format) =>
      format === "json" ? Effect.void : Effect.fail(new UsageError(`unsupported --format ${format}: use --format json`))
  }))
