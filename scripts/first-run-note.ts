// Says what the first `npm start` is doing while Hardhat compiles the contracts (it prints
// nothing until it is done): with the WASM compiler (docs/toolchain.md) that takes about 30-40 s.
import { existsSync } from "node:fs";

if (!existsSync(new URL("../artifacts/contracts/KPPEAnchor.sol/KPPEAnchor.json", import.meta.url))) {
  console.log("First run: compiling the contracts with the WebAssembly solc 0.8.28 (about 30-40 s, once)...");
}
