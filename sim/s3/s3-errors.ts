// S3 answers errors as XML: <Error><Code/><Message/>...<RequestId/><HostId/></Error>. Every error the
// emulator raises is an S3Error; the service turns it into that shape in one place.
import { escapeXml } from './xml.js';

export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    /** Extra elements S3 adds for this error, e.g. `Key`, `BucketName`, `AWSAccessKeyId`. */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const noSuchBucket = (bucket: string) =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });

/** A request body that is not well-formed XML, or not the document the operation takes. */
export const malformedXml = () =>
  new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

export const noSuchKey = (key: string) => new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });

export const accessDenied = (message = 'Access Denied', details: Record<string, string | number> = {}) =>
  new S3Error('AccessDenied', message, 403, details);

export const signatureDoesNotMatch = (accessKeyId: string, signatureProvided: string) =>
  new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
    { AWSAccessKeyId: accessKeyId, SignatureProvided: signatureProvided },
  );

/** S3's code and status; the message names what the kit does not emulate, which S3's own would not. */
export const notImplemented = (feature: string) => new S3Error('NotImplemented', `${feature} is not emulated (docs/s3.md lists what is)`, 501);

export const methodNotAllowed = (method: string, resourceType: 'SERVICE' | 'BUCKET' | 'OBJECT') =>
  new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
    Method: method,
    ResourceType: resourceType,
  });

export function errorXml(error: S3Error, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${errorText(String(value))}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${errorText(error.message)}</Message>${details}` +
    `<RequestId>${requestId}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}

/** Characters XML 1.0 allows nowhere, raw (C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Text an error quotes from the request (a form field's name, a key) escaped, and what XML cannot
 * hold at all replaced by U+FFFD: a NUL in a field name made the whole error unreadable to a client's
 * parser, and passed terminal escapes through to whoever printed it.
 */
function errorText(text: string): string {
  return escapeXml(text.replace(NOT_XML_CHARS, '\uFFFD'));
}
