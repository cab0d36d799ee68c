/**
 * The parts of KPPEAnchor's ABI that the keeper and verifiers use, as human-readable fragments
 * (no build artifacts needed at run time). The errors are decoded into names and values.
 */
export const KPPE_ANCHOR_ABI = [
  "function anchorMerkleRoot(uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, uint64 timestamp)",
  "function anchorCheckpoint(uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, uint64 timestamp, uint64 logSize, bytes32 logRoot, bytes32[] consistencyProof)",
  "function verifyLogInclusion(uint256 batchId, uint256 index, bytes32 eventHash, bytes32 contentHash, bytes32[] proof) view returns (bool)",
  "function getCheckpoint(uint256 batchId) view returns (uint64 logSize, bytes32 logRoot, uint64 firstSequence)",
  "function firstCheckpointBatchId() view returns (uint256)",
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
  "event LogCheckpointAnchored(uint256 indexed batchId, uint64 logSize, bytes32 logRoot, address indexed anchor)",
  "error LogCheckpointRequired(uint256 checkpointBatchId)",
  "error LogSizeMismatch(uint256 logSize, uint256 previousLogSize, uint32 eventCount)",
  "error LogNotConsistent(uint256 previousLogSize, uint256 newLogSize)",
  "error UnexpectedConsistencyProof(uint256 length)",
  "error ZeroLogRoot()",
  "error ZeroMerkleRoot()",
  "error ZeroEventCount()",
  "error TreeDepthMismatch(uint32 eventCount, uint8 treeDepth, uint8 expectedDepth)",
  "error TotalEventsOverflow(uint256 total)",
];
