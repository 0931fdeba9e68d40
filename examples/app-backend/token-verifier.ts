// How an app backend verifies the kit's tokens: with aws-jwt-verify's CognitoJwtVerifier, configured
// exactly as for AWS (user pool id, client id, token use). The kit's tokens carry AWS's issuer
// (`https://cognito-idp.<region>.amazonaws.com/<poolId>`), so the only local-only setting is where
// the keys come from: the verifier would fetch them from AWS's JWKS URL, and the kit serves them
// at the same path under its own endpoint. A JWKS cache whose fetcher reads that path from the kit
// keeps the verifier's own logic (kid lookup, refetch on an unknown kid, back-off) untouched, so a
// key rotation (`npm start -- --reset`) is picked up without a restart of the backend.
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

export interface TokenVerifierOptions {
  userPoolId: string;
  /** The app client(s) whose tokens this backend accepts. */
  clientId: string | string[];
  /** The kit's endpoint (e.g. http://127.0.0.1:4566). Omit on AWS: keys then come from AWS. */
  kitEndpoint?: string;
  /** `access` for an API (the default), `id` to read the user's profile claims. */
  tokenUse?: 'access' | 'id';
}

/** AWS's JWKS URL for a pool, read instead from the kit's endpoint (same path). */
export function kitJwksCache(kitEndpoint: string): SimpleJwksCache {
  return new SimpleJwksCache({
    fetcher: {
      fetch: async (jwksUri: string) => {
        const { hostname, pathname } = new URL(jwksUri);
        if (!/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(hostname)) throw new Error(`not a Cognito JWKS URL: ${jwksUri}`);
        const response = await fetch(new URL(pathname, kitEndpoint), { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`the kit answered ${response.status} for its JWKS at ${pathname}`);
        return response.arrayBuffer();
      },
    },
  });
}

export function createTokenVerifier(options: TokenVerifierOptions) {
  return CognitoJwtVerifier.create(
    { userPoolId: options.userPoolId, clientId: options.clientId, tokenUse: options.tokenUse ?? 'access' },
    options.kitEndpoint ? { jwksCache: kitJwksCache(options.kitEndpoint) } : undefined,
  );
}
