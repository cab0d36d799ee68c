// The package's core ("kppe"): hash events, build and check trees, verify receipts offline.
// Pure, with no Node built-ins: it runs in Node 22+ and in browsers (hash-wasm is WebAssembly,
// the rest is @noble and plain JavaScript). On-chain checks are in "kppe/onchain" (ethers), the
// gateway client in "kppe/client".
export { KppeError } from "../errors.ts";
export { canonicalJson, clientHash, type JsonValue } from "../hashing/canonical.ts";
export { eventHash, GENESIS_PREV_HASH, type LedgerEntryFields } from "../hashing/eventHash.ts";
export { KppeTree, verifyKppeProof, type KppeProofClaim } from "../merkle/kppeTree.ts";
export { FlowPayTree, verifyFlowPayProof, flowPayProofLength, type FlowPayProofClaim } from "../merkle/flowPayTree.ts";
export { DEFAULT_MAX_LEAVES, ABSOLUTE_MAX_LEAVES, depthFor } from "../merkle/limits.ts";
export { parseReceipt, RECEIPT_FORMAT, type AnchorReceipt } from "../receipt/format.ts";
export { buildReceipt } from "../receipt/build.ts";
export { verifyReceiptOffline, type CheckResult, type OfflineVerification, type OfflineOptions } from "../receipt/verify.ts";
export { verdictOf, checkLine, receiptVerification, verificationLines, type Verdict, type VerdictStatus, type ReceiptVerification } from "../receipt/verdict.ts";
export { explorerTxUrl, explorerAddressUrl } from "../receipt/format.ts";
export { openCheckpoint, parseVerifierKey, type Checkpoint } from "../log/note.ts";
export { logLeafHash, logRoot, verifyInclusion, verifyConsistency, type InclusionClaim, type ConsistencyClaim } from "../log/rfc9162.ts";
