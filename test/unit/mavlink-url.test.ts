import { describe, expect, it } from 'vitest';
import { parseConnectionUrl, ConnectionUrlError } from '../../src/mavlink/url.js';

describe('connection URLs', () => {
  it.each([
    ['serial:///dev/ttyUSB0:57600', { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 57600 }],
    ['serial:///dev/ttyACM1', { kind: 'serial', path: '/dev/ttyACM1', baudRate: 57600 }],
    ['serial://COM3:115200', { kind: 'serial', path: 'COM3', baudRate: 115200 }],
    ['udpin://0.0.0.0:14550', { kind: 'udpin', host: '0.0.0.0', port: 14550 }],
    ['udpin://:14550', { kind: 'udpin', host: '0.0.0.0', port: 14550 }],
    ['udpout://192.168.1.10:14555', { kind: 'udpout', host: '192.168.1.10', port: 14555 }],
    ['tcp://127.0.0.1:5760', { kind: 'tcp', host: '127.0.0.1', port: 5760 }],
    ['tcp://sitl.local:5762/', { kind: 'tcp', host: 'sitl.local', port: 5762 }],
    ['tcp://[::1]:5760', { kind: 'tcp', host: '::1', port: 5760 }],
    ['TCP://localhost:5760', { kind: 'tcp', host: 'localhost', port: 5760 }],
  ])('%s', (url, expected) => {
    expect(parseConnectionUrl(url)).toEqual(expected);
  });

  it.each([
    ['', /missing scheme/],
    ['/dev/ttyUSB0', /missing scheme/],
    ['http://host:80', /unknown scheme 'http'/],
    ['tcp://127.0.0.1', /expected HOST:PORT/],
    ['tcp://:5760', /missing host/],
    ['tcp://host:70000', /port 70000 is out of range/],
    ['udpout://host:0', /port 0 is only valid for udpin/],
    ['serial://', /missing serial device path/],
    ['serial:///dev/ttyUSB0:12345', /unsupported baud rate '12345'/],
    ['tcp://host:port', /expected HOST:PORT/],
  ])('rejects %j with a clear message', (url, why) => {
    expect(() => parseConnectionUrl(url)).toThrow(ConnectionUrlError);
    expect(() => parseConnectionUrl(url)).toThrow(why);
    expect(() => parseConnectionUrl(url)).toThrow(/expected one of serial:\/\/\/dev\/ttyUSB0:57600/);
  });
});
