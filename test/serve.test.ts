// `effect-ovsdb serve` as a process, with real clients: ovs-vsctl, ovn-nbctl and ovsdb-client print
// the same against it as against ovsdb-server (UUIDs named by order of appearance), the Python IDL
// replicates from it and commits, TLS works as ovsdb-server's, a client that breaks the protocol
// loses only its own connection, and SIGTERM closes it down, its unix socket removed.
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BuiltPackage } from "./support/BuiltPackage.js"
import { eventually } from "./support/eventually.js"
import { OvsdbServer, runToolResult, SCHEMAS } from "./support/OvsdbServer.js"
import { connectUnix } from "./support/rawClient.js"
import * as ServeProcess from "./support/ServeProcess.js"

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** Names UUIDs `<1>`, `<2>`, … by order of first appearance in the text (one side's whole output). */
const nameUuids = (text: string): string => {
  const names = new Map<string, string>()
  return text.replace(UUID, (uuid) => {
    const known = names.get(uuid)
    if (known !== undefined) return known
    const name = `<${names.size + 1}>`
    names.set(uuid, name)
    return name
  })
}

/** An indented tree (a `show`'s output), its siblings sorted, every UUID as `<uuid>`. */
const sortedTree = (text: string): string => {
  interface Node {
    readonly line: string
    readonly children: Array<Node>
  }
  const root: Node = { line: "", children: [] }
  const open: Array<readonly [indent: number, node: Node]> = [[-1, root]]
  for (const line of text.replace(UUID, "<uuid>").split("\n").filter((line) => line !== "")) {
    const indent = line.length - line.trimStart().length
    while (open[open.length - 1]![0] >= indent) open.pop()
    const node: Node = { line, children: [] }
    open[open.length - 1]![1].children.push(node)
    open.push([indent, node])
  }
  const write = (node: Node): string =>
    [node.line, ...node.children.map(write).sort()].filter((part) => part !== "").join("\n")
  return `${write(root)}\n`
}

/**
 * Runs each command on one server and returns every exit code, stdout and stderr, in one text. A
 * `show` lists siblings in the order of their UUIDs, which each server chooses at random: its
 * siblings are compared sorted.
 */
const transcriptOf = (program: string, db: string, commands: ReadonlyArray<ReadonlyArray<string>>) =>
  Effect.gen(function*() {
    const parts: Array<string> = []
    for (const args of commands) {
      const result = yield* runToolResult(program, [`--db=${db}`, ...args])
      const stdout = args.includes("show") ? sortedTree(result.stdout) : result.stdout
      parts.push(`$ ${program} ${args.join(" ")}\n[${result.code}]\n${stdout}${result.stderr}`)
    }
    return nameUuids(parts.join("\n"))
  })

/** A program run in the background for the scope: its output so far, stopped by its pid with SIGTERM. */
const background = (program: string, args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = ChildProcess.spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
      child.stderr.resume()
      return { child, stdout: () => stdout }
    }),
    ({ child }) =>
      Effect.callback<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGTERM")
      })
  )

const VSCTL: ReadonlyArray<ReadonlyArray<string>> = [
  ["--no-wait", "init"],
  ["--no-wait", "add-br", "br0"],
  ["--no-wait", "add-port", "br0", "p1"],
  ["--no-wait", "add-bond", "br0", "bond0", "p2", "p3"],
  ["--no-wait", "add-br", "br1"],
  ["--no-wait", "add-port", "br1", "p4", "tag=10"],
  ["--no-wait", "set", "Bridge", "br0", "other_config:x=y", "stp_enable=true"],
  ["get", "Bridge", "br0", "other_config"],
  ["get", "Bridge", "br0", "other_config:x", "stp_enable"],
  ["find", "Port", "name=p1"],
  ["--columns=name,tag", "find", "Port", "tag=10"],
  ["list", "Interface", "p2"],
  ["list-br"],
  ["list-ports", "br0"],
  ["port-to-br", "p4"],
  ["br-exists", "br9"],
  ["--no-wait", "add-port", "br0", "p1"],
  ["--no-wait", "del-port", "p1"],
  ["--no-wait", "remove", "Bridge", "br0", "other_config", "x"],
  ["--no-wait", "del-br", "br1"],
  ["show"]
]

