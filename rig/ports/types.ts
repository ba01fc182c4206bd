/**
 * Serial ports as the rig lists them (`suitrig ports`) and finds boards among them: the device
 * path plus the USB identity that survives re-enumeration (by-id link, serial number, VID:PID,
 * physical USB port path, interface number). Filled from `serialport`'s list (udev) or from
 * sysfs and /dev/serial where udev is absent (notes/platform.md).
 */

export interface SerialPortInfo {
  /** Device path, e.g. `/dev/ttyACM0`. */
  path: string;
  /** Names of the /dev/serial/by-id links that point at it (without the directory). */
  byId: string[];
  /** Names of the /dev/serial/by-path links that point at it. */
  byPath: string[];
  /**
   * The by-id name udev would give it (60-serial.rules), computed from sysfs; lets a lab's
   * `by-id` match on machines without udev, where /dev/serial/by-id does not exist.
   */
  udevId?: string;
  /** USB vendor and product id, lower-case 4-digit hex. */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** Physical USB port path as sysfs names the device, e.g. `1-2.3`. */
  location?: string;
  /** USB interface number of the serial function. */
  interface?: number;
  /** Kernel driver of the hardware, e.g. `cdc_acm`, `ftdi_sio`, `serial` (PNP UART). */
  driver?: string;
}

/** Where a listing came from. */
export type PortSource = 'serialport' | 'sysfs';

export interface PortListing {
  source: PortSource;
  ports: SerialPortInfo[];
  /** Why the fallback was used, when it was. */
  note?: string;
}

/** What the board resolver calls to see the ports present; tests replace it. */
export type PortLister = () => Promise<SerialPortInfo[]>;

/** A stable USB identity (lab file `usb:`); all given fields must match. */
export interface UsbIdentity {
  /** A /dev/serial/by-id name (without the directory), e.g. `usb-SEGGER_J-Link_000683123456-if00`. */
  byId?: string;
  /** The USB serial number string, compared exactly. */
  serial?: string;
  /** Lower-case 4-digit hex, e.g. `1366` / `1015`. */
  vendorId?: string;
  productId?: string;
  /** Physical USB port path, e.g. `1-2.3`: stable for boards without serial numbers. */
  location?: string;
  /** USB interface number of the serial function on composite devices. */
  interface?: number;
}
