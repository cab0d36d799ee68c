import { hex32ToBytes, toHex } from "../hashing/hex.ts";
import { hashChildren, leafHashBytes } from "./rfc9162.ts";

/**
 * The log's root computed from its entries in one pass with O(log n) memory: the hashes of the
 * perfect subtrees that make up the entries seen so far, largest first (RFC 9162's split rule
 * makes the root their fold from the right). For audits, which must not trust the stored hashes.
 */
export class CompactRange {
  private readonly nodes: Array<{ size: number; hash: Uint8Array }> = [];
  size = 0;

  /** Appends the entry with these hashes (0x hex). */
  append(eventHash: string, contentHash: string): void {
    let node = { size: 1, hash: leafHashBytes(hex32ToBytes(eventHash, "event_hash"), hex32ToBytes(contentHash, "content_hash")) };
    while (this.nodes.length > 0 && this.nodes[this.nodes.length - 1].size === node.size) {
      const left = this.nodes.pop()!;
      node = { size: left.size * 2, hash: hashChildren(left.hash, node.hash) };
    }
    this.nodes.push(node);
    this.size++;
  }

  /** The root of the entries appended so far. */
  root(): string {
    if (this.nodes.length === 0) return "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let hash = this.nodes[this.nodes.length - 1].hash;
    for (let i = this.nodes.length - 2; i >= 0; i--) hash = hashChildren(this.nodes[i].hash, hash);
    return toHex(hash);
  }
}