const NBCTL: ReadonlyArray<ReadonlyArray<string>> = [
  ["init"],
  ["ls-add", "sw0"],
  ["ls-add", "sw1"],
  ["lsp-add", "sw0", "sw0-p1"],
  ["lsp-set-addresses", "sw0-p1", "00:00:00:00:00:01 10.0.0.11"],
  ["lsp-set-port-security", "sw0-p1", "00:00:00:00:00:01 10.0.0.11"],
  ["lsp-add", "sw0", "sw0-p2", "--", "lsp-set-addresses", "sw0-p2", "dynamic"],
  ["lr-add", "lr0"],
  ["lrp-add", "lr0", "lrp0", "00:00:00:00:ff:01", "10.0.0.1/24", "fd00::1/64"],
  ["lsp-add", "sw0", "sw0-lr0"],
  ["lsp-set-type", "sw0-lr0", "router"],
  ["lsp-set-options", "sw0-lr0", "router-port=lrp0"],
  ["acl-add", "sw0", "to-lport", "1000", "ip4.src==10.0.0.0/24", "drop"],
  ["acl-add", "sw0", "from-lport", "900", "ip4", "allow-related"],
  ["acl-list", "sw0"],
  ["lr-nat-add", "lr0", "snat", "172.16.0.1", "10.0.0.0/24"],
  ["lr-nat-add", "lr0", "dnat_and_snat", "172.16.0.10", "10.0.0.11"],
  ["lr-nat-list", "lr0"],
  ["lb-add", "lb0", "10.0.0.100:80", "10.0.0.11:8080,10.0.0.12:8080", "tcp"],
  ["ls-lb-add", "sw0", "lb0"],
  ["lr-lb-add", "lr0", "lb0"],
  ["lb-list"],
  ["ls-lb-list", "sw0"],
  ["ls-list"],
  ["lr-list"],
  ["lsp-list", "sw0"],
  ["lsp-get-addresses", "sw0-p1"],
  ["ls-add", "sw0"],
  ["lsp-add", "nope", "p9"],
  ["show"],
  ["list", "Logical_Switch_Port", "sw0-p1"],
  ["--columns=priority,action,match", "find", "ACL", "priority=1000"],
  ["acl-del", "sw0", "to-lport", "1000", "ip4.src==10.0.0.0/24"],
  ["lsp-del", "sw0-p2"],
  ["lr-nat-del", "lr0", "snat", "10.0.0.0/24"],
  ["ls-del", "sw1"],
  ["show"]
]

