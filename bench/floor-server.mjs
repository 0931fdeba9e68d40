// The floor under the kit-vs-peer ratios: a server that answers every request at once, reading
// the body and checking nothing (no signature, no state, no triggers). What a client spends
// against it (the SDK building, signing and parsing, HTTP over loopback) is the part of each
// call that no server can remove; `npm run bench` measures it in the same rounds as kit and peer.
// Usage: node bench/floor-server.mjs <port> <GET body bytes>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const getBody = Buffer.alloc(Number(process.argv[3] ?? 0), 7);

createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': getBody.length });
      response.end(getBody);
    } else if (request.method === 'POST') {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'floor' });
      response.end('{}');
    } else {
      response.writeHead(200, { etag: '"floor"' });
      response.end();
    }
  });
}).listen(port, '127.0.0.1');
