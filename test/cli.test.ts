// The CLI against a real ovsdb-server, byte for byte against ovsdb-client's output.
import { NodeServices } from "@effect/platform-node"
import { afterEach, assert, describe, layer } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestConsole } from "effect/testing"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { run } from "../src/cli/Cli.js"
import { BuiltPackage } from "./support/BuiltPackage.js"
import { OvsdbServer, runTool, runToolResult } from "./support/OvsdbServer.js"

/** Runs our CLI in-process; returns what it printed and the exit status it set. */
const ours = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    process.exitCode = 0
    yield* run(args)
    const stdout = (yield* TestConsole.logLines).map((line) => `${String(line)}\n`).join("")
    const stderr = (yield* TestConsole.errorLines).map((line) => `${String(line)}\n`).join("")
    const code = Number(process.exitCode ?? 0)
    process.exitCode = 0
    return { code, stdout, stderr }
  }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer)))

const theirs = (args: ReadonlyArray<string>) => runToolResult("ovsdb-client", args)

afterEach(() => {
  process.exitCode = 0
})

layer(Layer.effect(OvsdbServer, OvsdbServer.start()), { excludeTestServices: true, timeout: 60_000 })("cli", (it) => {
  const same = (
    name: string,
    args: (server: { readonly unix: string; readonly tcp: string }) => ReadonlyArray<string>
  ) =>
    it.effect(`${name} prints what ovsdb-client prints`, () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const expected = yield* theirs(args(server))
        const actual = yield* ours(args(server))
        assert.strictEqual(expected.code, 0, expected.stderr)
        assert.strictEqual(actual.stderr, "")
        assert.strictEqual(actual.code, 0)
        assert.strictEqual(actual.stdout, expected.stdout)
      }))

  describe("output", () => {
    same("list-dbs", (s) => ["list-dbs", s.unix])
    same("list-dbs over TCP", (s) => ["list-dbs", s.tcp])
    same("get-schema", (s) => ["get-schema", s.unix, "OVN_Northbound"])
    same("get-schema with the default database", (s) => ["get-schema", s.unix])
    same("list-tables", (s) => ["list-tables", s.unix, "OVN_Northbound"])
    same("list-tables of Open_vSwitch", (s) => ["list-tables", s.unix])
    same("list-columns of one table", (s) => ["list-columns", s.unix, "OVN_Northbound", "Logical_Switch_Port"])
    same("list-columns of every table", (s) => ["list-columns", s.unix, "Open_vSwitch"])
    // A fixed uuid, and a delete at the end, make the output the same for both clients.
    same("transact", (s) => [
      "transact",
      s.unix,
      "[\"OVN_Northbound\",{\"op\":\"insert\",\"table\":\"Address_Set\",\"uuid\":\"1b2c3d4e-0000-4000-8000-000000000001\",\"row\":{\"name\":\"cli\",\"addresses\":[\"set\",[\"10.0.0.1\",\"10.0.0.2\"]]}},{\"op\":\"select\",\"table\":\"Address_Set\",\"where\":[[\"name\",\"==\",\"cli\"]],\"columns\":[\"name\",\"addresses\",\"_uuid\"]},{\"op\":\"delete\",\"table\":\"Address_Set\",\"where\":[[\"name\",\"==\",\"cli\"]]},{\"op\":\"comment\",\"comment\":\"é ☃\"}]"
    ])
    same("a transaction that fails in an operation", (s) => [
      "transact",
      s.unix,
      "[\"OVN_Northbound\",{\"op\":\"insert\",\"table\":\"Logical_Switch_Port\",\"row\":{\"name\":\"p\",\"tag_request\":5000}}]"
    ])
    same("dump of a database", (s) => ["--format=json", "dump", s.unix, "OVN_Northbound"])
    same("dump of one table", (s) => ["--format=json", "dump", s.unix, "Open_vSwitch", "Open_vSwitch"])
    same("dump of some columns", (s) => ["--format=json", "dump", s.unix, "OVN_Northbound", "Address_Set", "name"])
    same("query", (s) => [
      "query",
      s.unix,
      "[\"OVN_Northbound\",{\"op\":\"select\",\"table\":\"Address_Set\",\"where\":[],\"columns\":[\"name\",\"external_ids\"]}]"
    ])
    // The abort never runs: ovsdb-client keeps its null result.
    same("a query that fails before the abort", (s) => [
      "query",
      s.unix,
      "[\"OVN_Northbound\",{\"op\":\"bogus\"},{\"op\":\"select\",\"table\":\"NB_Global\",\"where\":[]}]"
    ])
    same("a query of no operations", (s) => ["query", s.unix, "[\"OVN_Northbound\"]"])
    same("list-columns with the database left out", (s) => ["list-columns", s.unix, "Bridge"])
    same("list-tables over TCP with the database left out", (s) => ["list-tables", s.tcp])
  })

  describe("the default database", () => {
    it.effect("is the server's only database when it has no Open_vSwitch", () =>
      Effect.gen(function*() {
        const nb = yield* OvsdbServer.start({ databases: ["OVN_Northbound"] })
        for (const command of ["list-tables", "get-schema"]) {
          const expected = yield* theirs([command, nb.unix])
          assert.strictEqual(expected.code, 0, expected.stderr)
          assert.deepStrictEqual(yield* ours([command, nb.unix]), { code: 0, stdout: expected.stdout, stderr: "" })
        }
      }))
  })

  describe("query commits nothing", () => {
    it.effect("an insert inside query is gone afterwards", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const inserted = yield* ours([
          "query",
          server.unix,
          "[\"OVN_Northbound\",{\"op\":\"insert\",\"table\":\"Address_Set\",\"row\":{\"name\":\"q\"}}]"
        ])
        assert.match(inserted.stdout, /^\[\{"uuid":\["uuid","[0-9a-f-]{36}"\]\}\]\n$/)
        const after = yield* ours([
          "query",
          server.unix,
          "[\"OVN_Northbound\",{\"op\":\"select\",\"table\":\"Address_Set\",\"where\":[[\"name\",\"==\",\"q\"]]}]"
        ])
        assert.strictEqual(after.stdout, "[{\"rows\":[]}]\n")
      }))
  })

  describe("echo", () => {
    it.effect("prints the server's echo of the arguments", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const result = yield* ours(["echo", server.unix, "hello", "world"])
        assert.deepStrictEqual(result, { code: 0, stdout: "[\"hello\",\"world\"]\n", stderr: "" })
      }))
  })

  describe("monitors", () => {
    /** Runs ovsdb-client and our CLI side by side while `changes` runs; returns what each printed. */
    const sideBySide = <E>(args: ReadonlyArray<string>, changes: Effect.Effect<void, E, OvsdbServer>) =>
      Effect.gen(function*() {
        let theirs = ""
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            const child = ChildProcess.spawn("ovsdb-client", ["--format=json", ...args], {
              stdio: ["ignore", "pipe", "ignore"]
            })
            child.stdout.setEncoding("utf8").on("data", (text: string) => (theirs += text))
            return child
          }),
          (child) => Effect.sync(() => child.kill())
        )
        const ourRun = yield* Effect.forkChild(run(["--format", "json", ...args]))
        yield* Effect.sleep("1 second") // both have printed the initial contents
        yield* changes
        yield* Effect.sleep("500 millis")
        const ours = (yield* TestConsole.logLines).map((line) => `${String(line)}\n`).join("")
        yield* Fiber.interrupt(ourRun)
        return { ours, theirs }
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer)))

    /** ovn-nbctl adds a switch, changes it and deletes it. */
    const changeSwitch = (name: string) =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        for (const args of [["ls-add", name], ["set", "Logical_Switch", name, "other_config:k=v"], ["ls-del", name]]) {
          yield* runTool("ovn-nbctl", [`--db=${server.unix}`, ...args])
        }
      })

    const cases = [
      ["monitor", []],
      ["monitor-cond", ["[[\"name\",\"!=\",\"zz\"]]"]],
      ["monitor-cond-since", ["[[\"name\",\"!=\",\"zz\"]]"]]
    ] as const
    for (const [command, conditions] of cases) {
      it.effect(`${command} prints what ovsdb-client prints`, () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer
          const output = yield* sideBySide(
            [command, server.unix, "OVN_Northbound", ...conditions, "Logical_Switch", "name,other_config"],
            changeSwitch(`mon-${command}`)
          )
          assert.include(output.theirs, "\"insert\"")
          assert.strictEqual(output.ours, output.theirs)
        }))
    }

    /** Polls until `ready` holds while our CLI runs, for at most ten seconds. */
    const until = (ready: Effect.Effect<boolean>, ours: Fiber.Fiber<unknown, unknown>) =>
      Effect.gen(function*() {
        while (!(yield* ready)) {
          if (ours.pollUnsafe() !== undefined) {
            const stderr = (yield* TestConsole.errorLines).map(String).join("\n")
            return yield* Effect.fail(new Error(`our monitor-cond ended: ${stderr}`))
          }
          yield* Effect.sleep("20 millis")
        }
      }).pipe(Effect.timeout("10 seconds"))

    // ovsdb-server(7): a condition may be `true` or `false`, and a row is watched when any holds.
    // One row is there from the start; then four transactions each touch one row, a watched one last.
    const booleanCases = [
      ["[true]", 5, "every row"],
      ["[false,[\"external_ids\",\"includes\",[\"map\",[[\"cli\",\"bool\"]]]]]", 3, "the rows of the one clause"]
    ] as const
    for (const [conditions, lines, what] of booleanCases) {
      it.effect(`monitor-cond ${conditions} watches ${what}, printing what ovsdb-client prints`, () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer
          const transact = (operation: string) =>
            runTool("ovsdb-client", ["transact", server.unix, `["OVN_Northbound",${operation}]`])
          const insert = (name: string, ids: string) =>
            transact(`{"op":"insert","table":"Address_Set","row":{"name":"${name}","external_ids":${ids}}}`)
          const remove = (name: string) =>
            transact(`{"op":"delete","table":"Address_Set","where":[["name","==","${name}"]]}`)
          const tagged = "[\"map\",[[\"cli\",\"bool\"]]]"
          yield* Effect.acquireRelease(insert("cli-bool-0", tagged), () => Effect.orDie(remove("cli-bool-0")))

          const args = ["monitor-cond", server.unix, "OVN_Northbound", conditions, "Address_Set", "name"]
          let theirs = ""
          yield* Effect.acquireRelease(
            Effect.sync(() => {
              const child = ChildProcess.spawn("ovsdb-client", ["--format=json", ...args], {
                stdio: ["ignore", "pipe", "ignore"]
              })
              child.stdout.setEncoding("utf8").on("data", (text: string) => (theirs += text))
              return child
            }),
            (child) => Effect.sync(() => child.kill())
          )
          const ourRun = yield* Effect.forkChild(run(["--format", "json", ...args]))
          const ours = Effect.map(TestConsole.logLines, (all) => all.map((line) => `${String(line)}\n`).join(""))
          const printed = (n: number) =>
            Effect.map(ours, (text) => text.split("\n").length > n && theirs.split("\n").length > n)

          yield* until(printed(1), ourRun) // the initial rows, cli-bool-0 among them
          yield* insert("cli-bool-1", tagged)
          yield* insert("cli-other", "[\"map\",[]]")
          yield* remove("cli-other")
          yield* remove("cli-bool-1")
          yield* until(printed(lines), ourRun)
          assert.include(theirs, "\"cli-bool-1\"")
          assert.strictEqual(theirs.includes("\"cli-other\""), lines === 5)
          assert.strictEqual(yield* ours, theirs)
          yield* Fiber.interrupt(ourRun)
        }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))))
    }
  })

  describe("locks and wait", () => {
    /** Our CLI run in the background; `printed` reads what it has printed so far. */
    const background = (args: ReadonlyArray<string>) =>
      Effect.map(Effect.forkChild(run(args)), (fiber) => ({
        fiber,
        printed: Effect.map(TestConsole.logLines, (lines) => lines.map((line) => `${String(line)}\n`).join(""))
      }))

    it.effect("lock waits for a lock ovsdb-client holds, and prints the locked notice like ovsdb-client", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        yield* Effect.acquireRelease(
          Effect.sync(() => ChildProcess.spawn("ovsdb-client", ["lock", server.unix, "cli_lock"], { stdio: "ignore" })),
          (child) => Effect.sync(() => child.kill())
        ).pipe(
          Effect.tap(() => Effect.sleep("500 millis")),
          Effect.flatMap((holder) =>
            Effect.gen(function*() {
              const ours = yield* background(["lock", server.unix, "cli_lock"])
              yield* Effect.sleep("500 millis")
              assert.strictEqual(yield* ours.printed, "{\"locked\":false}\n")
              holder.kill()
              yield* Effect.sleep("500 millis")
              assert.strictEqual(yield* ours.printed, "{\"locked\":false}\nlocked\n[\"cli_lock\"]\n")
              yield* Fiber.interrupt(ours.fiber)
            })
          )
        )
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))))

    it.effect("a lock stolen by ovsdb-client is reported as stolen", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const ours = yield* background(["lock", server.unix, "cli_steal"])
        yield* Effect.sleep("500 millis")
        const thief = yield* runToolResult("timeout", ["1", "ovsdb-client", "steal", server.unix, "cli_steal"])
        assert.strictEqual(thief.stdout, "{\"locked\":true}\n")
        yield* Effect.sleep("300 millis")
        const printed = yield* ours.printed
        assert.isTrue(printed.startsWith("{\"locked\":true}\nstolen\n[\"cli_steal\"]\n"), printed)
        yield* Fiber.interrupt(ours.fiber)
      }).pipe(Effect.provide(Layer.merge(TestConsole.layer, NodeServices.layer))))

    it.effect("wait returns once a database is removed, and once it is added back", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const removed = yield* Effect.forkChild(ours(["wait", server.unix, "OVN_Northbound", "removed"]))
        yield* Effect.sleep("500 millis")
        assert.isUndefined(removed.pollUnsafe(), "still waiting while the database is there")
        yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/remove-db", "OVN_Northbound"])
        assert.strictEqual((yield* Fiber.join(removed)).code, 0)
        const added = yield* Effect.forkChild(ours(["wait", server.unix, "OVN_Northbound", "added"]))
        yield* Effect.sleep("500 millis")
        yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/add-db", `${server.dir}/OVN_Northbound.db`])
        assert.strictEqual((yield* Fiber.join(added)).code, 0)
        assert.strictEqual((yield* ours(["wait", server.unix, "OVN_Northbound", "connected"])).code, 0)
      }))
  })

  describe("appctl", () => {
    for (const command of ["version", "list-commands", "ovsdb-server/list-dbs", "vlog/list"]) {
      it.effect(`appctl ${command} prints what ovs-appctl prints`, () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer
          const expected = yield* runTool("ovs-appctl", ["-t", server.ctl, command])
          const actual = yield* ours(["appctl", "-t", server.ctl, command])
          assert.deepStrictEqual(actual, { code: 0, stdout: expected, stderr: "" })
        }))
    }

    it.effect("--format json prints the typed result", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const memory = yield* ours(["--format", "json", "appctl", "-t", server.ctl, "memory/show"])
        assert.strictEqual(memory.code, 0)
        assert.isNumber((JSON.parse(memory.stdout) as { readonly cells: number }).cells)
        const coverage = yield* ours(["--format", "json", "appctl", "-t", server.ctl, "coverage/show"])
        assert.isArray((JSON.parse(coverage.stdout) as { readonly counters: ReadonlyArray<unknown> }).counters)
        const untyped = yield* ours(["--format", "json", "appctl", "-t", server.ctl, "vlog/reopen"])
        assert.strictEqual(untyped.code, 1)
        assert.include(untyped.stderr, "no typed result for vlog/reopen")
      }))

    // ovs-appctl's own report, its name swapped for ours; its log lines (timestamped WARNs) left out.
    const appctlReport = (args: ReadonlyArray<string>) =>
      Effect.map(runToolResult("ovs-appctl", args), (result) => ({
        code: result.code,
        stdout: result.stdout,
        stderr: result.stderr.split("\n").filter((line) => !/^\d{4}-\d\d-\d\dT.*\|WARN\|/.test(line)).join("\n")
          .replaceAll("ovs-appctl: ", "effect-ovsdb: ")
      }))

    it.effect("a daemon's error reply: its text, then \"server returned an error\", exit status 2, as ovs-appctl", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        for (const args of [["no/such-command"], ["cluster/status", "Nope"], ["ovsdb-server/add-db"]]) {
          const expected = yield* appctlReport(["-t", server.ctl, ...args])
          assert.strictEqual(expected.code, 2)
          assert.deepStrictEqual(yield* ours(["appctl", "-t", server.ctl, ...args]), expected)
        }
        assert.match(
          (yield* ours(["appctl", "-t", server.ctl, "no/such-command"])).stderr,
          /^"no\/such-command" is not a valid command .*\neffect-ovsdb: .*\.ctl: server returned an error\n$/
        )
      }))

    it.effect("a target not found or not reached: one line, no empty field, exit status 1, as ovs-appctl", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const targets = ["no-such-daemon", `${server.dir}/nothing.ctl`, `${server.dir}/ovsdb-server.log`]
        for (const target of targets) {
          const expected = yield* appctlReport(["-t", target, "version"])
          assert.strictEqual(expected.code, 1)
          const actual = yield* ours(["appctl", "-t", target, "version"])
          assert.deepStrictEqual(actual, expected)
          assert.notInclude(actual.stderr, ": :")
        }
      }))
  })

  describe("errors go to stderr with exit status 1", () => {
    const fails = (name: string, args: (server: { readonly unix: string }) => ReadonlyArray<string>, pattern: RegExp) =>
      it.effect(name, () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer
          const result = yield* ours(args(server))
          assert.strictEqual(result.code, 1)
          assert.strictEqual(result.stdout, "")
          assert.match(result.stderr, pattern)
          assert.match(result.stderr, /^effect-ovsdb: /)
        }))
    fails("unknown database", (s) => ["get-schema", s.unix, "Nope"], /unknown database/)
    fails("malformed TRANSACTION", (s) => ["transact", s.unix, "[bad"], /offset/)
    fails("TRANSACTION that is not an array", (s) => ["transact", s.unix, "{}"], /JSON array/)
    fails("transact of an unknown database", (s) => ["transact", s.unix, "[\"Nope\"]"], /unknown database/)
    fails("connection refused", () => ["list-dbs", "unix:/nonexistent/db.sock"], /Connect/)
    fails("unknown table", (s) => ["list-columns", s.unix, "OVN_Northbound", "Nope"], /Nope is not a table/)
    fails("too many arguments", (s) => ["list-dbs", s.unix, "extra"], /too many arguments/)
    fails("too many arguments after a database", (s) => ["get-schema", s.unix, "OVN_Northbound", "x"], /too many/)
    fails("a remote of no known kind", () => ["list-dbs", "bogus:1"], /invalid OVSDB remote "bogus:1"/)
    fails("some TLS files but not all", (s) => ["--private-key", "k.pem", "list-dbs", s.unix], /go together/)
    fails("a timeout under a second", (s) => ["--timeout", "0", "list-dbs", s.unix], /at least 1/)
  })
})

