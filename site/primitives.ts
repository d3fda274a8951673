import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { groupDigits } from '../core/number-text';

/**
 * Building blocks of the site schema. Each one carries its own fix hint in the message, because a
 * platform engineer reading a failed CI run needs to know what a valid value looks like.
 */

export function isIPv4(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value);
}

export function isIPv4Cidr(value: string): boolean {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
  if (!m || !isIPv4(m[1])) return false;
  const prefix = Number(m[2]);
  if (prefix > 32) return false;
  // A CIDR with host bits set (10.0.1.5/24) is almost always a typo for the network or for an address.
  return ipaddr.IPv4.networkAddressFromCIDR(value).toString() === m[1];
}

export const ipv4 = z
  .string()
  .refine(isIPv4, { message: 'must be an IPv4 address in dotted-quad form, e.g. 10.100.0.10' });

export const cidr = z.string().refine(isIPv4Cidr, {
  message: 'must be an IPv4 network in CIDR form with no host bits set, e.g. 10.100.0.0/24',
});

/** DNS-1123 label: the form Kubernetes object names, Proxmox node names and hostnames share. */
export const dnsLabel = z
  .string()
  .max(63, { message: 'must be at most 63 characters (a DNS-1123 label)' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. k8s-worker',
  });

export const semver = z.string().regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, {
  message: 'must be an exact version like 1.31.13 or v1.20.6 (ranges and "latest" are not reproducible)',
});

export const sha256 = z.string().regex(/^[a-f0-9]{64}$/, {
  message: 'must be a sha256 digest: 64 lower-case hex characters',
});

/** Container image with an explicit tag or digest: `latest` or no tag makes the rendered diff lie. */
export const image = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/, {
    message: 'must be an image reference with a tag or digest, e.g. hookprobe/qsecbit:v5.0',
  })
  .refine((s) => !/:latest$/.test(s), { message: 'must not use the tag "latest": pin a version, e.g. :v5.0' });

export const port = z
  .number()
  .int({ message: 'must be a whole number' })
  .min(1, { message: 'must be a TCP/UDP port between 1 and 65535' })
  .max(65535, { message: 'must be a TCP/UDP port between 1 and 65535' });

/**
 * The largest whole number any count, size or id of the site may take unless its field says less. Every number has
 * an upper bound so that a typo such as `count: 100000` is refused at once by the schema, before the model does work
 * in proportion to it, and so a number past what JSON, Proxmox or Kubernetes store never reaches the output.
 */
export const MAX_WHOLE_NUMBER = 1_000_000;

/** A whole number from `min` to `max`, with the range in the message (what is allowed is the fix). */
export function wholeNumber(min: number, max: number, what = 'a whole number'): z.ZodNumber {
  const range = `must be ${what} from ${groupDigits(min)} to ${groupDigits(max)}`;
  return z.number().int({ message: 'must be a whole number' }).min(min, { message: range }).max(max, { message: range });
}

export const positiveInt = z
  .number()
  .int({ message: 'must be a whole number' })
  .positive({ message: 'must be greater than 0' })
  .max(MAX_WHOLE_NUMBER, { message: `must be at most ${groupDigits(MAX_WHOLE_NUMBER)}` });

export const nonNegativeInt = z
  .number()
  .int({ message: 'must be a whole number' })
  .nonnegative({ message: 'must be 0 or more' })
  .max(MAX_WHOLE_NUMBER, { message: `must be at most ${groupDigits(MAX_WHOLE_NUMBER)}` });

export const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, {
  message: 'must be an https:// URL, e.g. https://192.168.1.10:8006/',
});

export const url = z.string().regex(/^(https?|ssh|git):\/\/\S+$|^git@\S+:\S+$/, {
  message: 'must be a URL, e.g. https://git.example.com/org/repo.git',
});

/** Five-field cron expression, as Velero schedules and CronJobs take it. */
export const cron = z.string().regex(/^(\S+\s+){4}\S+$/, {
  message: 'must be a five-field cron expression, e.g. "0 2 * * *"',
});
