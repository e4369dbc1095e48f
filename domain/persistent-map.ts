/**
 * A persistent (immutable) map from strings to values: a hash array mapped trie. Setting one key
 * copies only the path to it (at most 7 nodes of 32 slots), never the whole map, so a fold that
 * keeps a map per application stays linear in the events it reads.
 *
 * A batch fold may pass an edit token: nodes created under the same token are changed in place
 * (they are not yet visible to anyone else), which spares the copies inside one fold. A map
 * returned from a fold is never changed again: the token is not reused after the fold.
 *
 * @example
 * const a = PersistentMap.empty<number>();
 * const b = a.set("app-1", 500);   // a is unchanged
 * b.get("app-1");                   // 500
 */
const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
const MAX_SHIFT = 30;

interface Leaf<V> {
  readonly leaf: true;
  readonly hash: number;
  /** Keys with the same 32-bit hash share a leaf. */
  keys: string[];
  values: V[];
  edit: object | undefined;
}
interface Branch<V> {
  readonly leaf: false;
  slots: Array<Node<V> | undefined>;
  edit: object | undefined;
}
type Node<V> = Leaf<V> | Branch<V>;

/** FNV-1a, 32 bits. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class PersistentMap<V> {
  private static readonly EMPTY = new PersistentMap<never>(undefined, 0);
  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY as PersistentMap<V>;
  }

  private constructor(
    private readonly root: Node<V> | undefined,
    readonly size: number,
  ) {}

  get(key: string): V | undefined {
    const hash = hashOf(key);
    let node = this.root;
    let shift = 0;
    while (node) {
      if (node.leaf) {
        if (node.hash !== hash) return undefined;
        const i = node.keys.indexOf(key);
        return i < 0 ? undefined : node.values[i];
      }
      node = node.slots[(hash >>> shift) & MASK];
      shift += BITS;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The map with `key` set to `value`, or removed when `value` is undefined. */
  set(key: string, value: V | undefined, edit?: object): PersistentMap<V> {
    const change = { sizeDelta: 0 };
    const root = update(this.root, hashOf(key), 0, key, value, edit, change);
    if (root === this.root && change.sizeDelta === 0 && edit === undefined) return this;
    return new PersistentMap(root, this.size + change.sizeDelta);
  }

  /** The map with every entry set (undefined removes), built in one pass: one wrapper, paths changed in place. */
  setAll(entries: Iterable<readonly [string, V | undefined]>): PersistentMap<V> {
    const edit = {};
    let root = this.root;
    let size = this.size;
    for (const [key, value] of entries) {
      const change = { sizeDelta: 0 };
      root = update(root, hashOf(key), 0, key, value, edit, change);
      size += change.sizeDelta;
    }
    return root === this.root && size === this.size ? this : new PersistentMap(root, size);
  }

  *entries(): IterableIterator<[string, V]> {
    if (this.root) yield* walk(this.root);
  }

  /** Builds a map from entries in one pass (changed in place under a private token). */
  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    return PersistentMap.empty<V>().setAll(entries);
  }
}

function* walk<V>(node: Node<V>): IterableIterator<[string, V]> {
  if (node.leaf) {
    for (let i = 0; i < node.keys.length; i++) yield [node.keys[i]!, node.values[i]!];
    return;
  }
  for (const slot of node.slots) if (slot) yield* walk(slot);
}

function update<V>(node: Node<V> | undefined, hash: number, shift: number, key: string, value: V | undefined, edit: object | undefined, change: { sizeDelta: number }): Node<V> | undefined {
  if (!node) {
    if (value === undefined) return undefined;
    change.sizeDelta = 1;
    return { leaf: true, hash, keys: [key], values: [value], edit };
  }
  if (node.leaf) {
    if (node.hash === hash) {
      const i = node.keys.indexOf(key);
      if (value === undefined) {
        if (i < 0) return node;
        change.sizeDelta = -1;
        if (node.keys.length === 1) return undefined;
        const target = owned(node, edit);
        target.keys.splice(i, 1);
        target.values.splice(i, 1);
        return target;
      }
      const target = owned(node, edit);
      if (i < 0) {
        target.keys.push(key);
        target.values.push(value);
        change.sizeDelta = 1;
      } else {
        target.values[i] = value;
      }
      return target;
    }
    if (value === undefined) return node;
    // Two hashes meet in one slot: push the existing leaf one level down and insert beside it.
    const branch: Branch<V> = { leaf: false, slots: new Array(WIDTH), edit };
    branch.slots[(node.hash >>> shift) & MASK] = node;
    return update(branch, hash, shift, key, value, edit, change);
  }
  const index = (hash >>> shift) & MASK;
  const child = node.slots[index];
  const next = update(child, hash, Math.min(shift + BITS, MAX_SHIFT), key, value, edit, change);
  if (next === child) return node;
  const target = owned(node, edit);
  target.slots[index] = next;
  if (next === undefined && target.slots.every((s) => s === undefined)) return undefined;
  return target;
}

function owned<N extends Node<unknown>>(node: N, edit: object | undefined): N {
  if (edit !== undefined && node.edit === edit) return node;
  if (node.leaf) return { ...node, keys: [...node.keys], values: [...node.values], edit } as N;
  return { ...node, slots: [...(node as Branch<unknown>).slots], edit } as N;
}
