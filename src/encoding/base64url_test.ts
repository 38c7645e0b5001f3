import assert from "node:assert/strict";
import { test } from "node:test";
import { base64urlDecode, base64urlEncode } from "./base64url.ts";

test("base64url: no padding, URL alphabet, round trip (RFC 7636's S256 example)", async () => {
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  assert.equal(
    base64urlEncode(new Uint8Array(digest)),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  const bytes = new Uint8Array([0xfb, 0xff, 0xfe, 1]);
  assert.equal(base64urlEncode(bytes), "-__-AQ");
  assert.deepEqual(base64urlDecode("-__-AQ"), bytes);
  assert.equal(new TextDecoder().decode(base64urlDecode(base64urlEncode("héllo"))), "héllo");
});
