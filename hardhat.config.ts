import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { anchorTasks, ledgerTasks, logTasks, poeTasks, pootTasks, sessionTasks } from "./tasks/index.ts";

// No compiler download is reachable from our machines: compile with the WASM build that the
// `solc` package ships (pinned in package.json to the version below).
const SOLC_VERSION = "0.8.28";
const soljson = createRequire(import.meta.url).resolve("solc/soljson.js");

const COMPILER = {
  version: SOLC_VERSION,
  path: soljson,
  settings: {
    optimizer: { enabled: true, runs: 10_000 },
    evmVersion: "cancun",
    viaIR: true,
  },
};

export const BASE_CHAIN_ID = 8453;
export const BASE_SEPOLIA_CHAIN_ID = 84532;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: [...ledgerTasks, ...logTasks, ...anchorTasks, ...poeTasks, ...sessionTasks, ...pootTasks],
  solidity: {
    // Deployments compile with the `production` profile (Ignition's default). Hardhat derives it
    // from a single compiler config with only the version and path (no viaIR, 200 optimizer runs,
    // each file compiled alone), so a deployment would not be the bytecode the tests and gas
    // snapshots measure. Both profiles are this one compiler, built the same way.
    profiles: {
      default: COMPILER,
      production: { ...COMPILER, isolated: false },
    },
  },
  // Forking a local node (chain 31337) needs its hardfork history, as forking Base needs Base's
  // (built in): without it the fork runs pre-Cancun rules and our contracts' MCOPY fails.
  chainDescriptors: {
    31337: { name: "Hardhat local node", chainType: "l1", hardforkHistory: { osaka: { blockNumber: 0 } } },
  },
  // Source verification on Basescan (Etherscan's API v2: one key for Base and Base Sepolia),
  // Blockscout and Sourcify: `npx hardhat verify --network base <address> <owner>`, or
  // `ignition deploy ... --verify`. The key is read only when verifying (docs/contracts.md).
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
  paths: {
    tests: { mocha: "test", solidity: "contracts/test" },
  },
  networks: {
    // The in-process default chain is `hardhat` (edr-simulated, L1).
    baseLocal: {
      type: "edr-simulated",
      chainType: "op",
      chainId: BASE_CHAIN_ID,
    },
    base: {
      type: "http",
      chainType: "op",
      chainId: BASE_CHAIN_ID,
      url: configVariable("BASE_RPC_URL"),
      accounts: [configVariable("BASE_DEPLOYER_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      chainId: BASE_SEPOLIA_CHAIN_ID,
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("BASE_DEPLOYER_KEY")],
    },
    baseFork: {
      type: "edr-simulated",
      chainType: "op",
      chainId: BASE_CHAIN_ID,
      forking: { url: configVariable("BASE_FORK_URL") },
    },
  },
});
