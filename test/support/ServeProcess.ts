/**
 * `effect-ovsdb serve` as a process, for tests that point real clients at it: the built command
 * (`BuiltPackage`) serving the schemas given on a unix socket in a temp dir and a loopback TCP port
 * (plus TLS with `tls`), started and ready when the scoped program succeeds, and stopped by its pid
 * (SIGTERM, then SIGKILL after 5 s) when the scope closes.
 *
 * ```ts
 * const serve = yield* ServeProcess.start(dist, { databases: ["OVN_Northbound"] })
 * yield* runTool("ovn-nbctl", [`--db=${serve.unix}`, "ls-add", "ls0"])
 * ```
 */
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { DatabaseName, Server } from "./OvsdbServer.js"
import { attempt, FixtureError, pause, SCHEMAS, stopChild } from "./OvsdbServer.js"

/** A running `effect-ovsdb serve`: its remotes, as an ovsdb-server's. */
export interface Serve
  extends Pick<Server, "dir" | "unixPath" | "unix" | "tcpPort" | "tcp" | "sslPort" | "ssl" | "pid">
{
  /** What it wrote on stderr so far. */
  readonly stderr: () => string
  /** Whether it has exited, and how. */
  readonly exited: () => { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined
  /** Sends SIGTERM and waits for the process to exit (at most 5 s, then SIGKILL). */
  readonly stop: Effect.Effect<void>
}

/** The TLS files for `pssl:`: the server's key and certificate, and the CA that signed the clients'. */
export interface ServerTls {
  readonly privateKey: string
  readonly certificate: string
  readonly caCert: string
}

const STARTUP_TIMEOUT_MS = 20_000

/** Starts `node DIST/src/cli/main.js serve` on a unix socket and loopback TCP (and TLS) for the scope. */
export const start = (
  dist: string,
  options: { readonly databases: ReadonlyArray<DatabaseName>; readonly tls?: ServerTls }
) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      attempt("creating a temp dir", () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "serve-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const unixPath = Path.join(dir, "db.sock")
    const tls = options.tls
    const args = [
      Path.join(dist, "src", "cli", "main.js"),
      "serve",
      `--remote=punix:${unixPath}`,
      "--remote=ptcp:0:127.0.0.1",
      ...(tls === undefined ? [] : [
        "--remote=pssl:0:127.0.0.1",
        `--private-key=${tls.privateKey}`,
        `--certificate=${tls.certificate}`,
        `--ca-cert=${tls.caCert}`
      ]),
      ...options.databases.map((name) => SCHEMAS[name])
    ]
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => ChildProcess.spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })),
      stopChild
    )
    let stderr = ""
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    const ports = () => Array.from(stderr.matchAll(/listening on port (\d+)/g), (match) => Number(match[1]))
    const expected = tls === undefined ? 1 : 2
    const deadline = Date.now() + STARTUP_TIMEOUT_MS
    while (!stderr.includes("effect-ovsdb: serving ")) {
      if (child.exitCode !== null || Date.now() > deadline) {
        return yield* new FixtureError({ message: `effect-ovsdb serve did not start:\n${stderr}` })
      }
      yield* pause(20)
    }
    const [tcpPort = 0, sslPort] = ports()
    if (ports().length < expected) return yield* new FixtureError({ message: `no port in:\n${stderr}` })
    return {
      dir,
      unixPath,
      unix: `unix:${unixPath}`,
      tcpPort,
      tcp: `tcp:127.0.0.1:${tcpPort}`,
      ...(sslPort === undefined ? {} : { sslPort, ssl: `ssl:127.0.0.1:${sslPort}` }),
      pid: child.pid ?? 0,
      stderr: () => stderr,
      exited: () =>
        child.exitCode === null && child.signalCode === null
          ? undefined
          : { code: child.exitCode, signal: child.signalCode },
      stop: stopChild(child)
    } satisfies Serve
  })
