/** Decodes base64url (VAPID public keys) into bytes for PushManager.subscribe({applicationServerKey}). */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const clean = value.trim();
  if (!/^[A-Za-z0-9_-]*$/.test(clean)) throw new Error('not base64url');
  const base64 = (clean + '='.repeat((4 - (clean.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function bytesToBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
