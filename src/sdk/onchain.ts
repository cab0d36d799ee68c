// "kppe/onchain": a receipt checked against the chain, through any ethers v6 provider (read-only).
export { verifyOnChain, type TrustedAnchor } from "../receipt/onchain.ts";
export { verifyReceipt, type ReceiptVerification, type ReceiptVerifyOptions } from "../receipt/verifyReceipt.ts";
export { KPPE_ANCHOR_ABI } from "../chain/kppeAnchorAbi.ts";
