#!/usr/bin/env node
// Measures the two RPC designs weighed in docs/adr/0002-rpc-over-streams.md, in one process
// with two real Tessera nodes on 127.0.0.1 (run `npx tsc --build packages/protocol` first):
//   session            the shipped RpcServer/RpcClient: one long-lived stream per client,
//                      requests and replies matched by id
//   stream-per-request one new yamux stream (with its multistream-select negotiation) per
//                      request, a header+body frame each way, as the first prototype did
// Prints JSON lines: sequential small-request latency, concurrent small-request rate, and
// small-request latency while a 16 MiB body is being sent on the same connection.
import '@tessera/protocol/polyfill';
import {
  FrameReader,
  createTesseraNode,
  defineService,
  encodeValue,
  expectBytes,
  frameBytes,
  generateNodeKey,
  protocolId,
  requestType,
  rpcClient,
  rpcServer,
  writeBytes,
} from '@tessera/protocol';
import { median } from '../../lib/timing.mjs';

const validate = (v) => expectBytes(v, 'body', { maxLength: 32 * 1024 * 1024 });
const service = defineService({
  name: 'rpc-compare',
  protocol: protocolId('rpc-compare', '1.0.0'),
  messages: {
    echo: requestType({
      maxBytes: 32 << 20,
      maxReplyBytes: 32 << 20,
      validateRequest: validate,
      validateReply: validate,
    }),
  },
});
const PER_STREAM_PROTOCOL = protocolId('rpc-compare-per-stream', '1.0.0');
const answer = (body) => (body.length > 1024 ? new Uint8Array(0) : body); // acknowledge big bodies

const server = await createTesseraNode({
  privateKey: await generateNodeKey(),
  listen: ['/ip4/127.0.0.1/tcp/0'],
});
const client = await createTesseraNode({ privateKey: await generateNodeKey() });
const rpc = rpcServer(server, { service, maxConcurrentRequests: 1024 });
rpc.handle('echo', answer);
await rpc.start();

await server.handle(
  PER_STREAM_PROTOCOL,
  async (stream) => {
    const reader = new FrameReader(stream);
    const body = await reader.read(32 << 20);
    await writeBytes(stream, frameBytes([encodeValue(answer(body))]));
    await stream.close();
  },
  { maxInboundStreams: 2048 },
);

const session = rpcClient(client, server.getMultiaddrs(), { service, maxConcurrentRequests: 1024 });
const connection = await client.dial(server.getMultiaddrs());
const perStream = {
  async request(_type, body) {
    const stream = await connection.newStream(PER_STREAM_PROTOCOL, { maxOutboundStreams: 2048 });
    const reader = new FrameReader(stream);
    await writeBytes(stream, frameBytes([encodeValue(body)]));
    await stream.close();
    const reply = await reader.read(32 << 20);
    reader.release();
    return reply;
  },
};

const small = new Uint8Array(100);
const big = new Uint8Array(16 * 1024 * 1024);
async function ms(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

for (const [design, api, concurrency] of [
  ['session', session, 1000],
  ['stream-per-request', perStream, 200],
  ['session', session, 1000],
  ['stream-per-request', perStream, 200],
]) {
  for (let i = 0; i < 200; i++) await api.request('echo', small); // warm-up
  const seq = [];
  for (let i = 0; i < 500; i++) seq.push(await ms(() => api.request('echo', small)));
  const concurrentMs = await ms(() =>
    Promise.all(Array.from({ length: concurrency }, () => api.request('echo', small))),
  );
  const during = [];
  let uploading = true;
  const upload = api.request('echo', big).finally(() => (uploading = false));
  while (uploading && during.length < 200) during.push(await ms(() => api.request('echo', small)));
  await upload;
  console.log(
    JSON.stringify({
      design,
      sequentialMedianMs: Number(median(seq).toFixed(3)),
      concurrentPerSecond: Math.round(concurrency / (concurrentMs / 1000)),
      duringUploadMedianMs: during.length ? Number(median(during).toFixed(2)) : null,
      duringUploadSamples: during.length,
    }),
  );
}
await session.close();
await rpc.stop();
await client.stop();
await server.stop();
