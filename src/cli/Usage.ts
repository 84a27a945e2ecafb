/**
 * A command's positional arguments as one small declarative table, from which both the parser and
 * the help are derived: the usage line in ovsdb-client's notation (`[SERVER] [DATABASE] TABLE
 * [COLUMN,...]...`), the description of each argument, and `bind`, which gives each argument its
 * value from the words on the command line, or a usage mistake.
 *
 * ovsdb-client's optional leading arguments are told apart as it tells them: the first word is
 * the SERVER when it has the form of a remote (a letter, then a colon somewhere) and there are more
 * words than the command's required arguments; the next is the DATABASE when, again, there are
 * more words than required and the server has a database of that name (otherwise the database is
 * `Open_vSwitch`, or the server's only one). A LASTID is taken when the word has the form of a UUID.
 *
 * ```ts
 * const lock = {
 *   name: "lock",
 *   description: ["Ask the server for LOCK"],
 *   slots: [SERVER, { key: "lock", name: "LOCK", description: "the lock's name" }],
 *   examples: [{ command: "effect-ovsdb lock tcp:127.0.0.1:6641 my-lock" }]
 * } as const satisfies Usage
 * notation(lock) // "[SERVER] LOCK"
 * bind(lock, ["my-lock"]) // succeeds with { server: "unix:/var/run/openvswitch/db.sock", lock: "my-lock" }
 * bind(lock, []) // fails: "missing LOCK argument", and the usage line "usage: effect-ovsdb [OPTIONS] lock [SERVER] LOCK"
 * ```
 *
 * @since 0.1.0
 */
import type * as Flag from "effect/cli/Flag"
import type * as Param from "effect/cli/Param"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"

/**
 * The server ovsdb-client talks to when none is named.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SERVER = "unix:/var/run/openvswitch/db.sock"

/**
 * The database ovsdb-client uses when none is named and the server has it.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DATABASE = "Open_vSwitch"

/**
 * The command's name as the help and the messages write it.
 *
 * @since 0.1.0
 * @category constants
 */
export const PROGRAM = "effect-ovsdb"

/**
 * A mistake in the command line, or a failure of the command's own checks, reported as any failure
 * is: one line on stderr, exit status 1. A mistake in the arguments also carries the command's
 * usage line, printed after it.
 *
 * @since 0.1.0
 * @category errors
 */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string | undefined) {
    super(message)
  }
}

/**
 * One positional argument.
 *
 * @since 0.1.0
 * @category models
 */
export interface Slot {
  /** The key of its value in what `bind` gives. */
  readonly key: string
  /** Its name in the usage line and the help, as ovsdb-client writes it: `TABLE`, `COLUMN,...`. */
  readonly name: string
  /** What it is, for the help. */
  readonly description: string
  /**
   * One of ovsdb-client's optional leading arguments, recognised as it recognises them (see the
   * module doc). A server or database not given gets its default.
   */
  readonly role?: "server" | "database" | "lastId" | undefined
  readonly optional?: boolean | undefined
  /** Takes every word left (at least one unless `optional`). */
  readonly repeated?: boolean | undefined
  /** Given only after the slot before it (`[TABLE [COLUMN]...]`). */
  readonly nested?: boolean | undefined
  /** The only values it takes. */
  readonly choices?: ReadonlyArray<string> | undefined
}

/**
 * A command's usage: its name, what it does (a line each), its own flags (given to the command
 * line's parser as they are), its positional arguments, and examples.
 *
 * @since 0.1.0
 * @category models
 */
export interface Usage {
  readonly name: string
  readonly description: ReadonlyArray<string>
  readonly flags?: { readonly [key: string]: Flag.Flag<unknown> } | undefined
  readonly slots: ReadonlyArray<Slot>
  readonly examples: ReadonlyArray<{ readonly command: string; readonly description?: string | undefined }>
}

type ValueOf<S extends Slot> = S extends { readonly repeated: true } ? ReadonlyArray<string>
  : S extends { readonly role: "server" | "database" } ? string
  : S extends { readonly optional: true } ? string | undefined
  : S extends { readonly role: "lastId" } ? string | undefined
  : string

/**
 * What `bind` gives for a usage: each slot's value under its key.
 *
 * @since 0.1.0
 * @category models
 */
export type Values<U extends Usage> = { readonly [S in U["slots"][number] as S["key"]]: ValueOf<S> }

/** The form of a remote, as ovsdb-client tests it: a letter first, and a colon somewhere. */
const isRemote = (word: string): boolean => /^[A-Za-z]/.test(word) && word.includes(":")

const isUuid = (word: string): boolean => /^[0-9a-f-]{36}$/.test(word)

/**
 * Whether `server` names several remotes (a cluster), `cid:` entries aside.
 *
 * @since 0.1.0
 * @category parsing
 */
export const isRemoteList = (server: string): boolean =>
  server.split(",").filter((entry) => entry.trim() !== "" && !entry.trim().startsWith("cid:")).length > 1

const isLeading = (slot: Slot) => slot.role === "server" || slot.role === "database"
const isRequired = (slot: Slot) => slot.role === undefined && slot.optional !== true

