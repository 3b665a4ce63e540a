import { describe, expect, it } from 'vitest';
import {
  orderEnvironments,
  toDiffstat,
  toEnvironment,
  toSchedule,
  toSite,
  toWorkflow,
  workflowFailureMessage,
} from '../../../../electron/services/pantheon/mappers';
import { resolveApiUrl } from '../../../../electron/services/pantheon/config';

describe('environments', () => {
  it('orders dev, test, live, then multidevs by name', () => {
    expect(orderEnvironments(['pr-84', 'live', 'feature', 'dev', 'test'])).toEqual([
      'dev',
      'test',
      'live',
      'feature',
      'pr-84',
    ]);
    expect(orderEnvironments(['live', 'dev'])).toEqual(['dev', 'live']);
  });

  it('reads the deploy tag, domain and mode from an entry', () => {
    const env = toEnvironment('sid', 'behat-tests', 'test', {
      dns_zone: 'pantheonsite.io',
      target_ref: 'refs/tags/pantheon_test_2',
      target_commit: 'abc',
      on_server_development: false,
      is_initialized: true,
      lock: { locked: true },
    });
    expect(env).toMatchObject({
      deployTag: 'pantheon_test_2',
      domain: 'test-behat-tests.pantheonsite.io',
      connectionMode: 'git',
      initialized: true,
      locked: true,
      multidev: false,
    });
  });

  it('treats dev and multidevs as initialized and an uninitialized live as not', () => {
    expect(toEnvironment('s', 'x', 'pr-1', { target_ref: 'refs/heads/pr-1' })).toMatchObject({
      initialized: true,
      multidev: true,
      deployTag: null,
    });
    expect(toEnvironment('s', 'x', 'live', { is_initialized: false })).toMatchObject({
      initialized: false,
      deployTag: null,
      targetRef: null,
    });
    expect(toEnvironment('s', 'x', 'live', {}, true).initialized).toBe(true);
  });

  it('is unknown (null) for a test or live that says nothing and whose settings could not be read', () => {
    // The 2016 recordings: test/live entries without is_initialized.
    const recorded = {
      environment_created: 1471385344,
      dns_zone: 'pantheonsite.io',
      lock: { locked: false },
    };
    expect(toEnvironment('s', 'x', 'live', recorded, null).initialized).toBeNull();
    expect(toEnvironment('s', 'x', 'test', recorded).initialized).toBeNull();
    expect(toEnvironment('s', 'x', 'live', recorded, false).initialized).toBe(false);
    // Running a deploy tag, it is initialized whatever else is missing.
    expect(
      toEnvironment('s', 'x', 'live', { ...recorded, target_ref: 'refs/tags/pantheon_live_1' }, null),
    ).toMatchObject({ initialized: true, deployTag: 'pantheon_live_1' });
  });
});

describe('PHP version', () => {
  it("falls back to the site's php_version, written as Terminus does (82 → 8.2), when the entry has none", () => {
    // The strict recordings: environment entries without php_version; the site object has "82".
    expect(toEnvironment('s', 'x', 'live', { dns_zone: 'pantheonsite.io' }, null, '82').phpVersion).toBe(
      '8.2',
    );
    expect(toEnvironment('s', 'x', 'dev', {}, undefined, 7.4).phpVersion).toBe('7.4');
    expect(toEnvironment('s', 'x', 'dev', {}).phpVersion).toBeNull();
    // The entry's own version wins, in whichever form it comes.
    expect(toEnvironment('s', 'x', 'dev', { php_version: '73' }, undefined, '82').phpVersion).toBe('7.3');
    expect(
      toEnvironment('s', 'x', 'dev', { php_major_minor_version: '8.1' }, undefined, '82').phpVersion,
    ).toBe('8.1');
  });
});

describe('diffstat', () => {
  it('reads the changed files of an SFTP environment, numbers sent as strings, sorted by path', () => {
    expect(
      toDiffstat({
        'wp-content/themes/x/style.css': { deletions: '3', status: 'M', additions: '12' },
        'readme.html': { deletions: '385', status: 'D', additions: '0' },
      }),
    ).toEqual([
      { path: 'readme.html', status: 'D', additions: 0, deletions: 385 },
      { path: 'wp-content/themes/x/style.css', status: 'M', additions: 12, deletions: 3 },
    ]);
  });

  it('is empty when clean (an object, or the empty array PHP sends for one) and null for other answers', () => {
    expect(toDiffstat({})).toEqual([]);
    expect(toDiffstat([])).toEqual([]);
    expect(toDiffstat('Not found.')).toBeNull();
    expect(toDiffstat(['a'])).toBeNull();
  });
});

