export { type LoadConfigOptions, loadConfig } from './load.ts';
export { type Config, type ConfigInput, ConfigSchema, LOG_LEVELS, type OidcConfig } from './schema.ts';
