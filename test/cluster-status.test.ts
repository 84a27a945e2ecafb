// Appctl.clusterStatus on live 3-member Raft clusters: every member's view read through the
// library, cross-checked with each member's own id (`ovs-appctl cluster/sid`, `ovsdb-tool db-sid`).
// With unix: Raft addresses OVS calls each server by its socket's name (s1, s2, s3), not its id.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Appctl from "../src/Appctl.js"
import type { Cluster } from "./support/OvsdbCluster.js"
import { OvsdbCluster } from "./support/OvsdbCluster.js"
import { runTool } from "./support/OvsdbServer.js"

/** Member `i`'s cluster/status, read by the library through its control socket. */
const statusOf = (cluster: Cluster, i: number) =>
  Appctl.clusterStatus(cluster.database).pipe(Effect.provide(Appctl.layer({ target: cluster.members[i]!.ctl })))

/** Each member's id as the running server reports it. */
const serverIds = (cluster: Cluster) =>
  Effect.forEach(
    cluster.members,
    (member) =>
      runTool("ovs-appctl", ["-t", member.ctl, "cluster/sid", cluster.database]).pipe(Effect.map((s) => s.trim()))
  )

const short = (sid: string) => sid.slice(0, 4)

describe("cluster/status of a live 3-member cluster", () => {
  for (const raft of ["unix", "tcp"] as const) {
    it.live(
      `raft ${raft}: each member lists the three servers by id, nicknamed as OVS names them, and one leader`,
      () =>
        Effect.gen(function*() {
          const cluster = yield* OvsdbCluster.start({ raft })
          const leader = yield* cluster.leader
          const ids = yield* serverIds(cluster)
          // The fixture read each id from the member's file; the running server agrees.
          assert.deepStrictEqual(ids, cluster.members.map((member) => member.sid))
          assert.strictEqual(new Set(ids).size, 3)
          // OVS's nickname: the socket's name for a unix: address, the short id otherwise.
          const nicknames = cluster.members.map((member, i) => raft === "unix" ? member.name : short(ids[i]!))
          const expected = cluster.members.map((member, i) => [short(ids[i]!), nicknames[i]!, member.raftAddress])
            .sort()

          const statuses = yield* Effect.forEach(cluster.members, (_, i) => statusOf(cluster, i))
          statuses.forEach((status, i) => {
            assert.deepStrictEqual(status.servers.map((s) => [s.sid, s.nickname, s.address]).sort(), expected)
            assert.strictEqual(status.nickname, nicknames[i])
            assert.strictEqual(status.serverId.full, ids[i])
            assert.strictEqual(status.status, "cluster member")
            assert.deepStrictEqual(status.servers.filter((s) => s.self).map((s) => s.sid), [short(ids[i]!)])
            // All name the same leader, by nickname and id; only the leader calls it "self".
            assert.deepStrictEqual(status.leader, {
              nickname: nicknames[leader]!,
              sid: short(ids[leader]!),
              self: i === leader
            })
            // Every connection is to another member, and says which by id.
            const peers = ids.filter((_, j) => j !== i).map(short)
            for (const connection of status.connections.filter((c) => c.nickname !== "0000")) {
              assert.include(peers, connection.sid, JSON.stringify(connection))
              assert.strictEqual(connection.nickname, nicknames[ids.map(short).indexOf(connection.sid!)])
            }
          })
          assert.deepStrictEqual(statuses.map((status) => status.role === "leader"), [0, 1, 2].map((i) => i === leader))
          if (raft === "unix") {
            // The point of the test: a nickname that is not an id is never taken for one.
            assert.isTrue(statuses.every((status) => status.servers.every((s) => s.sid !== s.nickname)))
          }
        }),
      60_000
    )
  }

  it.live(
    "raft unix: after the leader is killed, the others name the new leader and their vote by id",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ raft: "unix" })
        const ids = (yield* serverIds(cluster)).map(short)
        const first = yield* cluster.leader
        yield* cluster.kill(first)
        assert.isFalse(cluster.members[first]!.running)
        const second = yield* cluster.leader
        assert.notStrictEqual(second, first)
        const others = [0, 1, 2].filter((i) => i !== first)
        for (const i of others) {
          const status = yield* statusOf(cluster, i)
          assert.strictEqual(status.leader?.sid, ids[second])
          assert.strictEqual(status.leader?.nickname, cluster.members[second]!.name)
          // In a term won by two of three, both voted for the winner.
          assert.deepStrictEqual(status.vote, {
            nickname: cluster.members[second]!.name,
            sid: ids[second]!,
            self: i === second
          })
          // The connection to the killed member is down (and still named by id).
          const toKilled = status.connections.filter((c) => c.sid === ids[first])
          assert.isNotEmpty(toKilled)
          assert.isTrue(toKilled.every((c) => c.failed), JSON.stringify(status.connections))
        }

        yield* cluster.restart(first)
        assert.isTrue(cluster.members[first]!.running)
        const now = yield* cluster.leader // all three agree again
        const back = yield* statusOf(cluster, first)
        assert.strictEqual(back.leader?.sid, ids[now])
        assert.strictEqual(back.servers.length, 3)
      }),
    60_000
  )
})
