/**
 * The real-server fixture itself: it serves the chosen databases on unix, TCP and mutual TLS,
 * refuses an untrusted client certificate, runs the real tools against the server, and leaves
 * nothing behind when its scope closes.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import { isAlive, OvsdbServer, runTool, runToolResult } from "./support/OvsdbServer.js"

const lines = (text: string) => text.split("\n").filter((line) => line !== "")

layer(OvsdbServer.layer({ tls: true }), { excludeTestServices: true })("a TLS server", (it) => {
  it.effect("lists its databases over unix, tcp and ssl", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      const pki = server.pki!
      const tls = [`--private-key=${pki.clientKey}`, `--certificate=${pki.clientCert}`, `--ca-cert=${pki.caCert}`]
      for (const args of [[server.unix], [server.tcp], [...tls, server.ssl!]]) {
        const dbs = yield* runTool("ovsdb-client", ["--timeout=10", "list-dbs", ...args])
        assert.deepStrictEqual(lines(dbs), ["OVN_Northbound", "Open_vSwitch", "_Server"])
      }
      assert.deepStrictEqual(server.databases, ["Open_vSwitch", "OVN_Northbound"])
      assert.strictEqual(server.ssl, `ssl:127.0.0.1:${server.sslPort}`)
      assert.notStrictEqual(server.sslPort, server.tcpPort)
    }))

  it.effect("refuses a client certificate its CA did not sign", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      const pki = server.pki!
      const result = yield* runToolResult("ovsdb-client", [
        `--private-key=${pki.untrustedKey}`,
        `--certificate=${pki.untrustedCert}`,
        `--ca-cert=${pki.caCert}`,
        "--timeout=10",
        "list-dbs",
        server.ssl!
      ])
      assert.notStrictEqual(result.code, 0)
      assert.notInclude(result.stdout, "OVN_Northbound")
    }))

  it.effect("runs the real tools against it", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer
      yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "init"])
      yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "add-br", "br0"])
      assert.deepStrictEqual(lines(yield* runTool("ovs-vsctl", [`--db=${server.tcp}`, "list-br"])), ["br0"])
      yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "ls-add", "ls0"])
      assert.include(yield* runTool("ovn-nbctl", [`--db=${server.tcp}`, "ls-list"]), "(ls0)")
      const remotes = yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/list-remotes"])
      assert.include(remotes, `punix:${server.unixPath}`)
      const failed = yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "add-br", "br0"]).pipe(
        Effect.flip
      )
      assert.include(failed.message, "already exists")
    }))
})

describe("OvsdbServer.start", () => {
  it.live("serves only the databases asked for, without TLS", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start({ databases: ["OVN_Southbound"] })
      assert.deepStrictEqual(lines(yield* runTool("ovsdb-client", ["list-dbs", server.tcp])), [
        "OVN_Southbound",
        "_Server"
      ])
      assert.isUndefined(server.ssl)
      assert.isUndefined(server.pki)
    }))

  it.live("stops the server and removes its directory when the scope closes", () =>
    Effect.gen(function*() {
      const server = yield* Effect.scoped(OvsdbServer.start({ tls: true }))
      assert.isFalse(Fs.existsSync(server.dir))
      assert.isFalse(isAlive(server.pid))
      const result = yield* runToolResult("ovsdb-client", ["--timeout=5", "list-dbs", server.tcp])
      assert.notStrictEqual(result.code, 0)
    }))

  it.effect("starts under TestClock too (it waits in real time)", () =>
    Effect.gen(function*() {
      const server = yield* OvsdbServer.start()
      assert.include(yield* runTool("ovsdb-client", ["list-dbs", server.unix]), "Open_vSwitch")
    }))

  it.live("fails, and says how to install it, when ovsdb-server is missing", () =>
    Effect.gen(function*() {
      const path = process.env["PATH"]
      const error = yield* Effect.acquireUseRelease(
        Effect.sync(() => (process.env["PATH"] = "")),
        () => Effect.flip(Effect.scoped(OvsdbServer.start())),
        () => Effect.sync(() => (process.env["PATH"] = path))
      )
      assert.strictEqual(
        error.message,
        "ovsdb-server not found: install it with `apt-get install -y openvswitch-switch ovn-central` (or run bash .ci/run)"
      )
    }))
})
