import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { AppError } from '../core/index.ts';

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

/** Verifies OIDC bearer tokens against the issuer's published keys (cached and refreshed by jose). */
export class JoseJwtVerifier {
  readonly #keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtVerifierOptions) {
    this.#keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
  }

  /** The verified claims. Throws UNAUTHENTICATED for a bad signature, issuer, audience or expiry. */
  async verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: 30,
      });
      return payload;
    } catch (error) {
      const reason =
        error instanceof Error && 'code' in error
          ? String((error as { code: unknown }).code)
          : 'invalid token';
      throw new AppError('UNAUTHENTICATED', `the bearer token was rejected (${reason})`, { cause: error });
    }
  }
}
