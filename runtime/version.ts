/** The runtime's version, sent upstream as `User-Agent: spec2mcp/<version>`; kept equal to package.json by a test. */
export const RUNTIME_VERSION = '0.1.0';
