import { ELEMENTS, type Element } from './models';

/** What a person may type for an element: Terminus's names, `db` for database, `all` for every element. */
export type ElementInput = Element | 'db' | 'all';

/**
 * Parses an element name as Terminus does (`db` means `database`); `all` gives every element.
 * Returns null for anything else so each caller can word its own error.
 */
export function parseElement(input: string): readonly Element[] | null {
  const name = input.trim().toLowerCase();
  if (name === 'all') return ELEMENTS;
  if (name === 'db') return ['database'];
  return (ELEMENTS as readonly string[]).includes(name) ? [name as Element] : null;
}

/** Parses a comma-separated element list (`code,files`), keeping Lifeboat's order and dropping repeats. */
export function parseElementList(input: string): readonly Element[] | null {
  const found = new Set<Element>();
  for (const part of input.split(',')) {
    const parsed = parseElement(part);
    if (!parsed) return null;
    parsed.forEach((e) => found.add(e));
  }
  return ELEMENTS.filter((e) => found.has(e));
}
