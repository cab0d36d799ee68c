// Starts the gateway without Hardhat (fast start-up for tests, benchmarks and process managers):
//   node scripts/serve-gateway.ts [store] [port]
// Prints the URL as its first line of stdout once listening. SIGTERM/SIGINT stop it gracefully.
// While its store cannot be reached it waits, saying so on stderr, as `ledger:serve` does.
import { createGateway } from "../src/gateway/server.ts";
import { whenReachable } from "../src/store/failures.ts";
import { openStore } from "../src/store/open.ts";

const [location, port = "8080"] = process.argv.slice(2);
const say = (message: string) => console.error(message);
const gateway = createGateway({ store: await whenReachable(() => openStore(location), say), storeLocation: location, port: Number(port), logLevel: process.env.LOG_LEVEL ?? "warn" });
console.log(await whenReachable(() => gateway.listen(), say));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void gateway.close());
