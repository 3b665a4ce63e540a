import { uuidOf } from './prng';

/** A sandbox user with the machine tokens that log in as them. */
export interface SeedUser {
  readonly id: string;
  readonly email: string;
  readonly firstname: string;
  readonly lastname: string;
  readonly machineTokens: readonly string[];
}

/** An organization and its members' roles. */
export interface SeedOrg {
  readonly id: string;
  readonly machineName: string;
  readonly name: string;
  readonly members: Readonly<Record<string, 'admin' | 'team_member' | 'developer' | 'unprivileged'>>;
}

/** Target sizes of a site's archives, in bytes (approximate for code and database). */
export interface SeedSizes {
  readonly code: number;
  readonly files: number;
  readonly database: number;
}

/** One changed file in an SFTP-mode environment, as the diffstat endpoint sends it (counts are strings). */
export interface DiffstatEntry {
  readonly status: string;
  readonly additions: string;
  readonly deletions: string;
}

/** A site in a seed: who can see it, what it runs, how its environments and archives look. */
export interface SeedSite {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly framework: 'wordpress' | 'drupal' | 'drupal8';
  readonly ownerId: string;
  /** Users with a direct (team) membership. */
  readonly members: readonly string[];
  /** Organizations the site belongs to, with the tags the org gives it. */
  readonly orgs: readonly { readonly orgId: string; readonly tags: readonly string[] }[];
  readonly frozen: boolean;
  readonly planName: string;
  /** How many deploys test and live have had: the newest tags are pantheon_test_{testDeploys}, pantheon_live_{liveDeploys}. */
  readonly testDeploys: number;
  /** 0 means live was never initialized. */
  readonly liveDeploys: number;
  readonly multidevs: readonly string[];
  readonly sizes: SeedSizes;
  /** Write the dump as MySQL 8 does (utf8mb4_0900_ai_ci), which MariaDB rejects. */
  readonly mysql8Collation: boolean;
  /** Fill the dump with random base64 payloads (as sites storing serialized blobs do), so it compresses little. */
  readonly denseDatabase?: boolean;
  /** Put the repository at the archive root instead of under a top folder. */
  readonly codeWithoutTopFolder: boolean;
  /** Backup history: 'full' has manual and automated sets of several ages, 'automated' only those, 'none' an empty catalog. */
  readonly history: 'full' | 'automated' | 'none';
  readonly created: number;
  /**
   * Uncommitted changes made over SFTP, by environment (dev or a multidev) and file path. Such an environment is
   * in SFTP mode; the changes are not in any backup, which is what the app warns about.
   */
  readonly uncommitted?: Readonly<Record<string, Readonly<Record<string, DiffstatEntry>>>>;
}

/** Everything the sandbox serves. */
export interface Seed {
  /** The name `seedByName` knows it by (`demo`, `big`, `bench:<MiB>`), for banners and the admin API. */
  readonly name: string;
  readonly users: readonly SeedUser[];
  readonly orgs: readonly SeedOrg[];
  readonly sites: readonly SeedSite[];
}

const SMALL: SeedSizes = { code: 16 * 1024, files: 256 * 1024, database: 48 * 1024 };
const CREATED = 1_700_000_000;

function user(key: string, email: string, firstname: string, lastname: string): SeedUser {
  return {
    id: uuidOf(`user:${key}`),
    email,
    firstname,
    lastname,
    machineTokens: [`lifeboat-demo-${key}-${uuidOf(`token:${key}`).replace(/-/g, '')}`],
  };
}

function site(
  name: string,
  label: string,
  framework: SeedSite['framework'],
  owner: SeedUser,
  extra: Partial<SeedSite> = {},
): SeedSite {
  return {
    id: uuidOf(`site:${name}`),
    name,
    label,
    framework,
    ownerId: owner.id,
    members: [owner.id],
    orgs: [],
    frozen: false,
    planName: 'Basic',
    testDeploys: 3,
    liveDeploys: 2,
    multidevs: [],
    sizes: SMALL,
    mysql8Collation: false,
    codeWithoutTopFolder: false,
    history: 'full',
    created: CREATED,
    ...extra,
  };
}

