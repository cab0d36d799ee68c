import type { FastifyInstance, FastifyReply } from "fastify";
import { buildVerifierPage, type VerifierPage } from "../page/build.ts";
import { mediaResponse } from "./apiSchemas.ts";
import { errorBody } from "./errors.ts";

/**
 * The page runs only its own script (and its WebAssembly hashers); it may connect to any RPC endpoint the user types (that is
 * its job), and nothing else: no frames, no forms, no other origins' scripts.
 */
const PAGE_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; connect-src *; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /verify/`: the receipt verifier page (src/page), built on the first request and kept in
 * memory. `npm run build:page` writes the same two files for a static host.
 */
export function registerPageRoute(app: FastifyInstance): void {
  let page: Promise<VerifierPage> | undefined;
  const built = () => (page ??= buildVerifierPage().catch((error) => {
    page = undefined;
    throw error;
  }));
  const send = async (reply: FastifyReply, name: keyof VerifierPage, type: string) => {
    let files: VerifierPage;
    try {
      files = await built();
    } catch (error) {
      return reply.code(503).send(errorBody("PAGE_UNAVAILABLE", `the verifier page could not be built here (${(error as Error).message}); build it with npm run build:page and serve that folder`));
    }
    return reply.type(type).header("content-security-policy", PAGE_POLICY).header("x-content-type-options", "nosniff").header("cache-control", "no-cache").send(files[name]);
  };
  app.get("/verify", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/verify/", 301));
  app.get("/verify/", { schema: { summary: "The receipt verifier page (docs/sdk.md)", tags: ["meta"], response: { 200: mediaResponse("text/html", "the page") } } }, async (_request, reply) => send(reply, "index.html", "text/html; charset=utf-8"));
  app.get("/verify/verify.js", { schema: { hide: true } }, async (_request, reply) => send(reply, "verify.js", "text/javascript; charset=utf-8"));
}
