import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { allowedHostsFromEnv, hostNameOf, isAllowedHost, refuseRebindableHosts } from './allowed-hosts.js';

describe('Host headers the kit answers (DNS rebinding)', () => {
  it.each([
    '127.0.0.1:4566', 'localhost:4566', 'LOCALHOST', '[::1]:4566', '192.168.1.20:4566', 'bucket.localhost:4566',
    'sim-rekognition:4566', 'my-laptop', 'my-laptop.local', 'host.docker.internal:4566',
    'localhost.localstack.cloud:4566', 'bucket.s3.localhost.localstack.cloud:4566', undefined, '',
  ])('answers %s', (host) => {
    expect(isAllowedHost(host)).toBe(true);
  });

  it.each([
    'attacker.example', 'attacker.example:4566', 'localhost.attacker.example', '127.0.0.1.nip.io:4566', 'kit.dev.example.com',
    // Not host syntax, so not read as the harmless name it starts or ends with.
    '[::1].attacker.example', '[::1]attacker.example', '127.0.0.1:4733@attacker.example', 'attacker%2eexample', 'attacker\u3002example',
    'localhost:4566 attacker.example', 'localhost:99999999',
  ])(
    'refuses %s, which an outsider can point at 127.0.0.1',
    (host) => {
      expect(isAllowedHost(host)).toBe(false);
    },
  );

  it('answers the names and domains FACEKIT_ALLOWED_HOSTS adds, and every host for *', () => {
    const extra = allowedHostsFromEnv(' Kit.Example.com , .dev.example.org,, ');
    expect(extra).toEqual(['kit.example.com', '.dev.example.org']);
    expect(isAllowedHost('kit.example.com:4566', extra)).toBe(true);
    expect(isAllowedHost('a.dev.example.org', extra)).toBe(true);
    expect(isAllowedHost('dev.example.org', extra)).toBe(true);
    expect(isAllowedHost('other.example.com', extra)).toBe(false);
    expect(isAllowedHost('xdev.example.org', extra)).toBe(false);
    expect(isAllowedHost('attacker.example', ['*'])).toBe(true);
  });

  it('reads the name out of a Host header', () => {
    expect(hostNameOf('[::1]:4566')).toBe('::1');
    expect(hostNameOf('Example.COM:80')).toBe('example.com');
    expect(hostNameOf('example.com')).toBe('example.com');
  });

  it('refuses a rebinding request before any route runs, with a message that says how to allow the host', async () => {
    const app = Fastify();
    refuseRebindableHosts(app, []);
    let served = 0;
    app.get('/_sim/emails', async () => {
      served++;
      return [];
    });
    const refused = await app.inject({ method: 'GET', url: '/_sim/emails', headers: { host: 'attacker.example:4566' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(refused.json().message).toMatch(/"attacker\.example" is not allowed.*FACEKIT_ALLOWED_HOSTS/);
    expect(served).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/_sim/emails', headers: { host: '127.0.0.1:4566' } })).statusCode).toBe(200);
    expect(served).toBe(1);
  });

  it('refuses a request S3 would serve with S3’s XML AccessDenied, which an S3 client reads, and keeps JSON for the others', async () => {
    const app = Fastify();
    refuseRebindableHosts(app, [], (request) => request.url.startsWith('/bucket'));

    const s3 = await app.inject({ method: 'GET', url: '/bucket/key?x-id=GetObject', headers: { host: 'attacker.example' } });
    const json = await app.inject({ method: 'GET', url: '/_sim/emails', headers: { host: 'attacker.example' } });

    expect(s3.statusCode).toBe(403);
    expect(s3.headers['content-type']).toBe('application/xml');
    expect(s3.body).toMatch(/^<\?xml [^>]+>\n<Error><Code>AccessDenied<\/Code><Message>Host &quot;attacker\.example&quot; is not allowed: .*FACEKIT_ALLOWED_HOSTS.*<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><HostId>/);
    expect(json.json()).toMatchObject({ __type: 'AccessDeniedException' });
  });
});
