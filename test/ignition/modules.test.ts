import assert from "node:assert/strict";
import { network } from "hardhat";
import KPPEAnchorModule from "../../ignition/modules/KPPEAnchor.ts";
import ProofRecorderModule from "../../ignition/modules/ProofRecorder.ts";
import KPPEAnchorScheduledModule from "../../ignition/modules/KPPEAnchorScheduled.ts";
import PayoutRouterV0Module from "../../ignition/modules/PayoutRouterV0.ts";
import PayoutRouterKYCModule from "../../ignition/modules/PayoutRouterKYC.ts";

for (const networkName of ["default", "baseLocal"] as const) {
  describe(`Ignition modules on ${networkName}`, function () {
    it("deploy both contracts, authorize the keeper and writer, and propose the owner", async function () {
      const { ethers, ignition } = await network.create(networkName);
      const [deployer, owner, keeper] = await ethers.getSigners();
      const parameters = {
        KPPEAnchorModule: { owner: owner.address, anchor: keeper.address },
        ProofRecorderModule: { owner: owner.address, writer: keeper.address },
      };
      const { kppeAnchor } = await ignition.deploy(KPPEAnchorModule, { parameters });
      const { proofRecorder } = await ignition.deploy(ProofRecorderModule, { parameters });

      assert.equal(await kppeAnchor.authorizedAnchors(keeper.address), true);
      assert.equal(await kppeAnchor.authorizedAnchors(deployer.address), false);
      assert.equal(await proofRecorder.isWriter(keeper.address), true);
      for (const contract of [kppeAnchor, proofRecorder]) {
        assert.equal(await contract.owner(), deployer.address, "deployer owns until the proposal is accepted");
        assert.equal(await contract.pendingOwner(), owner.address);
        await (await (contract.connect(owner) as typeof contract).acceptOwnership()).wait();
        assert.equal(await contract.owner(), owner.address);
      }
      if (networkName === "baseLocal") assert.equal((await ethers.provider.getNetwork()).chainId, 8453n);
    });

    it("deploy KPPEAnchorScheduled with Lucid's slot parameters by default", async function () {
      const { ethers, ignition } = await network.create(networkName);
      const [, owner, keeper] = await ethers.getSigners();
      const parameters = { KPPEAnchorScheduledModule: { owner: owner.address, anchor: keeper.address, genesis: 1_790_000_000 } };
      const { kppeAnchor } = await ignition.deploy(KPPEAnchorScheduledModule, { parameters });
      assert.deepEqual([await kppeAnchor.GENESIS(), await kppeAnchor.SLOT_SECONDS(), await kppeAnchor.LEADER_TIMEOUT(), await kppeAnchor.EPOCH_SLOTS()], [1_790_000_000n, 120n, 5n, 720n]);
      assert.equal(await kppeAnchor.authorizedAnchors(keeper.address), true);
      assert.equal(await kppeAnchor.pendingOwner(), owner.address);
    });

    it("deploy the payout routers for a token, with the payout key as poster", async function () {
      const { ethers, ignition } = await network.create(networkName);
      const [, owner, poster] = await ethers.getSigners();
      const token = await ethers.deployContract("TestUSD");
      const parameters = { owner: owner.address, poster: poster.address, token: await token.getAddress() };
      const routers = [
        (await ignition.deploy(PayoutRouterV0Module, { parameters: { PayoutRouterV0Module: parameters } })).router,
        (await ignition.deploy(PayoutRouterKYCModule, { parameters: { PayoutRouterKYCModule: parameters } })).router,
      ];
      for (const router of routers) {
        assert.deepEqual([await router.token(), await router.poster(), await router.owner()], [await token.getAddress(), poster.address, owner.address]);
      }
    });
  });
}
