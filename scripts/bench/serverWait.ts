/**
 * How long a benchmark client waited on the server with nothing to read: from a request sent
 * while no reply was coming to the first bytes that arrive after it. ovsdb-server builds a whole
 * reply before it sends a byte of it, so for a monitor of 300,000 rows this is seconds of the
 * server's work, and it grows faster than the rows do (the scaling bench shows it as the server's
 * CPU time). The client's own wall time is its process's wall time less this wait.
 *
 * The client provides `dialer` to its program (the connections it opens are real sockets, timed)
 * and prints `report` last, on stderr, where `measure` finds it.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Remote from "../../src/Remote.js"
import * as Transport from "../../src/Transport.js"

/** The line `report` prints and `measure` reads: `server wait: SECONDS`. */
export const WAIT_LINE = "server wait: "

let waitingSince: number | undefined
let waitedMillis = 0

const sent = () => {
  waitingSince ??= performance.now()
}

const received = (bytes: Uint8Array) => {
  if (waitingSince !== undefined) {
    waitedMillis += performance.now() - waitingSince
    waitingSince = undefined
  }
  return bytes
}

/** Opens each connection as a plain socket would, timing the waits on its replies. */
const dialer = (remote: Remote.Remote) =>
  Effect.map(
    Transport.make({ remote: Remote.format(remote) }).pipe(Effect.provideService(Transport.Dialer, undefined)),
    (transport) =>
      Transport.Transport.of({
        ...transport,
        send: (data) => Effect.andThen(Effect.sync(sent), transport.send(data)),
        incoming: Stream.map(transport.incoming, received)
      })
  )

/** Runs `program` with every connection it opens timed. */
export const timingWaits = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.provideService(program, Transport.Dialer, dialer)

/** The time waited so far, in seconds. */
export const waitedSeconds = (): number => waitedMillis / 1000

/** Prints the time waited so far, in seconds, on stderr. */
export const report = Effect.suspend(() => Console.error(`${WAIT_LINE}${waitedSeconds()}`))
