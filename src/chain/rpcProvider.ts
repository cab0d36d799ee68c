import { FetchRequest, JsonRpcProvider } from "ethers";

/**
 * A JSON-RPC provider: one request per HTTP call (no batching, so a fault hits one call), no
 * hidden 429 retries (the caller's own policy governs), no response cache (a nonce or block
 * number must be fresh), and a timeout on every request. Given `chainId`, the network is taken
 * as known and never asked for again.
 */
export function rpcProvider(url: string, timeoutMs = 30_000, chainId?: number): JsonRpcProvider {
  const request = new FetchRequest(url);
  request.timeout = timeoutMs;
  request.retryFunc = async () => false;
  return new JsonRpcProvider(request, chainId, { batchMaxCount: 1, staticNetwork: chainId !== undefined, cacheTimeout: -1 });
}
