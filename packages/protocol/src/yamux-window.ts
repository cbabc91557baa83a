/**
 * yamux window updates once half the receive window is used, as go-yamux and Hashicorp's
 * reference implementation send them, instead of after every data frame.
 *
 * `@chainsafe/libp2p-yamux` answers every data frame it receives with a window-update frame:
 * each RPC request makes the server send one back before its reply, and each reply makes the
 * client wake the server with another — two extra Noise messages, syscalls and wake-ups per
 * request. The yamux spec leaves the timing to the receiver; the sender just must not run out
 * of window, and with updates at half the window it never does while the reader keeps reading.
 * Frames that carry flags (SYN, ACK, FIN) still go out at once, and the window still grows as
 * the library grows it.
 *
 * The library's stream class is exported (`@chainsafe/libp2p-yamux/stream`); its
 * `sendWindowUpdate` is replaced once, on import. If a later version lacks the members this
 * relies on, the class is left as it is.
 * @packageDocumentation
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';

/** The members of YamuxStream the replacement uses (private in the library's types). */
interface StreamInternals {
  state: StreamState;
  epochStart: number;
  recvWindow: number;
  recvWindowCapacity: number;
  maxStreamWindowSize: number;
  getRTT(): number;
  getSendFlags(): number;
  sendFrame(frame: { type: number; flag: number; streamID: number; length: number }): void;
  streamId: number;
}

/** Frame type of a window update (yamux spec: 0x1). */
const WINDOW_UPDATE = 1;

function sendWindowUpdate(this: StreamInternals): void {
  if (this.state === StreamState.Paused) {
    // As the library: measure the next epoch from the resume, not from before the pause.
    this.epochStart = Date.now();
    return;
  }
  const flags = this.getSendFlags();
  const now = Date.now();
  const rtt = this.getRTT();
  // The library's auto-tuning: data consumed within four round trips doubles the window.
  if (flags === 0 && rtt > -1 && now - this.epochStart <= rtt * 4) {
    this.recvWindow = Math.min(this.recvWindow * 2, this.maxStreamWindowSize);
  }
  const delta = this.recvWindow - this.recvWindowCapacity;
  // The change: no update frame until half the window is used (flags always go out).
  if (flags === 0 && delta < this.recvWindow / 2) return;
  this.recvWindowCapacity = this.recvWindow;
  this.epochStart = now;
  this.sendFrame({ type: WINDOW_UPDATE, flag: flags, streamID: this.streamId, length: delta });
}

/** True once the library's class carries the replacement (see the module comment). */
export const yamuxHalfWindowUpdates: boolean = (() => {
  const proto = YamuxStream.prototype as unknown as Record<string, unknown>;
  // (getRTT, sendFrame, streamId and the windows are instance fields, set by the constructor.)
  const expected = ['sendWindowUpdate', 'getSendFlags'];
  if (!expected.every((name) => typeof proto[name] === 'function')) return false;
  proto.sendWindowUpdate = sendWindowUpdate;
  return true;
})();
