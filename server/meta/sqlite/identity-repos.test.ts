import { describeMetaIdentityContract } from '../../../test/contract/meta-identity-contract.js';
import { describeAgainstSqlite } from '../../../test/contract/sqlite-factories.js';

describeAgainstSqlite(describeMetaIdentityContract);
