/**
 * Serving a Web handler on a TCP port in every runtime: Node's `http` server through
 * `@hono/node-server`'s adapter (Deno and Bun run it too).
 *
 * @module
 */

import { createAdaptorServer } from "@hono/node-server";
import type { AddressInfo } from "node:net";

/** A listening server. */
export interface Listening {
  /** `http://host:port`. */
  url: string;
  /** The port (useful with port 0). */
  port: number;
  /** Stop accepting, end open connections, and resolve when closed. */
  close(): Promise<void>;
}

/** Serve `handler` on `hostname:port`; rejects with a clear message when the port is taken. */
export function listen(
  handler: (req: Request) => Promise<Response>,
  options: { hostname: string; port: number },
): Promise<Listening> {
  const server = createAdaptorServer({ fetch: handler, overrideGlobalObjects: false });
  return new Promise((resolve, reject) => {
    server.once("error", (e: Error & { code?: string }) => {
      reject(
        e.code === "EADDRINUSE"
          ? new Error(
            `Port ${options.port} on ${options.hostname} is in use. Pick another with --port.`,
          )
          : e.code === "EADDRNOTAVAIL"
          ? new Error(`${options.hostname} is not an address of this machine. Check --host.`)
          : e,
      );
    });
    server.listen(options.port, options.hostname, () => {
      const port = (server.address() as AddressInfo).port;
      const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}
