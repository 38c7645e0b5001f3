// A separate process acting on a token file, for the storm and crash tests.
// Usage: deno run -A tests/_token_worker.ts <mode> <token-file> [issuer]
//   fresh        print the access token TokenStore.getFresh() returns (or the error code)
//   raw-refresh  spend the file's refresh token directly, as a store-less client would
//   write-loop   rewrite the file atomically, forever, with growing tokens
//   hold-lock    take the store's lock, say "locked", and never let go
import process from "node:process";
import { refreshGrant } from "../src/auth/oauth.ts";
import { readTokenFile } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { withFileLock } from "../src/fs/file_lock.ts";

const [mode, path, issuer] = process.argv.slice(2);
const store = new TokenStore({ path, issuer });
switch (mode) {
  case "fresh": {
    try {
      console.log((await store.getFresh()).access_token);
    } catch (e) {
      console.log(`error:${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    break;
  }
  case "raw-refresh": {
    const t = await readTokenFile(path, "");
    try {
      await refreshGrant({ issuer }, t.refresh_token);
      console.log("refreshed");
    } catch (e) {
      console.log(`error:${(e as { code?: string }).code}`);
    }
    break;
  }
  case "write-loop": {
    const t = await store.read();
    for (let i = 0;; i++) {
      await store.write({
        ...t,
        id_token: `${t.id_token}.${"x".repeat(50_000)}${i}`,
        last_refresh: String(i),
      });
      if (i === 0) console.log("writing");
    }
  }
  // falls through: never reached
  case "hold-lock":
    await withFileLock(`${path}.lock`, () => {
      console.log("locked");
      // A timer keeps the process alive (a bare pending promise would let Deno exit).
      return new Promise(() => setInterval(() => {}, 1000));
    });
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
