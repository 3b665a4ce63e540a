import pkg from '../../package.json';

/** Lifeboat's version, from package.json. */
export const VERSION: string = pkg.version;

/** The User-Agent of every API request. */
export const USER_AGENT = `Lifeboat/${VERSION} (node ${process.versions.node}; ${process.platform})`;
