/**
 * Byte pipes behind one interface, the public face (host/smp/README.md "host/transport"): real
 * serial ports, TCP (ser2net raw, board processes), the in-process paired link with its fault
 * model, socat pty pairs, and the clock and seeded random numbers everything timed runs on.
 */
export { TransportBase, TransportClosedError, TransportTimeoutError, PortOpenError, UnsupportedSignalsError, type ModemSignals, type Transport } from './transport.js';
export { SerialPortTransport } from './serialport.js';
export { TcpTransport, listenTcp, type TcpListener } from './tcp.js';
export { openPort, parseTcpUrl, DEFAULT_BAUD } from './open.js';
export { ReattachingTransport } from './reattaching.js';
export { onTransportText, type ConsoleText } from './text.js';
export { PairedLink } from './paired/paired-link.js';
export type { LinkFaults } from './paired/faults.js';
export { createPtyPair, findSocat, PtyUnavailableError, type PtyPair } from './pty.js';
export { ManualClock, sleep, systemClock, type Clock, type Timer } from './clock.js';
export { lineMs } from './line-rate.js';
export { randomSeed, seededRng } from './rng.js';
