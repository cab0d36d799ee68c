import assert from "node:assert/strict";
import hre from "hardhat";
import { explorerAddressUrl, explorerTxUrl } from "../../src/receipt/format.ts";

// What is deployed is what was tested, and source verification is configured for Base and Base Sepolia, with the API key as a
// configuration variable, and the explorer links in receipts point where the source is verified.
describe("contract verification on Base's explorers", function () {
  it("deploys the bytecode the tests and gas snapshots measure: the production profile (Ignition's) compiles as the default one", function () {
    const { default: tested, production: deployed } = hre.config.solidity.profiles;
    assert.deepEqual(deployed.compilers, tested.compilers);
    assert.equal(deployed.isolated, tested.isolated);
    assert.equal(deployed.compilers[0].settings.viaIR, true);
  });

  it("reads the Etherscan API key from the configuration variable ETHERSCAN_API_KEY, never from a literal", function () {
    const apiKey = (hre.config.verify.etherscan as { apiKey: unknown }).apiKey as { _type?: string; name?: string };
    assert.equal(apiKey._type, "ResolvedConfigurationVariable");
    assert.equal(apiKey.name, "ETHERSCAN_API_KEY");
  });

  for (const [chainId, explorer] of [
    [8453n, "https://basescan.org"],
    [84532n, "https://sepolia.basescan.org"],
  ] as const) {
    it(`verifies on ${explorer} for chain ${chainId}, where receipts link to`, function () {
      const descriptor = hre.config.chainDescriptors.get(chainId);
      assert.equal(descriptor?.blockExplorers.etherscan?.url, explorer);
      assert.equal(explorerTxUrl(Number(chainId), "0xab"), `${explorer}/tx/0xab`);
      assert.equal(explorerAddressUrl(Number(chainId), "0xcd"), `${explorer}/address/0xcd#readContract`);
    });
  }
});