/**
 * ovsdb-client's `min_args` and `max_args` after the leading SERVER and DATABASE: how many
 * arguments are required, and how many may be given (infinite with a repeated one).
 *
 * @since 0.1.0
 * @category parsing
 */
export const limits = (usage: Usage): { readonly min: number; readonly max: number } => {
  const rest = usage.slots.filter((slot) => !isLeading(slot))
  return {
    min: rest.filter(isRequired).length,
    max: rest.some((slot) => slot.repeated === true) ? Number.POSITIVE_INFINITY : rest.length
  }
}

/**
 * A flag in the usage line: `--target=TARGET`, within brackets when it may be left out, followed
 * by `...` when it may be repeated (`--remote=REMOTE...`); `--pretty` for a switch.
 *
 * @since 0.1.0
 * @category help
 */
export const flagNotation = (flag: Param.Param<"flag", unknown>): string => {
  const walk = (param: Param.Param<"flag", unknown>, optional: boolean, repeated: boolean): string => {
    switch (param._tag) {
      case "Single": {
        const single = param as Param.Single<"flag", unknown>
        const value = single.primitiveType._tag === "Boolean" ? "" : `=${single.typeName ?? "VALUE"}`
        const text = `--${single.name}${value}${repeated ? "..." : ""}`
        return optional ? `[${text}]` : text
      }
      case "Optional":
        return walk((param as Param.Optional<"flag", unknown>).param, true, repeated)
      case "Variadic": {
        const variadic = param as Param.Variadic<"flag", unknown>
        return walk(variadic.param, optional || Option.getOrElse(variadic.min, () => 0) === 0, true)
      }
      default:
        return walk((param as Param.Map<"flag", unknown, unknown>).param, optional, repeated)
    }
  }
  return walk(flag, false, false)
}

/**
 * The arguments in ovsdb-client's notation, after the command's own flags: `[SERVER] [DATABASE]
 * TABLE [COLUMN,...]...`, `[--target=TARGET] COMMAND [ARG]...`.
 *
 * @since 0.1.0
 * @category help
 */
export const notation = (usage: Usage): string => {
  const parts = Object.values(usage.flags ?? {}).map(flagNotation)
  const flags = parts.length
  for (const slot of usage.slots) {
    const repeated = slot.repeated === true ? "..." : ""
    if (slot.nested === true && parts.length > flags && parts[parts.length - 1]!.endsWith("]")) {
      // `[TABLE]` and a nested `[COLUMN]...` read `[TABLE [COLUMN]...]`.
      const outer = parts.pop()!
      parts.push(`${outer.slice(0, -1)} [${slot.name}]${repeated}]`)
    } else if (slot.role !== undefined || slot.optional === true) parts.push(`[${slot.name}]${repeated}`)
    else parts.push(`${slot.name}${repeated}`)
  }
  return parts.join(" ")
}

/**
 * The usage line printed after a mistake in a command's arguments.
 *
 * @since 0.1.0
 * @category help
 */
export const usageLine = (usage: Usage): string =>
  `usage: ${PROGRAM} [OPTIONS] ${usage.name} ${notation(usage)}`.trimEnd()

/** A usage mistake: its message and the command's usage line. */
const mistake = (usage: Usage, message: string) => new UsageError(message, usageLine(usage))

const tooMany = (usage: Usage) => mistake(usage, `too many arguments for '${usage.name}' (use --help for help)`)

/**
 * Splits the SERVER off these words, as ovsdb-client does: the first word is the server when the
 * usage has a SERVER, the word has the form of a remote, and there are more words than the
 * command requires; otherwise the server is the default. Undefined for a usage without a SERVER.
 */
const splitServer = (
  usage: Usage,
  words: ReadonlyArray<string>
): readonly [string | undefined, ReadonlyArray<string>] => {
  if (usage.slots[0]?.role !== "server") return [undefined, words]
  return words.length > limits(usage).min && isRemote(words[0]!)
    ? [words[0]!, words.slice(1)]
    : [DEFAULT_SERVER, words]
}

/**
 * The SERVER of these words (everything after the command's name), or the default; undefined for
 * a usage without a SERVER.
 *
 * @since 0.1.0
 * @category parsing
 */
export const serverOf = (usage: Usage, words: ReadonlyArray<string>): string | undefined => splitServer(usage, words)[0]

/**
 * The word in the DATABASE's place: the first after the SERVER. With several remotes the database
 * must be named, so this is it once `bind` has succeeded.
 *
 * @since 0.1.0
 * @category parsing
 */
export const namedDatabase = (usage: Usage, words: ReadonlyArray<string>): string | undefined =>
  splitServer(usage, words)[1][0]

/**
 * The database of `words` (the words after the server) on a server with these databases, as
 * ovsdb-client picks it: the first word when there are more words than required and the server
 * has a database by that name; otherwise `Open_vSwitch` when the server has it, or else its only
 * database whose name does not start with `_`. More words than the command takes fail; when the
 * database was not named, the first word is reported as an unknown database, the likely slip.
 * Without the server's databases (several remotes, whose members are chosen by the database), the
 * database must be named.
 */
