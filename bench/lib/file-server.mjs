// The blob-pull peer: the simplest Node server that can stream a file (fs.createReadStream piped into
// the response). Berth's blob GET is held against it, to show what Node itself costs on this machine.
//   node file-server.mjs FILE   -> listens on a free 127.0.0.1 port, prints it on stdout, serves GET /blob
import http from 'node:http';
import fs from 'node:fs';

const file = process.argv[2];
const size = fs.statSync(file).size;

const server = http.createServer((req, res) => {
  if (req.url !== '/blob' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
