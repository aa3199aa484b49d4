import { ErrorCodes, UserError, isUuid } from '../kernel/essentials.ts';

/**
 * Finds one thing by what a person types: its id, its name (any case), or the start or the end
 * of its id (4 characters or more, copied from `iza ... list`). Ids are UUIDv7, whose first 12
 * digits are the creation time: things made together share their start, so the end (random) is
 * usually the shorter way to name one. Several matches are refused, listed.
 */
export function pickByRef<T extends { id: string; name: string }>(
  kind: string,
  ref: string,
  all: T[],
): T {
  const wanted = ref.trim().toLowerCase();
  const byId = all.find((t) => t.id.toLowerCase() === wanted);
  if (byId) return byId;
  const byName = all.filter((t) => t.name.toLowerCase() === wanted);
  const matches =
    byName.length > 0
      ? byName
      : /^[0-9a-f-]{4,}$/.test(wanted) && !isUuid(wanted)
        ? all.filter((t) => {
            const id = t.id.toLowerCase();
            return id.startsWith(wanted) || id.endsWith(wanted);
          })
        : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UserError(
      ErrorCodes.notFound,
      `No ${kind} "${ref}": give its id, the start or end of its id (4 characters or more) or its name`,
      { status: 404 },
    );
  }
  throw new UserError(
    'ambiguous',
    `"${ref}" names ${matches.length} ${kind}s: ${matches
      .slice(0, 10)
      .map((m) => `${m.id} (${m.name})`)
      .join(', ')}${matches.length > 10 ? ', ...' : ''}; give more of the id`,
    { status: 409 },
  );
}
