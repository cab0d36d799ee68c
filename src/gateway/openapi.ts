import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";

/**
 * Makes the OpenAPI 3.1 description of every route from its `schema` and serves it at
 * `/openapi.json`. Call before the routes are added; returns the list of routes added after it. The schemas describe; the handlers validate
 * (their errors name each field) and answers are sent as the handlers build them, so schemas
 * are neither compiled into validators nor into serializers that would drop fields.
 */
export function registerOpenApi(app: FastifyInstance, info: { version: string }): string[] {
  // Every route added from here on, as "METHOD /url": what the description must cover.
  const routes: string[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") routes.push(`${method} ${route.url}`);
  });
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  void app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "KPPE gateway",
        version: info.version,
        description:
          "A FIFO gateway: each event gets one position in an append-only, hash-chained ledger; an RFC 9162 log over the ledger is anchored on Base. Formats: docs/formats.md; behaviour: docs/ledger.md and docs/log.md.",
      },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "production profile: a source's API key (npx hardhat ledger:source)" } } },
    },
  });
  app.get("/openapi.json", { schema: { summary: "This description (OpenAPI 3.1)", tags: ["meta"] } }, async () => app.swagger());
  return routes;
}
