import type { Site } from '../../shared/models';

/** A site as the client maps it, with what a test cares about overridden. */
export const site = (name: string, extra: Partial<Site> = {}): Site => ({
  id: `id-${name}`,
  name,
  label: name.toUpperCase(),
  framework: 'wordpress',
  planName: 'Basic',
  owner: 'o',
  region: 'US',
  frozen: false,
  created: 0,
  upstreamLabel: 'WordPress',
  organizations: [],
  tags: [],
  accountId: 'a1',
  ...extra,
});
