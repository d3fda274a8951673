import { SiteError } from '../../site';

/** The SiteError `fn` throws; any other exception is rethrown, and no exception fails the test. */
export function captureSiteError(fn: () => unknown): SiteError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SiteError) return err;
    throw err;
  }
  throw new Error('expected a SiteError, but the site was accepted');
}
