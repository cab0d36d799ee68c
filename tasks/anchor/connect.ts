import { existsSync, readFileSync } from "node:fs";
import { BrowserProvider, hexlify, isAddress, randomBytes, Wallet, type Contract, type Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { rpcProvider } from "../../src/chain/rpcProvider.ts";
import { devWallet } from "../../src/chain/devAccount.ts";
import { RecorderChain } from "../../src/chain/recorderChain.ts";
import type { TaskLog } from "../../src/runtime/taskLog.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../../src/runtime/retry.ts";
import type { CheckResult } from "../../src/receipt/verify.ts";
import { userError } from "../errors.ts";
import { readSecret } from "../secrets.ts";

export interface ChainArgs {
  rpcUrl: string;
  contract: string;
}

/** The provider: --rpc-url (or RPC_URL) if given, else the selected Hardhat network. */
export async function connectProvider(hre: HardhatRuntimeEnvironment, rpcUrl: string): Promise<{ provider: Provider; name: string; local: boolean }> {
  const url = rpcUrl || process.env.RPC_URL;
  if (url) return { provider: rpcProvider(url), name: redact(url), local: isLoopback(url) };
  const connection = await hre.network.create();
  const config = connection.networkConfig;
  if (config.type === "http") {
    const resolved = await config.url.getUrl();
    return { provider: rpcProvider(resolved), name: connection.networkName, local: isLoopback(resolved) };
  }
  return { provider: new BrowserProvider(connection.provider), name: connection.networkName, local: true };
}

/**
 * The anchoring key: PRIVATE_KEY from Hardhat's keystore or a configuration variable. On a local
 * chain without one, Hardhat's well-known development account 0 (never on a real chain).
 */
export function anchorWallet(hre: HardhatRuntimeEnvironment, local: boolean, log: TaskLog): Promise<Wallet> {
  return secretWallet(hre, "PRIVATE_KEY", local, log);
}

/** The key named `secret` (keystore or environment); on a local chain without one, development account 0. */
export async function secretWallet(hre: HardhatRuntimeEnvironment, secret: string, local: boolean, log: TaskLog): Promise<Wallet> {
  const key = await readSecret(hre, secret);
  if (key) {
    try {
      return new Wallet(key.startsWith("0x") ? key : `0x${key}`);
    } catch {
      throw userError(`${secret} is not a 32-byte hex private key; set it again with npx hardhat keystore set ${secret}`);
    }
  }
  if (!local) throw userError(`no key: store it with \`npx hardhat keystore set ${secret}\` (or set the ${secret} environment variable)`);
  log("warn", `WARNING: no ${secret} set -- using Hardhat's public development account 0 (local chains only)`);
  return devWallet(0);
}

/**
 * Throws, naming the owner and the key in use, unless `wallet` (PRIVATE_KEY) owns `contract` (a
 * contract with `owner()`, described as `what`); `action` says what only the owner may do.
 */
export async function requireOwner(contract: Contract, wallet: { address: string }, what: string, action: string): Promise<void> {
  const owner: string = await contract.getFunction("owner")();
  if (owner.toLowerCase() !== wallet.address.toLowerCase()) {
    throw userError(`only the owner of ${what}, ${owner}, can ${action}; PRIVATE_KEY is ${wallet.address} (set the owner's key with npx hardhat keystore set PRIVATE_KEY)`);
  }
}

/** A contract the tasks find by option, environment variable or Ignition deployment. */
export interface ContractKind {
  name: string;
  envVar: string;
  ignitionKey: string;
  module: string;
}

export const KPPE_ANCHOR: ContractKind = { name: "KPPEAnchor", envVar: "KPPE_CONTRACT_ADDRESS", ignitionKey: "KPPEAnchorModule#KPPEAnchor", module: "ignition/modules/KPPEAnchor.ts" };
export const PROOF_RECORDER: ContractKind = {
  name: "ProofRecorder",
  envVar: "PROOF_RECORDER_ADDRESS",
  ignitionKey: "ProofRecorderModule#ProofRecorder",
  module: "ignition/modules/ProofRecorder.ts",
};

/** The contract: --contract, else its environment variable, else this chain's Ignition deployment. */
export function contractAddress(given: string, chainId: number, kind: ContractKind = KPPE_ANCHOR): string {
  const address = given || process.env[kind.envVar];
  if (address) {
    if (!isAddress(address)) throw userError(`--contract: ${JSON.stringify(address)} is not an address (0x followed by 40 hex digits)`);
    return address;
  }
  const deployed = ignitionDeployment(chainId, kind);
  if (!deployed) {
    throw userError(`no ${kind.name} known on chain ${chainId}: pass --contract 0x… (or ${kind.envVar}), or deploy it with npx hardhat ignition deploy ${kind.module} --network <name>`);
  }
  return deployed;
}

/** The contract's address in this chain's Ignition deployment, if there is one. */
function ignitionDeployment(chainId: number, kind: ContractKind): string | undefined {
  const file = `ignition/deployments/chain-${chainId}/deployed_addresses.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>)[kind.ignitionKey] : undefined;
}

/** The provider and its chain id; an unreachable chain is refused with its name. */
export async function reachChain(hre: HardhatRuntimeEnvironment, rpcUrl: string) {
  const { provider, name, local } = await connectProvider(hre, rpcUrl);
  const { chainId } = await provider.getNetwork().catch((cause) => {
    throw userError(`cannot reach the chain at ${name}: ${(cause as Error).message.split("\n")[0]}`, cause as Error);
  });
  return { provider, name, local, chainId: Number(chainId) };
}

/** For contracts that are only read: a throwaway key that signs nothing. */
export function readOnlyWallet(): Wallet {
  return new Wallet(hexlify(randomBytes(32)));
}

/** The provider, its chain id and the signing wallet. */
async function connectSigner(hre: HardhatRuntimeEnvironment, rpcUrl: string, log: TaskLog) {
  const { provider, name, local, chainId } = await reachChain(hre, rpcUrl);
  return { provider, name, chainId, wallet: await anchorWallet(hre, local, log) };
}

/** A ProofRecorder to write to, for FlowPay batches and Lucid sessions; the caller closes it. */
export async function openRecorder(hre: HardhatRuntimeEnvironment, args: ChainArgs, retry: RetryPolicy, log: TaskLog) {
  const { provider, name, chainId, wallet } = await connectSigner(hre, args.rpcUrl, log);
  const chain = await RecorderChain.open({ provider, wallet, contract: contractAddress(args.contract, chainId, PROOF_RECORDER), retry, onRetry: (m) => log("warn", m) });
  return { chain, networkName: name };
}

export async function openChain(hre: HardhatRuntimeEnvironment, args: ChainArgs, retry: RetryPolicy, log: TaskLog) {
  const { provider, name, chainId, wallet } = await connectSigner(hre, args.rpcUrl, log);
  const chain = await AnchorChain.open({ provider, wallet, contract: contractAddress(args.contract, chainId), retry, onRetry: (m) => log("warn", m) });
  return { chain, networkName: name };
}

/**
 * Runs on-chain checks against a ProofRecorder read-only (any key will do), after checking that
 * the --network / --rpc-url is the chain the record names; a chain that cannot be read is one
 * failed check, not a crash.
 */
export async function recorderChecks(
  hre: HardhatRuntimeEnvironment,
  where: { rpcUrl: string; trusted: string; named: string; chainId: number },
  checks: (chain: RecorderChain) => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  const { provider, name } = await connectProvider(hre, where.rpcUrl);
  // The ProofRecorder to trust comes from the verifier (--contract, PROOF_RECORDER_ADDRESS, this
  // chain's Ignition deployment), never from the proof: anyone can deploy one and record anything.
  const result: CheckResult[] = [];
  const trusted = where.trusted || process.env[PROOF_RECORDER.envVar] || ignitionDeployment(where.chainId, PROOF_RECORDER);
  if (!trusted) {
    result.push({ name: "contract", ok: false, skipped: true, detail: `not checked: no trusted ProofRecorder (give --contract); the record names ${where.named}, which anyone could have deployed` });
  } else if (!isAddress(trusted)) {
    throw userError(`--contract: ${JSON.stringify(trusted)} is not an address (0x followed by 40 hex digits)`);
  } else {
    const same = trusted.toLowerCase() === where.named.toLowerCase();
    result.push({ name: "contract", ok: same, detail: same ? `${trusted.toLowerCase()}, the verifier's` : `the record names ${where.named.toLowerCase()}, the verifier trusts ${trusted.toLowerCase()}` });
    if (!same) return result;
  }
  let chain: RecorderChain | undefined;
  try {
    chain = await RecorderChain.open({ provider, wallet: readOnlyWallet(), contract: where.named, retry: DEFAULT_RETRY, onRetry: () => undefined });
    if (chain.target.chainId !== where.chainId) {
      return [...result, { name: "on chain", ok: false, detail: `the record is on chain ${where.chainId}, but ${name} is chain ${chain.target.chainId}: pass that chain's --network or --rpc-url` }];
    }
    return [...result, ...(await checks(chain))];
  } catch (error) {
    return [...result, { name: "on chain", ok: false, detail: `could not read ProofRecorder ${where.named} through ${name}: ${(error as Error).message.split("\n")[0]}` }];
  } finally {
    if (chain) chain.close();
    else (provider as { destroy?: () => void }).destroy?.();
  }
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

/** A URL safe to log: API keys often sit in the path or query. */
function redact(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 || parsed.search ? "/…" : ""}`;
}
