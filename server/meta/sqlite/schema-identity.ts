/** Table types of the identity tables (migration 3). Conventions as in `schema.ts`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the identity migration.
export interface IdentityTables {}
