// Connecting for real: unix, TCP and mutual TLS to ovsdb-server, refused connections, remote lists,
// retry, and what a broken byte stream does to waiting calls.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule } from "effect"
import * as Fs from "node:fs"
import type * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Ovsdb from "../src/Ovsdb.js"
import { netServer } from "./support/netServer.js"
import { OvsdbServer, type Pki, runTool } from "./support/OvsdbServer.js"

const listDbs = (options: Ovsdb.Options) =>
  Ovsdb.Ovsdb.use((ovsdb) => ovsdb.listDbs).pipe(Effect.provide(Ovsdb.layerConnection(options)))

const missingSocket = () => `unix:${Path.join(Os.tmpdir(), `effect-ovsdb-missing-${process.pid}.sock`)}`

/** A loopback TCP server, named as a `tcp:` remote. */
const tcpServer = (onConnection: (socket: Net.Socket) => void) =>
  Effect.map(
    netServer({ host: "127.0.0.1", port: 0 }, onConnection),
    (server) => `tcp:127.0.0.1:${(server.address() as Net.AddressInfo).port}`
  )

/** A server that answers any request with the given bytes. */
const fakeServer = (answer: (request: string) => string) =>
  tcpServer((socket) => socket.on("data", (data) => socket.write(answer(data.toString("utf8")))))

describe("connecting to ovsdb-server", () => {
  it.live("over a unix socket, TCP and mutual TLS", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ tls: true })
      for (const remote of [server.unix, server.tcp]) {
        assert.includeMembers([...yield* listDbs({ remote })], ["Open_vSwitch", "OVN_Northbound"])
      }
      const pki = server.pki!
      const overTls = yield* listDbs({
        remote: server.ssl!,
        tls: { privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.caCert }
      })
      assert.includeMembers([...overTls], ["Open_vSwitch", "OVN_Northbound"])
    }), 60_000)

  it.live("answers the server's inactivity probe, so an idle TCP session stays open", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start()
      yield* runTool("ovs-appctl", ["-t", server.ctl, "vlog/set", "jsonrpc:file:dbg"])
      yield* Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* ovsdb.echo("before")
        // ovsdb-server probes a TCP client after 5 s of silence and drops it 5 s after an unanswered probe.
        yield* Effect.sleep("11 seconds")
        assert.deepStrictEqual(yield* ovsdb.echo("after"), ["after"])
      }).pipe(Effect.provide(Ovsdb.layerConnection({ remote: server.tcp })))
      const log = Fs.readFileSync(server.log, "utf8")
      assert.match(log, /send request, method="echo", params=\[\], id="echo"/)
      assert.match(log, /received reply, result=\[\], id="echo"/)
    }), 60_000)

  it.live("probes an idle server with echo when asked to, and the session stays open", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start()
      yield* runTool("ovs-appctl", ["-t", server.ctl, "vlog/set", "jsonrpc:file:dbg"])
      yield* Effect.gen(function*() {
        const ovsdb = yield* Ovsdb.Ovsdb
        yield* Effect.sleep("1200 millis")
        assert.deepStrictEqual(yield* ovsdb.echo("after"), ["after"])
      }).pipe(Effect.provide(Ovsdb.layerConnection({ remote: server.unix, inactivityProbe: "300 millis" })))
      const probes = Fs.readFileSync(server.log, "utf8").match(/received request, method="echo", params=\[\]/g)
      assert.isAtLeast(probes?.length ?? 0, 1)
    }), 60_000)

  // TLS 1.3 ends the client's handshake before the server checks the client's certificate; the
  // server's verdict (tickets or an alert) is awaited at connect, so building the layer fails.
  for (
    const [what, alert, files] of [
      [
        "whose certificate the server's CA did not sign",
        "unknown ca",
        (pki: Pki) => ({ privateKey: pki.untrustedKey, certificate: pki.untrustedCert })
      ],
      [
        "whose certificate has expired",
        "certificate expired",
        (pki: Pki) => ({ privateKey: pki.expiredKey, certificate: pki.expiredCert })
      ]
    ] as const
  ) {
    it.live(
      `a client ${what} is refused at connect with the server's TLS alert "${alert}"`,
      () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer.start({ tls: true })
          const pki = server.pki!
          const error = yield* Effect.flip(Effect.scoped(Layer.build(Ovsdb.layerConnection({
            remote: server.ssl!,
            tls: { ...files(pki), caCert: pki.caCert }
          }))))
          assert.strictEqual(error._tag, "TransportError")
          if (error._tag !== "TransportError") return
          assert.strictEqual(error.reason, "Tls")
          assert.include(error.detail, `TLS alert "${alert}"`)
          assert.instanceOf(error.cause, Error) // Node's own error, code and all, is kept
          assert.match(String(Reflect.get(error.cause as Error, "code")), /^ERR_SSL_/)
        }),
      60_000
    )
  }

  it.live(
    "a server whose certificate our CA did not sign is refused at connect, saying so",
    () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ tls: true })
        const pki = server.pki!
        const error = yield* Effect.flip(listDbs({
          remote: server.ssl!,
          tls: { privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.untrustedCert }
        }))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag !== "TransportError") return
        assert.strictEqual(error.reason, "Tls")
        assert.include(error.detail, "the server's certificate is not trusted")
      }),
    60_000
  )

  it.live("ssl: without tls options is a typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(listDbs({ remote: "ssl:127.0.0.1:1" }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.reason, "Tls")
    }))

  it.live("a refused connection is a TransportError naming the remote", () =>
    Effect.gen(function*() {
      const remote = missingSocket()
      const error = yield* Effect.flip(listDbs({ remote }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.reason, "Connect")
        assert.strictEqual(error.remote, remote)
      }
    }))

  it.live("a connection that does not complete in connectTimeout is a Timeout", () =>
    Effect.gen(function*() {
      // A TCP listener that never answers the TLS handshake.
      const silent = yield* tcpServer(() => undefined)
      const server = yield* OvsdbServer.start({ tls: true })
      const pki = server.pki!
      const error = yield* Effect.flip(listDbs({
        remote: silent.replace("tcp:", "ssl:"),
        connectTimeout: "300 millis",
        tls: { privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.caCert }
      }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.reason, "Timeout")
    }), 60_000)

  it.live("a key or certificate that is not PEM is a Tls error, not a crash", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ tls: true })
      const pki = server.pki!
      const error = yield* Effect.flip(listDbs({
        remote: server.ssl!,
        tls: { privateKey: pki.caCert, certificate: pki.clientCert, caCert: pki.caCert }
      }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.reason, "Tls")
    }), 60_000)

  it.live("missing PEM files are a Tls error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(listDbs({
        remote: "ssl:127.0.0.1:1",
        tls: { privateKey: "/nonexistent/key.pem", certificate: "/nonexistent/cert.pem", caCert: "/nonexistent/ca.pem" }
      }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.include(error.detail, "cannot read PEM files")
    }))

  it.live("a bad remote is a RemoteParseError before anything is dialled", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(listDbs({ remote: "http://example" }))
      assert.strictEqual(error._tag, "RemoteParseError")
    }))

  it.live("a remote list connects to the first remote that answers", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start()
      const dbs = yield* listDbs({ remote: `${missingSocket()},${server.tcp}` })
      assert.include([...dbs], "_Server")
    }), 60_000)

  it.live("a remote list whose every remote fails reports each remote's failure", () =>
    Effect.gen(function*() {
      const missing = missingSocket()
      const silent = yield* tcpServer(() => undefined)
      const list = `${missing},${silent.replace("tcp:", "ssl:")}`
      const server = yield* OvsdbServer.start({ tls: true })
      const pki = server.pki!
      const error = yield* Effect.flip(listDbs({
        remote: list,
        connectTimeout: "300 millis",
        tls: { privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.caCert }
      }))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.remote, list)
      assert.include(error.detail, `${missing}: Connect: `)
      assert.include(error.detail, `${silent.replace("tcp:", "ssl:")}: Timeout: `)
      const each = error.cause as ReadonlyArray<{ readonly remote: string; readonly reason: string }>
      assert.deepStrictEqual(each.map((failure) => [failure.remote, failure.reason]), [
        [missing, "Connect"],
        [silent.replace("tcp:", "ssl:"), "Timeout"]
      ])
    }), 60_000)

  it.live("connectRetry tries again until the server is there", () =>
    Effect.gen(function*() {
      const path = Path.join(Os.tmpdir(), `effect-ovsdb-late-${process.pid}.sock`)
      const late = yield* Effect.forkChild(
        Effect.sleep("300 millis").pipe(
          Effect.andThen(netServer({ path }, (socket) =>
            socket.on("data", (data) => {
              const { id } = JSON.parse(data.toString("utf8")) as { id: number }
              socket.write(JSON.stringify({ id, result: ["Late"], error: null }))
            }))),
          Effect.andThen(Effect.never)
        )
      )
      const dbs = yield* listDbs({
        remote: `unix:${path}`,
        connectRetry: Schedule.spaced("100 millis").pipe(Schedule.upTo({ times: 30 }))
      })
      assert.deepStrictEqual(dbs, ["Late"])
      yield* Fiber.interrupt(late)
    }))
})

