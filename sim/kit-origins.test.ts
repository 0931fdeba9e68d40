// The kit's own origins (its page under any loopback name on its port) and the bucket CORS rules
// that let that page upload, while the stack's list stays as it was for everything else.
import { describe, expect, it } from 'vitest';
import { extraWebOriginsFromEnv, kitOwnOrigins, urlHostOf, withKitOwnOrigins } from './kit-origins.js';
import type { CorsRule } from './s3/cors.js';

const uploadRule: CorsRule = {
  AllowedOrigins: ['http://localhost:4566', 'http://127.0.0.1:4566', 'https://app.example.com'],
  AllowedMethods: ['POST'],
  AllowedHeaders: ['content-type', 'x-amz-*'],
  ExposedHeaders: ['etag'],
  MaxAge: 300,
};

describe('kitOwnOrigins', () => {
  it('names the endpoint and every loopback name a browser may open the page by, on the kit’s port', () => {
    expect(kitOwnOrigins('http://127.0.0.1:5000')).toEqual(['http://127.0.0.1:5000', 'http://localhost:5000', 'http://[::1]:5000']);
  });

  it('keeps an endpoint by another name first, and names an IPv6 endpoint once', () => {
    expect(kitOwnOrigins('http://kit.local:4610')).toEqual(['http://kit.local:4610', 'http://localhost:4610', 'http://127.0.0.1:4610', 'http://[::1]:4610']);
    expect(kitOwnOrigins('http://[::1]:4610')).toEqual(['http://[::1]:4610', 'http://localhost:4610', 'http://127.0.0.1:4610']);
  });
});

describe('withKitOwnOrigins', () => {
  it('adds the kit’s origins to the upload rule and leaves its methods, headers and other origins as the stack wrote them', () => {
    const [rule] = withKitOwnOrigins([uploadRule], kitOwnOrigins('http://127.0.0.1:5000'));

    expect(rule).toEqual({
      ...uploadRule,
      AllowedOrigins: [...uploadRule.AllowedOrigins, 'http://127.0.0.1:5000', 'http://localhost:5000', 'http://[::1]:5000'],
    });
    expect(uploadRule.AllowedOrigins).toHaveLength(3);
  });

  it('adds nothing a rule already allows, and leaves a rule open to any origin alone', () => {
    const anyOrigin: CorsRule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };

    const rules = withKitOwnOrigins([uploadRule, anyOrigin], kitOwnOrigins('http://127.0.0.1:4566'));

    expect(rules[0].AllowedOrigins).toEqual([...uploadRule.AllowedOrigins, 'http://[::1]:4566']);
    expect(rules[1]).toBe(anyOrigin);
  });
});

describe('urlHostOf', () => {
  it('brackets an IPv6 address, and leaves names, IPv4 and bracketed addresses alone', () => {
    expect(['::1', '::', 'fe80::1', '[::1]', '127.0.0.1', 'localhost'].map(urlHostOf)).toEqual(['[::1]', '[::]', '[fe80::1]', '[::1]', '127.0.0.1', 'localhost']);
  });
});

describe('extraWebOriginsFromEnv (FACEKIT_WEB_ORIGINS)', () => {
  it('reads a comma-separated list of origins, spaces and empty entries ignored', () => {
    expect(extraWebOriginsFromEnv(undefined)).toEqual([]);
    expect(extraWebOriginsFromEnv(' http://localhost:5999 , https://app.example.com,, ')).toEqual(['http://localhost:5999', 'https://app.example.com']);
  });

  it.each(['localhost:5999', 'http://localhost:5999/', 'http://localhost:5999/app', 'ftp://localhost', 'HTTP://LOCALHOST:5999', 'http://localhost:80'])(
    'stops the start on %s, which is no origin as a browser sends it, naming it',
    (value) => {
      expect(() => extraWebOriginsFromEnv(`http://localhost:5173,${value}`)).toThrow(`FACEKIT_WEB_ORIGINS: ${JSON.stringify(value)} is not an origin`);
    },
  );
});
