// Requests Node's HTTP parser refuses never reach a route: a head over its 16 KiB limit (a
// 20,000-character key), Content-Length beside Transfer-Encoding, a bad chunk size, a body that
// ends before its Content-Length. Node reports them on the server's 'clientError' event, where
// Fastify answers in JSON of its own. On a path S3 owns, S3 answers them in its XML instead; on
// the others, Fastify's JSON, saying the connection closes.
import { maxHeaderSize, ServerResponse, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { S3Error, errorXml } from './s3-errors.js';
import { newRequestIds } from './s3-service.js';

/** What is known of a refused request: its method and path, and the headers when Node read them. */
export interface RefusedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/**
 * Answers in S3's XML the parser refusals of requests `ownedByS3` says S3 would have served; any
 * other refusal (and any timeout, which sim/connection-timeouts.ts answers) goes to the handlers
 * the server had, Fastify's among them. Install after those handlers.
 */
export function answerS3ClientErrors(server: Server, ownedByS3: (request: RefusedRequest) => boolean): void {
  const otherHandlers = server.listeners('clientError') as Array<(error: ParserError, socket: Socket) => void>;
  server.removeAllListeners('clientError');
  server.on('clientError', (error: ParserError, socket: Socket) => {
    const current = requestOn(socket);
    const refused = current ? { method: current.request.method ?? '', path: pathOf(current.request.url ?? ''), headers: current.request.headers } : requestLineOf(error.rawPacket);
    const answerable = !socket.destroyed && socket.writable && !current?.response.headersSent;
    if (answerable && error.code?.startsWith('HPE_') && refused && ownedByS3(refused)) {
      writeS3Error(socket, refused.method, s3ErrorFor(error, maxHeaderSize));
      return;
    }
    if (answerable && error.code?.startsWith('HPE_')) {
      writeClosingJsonError(socket, error);
      return;
    }
    for (const handler of otherHandlers) handler.call(server, error, socket);
  });
}

/**
 * The request a socket is on once Node has read its head (a refusal of its body names it): the
 * response Node attached to the socket, and its request. Read only when a refusal happens, where a
 * listener of our own on every request would cost every request its turn on the main thread.
 */
function requestOn(socket: Socket): { request: IncomingMessage; response: ServerResponse } | undefined {
  // Node's own link from a socket to the response being written on it (`_httpMessage`,
  // undocumented but what node:http itself reads): set for the request in progress.
  const response = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (!(response instanceof ServerResponse) || !response.req) return undefined;
  return { request: response.req, response };
}

/** Node's parser errors carry llhttp's code and reason, and the bytes it was reading. */
type ParserError = Error & { code?: string; reason?: string; rawPacket?: Buffer };

function s3ErrorFor(error: ParserError, maxSize: number): S3Error {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      // S3's answer to a head over its limit (8 KiB there; here Node's, 16 KiB by default).
      return new S3Error('RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.', 400, { MaxSizeAllowed: maxSize });
    case 'HPE_INVALID_EOF_STATE':
      // The client closed its side before the body was whole.
      return new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.', 400);
    default:
      return new S3Error('InvalidRequest', `The request could not be parsed: ${error.reason ?? error.message}`, 400);
  }
}

/**
 * The method, path and headers at the start of the bytes the parser refused, when a request
 * starts there: a head Node could not read whole is in the packet that ended it.
 */
function requestLineOf(packet: Buffer | undefined): RefusedRequest | undefined {
  if (!packet) return undefined;
  const head = packet.toString('latin1');
  const line = /^([A-Z]+) (\/\S*)/.exec(head);
  if (!line) return undefined;
  const authorization = /\r\nauthorization:[ \t]*([^\r\n]*)/i.exec(head)?.[1];
  return { method: line[1]!, path: pathOf(line[2]!), headers: authorization === undefined ? {} : { authorization } };
}

/** The path of a request URL, without its query. */
export function pathOf(url: string): string {
  return url.split('?')[0] ?? '';
}

/**
 * Fastify's answer to a refusal off S3's paths (431 for a head over the limit, else 400, the same
 * JSON), saying `Connection: close`: without it a keep-alive client (every SDK) sent its next
 * request on the socket the kit was closing, and that one failed with a hang-up (fuzz audit).
 */
function writeClosingJsonError(socket: Socket, error: ParserError): void {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 431 ? 'Exceeded maximum allowed HTTP header size' : 'Client Error';
  const body = JSON.stringify({ error: STATUS_CODES[status], message, statusCode: status });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.once('finish', () => socket.destroy());
}

/** The answer written on the socket itself (no route runs), with S3's headers; then the socket closes. */
function writeS3Error(socket: Socket, method: string, error: S3Error): void {
  const ids = newRequestIds();
  const body = method === 'HEAD' ? '' : errorXml(error, ids.requestId, ids.hostId);
  const head = [
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? ''}`,
    'Content-Type: application/xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-amz-request-id: ${ids.requestId}`,
    `x-amz-id-2: ${ids.hostId}`,
    'Server: AmazonS3',
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  socket.once('finish', () => socket.destroy());
}
