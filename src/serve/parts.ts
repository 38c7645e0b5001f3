/**
 * Pieces both endpoints' requests are made of: images (as the backend takes them), the
 * system prompt's placement, JSON object checks.
 *
 * @module
 */

import type { ImagePart, InputItem } from "../codex/types.ts";
import { badRequest } from "./errors.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether `v` is a JSON object (not an array). */
export const isObject = (v: unknown): v is Json =>
  !!v && typeof v === "object" && !Array.isArray(v);

/** An image part from its URL (a data:image/… or http(s) URL) and optional detail. */
export function imagePart(url: unknown, detail: unknown, where: string): ImagePart {
  if (typeof url !== "string" || !/^(data:image\/|https?:\/\/)/.test(url)) {
    throw badRequest(
      `Invalid '${where}.image_url': give a data:image/… URL (base64) or an https URL; file ids are not supported.`,
      `${where}.image_url`,
    );
  }
  return {
    type: "input_image",
    image_url: url,
    ...(detail === "low" || detail === "high" || detail === "auto" ? { detail } : {}),
  };
}

/**
 * Where a system (or developer) message goes: the leading ones, before any other item, are
 * the system prompt (the backend's `instructions`, since it refuses role `system`); a later
 * one becomes a developer message in place.
 */
export function placeSystem(text: string, system: string[], input: InputItem[]): void {
  if (input.length === 0) system.push(text);
  else input.push({ type: "message", role: "developer", content: [{ type: "input_text", text }] });
}
