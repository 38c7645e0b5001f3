import assert from "node:assert/strict";
import { test } from "node:test";
import { listen } from "./listen.ts";

test("listen: serves the handler, and a port in use is refused in words a person can act on", async () => {
  const server = await listen(() => Promise.resolve(new Response("here")), {
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await (await fetch(server.url)).text(), "here");
    await assert.rejects(
      listen(() => Promise.resolve(new Response("")), { hostname: "127.0.0.1", port: server.port }),
      /Port \d+ on 127\.0\.0\.1 is in use\. Pick another with --port\./,
    );
  } finally {
    await server.close();
  }
});
