/**
 * A real `ovsdb-server` for tests, and the real Open vSwitch tools to cross-check against it.
 *
 * `OvsdbServer.start(options)` is a scoped program: it makes a temp dir, creates the chosen
 * databases there with `ovsdb-tool create` from the schemas the Debian packages install, and runs
 * `ovsdb-server` as a child process listening on a unix socket and a loopback TCP port (plus mutual
 * TLS with `tls: true`, with a CA and certificates made here by `openssl`). It succeeds once the
 * server accepts connections. Closing the scope stops the server and removes the directory.
 *
 * Every listener binds port 0, so test files running in parallel never race for a port; the bound
 * port is read back from the server's log. All waiting uses real time, so a test running under
 * `TestClock` cannot stall the fixture.
 *
 * ```ts
 * import { it } from "@effect/vitest"
 *
 * it.live("ovs-vsctl sees our bridge", () =>
 *   Effect.gen(function*() {
 *     const server = yield* OvsdbServer.start({ tls: true })
 *     yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "init"])
 *     const bridges = yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "list-br"])
 *   }))
 *
 * // or one server for a whole block:
 * layer(OvsdbServer.layer())("…", (it) => { it.effect("…", () => OvsdbServer.use((server) => …)) })
 * ```
 */
import { Context, Data, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

/** The schema file each database is created from, where the Debian packages install it. */
export const SCHEMAS = {
  Open_vSwitch: "/usr/share/openvswitch/vswitch.ovsschema",
  OVN_Northbound: "/usr/share/ovn/ovn-nb.ovsschema",
  OVN_Southbound: "/usr/share/ovn/ovn-sb.ovsschema"
} as const

/** A database the fixture can serve (besides `_Server`, which every ovsdb-server has). */
export type DatabaseName = keyof typeof SCHEMAS

/** What a test may ask of the server. */
export interface StartOptions {
  /** The databases to create and serve; default `["Open_vSwitch", "OVN_Northbound"]`. */
  readonly databases?: ReadonlyArray<DatabaseName>
  /** Also listen for mutual TLS (`pssl:`), with certificates made for this server. */
  readonly tls?: boolean
  /** Create each database as a one-member Raft cluster (`ovsdb-tool create-cluster`), not standalone. */
  readonly clustered?: boolean
}

/** PEM files for a TLS client: the CA, a client it signed, and a self-signed client it does not trust. */
export interface Pki {
  readonly caCert: string
  readonly clientKey: string
  readonly clientCert: string
  readonly untrustedKey: string
  readonly untrustedCert: string
  /** A client certificate the CA signed that expired yesterday. */
  readonly expiredKey: string
  readonly expiredCert: string
}

/** A running server: its remotes in OVS syntax, and where its files are. */
export interface Server {
  /** The temp dir holding the databases, sockets, log and certificates. */
  readonly dir: string
  /** The databases served, in the order given. */
  readonly databases: ReadonlyArray<DatabaseName>
  /** The unix socket's path. */
  readonly unixPath: string
  /** `unix:PATH` */
  readonly unix: string
  /** The loopback TCP port. */
  readonly tcpPort: number
  /** `tcp:127.0.0.1:PORT` */
  readonly tcp: string
  /** The loopback TLS port, with `tls: true`. */
  readonly sslPort?: number
  /** `ssl:127.0.0.1:PORT`, with `tls: true`. */
  readonly ssl?: string
  /** Client certificates, with `tls: true`. */
  readonly pki?: Pki
  /** The server's unixctl socket, for `ovs-appctl -t`. */
  readonly ctl: string
  /** The server's log file. */
  readonly log: string
  /** The server's process id. */
  readonly pid: number
}

/** The outcome of running a tool to completion. */
export interface ToolResult {
  /** The exit code, or -1 when the tool was killed by a signal. */
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Why the fixture or a tool failed: a missing program, a server that did not start, a non-zero exit. */
export class FixtureError extends Data.TaggedError("FixtureError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

const INSTALL_HINT = "install it with `apt-get install -y openvswitch-switch ovn-central` (or run bash .ci/run)"
export const STARTUP_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000
/** `sun_path` holds 108 bytes with the terminating NUL; Node cannot connect to longer paths. */
export const MAX_SOCKET_PATH_BYTES = 107

/** Runs a program to completion and collects its output; a missing program fails with how to install it. */
export const runToolResult = (
  command: string,
  args: ReadonlyArray<string>,
  options?: { readonly input?: string }
): Effect.Effect<ToolResult, FixtureError> =>
  Effect.callback<ToolResult, FixtureError>((resume) => {
    const child = ChildProcess.spawn(command, args, {
      stdio: [options?.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.on("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.fail(
        error.code === "ENOENT"
          ? new FixtureError({ message: `${command} not found: ${INSTALL_HINT}` })
          : new FixtureError({ message: `${command}: ${error.message}`, cause: error })
      )))
    child.on("close", (code) => resume(Effect.succeed({ code: code ?? -1, stdout, stderr })))
    if (options?.input !== undefined) {
      child.stdin?.on("error", () => undefined) // a tool may exit before reading its input
      child.stdin?.end(options.input)
    }
    return Effect.sync(() => child.kill("SIGKILL")) // interrupted, e.g. by a test's timeout
  })

/** Runs a program and returns its stdout; a non-zero exit fails with its stderr. */
export const runTool = (
  command: string,
  args: ReadonlyArray<string>,
  options?: { readonly input?: string }
): Effect.Effect<string, FixtureError> =>
  Effect.flatMap(runToolResult(command, args, options), (result) =>
    result.code === 0
      ? Effect.succeed(result.stdout)
      : Effect.fail(
        new FixtureError({ message: `${command} ${args.join(" ")} exited ${result.code}: ${result.stderr.trim()}` })
      ))

/** Whether a process with this pid is running (signal 0 tests for it without sending anything). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits in real time, whatever clock the test provides. */
export const pause = (millis: number) =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

export const attempt = <A>(what: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new FixtureError({ message: `${what}: ${String(cause)}`, cause }) })

/** Whether something accepts a connection at this address right now. */
export const accepts = (address: Net.NetConnectOpts) =>
  Effect.callback<boolean>((resume) => {
    const socket = Net.createConnection(address)
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
    return Effect.sync(() => socket.destroy())
  })

/** The server's log so far ("" before it exists). */
export const readLog = (log: string) => Effect.promise(() => Fs.promises.readFile(log, "utf8").catch(() => ""))

/** The ports the server reports binding, in order (`socket_util|INFO|…: listening on port N`). */
const boundPorts = (log: string) =>
  Array.from(log.matchAll(/\|socket_util\|INFO\|.*: listening on port (\d+)$/gm), (match) => Number(match[1]))

export const tail = (text: string) => text.trimEnd().split("\n").slice(-20).join("\n")

const OPENSSL_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = effect-ovsdb-test
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
`

/**
 * A CA, a server and a client certificate it signed, a self-signed client certificate, and a client
 * certificate the CA signed that has expired (P-256 keys: fast).
 */
const makePki = (dir: string) =>
  Effect.gen(function*() {
    const file = (name: string) => Path.join(dir, name)
    yield* attempt("writing openssl.cnf", () => Fs.writeFileSync(file("openssl.cnf"), OPENSSL_CONFIG))
    const certificate = (name: string, extensions: string, signer?: string) =>
      runTool("openssl", [
        "req",
        "-config",
        file("openssl.cnf"),
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
        "-extensions",
        extensions,
        ...(signer === undefined ? [] : ["-CA", file(`${signer}-cert.pem`), "-CAkey", file(`${signer}-key.pem`)]),
        "-keyout",
        file(`${name}-key.pem`),
        "-out",
        file(`${name}-cert.pem`)
      ])
    // `x509 -req -days -1` signs a certificate whose validity ended a day before it began.
    const expired = runTool("openssl", [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=expired",
      "-keyout",
      file("expired-key.pem"),
      "-out",
      file("expired.csr")
    ]).pipe(Effect.andThen(runTool("openssl", [
      "x509",
      "-req",
      "-in",
      file("expired.csr"),
      "-CA",
      file("ca-cert.pem"),
      "-CAkey",
      file("ca-key.pem"),
      "-set_serial",
      "1",
      "-days",
      "-1",
      "-extfile",
      file("openssl.cnf"),
      "-extensions",
      "v3_leaf",
      "-out",
      file("expired-cert.pem")
    ])))
    yield* certificate("ca", "v3_ca")
    yield* Effect.all([
      certificate("server", "v3_leaf", "ca"),
      certificate("client", "v3_leaf", "ca"),
      certificate("untrusted", "v3_leaf"),
      expired
    ], { concurrency: "unbounded" })
    return {
      serverArgs: [
        `--private-key=${file("server-key.pem")}`,
        `--certificate=${file("server-cert.pem")}`,
        `--ca-cert=${file("ca-cert.pem")}`
      ],
      pki: {
        caCert: file("ca-cert.pem"),
        clientKey: file("client-key.pem"),
        clientCert: file("client-cert.pem"),
        untrustedKey: file("untrusted-key.pem"),
        untrustedCert: file("untrusted-cert.pem"),
        expiredKey: file("expired-key.pem"),
        expiredCert: file("expired-cert.pem")
      } satisfies Pki
    }
  })

/** Fails clearly when a program the fixture needs is missing. */
export const requireProgram = (command: string) =>
  runToolResult(command, ["--version"]).pipe(
    Effect.filterOrFail(
      (result) => result.code === 0,
      (result) => new FixtureError({ message: `${command} --version failed: ${result.stderr.trim()}` })
    )
  )

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited within 5 s; waits for its exit. */
export const stopChild = (child: ChildProcess.ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Runs ovsdb-server until the scope closes (`stopChild`). */
export const spawnServer = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly child: ChildProcess.ChildProcess; readonly stderr: () => string }, FixtureError>(
      (resume) => {
        const child = ChildProcess.spawn("ovsdb-server", args, { stdio: ["ignore", "ignore", "pipe"] })
        let stderr = "" // fatal errors before the log file opens; kept short
        child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4096)))
        child.once("spawn", () => resume(Effect.succeed({ child, stderr: () => stderr })))
        child.once("error", (error) =>
          resume(Effect.fail(new FixtureError({ message: `ovsdb-server: ${error.message}`, cause: error }))))
      }
    ),
    ({ child }) =>
      stopChild(child)
  )

/**
 * Polls until the database socket and the unixctl socket accept and the log shows `count` bound
 * ports; fails with the log tail. (The unixctl socket can appear after the database's listeners,
 * so a test that goes straight to ovs-appctl would otherwise race it.)
 */
const waitForListeners = (
  server: { readonly child: ChildProcess.ChildProcess; readonly stderr: () => string },
  paths: { readonly unixPath: string; readonly ctl: string; readonly log: string },
  count: number
) =>
  Effect.gen(function*() {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS
    while (true) {
      const { exitCode, signalCode } = server.child
      const exited = exitCode !== null || signalCode !== null
      const log = yield* readLog(paths.log)
      const ports = boundPorts(log)
      if (
        !exited && ports.length >= count && (yield* accepts({ path: paths.unixPath })) &&
        (yield* accepts({ path: paths.ctl }))
      ) return ports
      if (exited || Date.now() > deadline) {
        const why = exited
          ? `exited (${exitCode ?? signalCode})`
          : `did not start within ${STARTUP_TIMEOUT_MS / 1000} s`
        const output = [tail(log), tail(server.stderr())].filter((text) => text !== "").join("\n")
        return yield* new FixtureError({ message: `ovsdb-server ${why}:\n${output || "(it wrote no log)"}` })
      }
      yield* pause(10)
    }
  })

/** A loopback TCP port that was free a moment ago. */
export const freePort = Effect.callback<number, FixtureError>((resume) => {
  const probe = Net.createServer()
  probe.once("error", (cause) => resume(Effect.fail(new FixtureError({ message: "no free port", cause }))))
  probe.listen({ host: "127.0.0.1", port: 0 }, () => {
    const { port } = probe.address() as Net.AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/** Starts a server; it is stopped and its directory removed when the scope closes. */
const start = Effect.fn("OvsdbServer.start")(function*(options?: StartOptions) {
  yield* requireProgram("ovsdb-server")
  const databases = options?.databases ?? ["Open_vSwitch", "OVN_Northbound"]
  for (const name of databases) {
    if (!Fs.existsSync(SCHEMAS[name])) {
      return yield* new FixtureError({ message: `schema ${SCHEMAS[name]} for ${name} not found: ${INSTALL_HINT}` })
    }
  }
  const dir = yield* Effect.acquireRelease(
    attempt("creating a temp dir", () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "ovsdb-"))),
    (dir) => Effect.promise(() => Fs.promises.rm(dir, { recursive: true, force: true }))
  )
  const unixPath = Path.join(dir, "db.sock")
  const ctl = Path.join(dir, "ovsdb-server.ctl")
  const log = Path.join(dir, "ovsdb-server.log")
  for (const socket of [unixPath, ctl]) {
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
      return yield* new FixtureError({
        message:
          `socket path ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes: set TMPDIR to a shorter directory`
      })
    }
  }
  const files = databases.map((name) => Path.join(dir, `${name}.db`))
  // A cluster member's Raft address must be known when it is created; each gets a port the kernel had free.
  const raftPorts = options?.clustered === true ? yield* Effect.forEach(databases, () => freePort) : []
  yield* Effect.forEach(
    databases,
    (name, i) =>
      runTool(
        "ovsdb-tool",
        options?.clustered === true
          ? ["create-cluster", files[i]!, SCHEMAS[name], `tcp:127.0.0.1:${raftPorts[i]}`]
          : ["create", files[i]!, SCHEMAS[name]]
      ),
    { concurrency: "unbounded" }
  )
  const tls = options?.tls === true ? yield* makePki(dir) : undefined
  const server = yield* spawnServer([
    "--no-chdir",
    "-vconsole:off",
    "-vfile:info",
    `--log-file=${log}`,
    `--pidfile=${Path.join(dir, "ovsdb-server.pid")}`,
    `--unixctl=${ctl}`,
    `--remote=punix:${unixPath}`,
    "--remote=ptcp:0:127.0.0.1",
    ...(tls?.serverArgs ?? []),
    ...files
  ])
  const [tcpPort = 0] = yield* waitForListeners(server, { unixPath, ctl, log }, 1)
  // TCP and TLS listeners log the same "0:127.0.0.1: listening on port N": adding TLS second tells them apart.
  const secure = tls === undefined ? {} : yield* runTool("ovs-appctl", [
    "-t",
    ctl,
    "ovsdb-server/add-remote",
    "pssl:0:127.0.0.1"
  ]).pipe(
    Effect.andThen(waitForListeners(server, { unixPath, ctl, log }, 2)),
    Effect.map(([, sslPort = 0]) => ({ sslPort, ssl: `ssl:127.0.0.1:${sslPort}`, pki: tls.pki }))
  )
  return {
    dir,
    databases,
    unixPath,
    unix: `unix:${unixPath}`,
    tcpPort,
    tcp: `tcp:127.0.0.1:${tcpPort}`,
    ...secure,
    ctl,
    log,
    pid: server.child.pid ?? 0
  } satisfies Server
})

/** A running server as a service: `OvsdbServer.start` in a test, `OvsdbServer.layer` for a `layer(...)` block. */
export class OvsdbServer extends Context.Service<OvsdbServer, Server>()("test/OvsdbServer") {
  /** Starts a server in the current scope. */
  static readonly start: (options?: StartOptions) => Effect.Effect<Server, FixtureError, Scope.Scope> = start
  /** A layer holding one server for as long as the layer lives. */
  static readonly layer = (options?: StartOptions): Layer.Layer<OvsdbServer, FixtureError> =>
    Layer.effect(OvsdbServer, start(options))
}
