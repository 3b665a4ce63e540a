import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';

/**
 * Where a site keeps its uploaded files inside its code tree, from the framework and what the tree shows:
 * WordPress `wp-content/uploads`; Drupal `sites/default/files`, or `web/sites/default/files` for a site
 * with a `web/` docroot (pantheon.yml `web_docroot: true`, or a `web/sites/default` folder).
 */
export async function filesPathFor(codeRoot: string, framework: string): Promise<string> {
  const wordpress =
    framework === 'wordpress' ||
    (!framework.startsWith('drupal') && (await exists(join(codeRoot, 'wp-content'))));
  if (wordpress) {
    if (await exists(join(codeRoot, 'wp-content'))) return 'wp-content/uploads';
    if (await exists(join(codeRoot, 'web', 'wp-content'))) return 'web/wp-content/uploads';
    return 'wp-content/uploads';
  }
  let webDocroot = await exists(join(codeRoot, 'web', 'sites', 'default'));
  try {
    webDocroot ||= /^\s*web_docroot:\s*true\s*$/m.test(
      await readFile(join(codeRoot, 'pantheon.yml'), 'utf8'),
    );
  } catch {
    // no pantheon.yml
  }
  return webDocroot ? 'web/sites/default/files' : 'sites/default/files';
}

/**
 * Every place {@link filesPathFor} can choose for a framework, most likely first, so a plan made before the
 * code is downloaded can name them; with the tree already on disk (an update) the one it will choose.
 * Drupal 8+ sites on Pantheon mostly use the composer layout with a `web/` docroot.
 */
export async function filesPathCandidates(tree: string | null, framework: string): Promise<string[]> {
  if (tree) return [await filesPathFor(tree, framework)];
  if (framework === 'wordpress') return ['wp-content/uploads', 'web/wp-content/uploads'];
  if (framework === 'drupal8') return ['web/sites/default/files', 'sites/default/files'];
  if (framework.startsWith('drupal')) return ['sites/default/files', 'web/sites/default/files'];
  return ['sites/default/files', 'web/sites/default/files', 'wp-content/uploads', 'web/wp-content/uploads'];
}

/** The single `files_<env>` folder an extracted files archive holds. */
export async function filesTopFolder(extracted: string): Promise<string> {
  const names = (await readdir(extracted, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  const top = names.find((n) => /^files_[a-z0-9-]+$/.test(n)) ?? (names.length === 1 ? names[0] : undefined);
  if (!top) {
    throw new LifeboatError(
      'integrity',
      `The files archive does not have the expected files_<env>/ folder at its top (found: ${names.join(', ') || 'nothing'}).`,
    );
  }
  return join(extracted, top);
}

/**
 * Moves the contents of `from` into `to`. When `to` does not exist the folder is simply renamed; when it does
 * (an empty placeholder in the repository), entries move one by one and a name already there is a
 * `conflict`, never an overwrite.
 */
export async function moveContents(from: string, to: string): Promise<void> {
  if (!(await exists(to))) {
    await rename(from, to);
    return;
  }
  for (const name of await readdir(from)) {
    const target = join(to, name);
    if (await exists(target)) {
      throw new LifeboatError(
        'conflict',
        `${target} already exists in the code tree; Lifeboat will not overwrite it with the files archive.`,
      );
    }
    await rename(join(from, name), target);
  }
}
