import { apiKeyHash, newApiKey } from "../../src/ledger/sources.ts";
import { MAX_SOURCE_ID_LENGTH } from "../../src/ledger/validate.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import type { ledgerSourceTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof ledgerSourceTask>;

export default function source(args: Args): Promise<void> {
  return userFacing(() => run(args));
}

async function run(args: Args): Promise<void> {
  const { sourceId } = args;
  if (!sourceId || sourceId.length > MAX_SOURCE_ID_LENGTH) throw userError(`--source-id: expected 1 to ${MAX_SOURCE_ID_LENGTH} characters`);
  if (args.credits < -1 || args.rate < 0 || args.burst < 0 || args.addCredits < 0) {
    throw userError("--credits must be -1 or more, and --rate, --burst and --add-credits 0 or more");
  }
  const store = await openStore(args.store);
  try {
    const existing = await store.findSource(sourceId);
    if (args.addCredits > 0) {
      if (!existing) throw userError(`no source ${JSON.stringify(sourceId)} in ${store.location}; create it first (without --add-credits)`);
      if (existing.credits === null) throw userError(`source ${JSON.stringify(sourceId)} has unlimited credits; nothing to add`);
      console.log(`source ${sourceId}: ${await store.addCredits(sourceId, args.addCredits)} credits`);
      return;
    }
    if (existing) throw userError(`source ${JSON.stringify(sourceId)} already exists in ${store.location}; use --add-credits N to top it up`);
    const key = newApiKey();
    await store.createSource({
      source_id: sourceId,
      api_key_hash: apiKeyHash(key),
      credits: args.credits === -1 ? null : args.credits,
      rate_per_second: args.rate === 0 ? null : args.rate,
      burst: args.burst === 0 ? null : args.burst,
      created_at: new Date().toISOString(),
    });
    console.log(`source ${sourceId} created in ${store.location}`);
    console.log(`  credits: ${args.credits === -1 ? "unlimited" : args.credits}, rate: ${args.rate === 0 ? "unlimited" : `${args.rate}/s`}`);
    console.log(`API key (shown once, only its hash is stored; keep it in a secret store): ${key}`);
  } finally {
    await store.close();
  }
}
