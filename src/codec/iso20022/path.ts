/**
 * Where the reading or building walk is in a message, kept as links and written out as an element
 * path (`/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/Cdtr/Nm`) only when an error names it: the walks
 * make no path strings for the elements that are fine.
 */
export interface At {
  readonly up: At | null;
  readonly name: string;
  /** 1-based position of a repeated element, 0 for one that cannot repeat. */
  readonly index: number;
}

export function pathOf(at: At): string {
  let path = '';
  for (let a: At | null = at; a !== null; a = a.up) path = `/${a.name}${a.index > 0 ? `[${a.index}]` : ''}${path}`;
  return path;
}

/** `/Document/<root>`: where a message's walk starts. */
export const documentRoot = (root: string): At => ({ up: { up: null, name: 'Document', index: 0 }, name: root, index: 0 });