/** The demo seed: two accounts, three organizations, a dozen sites covering every case the app must handle. */
export function demoSeed(): Seed {
  const dana = user('dana', 'dana@example.com', 'Dana', 'Developer');
  const fran = user('fran', 'fran@example.com', 'Fran', 'Freelancer');
  const org = (machineName: string, name: string, members: SeedOrg['members']): SeedOrg => ({
    id: uuidOf(`org:${machineName}`),
    machineName,
    name,
    members,
  });
  const acme = org('acme-agency', 'Acme Agency', { [dana.id]: 'admin' });
  const globex = org('globex', 'Globex Corporation', { [dana.id]: 'team_member', [fran.id]: 'admin' });
  const initech = org('initech', 'Initech', { [dana.id]: 'unprivileged' });
  const sites: SeedSite[] = [
    // Twelve live deploys: pantheon_live_12 must beat pantheon_live_9, which a string sort would pick.
    site('acme-blog', 'Acme Blog', 'wordpress', dana, {
      multidevs: ['feature-x'],
      testDeploys: 14,
      liveDeploys: 12,
      planName: 'Performance Small',
    }),
    site('acme-shop', 'Acme Shop', 'drupal8', dana, {
      members: [],
      orgs: [{ orgId: acme.id, tags: ['ecommerce', 'priority'] }],
    }),
    site('acme-intranet', 'Acme Intranet', 'drupal', dana, {
      members: [],
      orgs: [{ orgId: acme.id, tags: [] }],
      frozen: true,
      planName: 'Sandbox',
    }),
    site('acme-landing', 'Acme Landing Page', 'wordpress', dana, {
      liveDeploys: 0,
      testDeploys: 1,
      history: 'automated',
    }),
    site('acme-events', 'Acme Events', 'drupal', dana, {
      members: [],
      orgs: [{ orgId: acme.id, tags: ['events'] }],
      history: 'automated',
    }),
    site('dana-sandbox', 'Dana Sandbox', 'wordpress', dana, { history: 'none', planName: 'Sandbox' }),
    site('globex-www', 'Globex Corporate Site', 'drupal8', fran, {
      members: [],
      orgs: [{ orgId: globex.id, tags: ['priority'] }],
      mysql8Collation: true,
      liveDeploys: 9,
      testDeploys: 10,
    }),
    site('globex-careers', 'Globex Careers', 'wordpress', fran, {
      members: [],
      orgs: [{ orgId: globex.id, tags: ['hr'] }],
      multidevs: ['pr-84', 'redesign'],
      // Edited over SFTP and not committed: the changes are in no backup.
      uncommitted: {
        dev: {
          'wp-content/themes/careers/style.css': { status: 'M', additions: '12', deletions: '3' },
          'wp-content/uploads/.htaccess': { status: 'A', additions: '4', deletions: '0' },
          'wp-content/plugins/job-board/legacy.php': { status: 'D', additions: '0', deletions: '385' },
        },
      },
    }),
    site('globex-docs', 'Globex Documentation', 'drupal', fran, {
      members: [fran.id],
      orgs: [{ orgId: globex.id, tags: ['docs'] }],
    }),
    site('initech-portal', 'Initech Portal', 'wordpress', fran, {
      members: [fran.id],
      orgs: [{ orgId: initech.id, tags: ['tps'] }],
    }),
    site('fran-portfolio', 'Fran Portfolio', 'wordpress', fran, { planName: 'Basic' }),
    site('fran-bakery', 'The Bakery on Fifth', 'drupal', fran, {
      codeWithoutTopFolder: true,
      mysql8Collation: true,
    }),
  ];
  return { name: 'demo', users: [dana, fran], orgs: [acme, globex, initech], sites };
}

