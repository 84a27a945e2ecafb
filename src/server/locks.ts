/**
 * The server's locks (RFC 7047 §4.1.8–§4.1.10), shared by every session and every database, kept
 * as ovsdb-server keeps them.
 *
 * Each lock has a queue of waiters; the first owns it. `lock` joins the end of the queue; `steal`
 * goes to its front and owns the lock at once, and the session it was taken from is told
 * (`stolen`). A robbed waiter that was itself a `lock` stays queued and gets the lock back when
 * the thief lets go; one that had stolen the lock leaves the queue (it must `unlock` before it asks
 * again). When a waiter leaves the queue (`unlock`, or the end of its session) and others remain,
 * the one that owns the lock then is told `locked`: the next waiter when the owner left, and, as
 * ovsdb-server does, the owner again when a waiter behind it left. A session may ask for a lock
 * once until it unlocks it.
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

/** A holder's request for a lock; `queued` until it leaves the lock's queue. */
interface Waiter {
  readonly holder: Holder
  readonly steal: boolean
  queued: boolean
}

/**
 * The locks of one server.
 *
 * @since 0.1.0
 * @category models
 */
export class Locks {
  private readonly queues = new Map<string, Array<Waiter>>()
  private readonly requests = new Map<Holder, Map<string, Waiter>>()

  /** Whether the holder asked for the lock and has not unlocked it. */
  isWaiting(holder: Holder, name: string): boolean {
    return this.requests.get(holder)?.has(name) ?? false
  }

  /** Whether the holder owns the lock. */
  owns(holder: Holder, name: string): boolean {
    return this.queues.get(name)?.[0]?.holder === holder
  }

  /**
   * Queues the holder for the lock (`steal`: at the front, telling the owner it was robbed);
   * returns whether it owns the lock now.
   */
  acquire(holder: Holder, name: string, steal: boolean): boolean {
    const queue = this.queues.get(name) ?? []
    this.queues.set(name, queue)
    const victim = steal ? queue[0] : undefined
    const waiter: Waiter = { holder, steal, queued: true }
    if (steal) queue.unshift(waiter)
    else queue.push(waiter)
    const requests = this.requests.get(holder) ?? new Map<string, Waiter>()
    this.requests.set(holder, requests)
    requests.set(name, waiter)
    // A thief robbed in turn leaves the queue (it keeps its request until it unlocks).
    if (victim?.steal === true) this.dequeue(name, victim)
    victim?.holder.notify("stolen", name)
    return queue[0] === waiter
  }

  /** Withdraws the holder's request for the lock; whoever owns the lock then is told. */
  release(holder: Holder, name: string): void {
    const requests = this.requests.get(holder)
    const waiter = requests?.get(name)
    if (waiter === undefined) return
    requests!.delete(name)
    if (requests!.size === 0) this.requests.delete(holder)
    if (!waiter.queued) return
    this.dequeue(name, waiter)?.holder.notify("locked", name)
  }

  /** Withdraws every request of the holder (its session ended). */
  releaseAll(holder: Holder): void {
    for (const name of [...(this.requests.get(holder)?.keys() ?? [])]) this.release(holder, name)
  }

  /** Takes a waiter out of the lock's queue; returns the owner then, unless the queue is empty. */
  private dequeue(name: string, waiter: Waiter): Waiter | undefined {
    const queue = this.queues.get(name)!
    queue.splice(queue.indexOf(waiter), 1)
    waiter.queued = false
    if (queue.length > 0) return queue[0]
    this.queues.delete(name)
    return undefined
  }
}
