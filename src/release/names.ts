import { UsageError } from '../errors.ts';

/** Helm's rule for release names: DNS-1123 subdomain, at most 53 characters (it prefixes Secret names). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_RELEASE_NAME = 53;
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkReleaseName(name: string): void {
  if (name.length > MAX_RELEASE_NAME || !RELEASE_NAME.test(name)) {
    throw new UsageError(
      `invalid release name "${name}": it must be at most ${MAX_RELEASE_NAME} characters of lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
      'for example: example-cluster',
    );
  }
}

export function checkNamespaceName(name: string, flag = '--namespace'): void {
  if (name.length > 63 || !NAMESPACE_NAME.test(name)) {
    throw new UsageError(
      `invalid ${flag} "${name}": a namespace name is at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
}
