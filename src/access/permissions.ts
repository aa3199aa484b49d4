/**
 * Roles and the permissions they grant: exactly the customer's matrix (SPEC.md).
 *
 * `write_limited` marks writes that bots may make (a route opened to bots declares it).
 * Whoever may `write` may also do a limited write.
 */
export const ROLES = ['admin', 'editor', 'viewer', 'bot'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'read',
  'write',
  'write_limited',
  'delete',
  'manage_users',
  'manage_bots',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['read', 'write', 'delete', 'manage_users', 'manage_bots'],
  editor: ['read', 'write'],
  viewer: ['read'],
  bot: ['read', 'write_limited'],
};

export function can(role: Role, permission: Permission): boolean {
  const granted = ROLE_PERMISSIONS[role];
  return (
    granted.includes(permission) || (permission === 'write_limited' && granted.includes('write'))
  );
}

/** Whether `role` may hand out `other` (to a user or an API key): never more than it has. */
export function mayGrant(role: Role, other: Role): boolean {
  return ROLE_PERMISSIONS[other].every((p) => can(role, p));
}

/**
 * The most a credential of role `role` may do when whoever stands behind it now holds `cap`:
 * `role` itself while `cap` may still grant it, else the strongest role both may grant (an admin
 * key of someone demoted to editor acts as an editor), or undefined when no role is left.
 */
export function cappedRole(role: Role, cap: Role): Role | undefined {
  if (mayGrant(cap, role)) return role;
  const both = ROLES.filter((r) => mayGrant(cap, r) && mayGrant(role, r));
  return both.find((r) => both.every((other) => mayGrant(r, other)));
}
