/** The release of the API contracts, the server and actl (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
