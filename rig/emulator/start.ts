/** Starts the emulated board a lab entry describes (rig.yaml `port: qemu` / `port: native-sim`). */
import type { EmulatorSpec } from '../lab/types.js';
import type { EmulatedBoard, EmulatorLog } from './emulated-board.js';
import { NativeSimBoard } from './native-sim.js';
import { QemuBoard } from './qemu.js';

export function startEmulatedBoard(name: string, spec: EmulatorSpec, log: EmulatorLog): Promise<EmulatedBoard> {
  return spec.kind === 'qemu' ? QemuBoard.start(name, spec, log) : NativeSimBoard.start(name, spec, log);
}
