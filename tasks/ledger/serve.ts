import { createGateway } from "../../src/gateway/server.ts";
import { DEFAULT_STORE, openStore } from "../../src/store/open.ts";
import { userError } from "../errors.ts";

interface Args {
  store: string;
  host: string;
  port: number;
  logLevel: string;
  profile: string;
}

export default async function serve({ store, host, port, logLevel, profile }: Args): Promise<void> {
  if (profile !== "local" && profile !== "production") throw userError(`--profile: expected local or production, got ${JSON.stringify(profile)}`);
  const ledgerStore = await openStore(store || process.env.KPPE_STORE || DEFAULT_STORE);
  const gateway = createGateway({ store: ledgerStore, host, port, logLevel, profile });
  const url = await gateway.listen();
  gateway.app.log.info({ store: ledgerStore.location, url, profile }, `gateway listening on ${url} (ledger: ${ledgerStore.location}, profile: ${profile})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      gateway.app.log.info(`${signal}: finishing in-flight requests, then stopping`);
      void gateway.close().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