layer(BuiltPackage.layer, { timeout: 180_000, excludeTestServices: true })("effect-ovsdb serve", (it) => {
  const serveOf = (databases: ReadonlyArray<"Open_vSwitch" | "OVN_Northbound">) =>
    Effect.flatMap(BuiltPackage, ({ dist }) => ServeProcess.start(dist, { databases }))

  describe("real clients print the same against it as against ovsdb-server", () => {
    it.effect("ovs-vsctl: init, add-br, add-port, add-bond, set, get, find, list, del-port, show", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer.start({ databases: ["Open_vSwitch"] })
        const serve = yield* serveOf(["Open_vSwitch"])
        const expected = yield* transcriptOf("ovs-vsctl", real.unix, VSCTL)
        const actual = yield* transcriptOf("ovs-vsctl", serve.unix, VSCTL)
        assert.strictEqual(actual, expected)
        assert.include(expected, "Port bond0")
      }))

    it.effect("ovn-nbctl: switches, ports, routers, ACLs, NAT, load balancers, show", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
        const serve = yield* serveOf(["OVN_Northbound"])
        const expected = yield* transcriptOf("ovn-nbctl", real.unix, NBCTL)
        const actual = yield* transcriptOf("ovn-nbctl", serve.unix, NBCTL)
        assert.strictEqual(actual, expected)
        assert.include(expected, "dnat_and_snat")
      }))

    it.effect("ovsdb-client: list-dbs, get-schema, transact, dump, monitor, lock", () =>
      Effect.gen(function*() {
        const real = yield* OvsdbServer.start({ databases: ["Open_vSwitch", "OVN_Northbound"] })
        const serve = yield* serveOf(["Open_vSwitch", "OVN_Northbound"])
        // ovsdb-client [OPTIONS] COMMAND SERVER ARGS…
        const client = (remote: string, args: ReadonlyArray<string>) =>
          Effect.map(
            runToolResult(
              "ovsdb-client",
              args.flatMap((arg, i) => i === args.findIndex((arg) => !arg.startsWith("--")) ? [arg, remote] : [arg])
            ),
            (result) => `[${result.code}]\n${result.stdout}${result.stderr}`
          )
        const insert = (uuid: string, name: string) =>
          JSON.stringify(["OVN_Northbound", {
            op: "insert",
            table: "Address_Set",
            uuid,
            row: { name, addresses: ["set", ["10.0.0.1", "10.0.0.2"]] }
          }])
        const oneShot: ReadonlyArray<ReadonlyArray<string>> = [
          ["list-dbs"],
          ["get-schema", "OVN_Northbound"],
          ["get-schema", "_Server"],
          ["get-schema-version", "Open_vSwitch"],
          ["list-tables", "OVN_Northbound"],
          ["list-columns", "OVN_Northbound", "ACL"],
          ["transact", insert("1b2c3d4e-0000-4000-8000-000000000001", "as1")],
          // A UUID already taken (a duplicate name's error names its rows in an order that varies between runs).
          ["transact", insert("1b2c3d4e-0000-4000-8000-000000000001", "as9")],
          [
            "transact",
            "[\"OVN_Northbound\",{\"op\":\"select\",\"table\":\"Address_Set\",\"where\":[],\"columns\":[\"_uuid\",\"name\",\"addresses\"]}]"
          ],
          ["query", "[\"OVN_Northbound\",{\"op\":\"delete\",\"table\":\"Address_Set\",\"where\":[]}]"],
          ["dump", "OVN_Northbound", "Address_Set", "_uuid", "name", "addresses"],
          ["--format=json", "dump", "OVN_Northbound", "Address_Set", "_uuid", "name", "addresses"]
        ]
        for (const args of oneShot) {
          assert.strictEqual(yield* client(serve.unix, args), yield* client(real.unix, args), args.join(" "))
        }

        // monitor: the initial rows, then an insert, a modification and a deletion.
        const monitored = (remote: string) =>
          Effect.scoped(Effect.gen(function*() {
            const monitor = yield* background("ovsdb-client", [
              "monitor",
              remote,
              "OVN_Northbound",
              "Address_Set",
              "name",
              "addresses"
            ])
            yield* eventually("the monitor's initial rows", Effect.sync(() => monitor.stdout().includes("as1")))
            yield* client(remote, ["transact", insert("1b2c3d4e-0000-4000-8000-000000000003", "as2")])
            yield* client(remote, [
              "transact",
              "[\"OVN_Northbound\",{\"op\":\"mutate\",\"table\":\"Address_Set\",\"where\":[[\"name\",\"==\",\"as2\"]],\"mutations\":[[\"addresses\",\"insert\",\"10.0.0.3\"]]}]"
            ])
            yield* client(remote, [
              "transact",
              "[\"OVN_Northbound\",{\"op\":\"delete\",\"table\":\"Address_Set\",\"where\":[[\"name\",\"==\",\"as2\"]]}]"
            ])
            yield* eventually("the deletion", Effect.sync(() => monitor.stdout().includes("delete")))
            return monitor.stdout()
          }))
        const monitorOutput = yield* monitored(real.unix)
        assert.strictEqual(yield* monitored(serve.unix), monitorOutput)
        assert.match(monitorOutput, /insert.*\n.*\n.*old/s)

        // lock: held, stolen by another client, and back when the thief goes.
        const locked = (remote: string) =>
          Effect.scoped(Effect.gen(function*() {
            const holder = yield* background("ovsdb-client", ["lock", remote, "L"])
            yield* eventually("the lock", Effect.sync(() => holder.stdout().includes("locked")))
            yield* Effect.scoped(Effect.gen(function*() {
              const thief = yield* background("ovsdb-client", ["steal", remote, "L"])
              yield* eventually("the theft", Effect.sync(() => thief.stdout().includes("locked")))
              yield* eventually("the stolen notice", Effect.sync(() => holder.stdout().includes("stolen")))
            }))
            yield* eventually("the lock back", Effect.sync(() => holder.stdout().split("locked").length > 2))
            return holder.stdout()
          }))
        const lockOutput = yield* locked(real.unix)
        assert.strictEqual(yield* locked(serve.unix), lockOutput)
        assert.strictEqual(lockOutput, "{\"locked\":true}\nstolen\n[\"L\"]\nlocked\n[\"L\"]\n")
      }))
  })

  it.effect("the Python IDL replicates from it and commits through it", () =>
    Effect.gen(function*() {
      const serve = yield* serveOf(["OVN_Northbound"])
      yield* runToolResult("ovn-nbctl", [`--db=${serve.unix}`, "ls-add", "sw0"])
      // Waits for conditions, each bounded by 20 s: the IDL's first change may be its _Server
      // monitor's, before the switch is in.
      const script = [
        "import sys, time, ovs.db.idl, ovs.poller",
        "helper = ovs.db.idl.SchemaHelper(sys.argv[2])",
        "helper.register_table('Logical_Switch')",
        "idl = ovs.db.idl.Idl(sys.argv[1], helper)",
        "deadline = time.monotonic() + 20",
        "def step():",
        "    if time.monotonic() > deadline: sys.exit('timed out')",
        "    poller = ovs.poller.Poller(); idl.wait(poller); poller.timer_wait(100); poller.block(); idl.run()",
        "names = lambda: sorted(row.name for row in idl.tables['Logical_Switch'].rows.values())",
        "idl.run()",
        "while 'sw0' not in names(): step()",
        "print(names())",
        "txn = ovs.db.idl.Transaction(idl)",
        "txn.insert(idl.tables['Logical_Switch']).name = 'from-idl'",
        "status = txn.commit()",
        "while status == ovs.db.idl.Transaction.INCOMPLETE: step(); status = txn.commit()",
        "print(ovs.db.idl.Transaction.status_to_string(status))",
        "while 'from-idl' not in names(): step()",
        "print(names())",
        "idl.close()"
      ].join("\n")
      // Debian's python3 has the IDL package.
      const result = yield* runToolResult("/usr/bin/python3", [
        "-c",
        script,
        serve.unix,
        SCHEMAS.OVN_Northbound
      ])
      assert.strictEqual(result.stdout, "['sw0']\nsuccess\n['from-idl', 'sw0']\n", result.stderr)
      const listed = yield* runToolResult("ovn-nbctl", [`--db=${serve.unix}`, "ls-list"])
      assert.match(listed.stdout, /\(from-idl\)/)
    }))

  it.effect("serves TLS as ovsdb-server does: a client certificate the CA signed, and no other", () =>
    Effect.gen(function*() {
      // The real server's fixture makes the CA and the certificates.
      const real = yield* OvsdbServer.start({ databases: ["OVN_Northbound"], tls: true })
      const { dist } = yield* BuiltPackage
      const serve = yield* ServeProcess.start(dist, {
        databases: ["OVN_Northbound"],
        tls: {
          privateKey: Path.join(real.dir, "server-key.pem"),
          certificate: Path.join(real.dir, "server-cert.pem"),
          caCert: real.pki!.caCert
        }
      })
      const listDbs = (remote: string, key: string, cert: string) =>
        runToolResult("ovsdb-client", [
          `--private-key=${key}`,
          `--certificate=${cert}`,
          `--ca-cert=${real.pki!.caCert}`,
          "--timeout=5",
          "list-dbs",
          remote
        ])
      const trusted = yield* listDbs(serve.ssl!, real.pki!.clientKey, real.pki!.clientCert)
      assert.strictEqual(trusted.code, 0, trusted.stderr)
      assert.strictEqual(trusted.stdout, (yield* listDbs(real.ssl!, real.pki!.clientKey, real.pki!.clientCert)).stdout)
      const untrusted = yield* listDbs(serve.ssl!, real.pki!.untrustedKey, real.pki!.untrustedCert)
      assert.notStrictEqual(untrusted.code, 0)
      assert.strictEqual(untrusted.stdout, "")
    }))

  it.effect("a malformed frame from one raw client ends that client's session only", () =>
    Effect.gen(function*() {
      const serve = yield* serveOf(["OVN_Northbound"])
      const good = yield* connectUnix({ path: serve.unixPath })
      yield* good.call("monitor_cond", ["OVN_Northbound", "m", { Logical_Switch: [{ columns: ["name"] }] }])
      const bad = yield* connectUnix({ port: serve.tcpPort, host: "127.0.0.1" })
      yield* bad.send("{\"method\":\"list_dbs\",\"params\":[],\"id\":1}")
      assert.deepStrictEqual(yield* bad.next(), { id: 1, result: ["OVN_Northbound", "_Server"], error: null })
      yield* bad.send("{\"method\": nonsense}")
      assert.strictEqual(yield* bad.next(), "EOF")
      yield* eventually(
        "the serve log names the broken session",
        Effect.sync(() => /tcp:127\.0\.0\.1:\d+: .*closing the connection/.test(serve.stderr()))
      )
      const inserted = yield* runToolResult("ovn-nbctl", [`--db=${serve.unix}`, "ls-add", "sw0"])
      assert.strictEqual(inserted.code, 0)
      const [update] = yield* good.sync
      assert.deepStrictEqual((update as { readonly method: string }).method, "update2")
      assert.isUndefined(serve.exited())
    }))

  it.effect("refuses what it cannot serve with one line on stderr (a usage mistake: and the usage line) and exit status 1", () =>
    Effect.gen(function*() {
      const { dist } = yield* BuiltPackage
      const nb = SCHEMAS.OVN_Northbound
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [[nb], "Missing required flag: --remote"],
        [["--remote=tcp:127.0.0.1:1", nb], "tcp:127.0.0.1:1: not a passive remote"],
        [["--remote=ptcp:99999", nb], "ptcp:99999: port 99999 is out of range"],
        [["--remote=pssl:0:127.0.0.1", nb], "pssl:0:127.0.0.1: needs --private-key, --certificate and --ca-cert"],
        [["--remote=ptcp:0:127.0.0.1", nb, nb], "two databases are named OVN_Northbound"],
        [["--remote=ptcp:0:127.0.0.1", "/nonexistent.ovsschema"], "/nonexistent.ovsschema: cannot read"]
      ]
      for (const [args, problem] of cases) {
        const result = yield* runToolResult(process.execPath, [
          Path.join(dist, "src", "cli", "main.js"),
          "serve",
          ...args
        ])
        assert.strictEqual(result.code, 1, args.join(" "))
        assert.strictEqual(result.stdout, "")
        assert.match(result.stderr, new RegExp(`^effect-ovsdb: ${problem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
        const lines = result.stderr.trimEnd().split("\n")
        const usage = problem.startsWith("Missing required flag")
        assert.strictEqual(lines.length, usage ? 2 : 1, result.stderr)
        if (usage) assert.strictEqual(lines[1], "usage: effect-ovsdb [OPTIONS] serve --remote=REMOTE... SCHEMA...")
      }
    }))

  it.effect("SIGTERM closes the listeners, removes the unix socket and ends the process", () =>
    Effect.gen(function*() {
      const serve = yield* serveOf(["OVN_Northbound"])
      const client = yield* connectUnix({ path: serve.unixPath })
      yield* client.call("echo", [])
      assert.isTrue(Fs.existsSync(serve.unixPath))
      process.kill(serve.pid, "SIGTERM")
      yield* eventually("the process to exit", Effect.sync(() => serve.exited() !== undefined), 5)
      assert.strictEqual(serve.exited()!.signal, null, "it exited on its own, not killed")
      assert.isFalse(Fs.existsSync(serve.unixPath))
      assert.strictEqual(yield* client.next(), "EOF")
    }))
})
