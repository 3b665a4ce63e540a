import type { Element } from '@shared/models';
import type { DbConnection } from '../database/mysql';

/** Which backup set a restore uses. */
export type BackupChoice = 'latest' | 'new' | { readonly folder: string };

/** Everything a restore needs to know, as a person chose it. */
export interface RestorePlan {
  readonly site: string;
  readonly env: string;
  readonly backup: BackupChoice;
  readonly elements: readonly Element[];
  /** The folder the restore goes into; the site lands in `<targetDir>/<folderName>`. */
  readonly targetDir: string;
  /** Default `<site>-<env>`. */
  readonly folderName?: string;
  /** Default `lifeboat/<env>-<YYYY-MM-DD>`. */
  readonly branch?: string;
  /** Also create the branch in this existing clone (its working tree is left alone unless `checkoutIntoRepo`). */
  readonly intoRepo?: string;
  readonly checkoutIntoRepo?: boolean;
  /** Import the database archive into a local server. */
  readonly database?: {
    readonly connection: DbConnection;
    /** Default `<site>_<env>_<YYYYMMDD>`. */
    readonly name?: string;
    readonly replace?: boolean;
  };
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Restore into an existing restore of this site: add a branch and refresh files, nothing removed. */
  readonly updateInPlace?: boolean;
  /** Retention for a new backup. */
  readonly keepForDays?: number;
}

/** What `lifeboat.json` records about a restore. */
export interface RestoreRecord {
  readonly lifeboat: string;
  readonly site: { readonly id: string; readonly name: string; readonly framework: string };
  readonly env: string;
  readonly backup: { readonly folder: string; readonly initiator: string; readonly scheduledFor: string };
  readonly archives: Readonly<
    Partial<
      Record<
        Element,
        { readonly filename: string; readonly size: number; readonly finishedAt: string | null }
      >
    >
  >;
  readonly code?: {
    readonly path: string;
    readonly branch: string;
    readonly ref: string;
    readonly tag: string | null;
    readonly commit: string;
    readonly intoRepo?: string;
  };
  readonly files?: {
    readonly path: string;
    readonly entries: number;
    readonly include: readonly string[];
    readonly exclude: readonly string[];
  };
  readonly database?: {
    readonly archive: string;
    readonly importedInto?: string;
    readonly replaced?: boolean;
    readonly collationsRewritten?: boolean;
  };
  readonly restoredAt: string;
}
