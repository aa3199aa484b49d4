/**
 * What the local administrator (the `iza` command on the server's machine) and the server agree
 * on. Kept apart from the server's code so the command can read them without loading it.
 */

/** The file a server writes its local administrator token into, readable only by its owner. */
export const LOCAL_ADMIN_TOKEN_FILE = 'local-admin.token';

/**
 * With the local administrator token, this header names the organisation (id or slug) a request
 * to an organisation's routes acts within, as that organisation's administrator.
 */
export const ORG_HEADER = 'x-iza-org';
