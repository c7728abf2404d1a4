/**
 * The Windows administrator's user name every VM gets: the names Azure and Windows refuse, with their sources.
 */
import { isUnresolved, PropsValidator } from '../validation/props-validator';

/**
 * Names Azure refuses for a Windows administrator account: the union of Microsoft Learn's "Frequently asked questions
 * about Windows Virtual Machines" (What are the username requirements when creating a VM?) and the Compute REST API's
 * `osProfile.adminUsername` ("Disallowed values"; user3, user4 and user5 are only in the latter), the list the Azure
 * CLI checks too (`_validate_admin_username`).
 */
const RESERVED_ADMIN_USERNAMES = new Set([
  'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
  'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server',
  'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
]);

/** Windows user names: at most 20 characters (Microsoft Learn, Windows VM FAQ; `osProfile.adminUsername` "Max-length (Windows)"). */
export const ADMIN_USERNAME_MAX_LENGTH = 20;

/**
 * Characters Windows refuses in a user name: Microsoft Learn, "USER_INFO_0 structure (lmaccess.h)", Remarks (at most 20
 * characters, not ending with a period, no `" / \ [ ] : | < > + = ; , ? *` and no characters 1-31), and `@`, which the
 * Azure CLI refuses for Windows VMs too (`_validate_admin_username`). Windows also refuses names of only periods or
 * spaces (Active Directory's logon name rules).
 */
const ADMIN_USERNAME_FORBIDDEN_CHARACTERS = ['\\', '/', '"', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '?', '*', '@'];

/** Why Azure or Windows would refuse `name` as the administrator's user name, or undefined when they take it. */
export function adminUsernameProblem(name: string): string | undefined {
  if (name.length === 0) {
    return 'it is empty';
  }
  if (name.length > ADMIN_USERNAME_MAX_LENGTH) {
    return `it has ${name.length} characters, Windows at most ${ADMIN_USERNAME_MAX_LENGTH}`;
  }
  const forbidden = ADMIN_USERNAME_FORBIDDEN_CHARACTERS.find((c) => name.includes(c));
  if (forbidden !== undefined) {
    return `Windows refuses '${forbidden}' in a user name (${ADMIN_USERNAME_FORBIDDEN_CHARACTERS.join(' ')})`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return 'Windows refuses control characters (a line break, a tab...) in a user name';
  }
  if (/^[. ]+$/.test(name)) {
    return 'Windows refuses a user name of only periods and spaces';
  }
  if (name.endsWith('.')) {
    return 'Azure refuses a Windows user name that ends with a period';
  }
  if (RESERVED_ADMIN_USERNAMES.has(name.toLowerCase())) {
    return 'Azure reserves it (like administrator, admin, root, guest, user1 or test: reserved names are refused in any case)';
  }
  return undefined;
}

export function isAdminUsername(name: string): boolean {
  return adminUsernameProblem(name) === undefined;
}

/** Records a problem unless `adminUsername` (skipped when undefined or a token) is a name Azure and Windows take. */
export function checkAdminUsername(v: PropsValidator, adminUsername: string | undefined, example: string): void {
  if (adminUsername === undefined || isUnresolved(adminUsername)) {
    return;
  }
  if (typeof adminUsername !== 'string') {
    v.fail('adminUsername', adminUsername, 'is not a string', `pass a user name, e.g. '${example}'`);
    return;
  }
  const problem = adminUsernameProblem(adminUsername);
  if (problem !== undefined) {
    v.fail('adminUsername', adminUsername, `is not allowed for a Windows administrator: ${problem}`, `choose another name, e.g. '${example}'`);
  }
}
