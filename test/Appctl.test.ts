// The appctl layer: parsers on output recorded from real daemons, and live calls through the real
// control socket compared with what ovs-appctl prints for the same call.
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Appctl from "../src/Appctl.js"
import * as Parsers from "../src/appctl/Parsers.js"
import { OvsdbServer, runTool, runToolResult } from "./support/OvsdbServer.js"

const fixture = (name: string) => Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", "appctl", name), "utf8")
const parse = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect)
const parseError = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(Effect.flip(effect))

describe("parsers, on recorded output", () => {
  it("list-commands: every command with its arguments", () => {
    const commands = parse(Parsers.listCommands(fixture("list-commands.txt")))
    assert.deepInclude(commands, { name: "ovsdb-server/add-db", args: "DB" })
    assert.deepInclude(commands, { name: "coverage/show", args: "" })
    assert.deepInclude(commands, { name: "vlog/set", args: "{spec | PATTERN:destination:pattern}" })
    assert.strictEqual(commands.length, fixture("list-commands.txt").trim().split("\n").length - 1)
  })

  it("coverage/show: rates over 5 s, a minute and an hour, totals, and the never-hit count", () => {
    const coverage = parse(Parsers.coverageShow(fixture("coverage-show.txt")))
    assert.match(coverage.hash, /^[0-9a-f]+$/)
    assert.isAbove(coverage.counters.length, 0)
    assert.isAbove(coverage.neverHit, 0)
    const text = "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=87a1cc12:\n" +
      "hmap_expand               72.0/sec    55.933/sec        0.9322/sec   total: 3728\n" +
      "util_xalloc               19.2/sec    19.200/sec    45947.5108/sec   total: 18446744073709551615\n" +
      "101 events never hit\n"
    assert.deepStrictEqual(parse(Parsers.coverageShow(text)), {
      hash: "87a1cc12",
      counters: [
        { name: "hmap_expand", perSecond5s: 72, perSecondMinute: 55.933, perSecondHour: 0.9322, total: 3728 },
        {
          name: "util_xalloc",
          perSecond5s: 19.2,
          perSecondMinute: 19.2,
          perSecondHour: 45947.5108,
          total: 18446744073709551615n
        }
      ],
      neverHit: 101
    })
  })

  it("memory/show: figures by name, standalone and clustered", () => {
    const memory = parse(Parsers.memoryShow(fixture("memory-show.txt")))
    assert.isNumber(memory.atoms)
    const clustered = parse(Parsers.memoryShow(fixture("memory-show-clustered.txt")))
    assert.containsAllKeys(clustered, ["atoms", "cells", "monitors", "raft-log", "txn-history"])
  })

  it("version, list-dbs, cluster/cid, vlog/list", () => {
    assert.deepStrictEqual(parse(Parsers.version(fixture("version.txt"))), {
      program: "ovsdb-server",
      package: "Open vSwitch",
      version: fixture("version.txt").trim().split(" ").at(-1)!
    })
    assert.includeMembers([...parse(Parsers.lines("ovsdb-server/list-dbs")(fixture("list-dbs.txt")))], ["_Server"])
    assert.strictEqual(
      parse(Parsers.uuid("cluster/cid")(fixture("cluster-cid.txt"))),
      fixture("cluster-cid.txt").trim()
    )
    const modules = parse(Parsers.vlogList(fixture("vlog-list.txt")))
    assert.deepInclude(modules, { module: "jsonrpc", levels: { console: "OFF", syslog: "INFO", file: "INFO" } })
  })

  describe("cluster/status on a tcp: cluster, where every nickname is the server's short id", () => {
    it("a leader's view: every field, with next and match indexes for each peer", () => {
      const status = parse(Parsers.clusterStatus(fixture("cluster-status-leader.txt")))
      assert.strictEqual(status.nickname, "035c")
      assert.strictEqual(status.name, "OVN_Northbound")
      assert.deepStrictEqual(status.clusterId, { short: "825a", full: "825ab4c0-eb1a-42a3-93fc-a945dca6f15f" })
      assert.deepStrictEqual(status.serverId, { short: "035c", full: "035c2031-7eab-4c7b-ba80-da792603be7d" })
      assert.strictEqual(status.address, "tcp:127.0.0.1:47101")
      assert.strictEqual(status.status, "cluster member")
      assert.strictEqual(status.role, "leader")
      assert.strictEqual(status.term, 1)
      assert.deepStrictEqual(status.leader, { nickname: "035c", sid: "035c", self: true })
      assert.deepStrictEqual(status.vote, { nickname: "035c", sid: "035c", self: true })
      assert.strictEqual(status.lastElection?.reason, "timeout")
      assert.isNumber(status.lastElection?.wonMsAgo)
      assert.strictEqual(status.electionTimerMs, 1000)
      assert.isUndefined(status.electionTimerChangingToMs)
      assert.deepStrictEqual(status.log, { first: 2, last: 5 })
      assert.strictEqual(status.entriesNotCommitted, 0)
      assert.strictEqual(status.entriesNotApplied, 0)
      assert.deepStrictEqual(status.connections, [
        { direction: "inbound", nickname: "685e", sid: "685e", failed: false },
        { direction: "outbound", nickname: "685e", sid: "685e", failed: false },
        { direction: "inbound", nickname: "fb93", sid: "fb93", failed: false },
        { direction: "outbound", nickname: "fb93", sid: "fb93", failed: false }
      ])
      assert.strictEqual(status.disconnections, 0)
      assert.deepStrictEqual(status.pendingServers, [])
      assert.deepStrictEqual(status.servers.map((s) => [s.sid, s.nickname, s.address]), [
        ["fb93", "fb93", "tcp:127.0.0.1:47103"],
        ["035c", "035c", "tcp:127.0.0.1:47101"],
        ["685e", "685e", "tcp:127.0.0.1:47102"]
      ])
      assert.deepStrictEqual(status.servers.find((s) => s.self), {
        sid: "035c",
        nickname: "035c",
        address: "tcp:127.0.0.1:47101",
        self: true,
        nextIndex: 2,
        matchIndex: 4
      })
      const peer = status.servers.find((s) => s.sid === "fb93")!
      assert.deepStrictEqual([peer.nextIndex, peer.matchIndex], [5, 4])
      assert.isNumber(peer.lastMessageMsAgo)
      assert.deepStrictEqual(status.extra, {})
    })

    it("a follower's view: the leader by nickname and id, no vote, no election of its own, no indexes", () => {
      const status = parse(Parsers.clusterStatus(fixture("cluster-status-follower.txt")))
      assert.strictEqual(status.role, "follower")
      assert.deepStrictEqual(status.leader, { nickname: "035c", sid: "035c", self: false })
      assert.isUndefined(status.vote)
      assert.isUndefined(status.lastElection)
      // A connection whose peer has not said who it is: the all-zero id's short form, no sid.
      assert.deepStrictEqual(status.connections[0], { direction: "outbound", nickname: "0000", failed: false })
      assert.isTrue(status.servers.every((s) => s.nextIndex === undefined))
    })

    it("after a member stopped: a failed connection, a disconnection, a stale last message", () => {
      const status = parse(Parsers.clusterStatus(fixture("cluster-status-leader-member-down.txt")))
      assert.deepInclude(status.connections, { direction: "outbound", nickname: "fb93", sid: "fb93", failed: true })
      assert.strictEqual(status.disconnections, 1)
      assert.isAbove(status.servers.find((s) => s.sid === "fb93")!.lastMessageMsAgo as number, 1000)
    })

    it("a member leaving, and one still joining", () => {
      const leaving = parse(Parsers.clusterStatus(fixture("cluster-status-left.txt")))
      assert.strictEqual(leaving.status, "leaving cluster")
      assert.isUndefined(leaving.leader)
      const joining = parse(Parsers.clusterStatus(fixture("cluster-status-joining.txt")))
      assert.strictEqual(joining.status, "joining cluster")
      assert.isUndefined(joining.clusterId)
      assert.deepStrictEqual(joining.remotesForJoining, ["tcp:127.0.0.1:47199"])
      assert.deepStrictEqual(joining.servers, [])
      assert.deepStrictEqual(joining.connections, [{ direction: "outbound", nickname: "0000", failed: true }])
    })

    it("keeps lines of newer servers, and names a line it cannot read", () => {
      const text = fixture("cluster-status-leader.txt")
      const newer = parse(
        Parsers.clusterStatus(text.replace("Disconnections: 0\n", "Disconnections: 0\nSnapshot: 12\n"))
      )
      assert.deepStrictEqual(newer.extra, { Snapshot: "12" })
      assert.strictEqual(parseError(Parsers.clusterStatus(text.replace("Term: 1", "Term: one"))).line, "Term: one")
      assert.strictEqual(
        parseError(Parsers.clusterStatus(text.replace("Connections: <-685e", "Connections: ~685e"))).line,
        "Connections: ~685e ->685e <-fb93 ->fb93"
      )
      assert.match(
        parseError(Parsers.clusterStatus(text.replace("(self) next_index", "(me) next_index"))).line,
        /\(me\)/
      )
      assert.match(parseError(Parsers.clusterStatus(text.replace("(035c at", "(035c2031 at"))).line, /035c2031/)
    })
  })

  // Recorded from a cluster whose Raft addresses are unix:/var/lib/ovn/sN.raft (the directory
  // renamed): OVS calls each server by its socket's name, which is not its id.
  describe("cluster/status on a unix: cluster, where nicknames are socket names", () => {
    it("every server's sid is its id and its nickname is beside it; connections resolve to ids", () => {
      const status = parse(Parsers.clusterStatus(fixture("cluster-status-unix-leader.txt")))
      assert.strictEqual(status.nickname, "s1")
      assert.deepStrictEqual(status.serverId, { short: "8d70", full: "8d70b9cd-80ad-4027-822c-e82e7cd83578" })
      assert.deepStrictEqual(status.servers.map((s) => [s.sid, s.nickname, s.address, s.self]), [
        ["8d70", "s1", "unix:/var/lib/ovn/s1.raft", true],
        ["c62a", "s3", "unix:/var/lib/ovn/s3.raft", false],
        ["af78", "s2", "unix:/var/lib/ovn/s2.raft", false]
      ])
      assert.deepStrictEqual(status.leader, { nickname: "s1", sid: "8d70", self: true })
      assert.deepStrictEqual(status.connections, [
        { direction: "inbound", nickname: "s3", sid: "c62a", failed: false },
        { direction: "inbound", nickname: "s2", sid: "af78", failed: false },
        { direction: "outbound", nickname: "s3", sid: "c62a", failed: false },
        { direction: "outbound", nickname: "s2", sid: "af78", failed: false }
      ])
    })

    it("a follower names its leader, and after a failover its vote, by nickname, resolved to the id", () => {
      const follower = parse(Parsers.clusterStatus(fixture("cluster-status-unix-follower.txt")))
      assert.deepStrictEqual(follower.leader, { nickname: "s1", sid: "8d70", self: false })
      assert.isUndefined(follower.vote)
      const after = parse(Parsers.clusterStatus(fixture("cluster-status-unix-follower-after-failover.txt")))
      assert.strictEqual(after.term, 2)
      assert.deepStrictEqual(after.leader, { nickname: "s2", sid: "53cf", self: false })
      assert.deepStrictEqual(after.vote, { nickname: "s2", sid: "53cf", self: false })
      assert.deepInclude(after.connections, { direction: "outbound", nickname: "s1", sid: "d7b7", failed: true })
    })

    it("a candidate: no leader, its vote for itself, and each server's vote beside it", () => {
      const status = parse(Parsers.clusterStatus(fixture("cluster-status-unix-candidate.txt")))
      assert.strictEqual(status.role, "candidate")
      assert.isUndefined(status.leader)
      assert.deepStrictEqual(status.vote, { nickname: "s3", sid: "c62a", self: true })
      assert.deepStrictEqual(status.servers.find((s) => s.self), {
        sid: "c62a",
        nickname: "s3",
        address: "unix:/var/lib/ovn/s3.raft",
        self: true,
        votedFor: { nickname: "s3", sid: "c62a", self: true }
      })
      assert.deepStrictEqual(
        status.connections.map((c) => [c.nickname, c.sid, c.failed]),
        [["s1", "8d70", true], ["s2", "af78", true]]
      )
    })

    it("servers being added or removed, phases, a changing election timer, and a nickname two servers share", () => {
      // Lines as raft.c prints them; a leader shows them only for moments, too briefly to record.
      const text = fixture("cluster-status-unix-leader.txt")
        .replace("Role: leader", "Adding server s4 (1e2f at unix:/var/lib/ovn/s4.raft) (adding: catchup)\nRole: leader")
        .replace("Election timer: 1000", "Election timer: 1000 (changing to 2000)")
        .replace("(af78 at unix:/var/lib/ovn/s2.raft)", "(af78 at unix:/var/lib/ovn/s2.raft) (removing)")
        .replace("Connections: <-s3 <-s2", "Connections: <-s4 <-s3 <-s2 <-s5")
      const status = parse(Parsers.clusterStatus(text))
      assert.deepStrictEqual(status.pendingServers, [
        { sid: "1e2f", nickname: "s4", address: "unix:/var/lib/ovn/s4.raft", phase: "adding: catchup" }
      ])
      assert.strictEqual(status.electionTimerMs, 1000)
      assert.strictEqual(status.electionTimerChangingToMs, 2000)
      assert.strictEqual(status.servers.find((s) => s.sid === "af78")?.phase, "removing")
      assert.deepStrictEqual(status.connections.map((c) => [c.nickname, c.sid]), [
        ["s4", "1e2f"],
        ["s3", "c62a"],
        ["s2", "af78"],
        ["s5", undefined],
        ["s3", "c62a"],
        ["s2", "af78"]
      ])
      // Two servers called s3: the name alone cannot tell which, so no id is given.
      const shared = parse(Parsers.clusterStatus(
        fixture("cluster-status-unix-leader.txt").replace(
          "s2 (af78 at unix:/var/lib/ovn/s2.raft)",
          "s3 (af78 at unix:/srv/s3.raft)"
        )
      ))
      assert.deepStrictEqual(
        shared.connections.filter((c) => c.nickname === "s3").map((c) => c.sid),
        [undefined, undefined]
      )
    })
  })

  it("names the line it cannot read, never returning a silent zero", () => {
    const broken = "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=1:\n" +
      "hmap_expand   72.0/sec   oops/sec   0.9/sec   total: 3\n"
    const error = parseError(Parsers.coverageShow(broken))
    assert.strictEqual(error._tag, "AppctlParseError")
    assert.strictEqual(error.line, "hmap_expand   72.0/sec   oops/sec   0.9/sec   total: 3")
    assert.strictEqual(parseError(Parsers.memoryShow("atoms:12 cells:many")).line, "atoms:12 cells:many")
    assert.strictEqual(parseError(Parsers.listCommands("Commands:\n  a\n"))._tag, "AppctlParseError")
    assert.strictEqual(parseError(Parsers.uuid("cluster/cid")("not a uuid"))._tag, "AppctlParseError")
    assert.strictEqual(parseError(Parsers.version("3.1.0"))._tag, "AppctlParseError")
    assert.strictEqual(parseError(Parsers.vlogList("console syslog\n-------\nmod OFF\n"))._tag, "AppctlParseError")
  })
})

