/**
 * The /dev/serial/by-id name udev gives a USB serial port, computed from its sysfs attributes:
 * `usb-<ID_SERIAL>-if<NN>[-port<N>]` per systemd's 60-serial.rules, where ID_SERIAL is
 * `<vendor>_<model>[_<serial>]` as udev's usb_id builtin builds it (manufacturer/product strings,
 * falling back to the hex ids; whitespace runs become `_`, characters outside
 * `0-9A-Za-z#+-.:=@_` become `_`). On machines without udev this lets a lab's `by-id` still match.
 */

function udevSafe(s: string): string {
  // udev_util_replace_whitespace: trim, then each run of whitespace -> one '_'
  const collapsed = s.trim().replace(/\s+/g, '_');
  // udev_replace_chars(str, NULL): keep the allowed set and multi-byte UTF-8, else '_'
  return collapsed.replace(/[^0-9A-Za-z#+\-.:=@_\u0080-\uffff]/g, '_');
}

export interface UdevIdInput {
  vendorId: string;
  productId: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  interface?: number;
  /** usb-serial port number (ttyUSB* on multi-port adapters); absent for CDC ACM. */
  portNumber?: number;
}

export function udevById(p: UdevIdInput): string | undefined {
  if (p.interface === undefined) return undefined;
  const vendor = p.manufacturer && udevSafe(p.manufacturer) !== '' ? udevSafe(p.manufacturer) : p.vendorId;
  const model = p.product && udevSafe(p.product) !== '' ? udevSafe(p.product) : p.productId;
  const serial = p.serialNumber ? udevSafe(p.serialNumber) : '';
  const idSerial = `${vendor}_${model}${serial ? `_${serial}` : ''}`;
  const intf = p.interface.toString(16).padStart(2, '0');
  return `usb-${idSerial}-if${intf}${p.portNumber !== undefined ? `-port${p.portNumber}` : ''}`;
}