describe('workflows', () => {
  it('uses final_task.reason first', () => {
    expect(
      workflowFailureMessage({
        reason: 'top',
        final_task: { reason: 'Site is over quota', messages: { a: { message: 'm' } } },
      }),
    ).toBe('Site is over quota');
  });
  it('words an object reason', () => {
    expect(
      workflowFailureMessage({
        final_task: { reason: { dedicated_ip: "Value 'False' failed conditional" } },
      }),
    ).toBe("dedicated_ip: Value 'False' failed conditional");
  });
  it('falls back to the last message, then to "Workflow failed."', () => {
    expect(
      workflowFailureMessage({
        final_task: {
          messages: {
            '2016-08-24T00:04:28.1': { message: 'first' },
            '2016-08-24T00:05:00.0': { message: 'last' },
          },
        },
      }),
    ).toBe('last');
    expect(workflowFailureMessage({ reason: 'top-level reasons are ignored' })).toBe('Workflow failed.');
  });
  it('rewords the queued-restore message as Terminus does', () => {
    expect(
      workflowFailureMessage({
        final_task: { messages: { a: { message: 'Successfully queued restore_site' } } },
      }),
    ).toBe('There was an error while restoring your backup.');
  });
  it('takes a step, a task count or a time out of any sane range as not said', () => {
    const w = toWorkflow({
      id: 'w',
      result: null,
      step: -7,
      number_of_tasks: 0,
      created_at: 1e20,
      finished_at: Number.NaN,
    });
    expect(w).toMatchObject({ step: 0, numberOfTasks: 3, createdAt: null, finishedAt: null });
    expect(toWorkflow({ id: 'w', step: 2, number_of_tasks: 14, created_at: 1471385357.5 })).toMatchObject({
      step: 2,
      numberOfTasks: 14,
      createdAt: 1471385357.5,
    });
  });
  it('is finished only when result is non-null', () => {
    expect(toWorkflow({ id: 'w', phase: 'started', result: null }).result).toBeNull();
    expect(toWorkflow({ id: 'w', result: 'succeeded' })).toMatchObject({
      result: 'succeeded',
      failureMessage: null,
    });
    expect(toWorkflow({ id: 'w', result: 'aborted', final_task: { reason: 'x' } }).failureMessage).toBe('x');
  });
});

describe('schedule', () => {
  it('finds the weekly day as the longest ttl', () => {
    const days = Object.fromEntries(
      Array.from({ length: 7 }, (_, d) => [String(d), { hour: 16, ttl: d === 5 ? 2764800 : 691200 }]),
    );
    expect(toSchedule(days)).toMatchObject({
      enabled: true,
      weeklyDay: 5,
      dailyHourUtc: 16,
      weeklyRetentionDays: 32,
    });
  });
  it('takes an hour that is no hour of the day as none, and an absurd ttl as unknown', () => {
    const days = Object.fromEntries(
      Array.from({ length: 7 }, (_, d) => [
        String(d),
        { hour: [1e10, -1, 24, 3.5, 'NaN', null, '7'][d], ttl: d === 3 ? 1e20 : d === 4 ? -5 : 691200 },
      ]),
    );
    const s = toSchedule(days);
    expect(s.days.map((d) => d?.hour)).toEqual([null, null, null, null, null, null, 7]);
    expect(s.days.map((d) => d?.ttl)).toEqual([691200, 691200, 691200, 0, 0, 691200, 691200]);
    // The weekly day is not the one with the absurd ttl; the daily hour is Sunday's (none said).
    expect(s).toMatchObject({ enabled: true, weeklyDay: 0, dailyHourUtc: null, weeklyRetentionDays: 8 });
  });
  it('is disabled when every day is null', () => {
    const days = Object.fromEntries(Array.from({ length: 7 }, (_, d) => [String(d), null]));
    expect(toSchedule(days)).toMatchObject({
      enabled: false,
      weeklyDay: null,
      dailyHourUtc: null,
      weeklyRetentionDays: null,
    });
  });
});

describe('sites', () => {
  it('falls back to attributes.label for old payloads', () => {
    expect(toSite({ id: 'a', name: 'n', attributes: { label: 'Old Label' } }, 'u').label).toBe('Old Label');
    expect(toSite({ id: 'a', name: 'n', frozen: true }, 'u')).toMatchObject({ label: 'n', frozen: true });
  });
});

describe('resolveApiUrl', () => {
  it('defaults to Pantheon with the explicit port', () => {
    expect(resolveApiUrl(undefined, {})).toBe('https://terminus.pantheon.io:443/api/');
  });
  it('honours the Terminus variables', () => {
    expect(
      resolveApiUrl(undefined, {
        TERMINUS_PROTOCOL: 'http',
        TERMINUS_HOST: '127.0.0.1',
        TERMINUS_PORT: '8787',
      }),
    ).toBe('http://127.0.0.1:8787/api/');
    expect(resolveApiUrl(undefined, { TERMINUS_HOST: 'onebox.example' })).toBe(
      'https://onebox.example:443/api/',
    );
  });
  it('normalizes an explicit URL and rejects other schemes', () => {
    expect(resolveApiUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/api/');
    expect(resolveApiUrl('http://127.0.0.1:9000/api')).toBe('http://127.0.0.1:9000/api/');
    expect(() => resolveApiUrl('ftp://x')).toThrow(/http/);
  });
  it('refuses Terminus variables and addresses it cannot use, naming them, as the user’s error', () => {
    const refused = (explicit: string | undefined, env: NodeJS.ProcessEnv): unknown => {
      try {
        resolveApiUrl(explicit, env);
      } catch (e) {
        return { code: (e as { code?: string }).code, message: (e as Error).message };
      }
      return 'accepted';
    };
    expect(refused(undefined, { TERMINUS_HOST: '127.0.0.1', TERMINUS_PORT: 'abc' })).toEqual({
      code: 'invalid-request',
      message: 'TERMINUS_PORT must be a port number (1-65535), not "abc".',
    });
    expect(refused(undefined, { TERMINUS_PROTOCOL: 'ftp' })).toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('TERMINUS_PROTOCOL must be https or http'),
    });
    expect(refused(undefined, { TERMINUS_PORT: '70000' })).toMatchObject({ code: 'invalid-request' });
    expect(refused('', {})).toMatchObject({ code: 'invalid-request' });
    expect(refused('127.0.0.1:8787', {})).toMatchObject({ code: 'invalid-request' });
  });
});
