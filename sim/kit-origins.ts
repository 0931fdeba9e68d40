// The origins of the page the kit serves itself (/_sim/web/). A developer opens it at whatever
// the kit listens on: `npm start -- --port 5000`, then http://localhost:5000, http://127.0.0.1:5000
// or http://[::1]:5000, three origins to a browser. The page talks to the kit on its own origin,
// except for the photo: the upload form's URL names the endpoint the functions were given
// (http://127.0.0.1:<port>), so from any other name the form's POST is cross-origin and needs the
// upload bucket's CORS. The stack's `webOrigins` cannot know the port a kit is started on (its default
// lists 4566 only), so the kit adds its own origins to the bucket it serves; an AWS bucket keeps
// exactly the stack's list, and no other origin is let in.
import type { CorsRule } from './s3/cors.js';

/** The names of this machine's loopback interface a browser may open the kit's page by. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** An address as a URL host: IPv6 literals in brackets (`::1` → `[::1]`). */
export function urlHostOf(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The kit's endpoint's origin and every loopback name on its port, e.g. for http://127.0.0.1:5000. */
export function kitOwnOrigins(endpoint: string): string[] {
  const own = new URL(endpoint);
  const port = own.port ? `:${own.port}` : '';
  return [...new Set([own.origin, ...LOOPBACK_HOSTS.map((host) => `${own.protocol}//${host}${port}`)])];
}

/**
 * The bucket's CORS rules with the kit's own origins added to each rule's `AllowedOrigins`, so a
 * rule that lets the stack's web origins upload a photo lets the kit's page do it from any of its
 * names. Rules already open to every origin (`*`) are left as they are.
 */
export function withKitOwnOrigins(rules: readonly CorsRule[], ownOrigins: readonly string[]): CorsRule[] {
  return rules.map((rule) => {
    if (rule.AllowedOrigins.includes('*')) return rule;
    const missing = ownOrigins.filter((origin) => !rule.AllowedOrigins.includes(origin));
    return missing.length === 0 ? rule : { ...rule, AllowedOrigins: [...rule.AllowedOrigins, ...missing] };
  });
}

/**
 * `FACEKIT_WEB_ORIGINS`: origins this local kit lets in besides the stack's `webOrigins`, for an
 * app on a port the stack does not list, without editing cdk.json and synthesizing again. Each is
 * an origin exactly (`http://localhost:5999`: a scheme, a host, a port; no path); anything else
 * stops the start, naming it. A deployed stack still needs them in `webOrigins`.
 */
export function extraWebOriginsFromEnv(value: string | undefined): string[] {
  const origins = (value ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // Named below.
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(`FACEKIT_WEB_ORIGINS: ${JSON.stringify(origin)} is not an origin; write each as scheme://host:port with no path or trailing slash, e.g. http://localhost:5999`);
    }
  }
  return origins;
}
