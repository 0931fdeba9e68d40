import { describe, expect, it } from 'vitest';
import { decodeAwsChunked, verifyFlexibleChecksum } from './payload.js';
import { encodeKeyForEvent } from './event-notifications.js';

describe('aws-chunked bodies', () => {
  it('decodes signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and trailing headers', () => {
    const body = Buffer.from(
      '5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n0;chunk-signature=cccc\r\n' +
        'x-amz-checksum-crc32:DUoRhQ==\r\nx-amz-trailer-signature:dddd\r\n\r\n',
    );
    const decoded = decodeAwsChunked(body);
    expect(decoded.data.toString()).toBe('hello world');
    expect(decoded.trailers['x-amz-checksum-crc32']).toBe('DUoRhQ==');
    expect(verifyFlexibleChecksum(decoded.data, [decoded.trailers])).toEqual({ algorithm: 'crc32', value: 'DUoRhQ==' });
  });

  it('refuses a truncated body with IncompleteBody', () => {
    expect(() => decodeAwsChunked(Buffer.from('a\r\nshort'))).toThrow(expect.objectContaining({ code: 'IncompleteBody' }));
  });
});

describe('keys in event records', () => {
  it('form-encodes like S3: space as +, slashes kept, everything else percent-encoded as UTF-8', () => {
    expect(encodeKeyForEvent('enrol/a b/ü+(1)=~.jpg')).toBe('enrol/a+b/%C3%BC%2B%281%29%3D%7E.jpg');
  });
});
