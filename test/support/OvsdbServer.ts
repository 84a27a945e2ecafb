/**
 * A real ovsdb-server for tests: started in a temp dir, serving Open_vSwitch and OVN_Northbound on
 * a unix socket and a loopback TCP port (and mutual TLS on request), stopped and removed when its
 * scope closes. Also runs the real Open vSwitch tools (`ovs-vsctl`, `ovn-nbctl`, `ovsdb-client`)
 * for cross-checks.
 *
 * ```ts
 * it.live("…", () => Effect.gen(function*() {
 *   const server = yield* OvsdbServer.start({ tls: true })
 *   yield* runTool("ovs-vsctl", [`--db=${server.unix}`, "--no-wait", "add-br", "br0"])
 * }))
 * ```
 */
import { Context, Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

/** Where the Debian packages put the schemas. */
export const SCHEMAS = {
  Open_vSwitch: "/usr/share/openvswitch/vswitch.ovsschema",
  OVN_Northbound: "/usr/share/ovn/ovn-nb.ovsschema",
  OVN_Southbound: "/usr/share/ovn/ovn-sb.ovsschema"
} as const

/** A database the fixture can serve. */
export type DatabaseName = keyof typeof SCHEMAS

/** What a test may ask of the server. */
export interface StartOptions {
  /** Default: Open_vSwitch and OVN_Northbound. */
  readonly databases?: ReadonlyArray<DatabaseName>
  /** Also listen for mutual TLS (`pssl:`), with a CA, server and client certificates made here. */
  readonly tls?: boolean
}

/** PEM files made for a TLS server: the CA, a client it signed, and a client signed by another CA. */
export interface Pki {
  readonly caCert: string
  readonly clientKey: string
  readonly clientCert: string
  readonly untrustedKey: string
  readonly untrustedCert: string
}

/** A running server. */
export interface Server {
  readonly dir: string
  readonly unixPath: string
  /** `unix:PATH` */
  readonly unix: string
  readonly tcpPort: number
  /** `tcp:127.0.0.1:PORT` */
  readonly tcp: string
  /** `ssl:127.0.0.1:PORT`, with `tls: true` */
  readonly ssl?: string
  readonly pki?: Pki
  /** The server's unixctl socket, for ovs-appctl. */
  readonly ctl: string
  readonly pid: number
}

/** The outcome of running a tool. */
export interface ToolResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const INSTALL_HINT = "install it with `apt-get install -y openvswitch-switch ovn-central` (or run bash .ci/run)"

/** Runs a program to completion and collects its output; a missing program is a clear failure. */
export const runToolResult = (
  command: string,
  args: ReadonlyArray<string>,
  options?: { readonly input?: string }
): Effect.Effect<ToolResult, Error> =>
  Effect.callback<ToolResult, Error>((resume) => {
    const child = ChildProcess.spawn(command, args, {
      stdio: [options?.input === undefined ? "ignore" : "pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text))
    child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text))
    child.on("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.fail(
        error.code === "ENOENT" ? new Error(`${command} not found: ${INSTALL_HINT}`) : error
      )))
    child.on("close", (code) => resume(Effect.succeed({ code: code ?? -1, stdout, stderr })))
    if (options?.input !== undefined) {
      child.stdin?.on("error", () => undefined) // a tool may exit before reading its input
      child.stdin?.end(options.input)
    }
  })

/** Runs a program and returns its stdout; a non-zero exit fails with its stderr. */
export const runTool = (command: string, args: ReadonlyArray<string>): Effect.Effect<string, Error> =>
  Effect.flatMap(runToolResult(command, args), (result) =>
    result.code === 0
      ? Effect.succeed(result.stdout)
      : Effect.fail(new Error(`${command} ${args.join(" ")} exited ${result.code}: ${result.stderr.trim()}`)))

const sync = <A>(f: () => A) => Effect.try({ try: f, catch: (error) => error as Error })

