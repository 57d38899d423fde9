/** One schema migration: a version number (1, 2, 3 … in order), a name, and the SQL that applies it. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
