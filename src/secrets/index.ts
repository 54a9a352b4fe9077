export { KEY_FILE, parseKey, SecretKeyring } from './keyring.ts';
export type { SealedSecret, SecretStore } from './ports.ts';
export { SecretService } from './secret-service.ts';
