/**
 * CRC-16/XMODEM (poly 0x1021, init 0, no reflection, xorout 0), the checksum of SMP serial
 * framing (notes/smp.md §5; Zephyr `crc16_itu_t(0x0000, ...)`). Check value: "123456789" ->
 * 0x31C3. Residue property used by receivers: the CRC over `packet || crc_be` is 0.
 */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16Xmodem(data: Uint8Array, crc = 0): number {
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ data[i]!) & 0xff]!;
  return crc;
}
