/**
 * Bounded tallies for streaming aggregation: a keyed table that never holds more than a fixed number of
 * rows. When it overflows it prunes the rarest half (lossy counting), so counts of the rows kept are exact
 * when nothing was pruned and lower bounds otherwise (`approximate`).
 */

/** A keyed table of rows with a numeric weight, bounded to `2 * keep` rows while streaming. */
export class BoundedTable<T> {
  private readonly rows = new Map<string, T>();
  private pruned = false;
  private seen = 0;

  /**
   * @param keep rows kept after a prune (and the most listed at the end)
   * @param weight the row's count used to decide what to prune
   */
  constructor(
    private readonly keep: number,
    private readonly weight: (row: T) => number,
  ) {}

  /** The row of `key`, created with `make` when new. */
  get(key: string, make: () => T): T {
    let row = this.rows.get(key);
    if (row === undefined) {
      row = make();
      this.rows.set(key, row);
      this.seen++;
      if (this.rows.size > this.keep * 2) this.prune();
    }
    return row;
  }

  private prune(): void {
    const sorted = [...this.rows.entries()].sort((a, b) => this.weight(b[1]) - this.weight(a[1]));
    this.rows.clear();
    for (const [k, v] of sorted.slice(0, this.keep)) this.rows.set(k, v);
    this.pruned = true;
  }

  /** The top `n` rows by weight (ties in first-seen order), with the number of distinct keys seen. */
  top(n: number = this.keep): { rows: T[]; total: number; approximate: boolean } {
    const all = [...this.rows.values()];
    const order = new Map(all.map((r, i) => [r, i]));
    all.sort((a, b) => this.weight(b) - this.weight(a) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
    return { rows: all.slice(0, n), total: this.pruned ? this.seen : this.rows.size, approximate: this.pruned };
  }

  /** Every row kept (unsorted). */
  values(): T[] {
    return [...this.rows.values()];
  }
}

/** A label bounded in length and number of distinct values: beyond `max` distinct values, `(other)`. */
export class LabelSet {
  private readonly known = new Set<string>();
  constructor(private readonly max: number) {}

  /** The label to use for `value`. */
  label(value: string): string {
    const v = value.length > 200 ? `${value.slice(0, 199)}…` : value;
    if (this.known.has(v)) return v;
    if (this.known.size >= this.max) return '(other)';
    this.known.add(v);
    return v;
  }
}
