import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { loadConfig } from './load.ts';

describe('config precedence', () => {
  it('uses defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'cfg-')) });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 7070,
      dataDir: './.agenticai',
      bodyLimitBytes: 1048576,
    });
  });

  it('ranks flags over env over the config file over defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'agenticai.yaml');
    writeFileSync(file, 'port: 8001\nhost: 0.0.0.0\nlogLevel: debug\n');
    const env = { AGENTICAI_PORT: '8002', AGENTICAI_HOST: '::1' };
    expect(loadConfig({ env, cwd: dir, flags: { port: 8003 } })).toMatchObject({
      port: 8003,
      host: '::1',
      logLevel: 'debug',
    });
    expect(loadConfig({ env: {}, cwd: dir })).toMatchObject({ port: 8001, host: '0.0.0.0' });
    expect(loadConfig({ env: { AGENTICAI_CONFIG: file }, cwd: tmpdir() }).port).toBe(8001);
  });

  it('honours the standard OTEL_* variables for tracing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(loadConfig({ env: {}, cwd })).toMatchObject({
      telemetry: true,
      otlpExport: false,
      traceStore: true,
      traceSampler: 'parentbased_always_on',
      traceContent: false,
    });
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'agents-prod',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    };
    expect(loadConfig({ env: otel, cwd })).toMatchObject({
      otlpExport: true,
      serviceName: 'agents-prod',
      traceSampler: 'parentbased_traceidratio',
      traceSamplerRatio: 0.25,
    });
    expect(loadConfig({ env: { ...otel, AGENTICAI_OTLP_EXPORT: 'false' }, cwd }).otlpExport).toBe(false);
    expect(loadConfig({ env: { OTEL_SDK_DISABLED: 'true' }, cwd }).telemetry).toBe(false);
    expect(() => loadConfig({ env: { OTEL_TRACES_SAMPLER: 'sometimes' }, cwd })).toThrow(/traceSampler/);
  });

  it('takes PGlite’s buffer cache as auto or a size in MB, and refuses anything else', () => {
    const cwd = tmpdir();
    expect(loadConfig({ env: {}, cwd }).pgliteSharedBuffersMb).toBe('auto');
    expect(
      loadConfig({ env: { AGENTICAI_PGLITE_SHARED_BUFFERS_MB: '512' }, cwd }).pgliteSharedBuffersMb,
    ).toBe(512);
    expect(() => loadConfig({ env: { AGENTICAI_PGLITE_SHARED_BUFFERS_MB: 'lots' }, cwd })).toThrow(
      /pgliteSharedBuffersMb: must be auto or a whole number of MB from 16 to 2048/,
    );
    expect(() => loadConfig({ env: { AGENTICAI_PGLITE_SHARED_BUFFERS_MB: '8' }, cwd })).toThrow(
      /pgliteSharedBuffersMb/,
    );
  });

  it('reports every problem at once, naming each key', () => {
    try {
      loadConfig({
        env: { AGENTICAI_PORT: 'seventy', DATABASE_URL: 'mysql://x', AGENTICAI_LOG_LEVEL: 'loud' },
        cwd: tmpdir(),
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      const message = (error as Error).message;
      expect(message).toMatch(/port/);
      expect(message).toMatch(/databaseUrl/);
      expect(message).toMatch(/logLevel/);
    }
  });

  it('takes OIDC settings from env and merges them with the file', () => {
    const config = loadConfig({
      env: {
        AGENTICAI_OIDC_ISSUER: 'https://idp.example.com',
        AGENTICAI_OIDC_AUDIENCE: 'agenticai',
        AGENTICAI_OIDC_JWKS_URL: 'https://idp.example.com/jwks',
      },
      cwd: tmpdir(),
    });
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.com',
      audience: 'agenticai',
      jwksUrl: 'https://idp.example.com/jwks',
      tenantClaim: 'tenant',
      rolesClaim: 'roles',
    });
  });
});
