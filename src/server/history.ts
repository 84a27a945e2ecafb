/**
 * A database's transaction history: its last commits, so that a client coming back with the id of
 * the last transaction it saw (`monitor_cond_since`, ovsdb-server(7) §4.1.15) gets only what
 * changed since (`found: true`), as ovsdb-server does for clustered databases.
 *
 * The history is bounded as ovsdb-server bounds it: at most `capacity` commits (100), and no more
 * atoms (values in the rows the commits changed, before and after, a map's pairs counted twice)
 * than the database holds, past which a snapshot is cheaper than the changes; the oldest commits go
 * first, and the last one always stays. A client whose transaction is no longer there, or was
 * never seen, gets the whole contents again (`found: false`). The zero UUID, which a client sends
 * when it has seen nothing, is never found.
 *
 * @since 0.1.0
 */
import { type Row, ZERO_UUID } from "../protocol/Value.js"
import type { Change, Commit } from "./Engine.js"

/**
 * How many commits a database remembers at most by default: ovsdb-server's own bound.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_CAPACITY = 100

/** A row's atoms, as ovsdb-server counts them: every value of every column, a map's pairs twice. */
const atomsOf = (row: Row | undefined): number => {
  let atoms = 0
  if (row === undefined) return atoms
  for (const column in row) {
    const value = row[column]!
    atoms += value instanceof Map ? 2 * value.size : Array.isArray(value) ? value.length : 1
  }
  return atoms
}

/** A commit's atoms (its rows before and after) and how it changed the database's count. */
const countAtoms = (changes: ReadonlyArray<Change>) => {
  let total = 0
  let difference = 0
  for (const change of changes) {
    const before = atomsOf(change.old)
    const after = atomsOf(change.new)
    total += before + after
    difference += after - before
  }
  return { total, difference }
}

/**
 * The last commits of one database, oldest first.
 *
 * @since 0.1.0
 * @category models
 */
export class History {
  private readonly commits: Array<{ readonly commit: Commit; readonly atoms: number }> = []
  private readonly positions = new Map<string, number>()
  /** How many commits were dropped from the front: positions are counted from the first ever. */
  private dropped = 0
  private last = ZERO_UUID
  /** The atoms of the commits held, and of the database's rows. */
  private historyAtoms = 0
  private databaseAtoms = 0

  constructor(private readonly capacity: number) {}

  /** The id of the last commit (the zero UUID before the first is added). */
  get lastId(): string {
    return this.last
  }

  /**
   * Remembers a commit, forgetting the oldest ones beyond the bounds. With no capacity it keeps no
   * commit and no id, as ovsdb-server keeps none for `_Server` and its standalone databases: the
   * last id stays the zero UUID.
   */
  add(commit: Commit): void {
    if (this.capacity <= 0) return
    this.last = commit.id
    const { difference, total } = countAtoms(commit.changes)
    this.databaseAtoms += difference
    this.positions.set(commit.id, this.dropped + this.commits.length)
    this.commits.push({ commit, atoms: total })
    this.historyAtoms += total
    while (
      this.commits.length > 1 && (this.commits.length > this.capacity || this.historyAtoms > this.databaseAtoms)
    ) {
      const oldest = this.commits.shift()!
      this.positions.delete(oldest.commit.id)
      this.historyAtoms -= oldest.atoms
      this.dropped++
    }
  }

  /** The commits after the one with this id, oldest first; `undefined` when it is not remembered. */
  since(id: string): ReadonlyArray<Commit> | undefined {
    const position = this.positions.get(id.toLowerCase())
    return position === undefined
      ? undefined
      : this.commits.slice(position - this.dropped + 1).map((entry) => entry.commit)
  }
}
