#!/usr/bin/env node
// A stand-in for `arducopter` that sends STATUSTEXT the way ArduPilot does (GCS::send_textv): only to a
// channel that is active, i.e. one on which a MAVLink packet has been received. SERIAL0 (TCP 5760 + 10·N)
// says 'EKF3 IMU0 is using GPS' once its client has sent a MAVLink 2 packet; SERIAL1 (5762 + 10·N) accepts.
import net from 'node:net';
import { common, MavLinkProtocolV2 } from 'node-mavlink';

const args = process.argv.slice(2);
const instance = Number(args[args.indexOf('-I') + 1]);
const protocol = new MavLinkProtocolV2(1, 1);
let seq = 0;
function statusText(text) {
  const s = new common.StatusText();
  s.severity = 6;
  s.text = text;
  s.id = 0;
  s.chunkSeq = 0;
  return protocol.serialize(s, seq++ & 0xff);
}
net
  .createServer((sock) => {
    let active = false;
    sock.on('error', () => undefined);
    sock.on('data', (b) => {
      if (!active && b.includes(0xfd)) {
        active = true;
        setTimeout(() => sock.write(statusText('EKF3 IMU0 is using GPS')), 200);
      }
    });
  })
  .listen(5760 + 10 * instance, '127.0.0.1', () => console.log(`bind port ${5760 + 10 * instance} for SERIAL0`));
net.createServer((sock) => sock.on('error', () => undefined)).listen(5762 + 10 * instance, '127.0.0.1');
