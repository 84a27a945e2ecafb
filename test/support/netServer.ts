/**
 * A scoped `node:net` server for tests that play an OVSDB peer by hand: listening when the effect
 * succeeds; when the scope closes it stops listening and destroys the connections it holds.
 */
import { Effect } from "effect"
import * as Net from "node:net"

export const netServer = (listen: Net.ListenOptions, onConnection: (socket: Net.Socket) => void) => {
  const held = new Set<Net.Socket>()
  return Effect.acquireRelease(
    Effect.callback<Net.Server>((resume) => {
      const server = Net.createServer((socket) => {
        held.add(socket)
        socket.on("error", () => undefined)
        onConnection(socket)
      })
      server.listen(listen, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        held.forEach((socket) => socket.destroy())
      })
  )
}
