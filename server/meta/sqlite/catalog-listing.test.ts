import { describeMetaCatalogContract } from '../../../test/contract/meta-catalog-contract.js';
import { describeAgainstSqlite } from '../../../test/contract/sqlite-factories.js';

describeAgainstSqlite(describeMetaCatalogContract);