const AppctlLayer = Layer.unwrap(
  OvsdbServer.use((server) => Effect.succeed(Appctl.layer({ target: server.ctl })))
)

layer(Layer.provideMerge(AppctlLayer, OvsdbServer.layer()), { excludeTestServices: true, timeout: 60_000 })(
  "against a real ovsdb-server",
  (it) => {
    const sameAsOvsAppctl = (command: string, args: ReadonlyArray<string> = []) =>
      it.effect(`${command} returns what ovs-appctl prints`, () =>
        Effect.gen(function*() {
          const server = yield* OvsdbServer
          const appctl = yield* Appctl.Appctl
          const ours = yield* appctl.call(command, args)
          const theirs = yield* runTool("ovs-appctl", ["-t", server.ctl, command, ...args])
          assert.strictEqual(ours, theirs)
        }))

    sameAsOvsAppctl("list-commands")
    sameAsOvsAppctl("version")
    sameAsOvsAppctl("ovsdb-server/list-dbs")
    sameAsOvsAppctl("ovsdb-server/list-remotes")
    sameAsOvsAppctl("vlog/list")

    it.effect("typed commands read the live daemon", () =>
      Effect.gen(function*() {
        const commands = yield* Appctl.listCommands
        assert.deepInclude(commands, { name: "memory/show", args: "" })
        const coverage = yield* Appctl.coverageShow
        assert.isAbove(coverage.counters.length + coverage.neverHit, 0)
        const memory = yield* Appctl.memoryShow
        assert.isNumber(memory.cells)
        assert.strictEqual((yield* Appctl.version).program, "ovsdb-server")
        assert.includeMembers([...(yield* Appctl.listDbs)], ["Open_vSwitch", "OVN_Northbound", "_Server"])
        assert.isTrue((yield* Appctl.listRemotes).some((remote) => remote.startsWith("punix:")))
        assert.isTrue((yield* Appctl.vlogList).some((module) => module.module === "reconnect"))
      }))

    it.effect("an error reply is an AppctlError with the daemon's message", () =>
      Effect.gen(function*() {
        const unknown = yield* Effect.flip(Appctl.Appctl.use((appctl) => appctl.call("no/such-command")))
        assert.strictEqual(unknown.reason, "Error")
        assert.strictEqual(
          unknown.detail,
          "\"no/such-command\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
        )
        const missingArgument = yield* Effect.flip(Appctl.Appctl.use((appctl) => appctl.call("ovsdb-server/add-db")))
        assert.include(missingArgument.detail, "requires at least 1 arguments")
      }))

    it.effect("cluster/cid, cluster/sid and cluster/status of a clustered database", () =>
      Effect.scoped(Effect.gen(function*() {
        const cluster = yield* OvsdbServer.start({ databases: ["OVN_Northbound"], clustered: true })
        const ids = Effect.all([Appctl.clusterCid("OVN_Northbound"), Appctl.clusterSid("OVN_Northbound")]).pipe(
          Effect.provide(Appctl.layer({ target: cluster.ctl }))
        )
        const [cid, sid] = yield* ids
        const status = yield* Appctl.clusterStatus("OVN_Northbound").pipe(
          Effect.provide(Appctl.layer({ target: cluster.ctl }))
        )
        assert.strictEqual(status.role, "leader")
        assert.strictEqual(status.clusterId?.full, cid)
        assert.strictEqual(status.serverId.full, sid)
        assert.deepStrictEqual(status.servers.map((s) => s.self), [true])
        assert.strictEqual(
          cid,
          (yield* runTool("ovs-appctl", ["-t", cluster.ctl, "cluster/cid", "OVN_Northbound"])).trim()
        )
        assert.strictEqual(
          sid,
          (yield* runTool("ovs-appctl", ["-t", cluster.ctl, "cluster/sid", "OVN_Northbound"])).trim()
        )
        assert.notStrictEqual(cid, sid)
      })))

    it.effect("a target not found or not reached fails in ovs-appctl's words, with no empty field", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        // What ovs-appctl reports in the same run directory, its own name left out.
        const theirs = (target: string) =>
          Effect.map(
            runToolResult("env", [`OVS_RUNDIR=${server.dir}`, "ovs-appctl", "-t", target, "version"]),
            (result) => result.stderr.trimEnd().split("\n").at(-1)!.replace(/^ovs-appctl: /, "")
          )
        const ours = (target: string) =>
          Effect.flip(
            Appctl.Appctl.use((appctl) => appctl.call("version")).pipe(
              Effect.provide(Appctl.layer({ target, runDir: server.dir }))
            )
          )

        const missing = yield* ours("ovn-northd") // no pid file
        assert.deepStrictEqual([missing.reason, missing.detail], ["NotFound", yield* theirs("ovn-northd")])
        assert.strictEqual(
          missing.detail,
          `cannot read pidfile "${server.dir}/ovn-northd.pid" (No such file or directory)`
        )
        assert.strictEqual(missing.message, `ovn-northd: ${missing.detail}`)

        const exited = (yield* runTool("sh", ["-c", "echo $$"])).trim() // a pid no process has now
        Fs.writeFileSync(Path.join(server.dir, "ghost.pid"), `${exited}\n`)
        const ghost = yield* ours("ghost")
        assert.deepStrictEqual([ghost.reason, ghost.detail], ["NotFound", yield* theirs("ghost")])
        assert.include(ghost.detail, "(No such process)")

        for (const path of [`${server.dir}/nothing.ctl`, server.log]) { // no socket; not a socket
          const unreachable = yield* ours(path)
          assert.deepStrictEqual([unreachable.reason, unreachable.detail], ["Connect", yield* theirs(path)])
          assert.strictEqual(unreachable.message, `${path}: version: ${unreachable.detail}`)
        }
      }))

    it.effect("a daemon name is found in the run directory, as ovs-appctl finds it", () =>
      Effect.gen(function*() {
        const server = yield* OvsdbServer
        const socket = yield* Appctl.resolveTarget("ovsdb-server", server.dir)
        assert.strictEqual(socket, server.ctl)
        const missing = yield* Effect.exit(Appctl.resolveTarget("ovn-northd", server.dir))
        assert.isTrue(Exit.isFailure(missing))
        const version = yield* Appctl.version.pipe(
          Effect.provide(Appctl.layer({ target: "ovsdb-server", runDir: server.dir }))
        )
        assert.strictEqual(version.program, "ovsdb-server")
      }))
  }
)
