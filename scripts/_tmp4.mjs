import { createCodec } from '@tessera/codec';
import { timeMedian } from './lib/timing.mjs';
const mk = (k) => Array.from({ length: k }, () => { const len = Math.ceil((1 << 20) / k); const b = new Uint8Array(len); for (let i = 0; i < len; i++) b[i] = Math.random() * 256; return b; });
const i3 = mk(3), i10 = mk(10);
const c = createCodec(3, 10), c2 = createCodec(10, 14);
const p = c.encode(i3, [3, 4, 5]);
const r = [];
for (const [n, f] of [['enc', () => c.encode(i3, [3,4,5,6,7,8,9])], ['dec', () => c.decode(p, [3,4,5])], ['enc1014', () => c2.encode(i10, [10,11,12,13])]]) {
  const s = await timeMedian(f, { runs: 31, warmup: 40 });
  r.push(`${n} ${((1 << 20) / 1e6 / s).toFixed(0)}`);
}
console.log(process.argv[2], r.join('  '));