/** A TCP port the kernel just had free on the loopback interface. */
const freePort = Effect.callback<number, Error>((resume) => {
  const probe = Net.createServer()
  probe.once("error", (error) => resume(Effect.fail(error)))
  probe.listen({ host: "127.0.0.1", port: 0 }, () => {
    const { port } = probe.address() as Net.AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

const canConnect = (options: Net.NetConnectOpts) =>
  Effect.callback<boolean>((resume) => {
    const socket = Net.createConnection(options)
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
  })

const OPENSSL_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = effect-ovsdb-test
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
`

/** A CA, a server and a client certificate it signed, and a client certificate signed by another CA. */
const makePki = (dir: string) =>
  Effect.gen(function*() {
    const config = Path.join(dir, "openssl.cnf")
    yield* sync(() => Fs.writeFileSync(config, OPENSSL_CONFIG))
    const file = (name: string) => Path.join(dir, name)
    const ca = (name: string) =>
      runTool("openssl", [
        "req",
        "-config",
        config,
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
        "-extensions",
        "v3_ca",
        "-keyout",
        file(`${name}-key.pem`),
        "-out",
        file(`${name}-cert.pem`)
      ])
    const leaf = (name: string, signer: string) =>
      Effect.andThen(
        runTool("openssl", [
          "req",
          "-config",
          config,
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          `/CN=${name}`,
          "-keyout",
          file(`${name}-key.pem`),
          "-out",
          file(`${name}-req.pem`)
        ]),
        runTool("openssl", [
          "x509",
          "-req",
          "-in",
          file(`${name}-req.pem`),
          "-CA",
          file(`${signer}-cert.pem`),
          "-CAkey",
          file(`${signer}-key.pem`),
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          config,
          "-extensions",
          "v3_leaf",
          "-out",
          file(`${name}-cert.pem`)
        ])
      )
    yield* Effect.all([ca("ca"), ca("rogue-ca")], { concurrency: 2 })
    yield* Effect.all([leaf("server", "ca"), leaf("client", "ca"), leaf("rogue-client", "rogue-ca")], {
      concurrency: 3
    })
    return {
      caCert: file("ca-cert.pem"),
      serverKey: file("server-key.pem"),
      serverCert: file("server-cert.pem"),
      pki: {
        caCert: file("ca-cert.pem"),
        clientKey: file("client-key.pem"),
        clientCert: file("client-cert.pem"),
        untrustedKey: file("rogue-client-key.pem"),
        untrustedCert: file("rogue-client-cert.pem")
      } satisfies Pki
    }
  })

const waitUntilReady = (server: Server, child: ChildProcess.ChildProcess, log: string) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (child.exitCode !== null) break
      const ready = (yield* canConnect({ path: server.unixPath })) &&
        (yield* canConnect({ host: "127.0.0.1", port: server.tcpPort }))
      if (ready) return
      yield* Effect.sleep("50 millis")
    }
    const tail = yield* sync(() =>
      Fs.existsSync(log) ? Fs.readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : ""
    )
    return yield* Effect.fail(new Error(`ovsdb-server did not start in ${server.dir}:\n${tail}`))
  })

const stop = (child: ChildProcess.ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Starts a server; it is stopped and its directory removed when the scope closes. */
const start = (options?: StartOptions) =>
  Effect.gen(function*() {
    yield* runToolResult("ovsdb-server", ["--version"]).pipe(
      Effect.filterOrFail((result) => result.code === 0, () => new Error(`ovsdb-server not usable: ${INSTALL_HINT}`))
    )
    const dir = yield* Effect.acquireRelease(
      sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "ovsdb-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const databases = options?.databases ?? ["Open_vSwitch", "OVN_Northbound"]
    const files = databases.map((name) => Path.join(dir, `${name}.db`))
    yield* Effect.forEach(databases, (name, i) => runTool("ovsdb-tool", ["create", files[i]!, SCHEMAS[name]]), {
      concurrency: "unbounded"
    })
    const tcpPort = yield* freePort
    const sslPort = options?.tls === true ? yield* freePort : undefined
    const tls = options?.tls === true ? yield* makePki(dir) : undefined
    const unixPath = Path.join(dir, "db.sock")
    const ctl = Path.join(dir, "ovsdb-server.ctl")
    const log = Path.join(dir, "ovsdb-server.log")
    const args = [
      "--no-chdir",
      "-vconsole:off",
      "-vfile:info",
      `--log-file=${log}`,
      `--pidfile=${Path.join(dir, "ovsdb-server.pid")}`,
      `--unixctl=${ctl}`,
      `--remote=punix:${unixPath}`,
      `--remote=ptcp:${tcpPort}:127.0.0.1`,
      ...(tls === undefined ? [] : [
        `--remote=pssl:${sslPort}:127.0.0.1`,
        `--private-key=${tls.serverKey}`,
        `--certificate=${tls.serverCert}`,
        `--ca-cert=${tls.caCert}`
      ]),
      ...files
    ]
    const child = yield* Effect.acquireRelease(
      sync(() => ChildProcess.spawn("ovsdb-server", args, { stdio: "ignore" })),
      stop
    )
    const server: Server = {
      dir,
      unixPath,
      unix: `unix:${unixPath}`,
      tcpPort,
      tcp: `tcp:127.0.0.1:${tcpPort}`,
      ...(tls === undefined ? {} : { ssl: `ssl:127.0.0.1:${sslPort}`, pki: tls.pki }),
      ctl,
      pid: child.pid ?? -1
    }
    yield* waitUntilReady(server, child, log)
    return server
  })

/** The server as a service, for `layer(...)` in tests. */
export class OvsdbServer extends Context.Service<OvsdbServer, Server>()("test/OvsdbServer") {
  static readonly start = start
}
