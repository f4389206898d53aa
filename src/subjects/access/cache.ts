/** A bounded least-recently-used map (the access decision cache). Pure, no I/O. */

/** A bounded LRU map: `get` refreshes an entry, `set` evicts the least recently used beyond `capacity`. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  /** @param capacity maximum entries; 0 disables the cache. */
  constructor(readonly capacity: number) {}

  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  /** Removes every entry. */
  clear(): void {
    this.map.clear();
  }
}
