/**
 * The lock methods of the Ovsdb service (RFC 7047 §4.1.8–§4.1.10): `lock` and `steal` as scoped
 * resources, released with `unlock` when their scope closes.
 *
 * A session that asks for a lock someone else holds is queued by the server; `lock` waits until
 * the `locked` notification grants it. A holder robbed by another session's `steal` gets a
 * `stolen` notification and stays queued: it gets the lock back, with a new `locked`, when the
 * thief lets go. The handle follows those notifications, so a holder can check `held` before
 * acting, or wait on `whenStolen` to stop work it may no longer do.
 *
 * A lock lives on one connection: when the connection ends, the server forgets it, so a waiting
 * request and every later look at the handle fail with `ConnectionClosed`.
 *
 * The handle's type is the Ovsdb module's `Lock`.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

import type { ConnectionClosed } from "../Errors.js"
import { ProtocolError } from "../Errors.js"
import { type Json, show as showJson } from "../Json.js"
import type { CallError, Lock } from "../Ovsdb.js"
import type { RpcClient } from "../RpcClient.js"

const lockedOf = (method: string, reply: Json): Effect.Effect<boolean, ProtocolError> =>
  typeof reply === "object" && reply !== null && !Array.isArray(reply) &&
    typeof (reply as { readonly [key: string]: Json }).locked === "boolean"
    ? Effect.succeed((reply as { readonly locked: boolean }).locked)
    : Effect.fail(new ProtocolError({ method, detail: `expected {"locked": boolean}, got ${showJson(reply)}` }))

/** The lock methods over one session; `unlock` at a scope's end waits at most `releaseTimeout`. */
export const make = (rpc: RpcClient["Service"], releaseTimeout: Duration.Input) => {
  const acquire = (method: "lock" | "steal", name: string): Effect.Effect<Lock, CallError, Scope.Scope> =>
    Effect.gen(function*() {
      let isHeld = false
      let ended: ConnectionClosed | undefined
      const held = yield* Latch.make(false)
      const lost = yield* Latch.make(true)
      const grant = Effect.sync(() => {
        isHeld = true
      }).pipe(Effect.andThen(held.open), Effect.andThen(lost.close))
      const rob = Effect.sync(() => {
        isHeld = false
      }).pipe(Effect.andThen(lost.open), Effect.andThen(held.close))
      // The end of the connection wakes every waiter; each then finds `ended` set.
      const end = (reason: ConnectionClosed) =>
        Effect.sync(() => {
          ended = reason
          isHeld = false
        }).pipe(Effect.andThen(held.open), Effect.andThen(lost.open))
      const stillOpen = Effect.suspend(() => ended === undefined ? Effect.void : Effect.fail(ended))
      // Listen before asking, so that no `locked` or `stolen` for this lock can be missed.
      const routed = yield* rpc.route(name)
      yield* Queue.take(routed).pipe(
        Effect.flatMap((notification) =>
          notification.method === "locked"
            ? grant
            : notification.method === "stolen"
            ? rob
            : Effect.void
        ),
        Effect.forever,
        Effect.forkScoped
      )
      yield* Effect.forkScoped(Effect.flatMap(rpc.closed, end))
      const reply = yield* Effect.acquireRelease(
        rpc.call(method, [name]),
        // RFC 7047 §4.1.8: unlock releases the lock, or withdraws a request still queued.
        () => Effect.ignore(rpc.call("unlock", [name], { timeout: releaseTimeout }))
      )
      if (yield* lockedOf(method, reply)) yield* grant
      yield* Effect.andThen(held.await, stillOpen)
      return {
        name,
        held: Effect.andThen(stillOpen, Effect.sync(() => isHeld)),
        whenStolen: Effect.andThen(lost.await, stillOpen),
        whenHeld: Effect.andThen(held.await, stillOpen)
      }
    })

  return {
    /** RFC 7047 §4.1.8 lock: waits until this session holds the lock. */
    lock: (name: string) => acquire("lock", name),
    /** RFC 7047 §4.1.8 steal: takes the lock at once, whoever holds it. */
    steal: (name: string) => acquire("steal", name)
  }
}