const twoDatabases = OvsdbServer.layer({ tls: true, databases: ["OVN_Northbound", "OVN_Southbound"] })

// The command built as it ships, run as a program: what it prints, and its exit status.
layer(Layer.merge(twoDatabases, BuiltPackage.layer), { excludeTestServices: true, timeout: 120_000 })(
  "the built command",
  (it) => {
    const built = (args: ReadonlyArray<string>) =>
      Effect.flatMap(
        BuiltPackage,
        ({ dist }) => runToolResult(process.execPath, [Path.join(dist, "src", "cli", "main.js"), ...args])
      )

    it.effect("prints what ovsdb-client prints over TLS, with short and long flags", () =>
      Effect.gen(function*() {
        const { pki, ssl } = yield* OvsdbServer
        assert.isDefined(pki)
        assert.isDefined(ssl)
        const short = ["-p", pki.clientKey, "-c", pki.clientCert, "-C", pki.caCert]
        const long = [`--private-key=${pki.clientKey}`, `--certificate=${pki.clientCert}`, `--ca-cert=${pki.caCert}`]
        for (const args of [[...short, "list-dbs", ssl], [...long, "list-tables", ssl, "OVN_Southbound"]]) {
          const expected = yield* theirs(args)
          assert.strictEqual(expected.code, 0, expected.stderr)
          assert.deepStrictEqual(yield* built(args), { code: 0, stdout: expected.stdout, stderr: "" })
        }
      }))

    it.effect("appctl exits 2 on a daemon's error reply, as ovs-appctl", () =>
      Effect.gen(function*() {
        const { ctl } = yield* OvsdbServer
        const expected = yield* runToolResult("ovs-appctl", ["-t", ctl, "no/such-command"])
        assert.strictEqual(expected.code, 2)
        assert.deepStrictEqual(yield* built(["appctl", "-t", ctl, "no/such-command"]), {
          code: 2,
          stdout: "",
          stderr: expected.stderr.replace("ovs-appctl: ", "effect-ovsdb: ")
        })
      }))

    it.effect("the demo runs to the end: monitor, transactions, the server's refusal and the model's", () =>
      Effect.gen(function*() {
        const { dist } = yield* BuiltPackage
        const { code, stdout, stderr } = yield* runToolResult(process.execPath, [Path.join(dist, "scripts", "demo.js")])
        assert.deepStrictEqual({ code, stderr }, { code: 0, stderr: "" })
        const changes = stdout.split("\n").filter((line) => line.startsWith("  monitor: ")).map((line) =>
          line.split(" ")[3]
        )
        assert.deepStrictEqual(changes, ["Insert", "Insert", "Modify", "Delete", "Delete"])
        assert.include(stdout, "refused as expected: constraint violation in operation 0")
        assert.include(stdout, "typed select: demo-p2 (tag 101)")
        assert.include(stdout, "refused before sending: Logical_Switch_Port.tag_request: 5000 breaks maxInteger")
        assert.include(stdout, "deleted 1 switch")
      }))

    it.effect("prints what ovsdb-client prints for transact and query", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const select = "{\"op\":\"select\",\"table\":\"SB_Global\",\"where\":[]}"
        for (const command of ["transact", "query"]) {
          const args = [command, server.unix, `["OVN_Southbound",${select},{"op":"comment","comment":"cli"}]`]
          const expected = yield* theirs(args)
          assert.strictEqual(expected.code, 0, expected.stderr)
          assert.deepStrictEqual(yield* built(args), { code: 0, stdout: expected.stdout, stderr: "" })
        }
      }))

    it.effect("fails like ovsdb-client when no database can be the default", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        assert.strictEqual((yield* theirs(["list-tables", server.unix])).code, 1)
        const result = yield* built(["list-tables", server.unix])
        assert.deepStrictEqual(result, {
          code: 1,
          stdout: "",
          stderr: "effect-ovsdb: could not find a default database, please specify a database name\n"
        })
      }))

    it.effect("reports each failure on one line of stderr, with exit status 1 and nothing on stdout", () =>
      Effect.gen(function*() {
        const { unix } = yield* OvsdbServer
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
          [["list-dbs", "tcp:127.0.0.1:1"], /ECONNREFUSED/],
          [["list-dbs", "unix:/nonexistent/db.sock"], /ENOENT/],
          [["get-schema", unix, "Nope"], /unknown database Nope/],
          [["transact", unix, "[\"OVN_Southbound\","], /unexpected end/],
          [["query", unix, "[\"Nope\"]"], /unknown database/]
        ]
        // Each run is a Node start-up; they run side by side.
        yield* Effect.forEach(cases, ([args, pattern]) =>
          Effect.map(built(args), (result) => {
            const what = args.join(" ")
            assert.strictEqual(result.code, 1, what)
            assert.strictEqual(result.stdout, "", what)
            assert.match(result.stderr, /^effect-ovsdb: [^\n]+\n$/, what)
            assert.match(result.stderr, pattern, what)
          }), { concurrency: "unbounded", discard: true })
      }))

    it.effect("reports a usage mistake on one line of stderr, then the command's usage line, with exit status 1", () =>
      Effect.gen(function*() {
        const { unix } = yield* OvsdbServer
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp, string]> = [
          [["lst-dbs"], /Unknown subcommand "lst-dbs".*did you mean list-dbs/, "COMMAND [ARG...]"],
          [["list-dbs", "--bogus"], /Unrecognized flag: --bogus/, "list-dbs [SERVER]"],
          [["--timeout", "soon", "list-dbs"], /--timeout/, "list-dbs [SERVER]"],
          [["list-dbs", unix, "extra"], /too many arguments for 'list-dbs'/, "list-dbs [SERVER]"],
          [["lock"], /missing LOCK argument/, "lock [SERVER] LOCK"],
          [
            ["wait", unix, "OVN_Southbound", "soon"],
            /STATE must be one of added, connected, removed/,
            "wait [SERVER] DATABASE STATE"
          ]
        ]
        yield* Effect.forEach(cases, ([args, pattern, usage]) =>
          Effect.map(built(args), (result) => {
            const what = args.join(" ")
            assert.strictEqual(result.code, 1, what)
            assert.strictEqual(result.stdout, "", what)
            const [message, line, ...more] = result.stderr.split("\n")
            assert.match(message!, /^effect-ovsdb: /, what)
            assert.match(message!, pattern, what)
            assert.strictEqual(line, `usage: effect-ovsdb [OPTIONS] ${usage}`, what)
            assert.deepStrictEqual(more, [""], what)
          }), { concurrency: "unbounded", discard: true })
      }))

    it.effect("list-dbs loads no module of the server, the code generator, the output formats or the replica", () =>
      Effect.gen(function*() {
        const { dist } = yield* BuiltPackage
        const { unix } = yield* OvsdbServer
        const log = Path.join(dist, `loaded-${process.pid}.txt`)
        const result = yield* runToolResult("env", [
          `LOADED_MODULES=${log}`,
          process.execPath,
          "--import",
          fileURLToPath(new URL("./fixtures/loaded-modules/register.mjs", import.meta.url)),
          Path.join(dist, "src", "cli", "main.js"),
          "list-dbs",
          unix
        ])
        assert.deepStrictEqual(result, { code: 0, stdout: "OVN_Northbound\nOVN_Southbound\n_Server\n", stderr: "" })
        const ours = Fs.readFileSync(log, "utf8").split("\n").filter((url) => url.includes("/dist/src/"))
        assert.include(ours.join("\n"), "/dist/src/cli/CatalogCommands.js")
        assert.include(ours.join("\n"), "/dist/src/Ovsdb.js")
        const needless =
          /\/dist\/src\/(server\/|codegen\/|cli\/format\/|cli\/(Data|Watch)Commands|cli\/(Appctl|Codegen|Serve)Command|Replica\.js|Typed\.js|Appctl\.js)/
        assert.deepStrictEqual(ours.filter((url) => needless.test(url)), [])
      }))

    it.effect("--help prints the usage on stdout", () =>
      Effect.gen(function*() {
        const result = yield* built(["--help"])
        assert.strictEqual(result.code, 0)
        assert.include(result.stdout, "list-columns")
        assert.strictEqual(result.stderr, "")
      }))
  }
)
