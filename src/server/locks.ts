/**
 * The server's locks (RFC 7047 §4.1.8–§4.1.10), shared by every session and every database, as
 * ovsdb-server keeps them.
 *
 * Each lock has a queue of waiters; the first owns it. `lock` joins the end of the queue; `steal`
 * goes to its front and takes the lock at once, and the session it was taken from is told
 * (`stolen`) but stays queued, so it gets the lock back when the thief lets go. When the owner
 * leaves the queue (`unlock`, or the end of its session), the next waiter owns the lock and is
 * told (`locked`). A session may be in one lock's queue once.
 *
 * @since 0.1.0
 */

/**
 * Who may wait for a lock: anything with an identity (a session).
 *
 * @since 0.1.0
 * @category models
 */
export interface Holder {
  /** Tells the holder about its lock: `locked` (it owns it now) or `stolen` (someone took it). */
  readonly notify: (method: "locked" | "stolen", name: string) => void
}

/**
 * The locks of one server.
 *
 * @since 0.1.0
 * @category models
 */
export class Locks {
  private readonly queues = new Map<string, Array<Holder>>()

  /** Whether the holder is in the lock's queue (as owner or waiter). */
  isWaiting(holder: Holder, name: string): boolean {
    return this.queues.get(name)?.includes(holder) ?? false
  }

  /** Whether the holder owns the lock. */
  owns(holder: Holder, name: string): boolean {
    return this.queues.get(name)?.[0] === holder
  }

  /**
   * Queues the holder for the lock (`steal`: at the front, telling the owner it was robbed);
   * returns whether it owns the lock now.
   */
  acquire(holder: Holder, name: string, steal: boolean): boolean {
    const queue = this.queues.get(name) ?? []
    this.queues.set(name, queue)
    if (!steal) {
      queue.push(holder)
      return queue[0] === holder
    }
    const victim = queue[0]
    queue.unshift(holder)
    victim?.notify("stolen", name)
    return true
  }

  /** Takes the holder out of the lock's queue; a new owner is told. */
  release(holder: Holder, name: string): void {
    const queue = this.queues.get(name)
    if (queue === undefined) return
    const at = queue.indexOf(holder)
    if (at === -1) return
    queue.splice(at, 1)
    if (queue.length === 0) this.queues.delete(name)
    else if (at === 0) queue[0]!.notify("locked", name)
  }

  /** Takes the holder out of every queue it is in (its session ended). */
  releaseAll(holder: Holder): void {
    for (const name of [...this.queues.keys()]) this.release(holder, name)
  }
}
