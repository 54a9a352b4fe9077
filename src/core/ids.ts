import { uuidv7 } from 'uuidv7';

/** Id generation as a dependency. Ids are UUIDv7: time-ordered, so they sort like creation. */
export interface IdGenerator {
  next(): string;
}

export const uuidv7Ids: IdGenerator = { next: () => uuidv7() };
