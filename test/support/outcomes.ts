/**
 * Transactions sorted by how they ended, for the tests that kill a server under them: `committed`
 * (a success), `unsent` (a `ConnectionClosed` before the request went out), or the tag of the
 * error otherwise (`TransactionOutcomeUnknown`, …).
 *
 * @example
 * ```ts
 * const kinds = byOutcome(exits, (i) => `t${i}`)
 * kinds.get("committed") // the names of the transactions the server acknowledged
 * ```
 */
import { Cause, Exit } from "effect"

/** The names of the transactions (named by `name(i)`) of each kind of ending, in order. */
export const byOutcome = (
  exits: ReadonlyArray<Exit.Exit<unknown, unknown>>,
  name: (i: number) => string
): ReadonlyMap<string, ReadonlyArray<string>> => {
  const kinds = new Map<string, Array<string>>()
  exits.forEach((exit, i) => {
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) as { _tag: string; requestSent?: boolean } : undefined
    const kind = error === undefined
      ? "committed"
      : error._tag === "ConnectionClosed" && error.requestSent !== true
      ? "unsent"
      : error._tag
    kinds.set(kind, [...(kinds.get(kind) ?? []), name(i)])
  })
  return kinds
}
