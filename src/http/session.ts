/**
 * Sealed cookies: the whole payload is encrypted and authenticated with AES-256-GCM under a key
 * derived from `SESSION_SECRET`, so a session can neither be read (it may hold the user's GitHub
 * token) nor forged. Each value is bound to a purpose and an expiry.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export interface SessionKeys {
  readonly encryption: Buffer;
  readonly mac: Buffer;
}

export function deriveKeys(secret: string | undefined): SessionKeys {
  const material = secret && secret.length > 0 ? Buffer.from(secret, "utf8") : randomBytes(32);
  const derive = (info: string) =>
    Buffer.from(hkdfSync("sha256", material, "upgrade-queue", info, 32));
  return { encryption: derive("session-encryption-v1"), mac: derive("session-mac-v1") };
}

export function seal(keys: SessionKeys, purpose: string, data: unknown, maxAgeSeconds: number): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.encryption, iv);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const body = JSON.stringify({ exp: Math.floor(Date.now() / 1000) + maxAgeSeconds, d: data });
  const encrypted = Buffer.concat([cipher.update(body, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString("base64url");
}

/** The sealed data, or undefined when the value is missing, forged, for another purpose or expired. */
export function unseal(keys: SessionKeys, purpose: string, value: string | undefined): unknown {
  if (!value) return undefined;
  try {
    const raw = Buffer.from(value, "base64url");
    if (raw.length < 29) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", keys.encryption, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    const body = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    const parsed = JSON.parse(body) as { exp?: unknown; d?: unknown };
    if (typeof parsed.exp !== "number" || parsed.exp < Date.now() / 1000) return undefined;
    return parsed.d;
  } catch {
    return undefined;
  }
}

/** Constant-time string equality (both sides hashed first, so lengths never leak either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** A keyed fingerprint of a secret, safe to keep in a cookie. */
export function fingerprint(keys: SessionKeys, value: string): string {
  return createHmac("sha256", keys.mac).update(value, "utf8").digest("base64url");
}

export function randomToken(): string {
  return randomBytes(24).toString("base64url");
}
