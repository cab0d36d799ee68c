import { Contract, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { userError, userFacing } from "../errors.ts";
import { anchorWallet, contractAddress, KPPE_ANCHOR, PROOF_RECORDER, reachChain, requireOwner, type ContractKind } from "./connect.ts";
import type { anchorAuthorizeTask, recorderAuthorizeTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof anchorAuthorizeTask | typeof recorderAuthorizeTask>;

/** Who may write to each contract, and how the owner says so. */
const ROLES = new Map<ContractKind, { role: string; read: string; write: string; abi: string[] }>([
  [KPPE_ANCHOR, { role: "anchor", read: "authorizedAnchors", write: "setAuthorized", abi: ["function authorizedAnchors(address) view returns (bool)", "function setAuthorized(address,bool)"] }],
  [PROOF_RECORDER, { role: "writer", read: "isWriter", write: "setWriter", abi: ["function isWriter(address) view returns (bool)", "function setWriter(address,bool)"] }],
]);

/** `anchor:authorize` and `recorder:authorize`: the owner lets an address anchor (or write), or stops it. */
export function authorizeTask(kind: ContractKind) {
  return (args: Args, hre: HardhatRuntimeEnvironment) => userFacing(() => authorize(kind, args, hre));
}

async function authorize(kind: ContractKind, args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const { role, read, write, abi } = ROLES.get(kind)!;
  if (!isAddress(args.address)) throw userError(`--address: give the ${role}'s address (0x followed by 40 hex digits), got ${JSON.stringify(args.address)}`);
  const { provider, name, local, chainId } = await reachChain(hre, args.rpcUrl);
  const owner = (await anchorWallet(hre, local, consoleLog)).connect(provider);
  const target = contractAddress(args.contract, chainId, kind);
  const contract = new Contract(target, [...abi, "function owner() view returns (address)"], owner);
  const want = !args.revoke;
  if ((await contract.getFunction(read)(args.address)) === want) {
    console.log(`${args.address} is already ${want ? "" : "not "}a${role === "anchor" ? "n" : ""} ${role} of ${kind.name} ${target} on ${name}: nothing to do`);
    return;
  }
  await requireOwner(contract, owner, `${kind.name} ${target}`, `change its ${role}s`);
  const tx = await contract.getFunction(write)(args.address, want);
  console.log(`${write}(${args.address}, ${want}) sent: ${tx.hash}`);
  await tx.wait(1);
  console.log(`${args.address} ${want ? "may now" : "may no longer"} ${role === "anchor" ? "anchor on" : "write to"} ${kind.name} ${target} (chain ${chainId})`);
}
