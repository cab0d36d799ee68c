// What a client application imports: hash events, build and check trees, verify receipts.
// Everything here is pure and runs in Node 22+ and in browsers (hash-wasm is WebAssembly).
export { KppeError } from "../errors.ts";
export { canonicalJson, clientHash, type JsonValue } from "../hashing/canonical.ts";
export { eventHash, GENESIS_PREV_HASH, type LedgerEntryFields } from "../hashing/eventHash.ts";
export { KppeTree, verifyKppeProof, type KppeProofClaim } from "../merkle/kppeTree.ts";
export { FlowPayTree, verifyFlowPayProof, flowPayProofLength, type FlowPayProofClaim } from "../merkle/flowPayTree.ts";
export { DEFAULT_MAX_LEAVES, ABSOLUTE_MAX_LEAVES, depthFor } from "../merkle/limits.ts";
export { parseReceipt, RECEIPT_FORMAT, type AnchorReceipt } from "../receipt/format.ts";
export { buildReceipt } from "../receipt/build.ts";
export { verifyReceiptOffline, type CheckResult, type OfflineVerification } from "../receipt/verify.ts";
export { logLeafHash, logRoot, verifyInclusion, verifyConsistency, type InclusionClaim, type ConsistencyClaim } from "../log/rfc9162.ts";
