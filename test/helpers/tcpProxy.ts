import net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), to cause the faults a network
 * causes: `cut()` resets every open connection at once, `down()` refuses new ones until `up()`,
 * `throttle()` slows every connection down so that a cut lands inside one large message.
 */
export interface TcpProxy {
  port: number;
  /** How many connections have been opened through the proxy. */
  readonly connections: number;
  cut(): void;
  /** Forwards at most this many bytes per second each way on each connection; undefined: at full speed again. */
  throttle(bytesPerSecond: number | undefined): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let refusing = false;
  let connections = 0;
  let bytesPerSecond: number | undefined;
  // Forwards chunk by chunk, in order: a throttled chunk is held back for its share of a second.
  const forward = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk: Buffer) => {
      if (bytesPerSecond === undefined) {
        if (!to.write(chunk)) {
          from.pause();
          to.once("drain", () => from.resume());
        }
        return;
      }
      from.pause();
      setTimeout(() => {
        if (to.destroyed) return;
        to.write(chunk);
        from.resume();
      }, (chunk.length / bytesPerSecond) * 1000);
    });
    from.on("end", () => to.end());
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    connections++;
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cut = () => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    cut,
    throttle(rate) {
      bytesPerSecond = rate;
    },
    down() {
      refusing = true;
      cut();
    },
    up() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