/**
 * The big seed: one agency account seeing `count` sites (default 2000), directly and through three organizations;
 * `kib` gives every archive that size instead of the small default (the mirror benchmark's larger run).
 */
export function bigSeed(count = 2000, kib?: number): Seed {
  const sizes: SeedSizes | undefined = kib
    ? { code: kib * 1024, files: kib * 1024, database: kib * 1024 }
    : undefined;
  const boss = user('big', 'agency@example.com', 'Avery', 'Agency');
  const orgs: SeedOrg[] = ['north', 'south', 'east'].map((n) => ({
    id: uuidOf(`org:big-${n}`),
    machineName: `big-${n}`,
    name: `${n[0]!.toUpperCase()}${n.slice(1)} Region`,
    members: { [boss.id]: 'admin' },
  }));
  const words = [
    'alpha',
    'bravo',
    'cedar',
    'delta',
    'ember',
    'fjord',
    'grove',
    'harbor',
    'iris',
    'juniper',
    'kestrel',
    'lumen',
  ];
  const sites: SeedSite[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${words[i % words.length]}-${words[Math.floor(i / words.length) % words.length]}-${i}`;
    const viaOrg = i % 5 !== 0;
    const org = orgs[i % orgs.length]!;
    sites.push(
      site(name, `${name.replace(/-/g, ' ')} site`, i % 3 === 0 ? 'drupal8' : 'wordpress', boss, {
        // Every fifth site is a direct membership only; some are both, so merging by id is exercised.
        members: viaOrg && i % 7 !== 0 ? [] : [boss.id],
        orgs: viaOrg ? [{ orgId: org.id, tags: i % 11 === 0 ? ['vip'] : [] }] : [],
        frozen: i % 97 === 0,
        multidevs: i % 13 === 0 ? ['staging'] : [],
        ...(sizes ? { sizes } : {}),
      }),
    );
  }
  return {
    name: kib || count !== 2000 ? `big:${count}${kib ? `:${kib}` : ''}` : 'big',
    users: [boss],
    orgs,
    sites,
  };
}

/**
 * The benchmark seed: one account with sites whose archives are `mb` MiB each (files archive of media,
 * a dense database dump, a code archive), built once and cached like every other archive.
 */
export function benchSeed(mb = 1024): Seed {
  const owner = user('bench', 'bench@example.com', 'Bench', 'Mark');
  const bytes = mb * 1024 * 1024;
  const sites = [
    site('bench-files', 'Bench: files', 'wordpress', owner, {
      sizes: { code: 64 * 1024, files: bytes, database: 64 * 1024 },
    }),
    site('bench-db', 'Bench: database', 'drupal8', owner, {
      sizes: { code: 64 * 1024, files: 256 * 1024, database: bytes },
      denseDatabase: true,
    }),
    site('bench-full', 'Bench: full set', 'wordpress', owner, {
      sizes: { code: Math.min(bytes / 8, 64 << 20), files: bytes / 2, database: bytes / 4 },
      denseDatabase: true,
    }),
  ];
  return { name: `bench:${mb}`, users: [owner], orgs: [], sites };
}

/** The seed for a name (`demo`, `big`, `big:<sites>[:<KiB per archive>]`, `bench` or `bench:<MiB>`), or null. */
export function seedByName(name: string): Seed | null {
  if (name === 'demo') return demoSeed();
  if (name === 'big') return bigSeed();
  const big = /^big:(\d+)(?::(\d+))?$/.exec(name);
  if (big && Number(big[1]) > 0) return bigSeed(Number(big[1]), big[2] ? Number(big[2]) : undefined);
  const bench = /^bench(?::(\d+))?$/.exec(name);
  if (bench) return benchSeed(bench[1] ? Number(bench[1]) : 1024);
  return null;
}
