// Child process of scripts/bench/storage.mjs: a storage node from the built dist on a temp dir,
// listening on 127.0.0.1 port 0. Prints one JSON line `{"peerId","addrs"}` when ready; stops
// cleanly (store flushed) when stdin ends.
import '@tessera/protocol/polyfill';
import { generateNodeKey } from '@tessera/protocol';
import { startStorageNode } from '@tessera/storage-server';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: server.mjs DIR');
const log = (level) => (message) => {
  if (level === 'warn' || level === 'error') process.stderr.write(`storage ${level}: ${message}\n`);
};
const node = await startStorageNode({
  dir,
  privateKey: await generateNodeKey(),
  listen: ['/ip4/127.0.0.1/tcp/0'],
  announce: [],
  nickname: 'bench',
  reservedSpace: 0,
  readOnly: false,
  logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
});
process.stdout.write(JSON.stringify({ peerId: node.peerId, addrs: node.addrs }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  node.stop().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`storage stop failed: ${err}\n`);
      process.exit(1);
    },
  );
});
