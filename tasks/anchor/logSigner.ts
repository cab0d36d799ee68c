import { Contract, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { KPPE_ANCHOR_ABI } from "../../src/chain/kppeAnchorAbi.ts";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { userError, userFacing } from "../errors.ts";
import { anchorWallet, contractAddress, reachChain, requireOwner } from "./connect.ts";
import type { anchorLogSignerTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof anchorLogSignerTask>;

/**
 * `anchor:log-signer`: the owner sets the log's on-chain signer (what `log:key` prints), so that
 * anyone can freeze anchoring with a split view the log signed; setting another one lifts a freeze.
 */
export default function logSigner(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!isAddress(args.signer)) throw userError(`--signer: give the log signer's address (npx hardhat log:key prints it), got ${JSON.stringify(args.signer)}`);
    if (args.origin.length === 0 || /\s/.test(args.origin)) throw userError(`--origin: give the log's origin, the first line of its checkpoints (npx hardhat log:key prints it), got ${JSON.stringify(args.origin)}`);
    const { provider, name, local, chainId } = await reachChain(hre, args.rpcUrl);
    const owner = (await anchorWallet(hre, local, consoleLog)).connect(provider);
    const target = contractAddress(args.contract, chainId);
    const anchor = new Contract(target, [...KPPE_ANCHOR_ABI, "function owner() view returns (address)"], owner);
    const current = await anchor.logSigner();
    const same = current.signer.toLowerCase() === args.signer.toLowerCase();
    if (same && !current.frozen) {
      console.log(`${args.signer} is already the log signer of KPPEAnchor ${target} on ${name}: nothing to do`);
      return;
    }
    if (same) {
      throw userError(`${args.signer} equivocated (anchoring on ${target} is frozen): only another log signer lifts the freeze. Make a new log key (npx hardhat log:keygen) and set its signer`);
    }
    await requireOwner(anchor, owner, `KPPEAnchor ${target}`, "set its log signer");
    const tx = await anchor.setLogSigner(args.signer, args.origin);
    console.log(`setLogSigner(${args.signer}, ${args.origin}) sent: ${tx.hash}`);
    await tx.wait(1);
    console.log(`${args.signer} is the log signer of KPPEAnchor ${target} (chain ${chainId})${current.frozen ? "; anchoring is no longer frozen" : ""}: checkpoints it signs are evidence against it`);
  });
}
