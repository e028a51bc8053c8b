/** The advisory database (issue 6): what the engine and the API use. */
export {
  advisoryDbFile,
  openAdvisoryDatabase,
  type AdvisoryDatabaseOptions,
  type SqliteAdvisoryDatabase,
} from './advisory-db.js';
export { DEFAULT_MAX_DOWNLOAD_BYTES, downloadAdvisories, type DownloadOptions } from './download.js';
