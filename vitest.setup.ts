// Node 20 lacks Promise.withResolvers, which libp2p calls (STYLE §8): load the polyfill first.
import '@tessera/protocol/polyfill';
