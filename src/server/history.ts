/**
 * A database's transaction history: its last commits, so that a client coming back with the id of
 * the last transaction it saw (`monitor_cond_since`, ovsdb-server(7) §4.1.15) gets only what
 * changed since (`found: true`), as ovsdb-server does for clustered databases.
 *
 * The history holds at most `capacity` commits; a client whose transaction is older than all of
 * them, or was never seen, gets the whole contents again (`found: false`). The zero UUID, which a
 * client sends when it has seen nothing, is never found.
 *
 * @since 0.1.0
 */
import type { Commit } from "./Engine.js"

/**
 * The UUID of "no transaction yet": what a database reports as its last transaction before its
 * first commit, and what a client sends when it has seen none.
 *
 * @since 0.1.0
 * @category constants
 */
export const ZERO_UUID = "00000000-0000-0000-0000-000000000000"

/**
 * How many commits a database remembers by default: ovsdb-server's own bound on its history.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_CAPACITY = 100

/**
 * The last commits of one database, oldest first.
 *
 * @since 0.1.0
 * @category models
 */
export class History {
  private readonly commits: Array<Commit> = []
  private readonly positions = new Map<string, number>()
  /** How many commits were dropped from the front: positions are counted from the first ever. */
  private dropped = 0
  private last = ZERO_UUID

  constructor(private readonly capacity: number) {}

  /** The id of the last commit (the zero UUID before the first). */
  get lastId(): string {
    return this.last
  }

  /** Remembers a commit, forgetting the oldest beyond the capacity. */
  add(commit: Commit): void {
    this.last = commit.id
    if (this.capacity <= 0) return
    this.positions.set(commit.id, this.dropped + this.commits.length)
    this.commits.push(commit)
    while (this.commits.length > this.capacity) {
      const oldest = this.commits.shift()!
      this.positions.delete(oldest.id)
      this.dropped++
    }
  }

  /** The commits after the one with this id, oldest first; `undefined` when it is not remembered. */
  since(id: string): ReadonlyArray<Commit> | undefined {
    const position = this.positions.get(id.toLowerCase())
    return position === undefined ? undefined : this.commits.slice(position - this.dropped + 1)
  }
}