describe("a broken byte stream", () => {
  const garbage = [
    ["malformed JSON", "{\"id\":0,\"result\":tru}", "Malformed"],
    ["valid JSON that is not JSON-RPC", "[1,2,3]", "NotJsonRpc"]
  ] as const
  for (const [what, reply, reason] of garbage) {
    it.live(`${what} closes the connection and fails the waiting call`, () =>
      Effect.gen(function*() {
        const remote = yield* fakeServer(() => reply)
        const error = yield* Effect.flip(listDbs({ remote }))
        assert.strictEqual(error._tag, "ConnectionClosed")
        if (error._tag === "ConnectionClosed") assert.include(error.detail, reason)
      }))
  }

  it.live("a reply larger than maxFrameBytes closes the connection", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start()
      const error = yield* Effect.flip(
        Ovsdb.Ovsdb.use((ovsdb) => ovsdb.getSchemaJson("OVN_Northbound")).pipe(
          Effect.provide(Ovsdb.layerConnection({ remote: server.unix, maxFrameBytes: 4096 }))
        )
      )
      assert.strictEqual(error._tag, "ConnectionClosed")
      if (error._tag === "ConnectionClosed") assert.include(error.detail, "TooLarge")
    }), 60_000)

  it.live("a connection closed by the peer fails the waiting call", () =>
    Effect.gen(function*() {
      const remote = yield* tcpServer((socket) => socket.on("data", () => socket.destroy()))
      const error = yield* Effect.flip(listDbs({ remote }))
      assert.strictEqual(error._tag, "ConnectionClosed")
    }))

  it.live("a reply that is not what the method promises is a ProtocolError", () =>
    Effect.gen(function*() {
      const remote = yield* fakeServer((request) => {
        const { id } = JSON.parse(request) as { id: number }
        return JSON.stringify({ id, result: { not: "a list" }, error: null })
      })
      const error = yield* Effect.flip(listDbs({ remote }))
      assert.strictEqual(error._tag, "ProtocolError")
    }))
})
