/**
 * The parts of KPPEAnchor's ABI that the keeper and verifiers use, as human-readable fragments
 * (no build artifacts needed at run time). The errors are decoded into names and values.
 */
export const KPPE_ANCHOR_ABI = [
  "function anchorMerkleRoot(uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, uint64 timestamp)",
  "function verifyProofView(uint256 batchId, bytes32 eventHash, bytes32[] proof, uint256 leafIndex) view returns (bool)",
  "function getBatch(uint256 batchId) view returns (tuple(bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, uint64 timestamp, uint64 anchoredAt, bytes32 prevRoot, bool exists))",
  "function latestBatchId() view returns (uint256)",
  "function latestRoot() view returns (bytes32)",
  "function totalEventsAnchored() view returns (uint256)",
  "function authorizedAnchors(address anchor) view returns (bool)",
  "function version() view returns (string)",
  "event KPPEMerkleAnchored(string protocol, uint256 indexed batchId, bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, bytes32 prevRoot)",
  "error UnauthorizedAnchor(address caller)",
  "error BatchIdNotIncreasing(uint256 batchId, uint256 latestBatchId)",
  "error BatchIdTooLarge(uint256 batchId, uint256 maxBatchId)",
  "error ZeroMerkleRoot()",
  "error ZeroEventCount()",
  "error TreeDepthMismatch(uint32 eventCount, uint8 treeDepth, uint8 expectedDepth)",
  "error TotalEventsOverflow(uint256 total)",
];
