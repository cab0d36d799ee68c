import { HDNodeWallet, Wallet } from "ethers";

/** Hardhat's public development mnemonic: its accounts are funded on every local chain, and known to everyone. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's development account `index` (0 is Ignition's default deployer). Local chains only. */
export function devWallet(index = 0): Wallet {
  return new Wallet(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey);
}
