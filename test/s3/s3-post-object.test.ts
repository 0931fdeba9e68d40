// POST Object: browser form uploads from a presigned POST, by the stock clients that make them
// (the SDK's createPresignedPost with fetch, boto3's generate_presigned_post), checked as S3 checks
// the form's signature and policy.
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { unescapeXml } from '../../sim/s3/xml.js';
import { boto3Missing as whyBoto3Missing, PYTHON, PYTHON_ENV } from '../stock-clients/debian-python.js';
import { scratchFolders } from '../scratch-folders.js';
import { errorOf, recordingInvoker, startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

const run = promisify(execFile);
const scratchFolder = scratchFolders('facekit-post-object-');
const boto3Missing = await whyBoto3Missing();
if (boto3Missing) console.warn(`skipping the boto3 presigned POST: ${boto3Missing}`);

let server: RunningS3 | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PHOTO = Buffer.from('\xff\xd8\xff\xe0 not really a jpeg, but bytes with a \r\n--boundary-looking line\r\n', 'latin1');
const MAX_PHOTO_BYTES = 1024;

async function startWithBucket() {
  const recorder = recordingInvoker();
  server = await startS3({ invoker: recorder.invoker });
  server.s3.createBucket({ name: 'photos', notifications: [{ events: ['s3:ObjectCreated:*'], functionName: 'face-indexer' }] });
  return { running: server, events: recorder.events };
}

/** A form as the kit's Lambda will issue it. */
function presign(running: RunningS3, options: { key?: string; expires?: number; fields?: Record<string, string>; client?: RunningS3['client']; bucket?: string } = {}) {
  return createPresignedPost(options.client ?? running.client, {
    Bucket: options.bucket ?? 'photos',
    Key: options.key ?? 'enrol/user-1.jpg',
    Conditions: [['content-length-range', 1, MAX_PHOTO_BYTES], ['starts-with', '$Content-Type', '']],
    Fields: options.fields,
    Expires: options.expires ?? 300,
  });
}

/** Posts the fields, then the file last, as a browser's FormData does. */
async function postForm(url: string, fields: Record<string, string>, file = PHOTO, extra: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...fields, ...extra })) form.append(name, value);
  form.append('file', new Blob([file], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string) => unescapeXml(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '');

async function expectNothingStored(running: RunningS3, key = 'enrol/user-1.jpg') {
  const error = await errorOf(running.client.send(new HeadObjectCommand({ Bucket: 'photos', Key: key })));
  expect(error.$metadata.httpStatusCode).toBe(404);
}

describe('POST Object (a presigned POST form)', () => {
  it('stores the file of a createPresignedPost form sent with fetch and FormData, as PutObject would, and notifies ObjectCreated:Post', async () => {
    const { running, events } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, fields, PHOTO, { 'Content-Type': 'image/jpeg' });
    expect(response.status).toBe(204);
    const etag = `"${createHash('md5').update(PHOTO).digest('hex')}"`;
    expect(response.headers.get('etag')).toBe(etag);
    expect(response.headers.get('location')).toBe(`${running.endpoint}/photos/enrol%2Fuser-1.jpg`);
    expect(response.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);

    const stored = await running.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'enrol/user-1.jpg' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(PHOTO);
    expect(stored.ContentType).toBe('image/jpeg');
    expect(stored.ETag).toBe(etag);
    expect(events).toEqual([{ functionName: 'face-indexer', eventName: 'ObjectCreated:Post', key: 'enrol/user-1.jpg', eTag: etag.slice(1, -1), size: PHOTO.length }]);
  });

  it('stores binary/octet-stream without a Content-Type field, metadata from x-amz-meta-* fields, and replaces ${filename} in the key', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running, { key: 'enrol/${filename}', fields: { 'x-amz-meta-user': 'user-1' } });
    const response = await postForm(url, fields);
    expect(response.status).toBe(204);
    const head = await running.client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'enrol/photo.jpg' }));
    expect(head.ContentType).toBe('binary/octet-stream');
    expect(head.Metadata).toEqual({ user: 'user-1' });
  });

  it('refuses a file over the content-length-range with EntityTooLarge, and stores nothing', async () => {
    const { running, events } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, fields, Buffer.alloc(MAX_PHOTO_BYTES + 1, 7));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('EntityTooLarge');
    expect(messageOf(response.text)).toBe('Your proposed upload exceeds the maximum allowed size');
    expect(response.text).toContain(`<ProposedSize>${MAX_PHOTO_BYTES + 1}</ProposedSize><MaxSizeAllowed>${MAX_PHOTO_BYTES}</MaxSizeAllowed>`);
    await expectNothingStored(running);
    expect(events).toEqual([]);
  });

  it('refuses an empty file under the range with EntityTooSmall', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, fields, Buffer.alloc(0));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('EntityTooSmall');
    await expectNothingStored(running);
  });

  it('refuses an expired policy', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running, { expires: -1 });
    const response = await postForm(url, fields);
    expect(response.status).toBe(403);
    expect(codeOf(response.text)).toBe('AccessDenied');
    expect(messageOf(response.text)).toBe('Invalid according to Policy: Policy expired.');
    await expectNothingStored(running);
  });

  it('refuses a policy changed after signing (a larger size allowed) with SignatureDoesNotMatch', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    policy.conditions[0] = ['content-length-range', 1, 10 * MAX_PHOTO_BYTES];
    const tampered = { ...fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') };
    const response = await postForm(url, tampered, Buffer.alloc(2 * MAX_PHOTO_BYTES, 7));
    expect(response.status).toBe(403);
    expect(codeOf(response.text)).toBe('SignatureDoesNotMatch');
    expect(response.text).toContain('<AWSAccessKeyId>test</AWSAccessKeyId>');
    await expectNothingStored(running);
  });

  it('refuses a form signed with an unknown access key with InvalidAccessKeyId', async () => {
    const { running } = await startWithBucket();
    const stranger = running.clientWith({ accessKeyId: 'AKIASTRANGER', secretAccessKey: 'whatever' });
    const { url, fields } = await presign(running, { client: stranger });
    const response = await postForm(url, fields);
    expect(response.status).toBe(403);
    expect(codeOf(response.text)).toBe('InvalidAccessKeyId');
    expect(response.text).toContain('<AWSAccessKeyId>AKIASTRANGER</AWSAccessKeyId>');
    await expectNothingStored(running);
  });

  it('refuses a field no policy condition names, with its name lower-cased, and ignores x-ignore- fields', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const refused = await postForm(url, fields, PHOTO, { 'X-Amz-Meta-Note': 'not signed' });
    expect(refused.status).toBe(403);
    expect(codeOf(refused.text)).toBe('AccessDenied');
    expect(messageOf(refused.text)).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-note');
    await expectNothingStored(running);

    const ignored = await postForm(url, fields, PHOTO, { 'x-ignore-tracking': '1' });
    expect(ignored.status).toBe(204);
  });

  it('refuses a key other than the policy’s, quoting the failed condition', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, { ...fields, key: 'enrol/someone-else.jpg' });
    expect(response.status).toBe(403);
    expect(messageOf(response.text)).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$key", "enrol/user-1.jpg"]');
    await expectNothingStored(running, 'enrol/someone-else.jpg');
  });

  it('refuses a form signed for another bucket than the URL’s', async () => {
    const { running } = await startWithBucket();
    running.s3.createBucket({ name: 'other' });
    const { fields } = await presign(running, { bucket: 'other' });
    const response = await postForm(`${running.endpoint}/photos`, fields);
    expect(response.status).toBe(403);
    expect(messageOf(response.text)).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other"]');
    await expectNothingStored(running);
  });

  it('refuses a form without a key, or with the key after the file, as S3 words it', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const { key, ...withoutKey } = fields;
    const form = new FormData();
    for (const [name, value] of Object.entries(withoutKey)) form.append(name, value);
    form.append('file', new Blob([PHOTO]), 'photo.jpg');
    form.append('key', key!);
    const response = await fetch(url, { method: 'POST', body: form });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(codeOf(text)).toBe('InvalidArgument');
    expect(messageOf(text)).toBe("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
  });

  it('answers success_action_status 201 with S3’s PostResponse document, and 200 with an empty body', async () => {
    const { running } = await startWithBucket();
    const created = await presign(running, { fields: { success_action_status: '201' } });
    const response = await postForm(created.url, created.fields);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/xml');
    const etag = `"${createHash('md5').update(PHOTO).digest('hex')}"`;
    expect(response.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<PostResponse><Location>${running.endpoint}/photos/enrol%2Fuser-1.jpg</Location><Bucket>photos</Bucket><Key>enrol/user-1.jpg</Key><ETag>&quot;${etag.slice(1, -1)}&quot;</ETag></PostResponse>`,
    );
    const ok = await presign(running, { fields: { success_action_status: '200' } });
    const plain = await postForm(ok.url, ok.fields);
    expect(plain.status).toBe(200);
    expect(plain.text).toBe('');
  });

  it('answers a POST from an origin the bucket’s CORS rules allow with the CORS headers, and refuses another origin before reading the form', async () => {
    const recorder = recordingInvoker();
    server = await startS3({ invoker: recorder.invoker });
    server.s3.createBucket({ name: 'photos', cors: [{ AllowedMethods: ['POST'], AllowedOrigins: ['http://localhost:5173'], ExposedHeaders: ['ETag'] }] });
    const { url, fields } = await presign(server);
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([PHOTO]), 'photo.jpg');
    const allowed = await fetch(url, { method: 'POST', body: form, headers: { origin: 'http://localhost:5173' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');
    const refused = await fetch(url, { method: 'POST', body: form, headers: { origin: 'http://evil.example' } });
    expect(refused.status).toBe(403);
    expect(codeOf(await refused.text())).toBe('AccessForbidden');
  });

  it.skipIf(boto3Missing)("boto3's generate_presigned_post, posted as a multipart form by Python's urllib, stores the file", async () => {
    const { running, events } = await startWithBucket();
    const script = `
import sys, uuid, urllib.request, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
post = s3.generate_presigned_post("photos", "enrol/boto3.jpg", Fields={"Content-Type": "image/png"},
    Conditions=[["content-length-range", 1, 1024], {"Content-Type": "image/png"}], ExpiresIn=300)
boundary = uuid.uuid4().hex
body = b""
for name, value in post["fields"].items():
    body += f'--{boundary}\\r\\nContent-Disposition: form-data; name="{name}"\\r\\n\\r\\n{value}\\r\\n'.encode()
body += f'--{boundary}\\r\\nContent-Disposition: form-data; name="file"; filename="a.png"\\r\\nContent-Type: image/png\\r\\n\\r\\n'.encode()
body += b"\\x89PNG boto3 bytes\\r\\n--" + f"\\r\\n--{boundary}--\\r\\n".encode()
request = urllib.request.Request(post["url"], data=body, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
with urllib.request.urlopen(request) as response:
    print(response.status)
`;
    const { stdout } = await run(PYTHON, ['-c', script, running.endpoint], { env: PYTHON_ENV });
    expect(stdout.trim()).toBe('204');
    const stored = await running.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'enrol/boto3.jpg' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(Buffer.from('\x89PNG boto3 bytes\r\n--', 'latin1'));
    expect(stored.ContentType).toBe('image/png');
    expect(events.map((event) => event.eventName)).toEqual(['ObjectCreated:Post']);
  });

  it('takes a form sent by curl -F', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const photoPath = join(scratchFolder(), 'photo.jpg');
    writeFileSync(photoPath, PHOTO);
    const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}'];
    for (const [name, value] of Object.entries(fields)) args.push('-F', `${name}=${value}`);
    args.push('-F', 'Content-Type=image/jpeg', '-F', `file=@${photoPath}`, url);
    const { stdout } = await run('curl', args);
    expect(stdout).toBe('204');
    const head = await running.client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'enrol/user-1.jpg' }));
    expect(head.ContentLength).toBe(PHOTO.length);
  });
});

describe('POST Object bodies no browser sends (read by @fastify/busboy, sim/s3/form-data.ts)', () => {
  const BOUNDARY = 'facekit-form-boundary';
  const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
  const FILE_HEADER = 'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg';

  /** The form's fields, then a file part with the header lines given, its bytes, and what ends the body. */
  function formBody(fields: Record<string, string>, options: { fileHeader?: string; file?: Buffer; end?: string } = {}): Buffer {
    const parts = Object.entries(fields).map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    return Buffer.concat([
      Buffer.from(`${parts.join('')}--${BOUNDARY}\r\n${options.fileHeader ?? FILE_HEADER}\r\n\r\n`, 'latin1'),
      options.file ?? PHOTO,
      Buffer.from(options.end ?? CLOSE, 'latin1'),
    ]);
  }

  async function postRaw(url: string, body: Buffer | ReadableStream<Uint8Array>) {
    const init = { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, duplex: 'half' };
    const response = await fetch(url, init as RequestInit);
    return { status: response.status, text: await response.text() };
  }

  /** The server still takes a good form: nothing before left it unable to. */
  async function expectStillServing(running: RunningS3) {
    const { url, fields } = await presign(running, { key: 'enrol/after.jpg' });
    expect((await postForm(url, fields)).status).toBe(204);
  }

  it('answers a part header that starts with a space (the input that crashed dicer 0.3.0, CVE-2022-24434) with 400, and keeps serving', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    // Busboy skips the part, as it skips any part without a Content-Disposition: the form has no file.
    const response = await postRaw(url, formBody(fields, { fileHeader: ` ${FILE_HEADER}` }));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('InvalidArgument');
    expect(messageOf(response.text)).toBe('POST requires exactly one file upload per request.');
    await expectNothingStored(running);
    await expectStillServing(running);
  });

  it('answers a body cut off inside a field with MalformedPOSTRequest', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const whole = formBody(fields);
    const response = await postRaw(url, whole.subarray(0, whole.indexOf('name="Policy"') + 40));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('MalformedPOSTRequest');
    expect(messageOf(response.text)).toBe('The body of your POST request is not well-formed multipart/form-data.');
    await expectStillServing(running);
  });

  it('answers a body without its closing boundary (the file part never ends) with MalformedPOSTRequest, and stores nothing', async () => {
    const { running, events } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postRaw(url, formBody(fields, { end: '' }));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('MalformedPOSTRequest');
    await expectNothingStored(running);
    expect(events).toEqual([]);
  });

  it('stores a file holding bytes that look like the boundary but are no delimiter, sent in pieces cut inside them', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const file = Buffer.from(`\xff\xd8\r\n--\r\n--${BOUNDARY.slice(0, -1)}!\r\n--${BOUNDARY.slice(0, 8)}\r\n\r\n-- end\r\n--`, 'latin1');
    const body = formBody(fields, { file });
    const pieces = [body.indexOf('\r\n--', body.indexOf('\xff\xd8', 0, 'latin1')) + 1, body.length - CLOSE.length - 3, body.length - CLOSE.length + 5];
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        let at = 0;
        for (const cut of [...pieces, body.length]) {
          controller.enqueue(body.subarray(at, cut));
          at = cut;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        controller.close();
      },
    });
    const response = await postRaw(url, stream);
    expect(response.status).toBe(204);
    const stored = await running.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'enrol/user-1.jpg' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(file);
  });

  it('refuses thousands of tiny fields before the file, and a field that does not end, with MaxPostPreDataLengthExceededError', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const tiny = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`x-ignore-${i}`, '']));
    const many = await postRaw(url, formBody({ ...fields, ...tiny }));
    expect(many.status).toBe(400);
    expect(codeOf(many.text)).toBe('MaxPostPreDataLengthExceededError');
    expect(many.text).toContain('<MaxPostPreDataLength>20480</MaxPostPreDataLength>');

    const endless = await postRaw(url, formBody({ ...fields, 'x-ignore-long': 'x'.repeat(4 * 1024 * 1024) }));
    expect(endless.status).toBe(400);
    expect(codeOf(endless.text)).toBe('MaxPostPreDataLengthExceededError');
    await expectNothingStored(running);
    await expectStillServing(running);
  });

  it('stores nothing when the client hangs up in the middle of the file, and keeps serving', async () => {
    const { running, events } = await startWithBucket();
    const { url, fields } = await presign(running);
    const { request } = await import('node:http');
    const half = formBody(fields, { file: Buffer.alloc(MAX_PHOTO_BYTES / 2, 7), end: '' });
    const sent = request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': half.length + 1000 } });
    sent.on('error', () => {});
    sent.write(half);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectNothingStored(running);
    expect(events).toEqual([]);
    await expectStillServing(running);
  });
  it('stores nothing while the body is short of its Content-Length, though the file part ended, nor once the client hangs up', async () => {
    const { running, events } = await startWithBucket();
    const { url, fields } = await presign(running);
    const { request } = await import('node:http');
    const body = formBody(fields);
    const sent = request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length + 100_000 } });
    let answered = false;
    sent.on('response', () => (answered = true)).on('error', () => {});
    sent.write(body);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    await expectNothingStored(running);
    sent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expectNothingStored(running);
    expect(events).toEqual([]);
    await expectStillServing(running);
  });

  it('counts what precedes the first boundary against what may come before the file', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const preamble = Buffer.alloc(300 * 1024, 'p');
    const response = await postRaw(url, Buffer.concat([preamble, Buffer.from('\r\n'), formBody(fields)]));
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('MaxPostPreDataLengthExceededError');
    await expectNothingStored(running);
  });

  it('quotes a field name holding characters XML cannot carry as U+FFFD, so the error stays well-formed', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postRaw(url, formBody({ ...fields, 'a\u0001b\u0000c\u001b[31m': 'x' }));
    expect(response.status).toBe(403);
    expect(messageOf(response.text)).toBe('Invalid according to Policy: Extra input fields: a\uFFFDb\uFFFDc\uFFFD[31m');
    expect([...response.text].filter((char) => char < ' ' && !'\t\n\r'.includes(char))).toEqual([]);
  });
});

describe('POST Object: what the form says of itself', () => {
  it.each([
    ['an X-Amz-Date that is not a time, though its day is the credential’s', (fields: Record<string, string>) => ({ 'X-Amz-Date': `${fields['X-Amz-Date']!.slice(0, 8)}garbage` }),
      'AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"'],
    ['an X-Amz-Date of another day than the credential’s', () => ({ 'X-Amz-Date': '20200101T000000Z' }),
      'AuthorizationQueryParametersError', 'Invalid credential date. Date is not the same as X-Amz-Date.'],
    ['a credential that is no SigV4 scope', () => ({ 'X-Amz-Credential': 'test/20200101/us-east-1' }),
      'AuthorizationQueryParametersError', expect.stringMatching(/^Error parsing the X-Amz-Credential parameter; the Credential is mal-formed/)],
    ['another algorithm than AWS4-HMAC-SHA256', () => ({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA512' }),
      'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.'],
  ])('refuses %s, before the policy is read', async (_, change, code, message) => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, { ...fields, ...change(fields) });
    expect([response.status, codeOf(response.text), messageOf(response.text)]).toEqual([400, code, message]);
    await expectNothingStored(running);
  });

  it('refuses a Signature Version 2 form (AWSAccessKeyId, signature) as S3 refuses SigV2 everywhere', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    const response = await postForm(url, { key: fields.key!, Policy: fields.Policy!, AWSAccessKeyId: 'test', signature: 'c2lnbmF0dXJl' });
    expect([response.status, codeOf(response.text), messageOf(response.text)]).toEqual([
      400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    ]);
    await expectNothingStored(running);
  });

  it('refuses a form signed for another region than the bucket’s, in the words of a presigned request', async () => {
    const { running } = await startWithBucket();
    const { S3Client } = await import('@aws-sdk/client-s3');
    const elsewhere = new S3Client({ region: 'eu-west-1', endpoint: running.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const { url, fields } = await presign(running, { client: elsewhere });
    const response = await postForm(url, fields);
    expect([response.status, codeOf(response.text)]).toEqual([400, 'AuthorizationQueryParametersError']);
    expect(messageOf(response.text)).toBe("Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'");
    await expectNothingStored(running);
  });

  it('holds the file to every content-length-range condition, not only the first', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await createPresignedPost(running.client, {
      Bucket: 'photos',
      Key: 'enrol/user-1.jpg',
      Conditions: [['content-length-range', 1, MAX_PHOTO_BYTES], ['content-length-range', 1, 10]],
      Expires: 300,
    });
    const response = await postForm(url, fields);
    expect(response.status).toBe(400);
    expect(codeOf(response.text)).toBe('EntityTooLarge');
    expect(response.text).toContain('<MaxSizeAllowed>10</MaxSizeAllowed>');
    await expectNothingStored(running);
  });

  it('answers a POST to the bucket whose body is no form with S3’s 412, and reads a form sent to ?delete as no upload', async () => {
    const { running } = await startWithBucket();
    const { url, fields } = await presign(running);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await fetch(url, { method: 'POST', body: 'key=enrol/user-1.jpg', headers: { 'content-type': contentType } });
      const text = await response.text();
      expect([response.status, codeOf(text)]).toEqual([412, 'PreconditionFailed']);
      expect(text).toContain('<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>');
    }
    const toDelete = await postForm(`${url}?delete`, fields);
    expect(toDelete.status).not.toBe(204);
    await expectNothingStored(running);
  });
});
