import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/index.ts';

/**
 * The forwarder program on the host. Found from the package root, not from this module's URL,
 * because the CLI runs from an esbuild bundle in dist/bin where no .py file sits beside it; the
 * sources (src/) ship with every install (bin/actl falls back to them).
 */
export const EGRESS_FORWARDER_PATH: string = join(PACKAGE_ROOT, 'src', 'sandbox', 'egress-forwarder.py');

/** The loopback port inside the sandbox where the forwarder listens (HTTP(S)_PROXY points here). */
export const EGRESS_PROXY_PORT = 3128;

/** Where the drivers bind the sandbox's EgressProxy socket inside the sandbox. */
export const SANDBOX_EGRESS_SOCKET = '/run/agenticai/egress.sock';

/** Where the drivers bind the forwarder inside the sandbox (beside the socket). */
export const SANDBOX_EGRESS_FORWARDER = '/run/agenticai/egress-forwarder.py';
