import * as crypto from 'node:crypto';

/**
 * The API server refuses a ConfigMap over 1 MiB and etcd refuses larger requests; every object in
 * dist/ stays under it.
 */
export const MAX_OBJECT_BYTES = 1_048_576;

/** Shards are filled to this share of the limit so that hashing's uneven split rarely forces a doubling. */
const FILL = 0.75;

/** Shard counts are written with three digits; past that the fleet needs another design, not more shards. */
const MAX_SHARDS = 1000;

export interface ShardOptions<T> {
  /** Stable identity of an item (an edge's name): decides its shard and its order inside it. */
  readonly keyOf: (item: T) => string;
  /** Bytes the item adds to a shard as serialized. */
  readonly sizeOf: (item: T) => number;
  /** Bytes of a shard before any item (metadata, headers). */
  readonly overheadBytes: number;
  /**
   * Largest a shard may be.
   * @default MAX_OBJECT_BYTES
   */
  readonly maxBytes?: number;
  /**
   * Hashes of keys already computed, filled as keys are hashed: calls that shard the same items by the same
   * keys (the fleet's three lists) share one, so each key is hashed once.
   * @default - a fresh one per call
   */
  readonly hashes?: Map<string, number>;
}

/**
 * Splits items into shards that each stay under the size limit. The shard count is a power of two and
 * an item's shard is its key's hash modulo that count, so adding or removing one item changes one
 * shard, and the names shard-000... only grow when the whole set doubles. Items in a shard are sorted
 * by key. No items gives no shards.
 */
export function shardByHash<T>(items: readonly T[], options: ShardOptions<T>): T[][] {
  if (items.length === 0) return [];
  const max = options.maxBytes ?? MAX_OBJECT_BYTES;
  const hashes = options.hashes ?? new Map<string, number>();
  const keyed = items.map((item) => {
    const key = options.keyOf(item);
    let hash = hashes.get(key);
    if (hash === undefined) {
      hash = hash32(key);
      hashes.set(key, hash);
    }
    return { item, key, size: options.sizeOf(item), hash };
  });
  const largest = keyed.reduce((m, k) => Math.max(m, k.size), 0);
  if (options.overheadBytes + largest > max) {
    const big = keyed.find((k) => k.size === largest);
    throw new Error(`shardByHash: item "${big?.key}" alone is ${largest} bytes, more than a shard may hold (${max - options.overheadBytes})`);
  }
  const total = keyed.reduce((s, k) => s + k.size, 0);
  let count = 1;
  while (options.overheadBytes + total / count > max * FILL) count *= 2;
  for (;;) {
    if (count > MAX_SHARDS) throw new Error(`shardByHash: ${items.length} items (${total} bytes) need more than ${MAX_SHARDS} shards`);
    const shards: (typeof keyed)[] = Array.from({ length: count }, () => []);
    for (const k of keyed) shards[k.hash % count].push(k);
    if (shards.every((s) => options.overheadBytes + s.reduce((n, k) => n + k.size, 0) <= max)) {
      return shards.map((s) => s.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.item));
    }
    count *= 2;
  }
}

/** `base-000`: the name of shard `index`. */
export function shardName(base: string, index: number): string {
  return `${base}-${String(index).padStart(3, '0')}`;
}

function hash32(key: string): number {
  return crypto.createHash('sha256').update(key).digest().readUInt32BE(0);
}