const databaseOf = (
  usage: Usage,
  words: ReadonlyArray<string>,
  databases: ReadonlyArray<string> | undefined
): Effect.Effect<readonly [string, ReadonlyArray<string>], UsageError> => {
  const { max, min } = limits(usage)
  const first = words[0]
  if (databases === undefined) {
    if (first === undefined || words.length <= min) {
      // ovsdb-client's message, as it writes it.
      return Effect.fail(new UsageError("database name is required with multiple remotes"))
    }
    return words.length - 1 > max ? Effect.fail(tooMany(usage)) : Effect.succeed([first, words.slice(1)])
  }
  if (words.length > min && first !== undefined && databases.includes(first)) {
    return words.length - 1 > max ? Effect.fail(tooMany(usage)) : Effect.succeed([first, words.slice(1)])
  }
  if (words.length > max) return Effect.fail(new UsageError(`${usage.name}: unknown database ${first}`))
  const visible = databases.filter((db) => !db.startsWith("_"))
  const database = databases.includes(DEFAULT_DATABASE)
    ? DEFAULT_DATABASE
    : visible.length === 1
    ? visible[0]
    : undefined
  return database === undefined
    ? Effect.fail(new UsageError("could not find a default database, please specify a database name"))
    : Effect.succeed([database, words])
}

/**
 * The value a slot (other than SERVER and DATABASE) takes from the words left, when `requiredAfter`
 * arguments are still required after it: a word, the words left for a repeated slot, or none for an
 * optional slot that cannot have one; or the message of the mistake.
 */
const take = (
  slot: Slot,
  left: ReadonlyArray<string>,
  requiredAfter: number,
  previousGiven: boolean
): Result.Result<string | ReadonlyArray<string> | undefined, string> => {
  if (slot.nested === true && !previousGiven) return Result.succeed(slot.repeated === true ? [] : undefined)
  if (slot.role === "lastId") return Result.succeed(left.length > 0 && isUuid(left[0]!) ? left[0] : undefined)
  if (slot.repeated === true) {
    const words = left.slice(0, Math.max(0, left.length - requiredAfter))
    return words.length === 0 && slot.optional !== true
      ? Result.fail(`missing ${slot.name} argument`)
      : Result.succeed(words)
  }
  const word = slot.optional === true && left.length <= requiredAfter ? undefined : left[0]
  if (word === undefined) {
    return slot.optional === true ? Result.succeed(undefined) : Result.fail(`missing ${slot.name} argument`)
  }
  return slot.choices === undefined || slot.choices.includes(word)
    ? Result.succeed(word)
    : Result.fail(`${slot.name} must be one of ${slot.choices.join(", ")}, not "${word}"`)
}

/**
 * Gives each slot of `usage` its value from `words` (everything after the command's name), or
 * fails with the usage mistake: a missing argument, one too many, a value not among the choices.
 * A usage with a DATABASE needs the server's `databases`, or, for several remotes, none (the
 * database must then be named).
 *
 * @since 0.1.0
 * @category parsing
 */
export const bind = <U extends Usage>(
  usage: U,
  words: ReadonlyArray<string>,
  databases?: ReadonlyArray<string>
): Effect.Effect<Values<U>, UsageError> =>
  Effect.gen(function*() {
    const values: { [key: string]: string | ReadonlyArray<string> | undefined } = {}
    const [server, afterServer] = splitServer(usage, words)
    let rest = afterServer
    const slots = usage.slots.filter((slot) => slot.role !== "server")
    if (server !== undefined) values[usage.slots[0]!.key] = server
    if (slots[0]?.role === "database") {
      const [database, after] = yield* databaseOf(usage, rest, databases)
      values[slots[0].key] = database
      rest = after
    }
    let at = 0
    let previousGiven = true
    for (const [index, slot] of slots.entries()) {
      if (slot.role === "database") continue
      const requiredAfter = slots.slice(index + 1).filter(isRequired).length
      const taken = take(slot, rest.slice(at), requiredAfter, previousGiven)
      if (Result.isFailure(taken)) return yield* Effect.fail(mistake(usage, taken.failure))
      const value = taken.success
      at += typeof value === "string" ? 1 : value === undefined ? 0 : value.length
      previousGiven = value !== undefined
      values[slot.key] = value
    }
    if (at < rest.length) return yield* Effect.fail(tooMany(usage))
    return values as Values<U>
  })

/**
 * Reports a command's failure as ovsdb-client reports its own: one line on stderr, `effect-ovsdb:
 * MESSAGE`, then, for a mistake in the arguments, the command's usage line; the exit status is 1.
 *
 * @since 0.1.0
 * @category running
 */
export const reportFailure = (error: { readonly message: string; readonly usage?: string | undefined }) =>
  Console.error([`${PROGRAM}: ${error.message}`, ...(error.usage === undefined ? [] : [error.usage])].join("\n")).pipe(
    Effect.andThen(Effect.sync(() => {
      process.exitCode = 1
    }))
  )
