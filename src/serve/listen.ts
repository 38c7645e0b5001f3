/**
 * Serving a Web handler on a TCP port in every runtime: `Deno.serve` under Deno (its native
 * server: a streamed answer through it costs a third of what Node's `http` emulation does),
 * elsewhere Node's `http` server through `@hono/node-server`'s adapter (Bun runs it too).
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

/** How long a stop waits for open answers (streams) before it lets them go. */
const STOP_GRACE_MS = 2000;

type Handler = (req: Request) => Promise<Response>;
type DenoServe = (
  options: {
    hostname: string;
    port: number;
    onListen?: (addr: { port: number }) => void;
    onError?: (e: unknown) => Response;
  },
  handler: Handler,
) => { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };

/** The URL of a listening address. */
function urlOf(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** Why the port cannot be had, in words a person can act on. */
function listenError(
  e: Error & { code?: string; name?: string },
  o: { hostname: string; port: number },
) {
  if (e.code === "EADDRINUSE" || e.name === "AddrInUse") {
    return new Error(`Port ${o.port} on ${o.hostname} is in use. Pick another with --port.`);
  }
  if (e.code === "EADDRNOTAVAIL" || e.name === "AddrNotAvailable") {
    return new Error(`${o.hostname} is not an address of this machine. Check --host.`);
  }
  return e;
}

/** Serve `handler` on `hostname:port`; rejects with a clear message when the port is taken. */
export function listen(
  handler: Handler,
  options: { hostname: string; port: number },
): Promise<Listening> {
  const serve = (globalThis as { Deno?: { serve?: DenoServe } }).Deno?.serve;
  if (serve) {
    try {
      // Run with --unstable-no-legacy-abort (the serve task is), the request's signal aborts
      // only when the caller goes away; Deno's legacy default also aborts it once an answer was
      // delivered (harmless here) and warns of that once.
      const server = serve({ ...options, onListen: () => {} }, handler);
      return Promise.resolve({
        url: urlOf(options.hostname, server.addr.port),
        port: server.addr.port,
        close: async () => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const grace = new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)));
          await Promise.race([server.shutdown(), grace]);
          clearTimeout(timer);
        },
      });
    } catch (e) {
      return Promise.reject(listenError(e as Error, options));
    }
  }
  const server = createAdaptorServer({ fetch: handler, overrideGlobalObjects: false });
  return new Promise((resolve, reject) => {
    server.once("error", (e: Error & { code?: string }) => reject(listenError(e, options)));
    server.listen(options.port, options.hostname, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: urlOf(options.hostname, port),
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
