import { v7 as uuidv7, validate, version } from 'uuid';

/** A new time-ordered id (UUIDv7): sortable by creation time, index-friendly. */
export function newId(): string {
  return uuidv7();
}

export function isUuid(value: string): boolean {
  return validate(value);
}

export function isUuidV7(value: string): boolean {
  return validate(value) && version(value) === 7;
}
