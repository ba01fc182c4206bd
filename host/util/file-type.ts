/**
 * How messages name what a path is when it is not the regular file a command wanted
 * (the bounded reader and the output-path check refuse the same kinds of file).
 */
import type { Stats } from 'node:fs';

export function fileTypeText(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return st.isFile() ? 'a regular file' : 'not a regular file';
}
