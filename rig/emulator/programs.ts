/**
 * The emulators a lab board may need, and what to install when one is missing: a board that
 * cannot start says which Debian package brings its program, instead of a bare ENOENT.
 */
import { basename } from 'node:path';
import { findOnPath } from '../../host/util/which.js';
import { EnvironmentError } from '../../host/util/errors.js';
import type { EmulatorSpec } from '../lab/types.js';

/** What installs each program the rig starts for emulated boards (Debian/Ubuntu). */
const PACKAGES: Record<string, string> = {
  'qemu-system-arm': 'apt-get install qemu-system-arm',
  'qemu-i386-static': 'apt-get install qemu-user-static (and for 32-bit native_sim builds: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 libgcc-s1:i386)',
  'qemu-i386': 'apt-get install qemu-user (and for 32-bit native_sim builds: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 libgcc-s1:i386)',
};

/** How to get `program`, for messages. */
export function installHint(program: string): string {
  const hint = PACKAGES[basename(program)];
  return hint ? `Debian/Ubuntu: ${hint}` : 'install it or give its full path';
}

/** The emulator is not installed (or not executable). */
export class EmulatorMissingError extends EnvironmentError {
  override name = 'EmulatorMissingError';
}

/** Absolute path of `program` (on PATH, or a path), or EmulatorMissingError naming the package to install. */
export function requireProgram(program: string, who: string): string {
  const found = findOnPath(program);
  if (!found) throw new EmulatorMissingError(`${who}: ${program} is not installed or not executable (${installHint(program)})`);
  return found;
}

/** Why the emulator of `spec` cannot be started here (its program or runner missing), or undefined. */
export function emulatorUnavailable(spec: EmulatorSpec): string | undefined {
  const programs = spec.kind === 'qemu' ? [spec.program] : spec.runner.slice(0, 1);
  const missing = programs.find((p) => findOnPath(p) === undefined);
  return missing === undefined ? undefined : `${missing} is not installed or not executable (${installHint(missing)})`;
}

/**
 * What a failed start of a 32-bit native_sim build says about the host: the i386 C library
 * is missing, or the kernel refuses 32-bit programs and it needs a runner. Undefined otherwise.
 */
export function diagnoseStart(output: string, startError: Error | undefined): string | undefined {
  if (/ld-linux\.so\.2|libc\.so\.6|libgcc_s\.so|error while loading shared libraries/.test(output)) {
    return 'the 32-bit C library is missing (Debian/Ubuntu: dpkg --add-architecture i386 && apt-get update && apt-get install libc6:i386 libgcc-s1:i386)';
  }
  if ((startError as NodeJS.ErrnoException | undefined)?.code === 'ENOEXEC' || /Exec format error/.test(output)) {
    return "this kernel does not run the program itself (a 32-bit build on a kernel without 32-bit support): give it a runner, e.g. runner: qemu-i386-static (Debian/Ubuntu: apt-get install qemu-user-static)";
  }
  return undefined;
}
