import { createCodec } from '@tessera/codec';
const len = 349526;
const ins = [0,1,2].map(() => { const b = new Uint8Array(len); for (let i = 0; i < len; i++) b[i] = Math.random() * 256; return b; });
const c = createCodec(3, 10);
const ts = [];
for (let i = 0; i < 40; i++) { const t0 = process.hrtime.bigint(); c.encode(ins, [3,4,5,6,7,8,9]); ts.push((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)); }
console.log(ts.join(' '));
