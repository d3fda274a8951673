import * as ipaddr from 'ipaddr.js';

/** IPv4 arithmetic for the IP plan, on top of ipaddr.js (parsing and CIDR matching). */

export interface Subnet {
  readonly cidr: string;
  readonly network: number;
  readonly prefixLength: number;
  readonly broadcast: number;
}

export function toInt(ip: string): number {
  const bytes = ipaddr.IPv4.parse(ip).toByteArray();
  return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
}

export function fromInt(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function subnet(cidr: string): Subnet {
  const [addr, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - prefixLength);
  const network = toInt(addr.toString()) - (toInt(addr.toString()) % size);
  return { cidr, network, prefixLength, broadcast: network + size - 1 };
}

export function contains(net: Subnet, ip: string): boolean {
  const n = toInt(ip);
  return n >= net.network && n <= net.broadcast;
}

/** A usable host address: inside the subnet and neither its network nor its broadcast address. */
export function isHostAddress(net: Subnet, ip: string): boolean {
  const n = toInt(ip);
  if (net.prefixLength >= 31) return contains(net, ip);
  return n > net.network && n < net.broadcast;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}

/** The n-th address of a subnet (0 = network address): 10.96.0.10 is nth(10.96.0.0/16, 10). */
export function nth(net: Subnet, n: number): string {
  return fromInt(net.network + n);
}

export function add(ip: string, n: number): string {
  return fromInt(toInt(ip) + n);
}
