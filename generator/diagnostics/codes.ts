/**
 * The catalog of every diagnostic the generator can report. A code is a stable
 * public name (users grep CI logs for it); never reuse or rename one.
 */
import type { Severity } from './diagnostic.js';

export interface CatalogEntry {
  readonly severity: Severity;
  /** Default fix text when the reporting site has nothing more specific to say. */
  readonly fix: string;
  /** A lenient-mode warning that `--strict` turns into an error. */
  readonly strictError?: boolean;
}

export const DIAGNOSTIC_CATALOG = {
  // load: reading files
  MCPGEN_FILE_NOT_FOUND: {
    severity: 'error',
    fix: 'Check the path; a spec folder holds openapi.yaml (or .yml/.json) and an optional overlays/ folder.',
  },
  MCPGEN_FILE_TOO_LARGE: {
    severity: 'error',
    fix: 'Split the document or raise the limit with --max-bytes.',
  },
  MCPGEN_PARSE_ERROR: { severity: 'error', fix: 'Fix the YAML/JSON syntax at the position shown.' },
  MCPGEN_DUPLICATE_KEY: {
    severity: 'warning',
    fix: 'Remove one of the duplicate keys; the last one wins.',
    strictError: true,
  },
  // load: OpenAPI document
  MCPGEN_NOT_OPENAPI: {
    severity: 'error',
    fix: 'The document needs a top-level `openapi: 3.x.y` or `swagger: "2.0"` field and a `paths` or `webhooks` object.',
  },
  MCPGEN_UNSUPPORTED_VERSION: { severity: 'error', fix: 'Use OpenAPI 3.0.x, 3.1.x or Swagger 2.0.' },
  MCPGEN_SPEC_INVALID: {
    severity: 'warning',
    fix: 'Fix the document so it validates against the OpenAPI schema.',
    strictError: true,
  },
  MCPGEN_REF_NOT_FOUND: {
    severity: 'error',
    fix: 'Point the $ref at an existing component (e.g. #/components/schemas/Name) or add the missing component.',
  },
  MCPGEN_REF_EXTERNAL: {
    severity: 'error',
    fix: 'Inline the external document, or pass --allow-external-refs to resolve references outside the spec folder.',
  },
  MCPGEN_SCHEMA_TOO_DEEP: {
    severity: 'error',
    fix: 'Simplify the schema or raise the limit with --max-depth.',
  },
  // load: overlays
  MCPGEN_OVERLAY_INVALID: {
    severity: 'error',
    fix: 'An overlay needs `overlay: 1.0.0` or `1.1.0`, `info.title`, `info.version` and an `actions` array.',
  },
  MCPGEN_OVERLAY_TARGET_INVALID: {
    severity: 'error',
    fix: "Write the target as an RFC 9535 JSONPath, e.g. $.paths['/items'].get",
  },
  MCPGEN_OVERLAY_TARGET_NO_MATCH: {
    severity: 'error',
    fix: 'Correct the target so it selects at least one node, or delete the action.',
  },
  MCPGEN_OVERLAY_TARGET_NONSTANDARD: {
    severity: 'warning',
    fix: "Use bracket notation for names that are not identifiers, e.g. $.info['x-mcp'] instead of $.info.x-mcp.",
    strictError: true,
  },
  MCPGEN_OVERLAY_ACTION_INVALID: {
    severity: 'error',
    fix: 'An action needs a `target` and exactly one of `update`, `remove: true` or `copy`.',
  },
  MCPGEN_OVERLAY_UPDATE_TYPE: {
    severity: 'error',
    fix: 'An update merges into objects and appends to arrays; it cannot replace a scalar node. Target the parent object instead.',
  },
  MCPGEN_OVERLAY_COPY_SOURCE: { severity: 'error', fix: 'The copy source must select exactly one node.' },
  MCPGEN_OVERLAY_EXTENDS_MISMATCH: {
    severity: 'warning',
    fix: 'Set `extends` to the spec file this overlay applies to, or remove it.',
  },
  // x-mcp vocabulary
  MCPGEN_XMCP_INVALID: {
    severity: 'error',
    fix: 'See the x-mcp vocabulary in the README; check the key names and value types.',
  },
  MCPGEN_XMCP_UNKNOWN_KEY: {
    severity: 'warning',
    fix: 'Remove the key or correct its spelling.',
    strictError: true,
  },
  MCPGEN_UNKNOWN_ARGUMENT: {
    severity: 'error',
    fix: 'x-mcp.arguments keys must name a parameter or a top-level body property of the operation.',
  },
  // IR
  MCPGEN_INVALID_TOOL_NAME: {
    severity: 'error',
    fix: 'Tool names must match ^[A-Za-z0-9_.-]{1,64}$; set x-mcp.name on the operation.',
  },
  MCPGEN_DUPLICATE_TOOL_NAME: {
    severity: 'error',
    fix: 'Give one of the operations a different x-mcp.name.',
  },
  MCPGEN_DUPLICATE_ARGUMENT: {
    severity: 'error',
    fix: 'Rename one of the arguments with x-mcp.arguments.<name>.name.',
  },
  MCPGEN_MISSING_OPERATION_ID: {
    severity: 'warning',
    fix: 'Add an operationId (or x-mcp.name) so the tool name does not depend on the path.',
  },
  MCPGEN_HINT_CONTRADICTS_METHOD: {
    severity: 'error',
    fix: 'Remove the hint or make it consistent with the HTTP method.',
  },
  MCPGEN_HINT_UNUSUAL: { severity: 'warning', fix: 'Check that the hint is intended.' },
  MCPGEN_NO_DESCRIPTION: {
    severity: 'warning',
    fix: 'Add a summary/description to the operation or x-mcp.description, so a model knows when to call the tool.',
  },
  MCPGEN_UNSUPPORTED_PARAMETER: {
    severity: 'warning',
    fix: 'The parameter cannot be expressed as a tool argument; hide it with x-mcp.arguments.<name>.hidden and a value.',
    strictError: true,
  },
  MCPGEN_UNSUPPORTED_MEDIA_TYPE: {
    severity: 'warning',
    fix: 'Use application/json, form-urlencoded, multipart or octet-stream, or exclude the operation with x-mcp: false.',
    strictError: true,
  },
  MCPGEN_NO_OPERATIONS: {
    severity: 'error',
    fix: 'The document has no operations that become tools; check paths and x-mcp: false exclusions.',
  },
  MCPGEN_PROMPT_INVALID: {
    severity: 'error',
    fix: 'A prompt needs a name, a description and a Handlebars template that compiles.',
  },
  MCPGEN_SERVER_URL_MISSING: {
    severity: 'warning',
    fix: 'Add servers[0].url or x-mcp.upstream.baseUrl; otherwise pass --upstream when serving.',
  },
  // load (appended)
  MCPGEN_FILE_UNREADABLE: {
    severity: 'error',
    fix: 'Check that the path names a readable file (not a folder) and its permissions.',
  },
  // ir: schemas (appended)
  MCPGEN_UNSATISFIABLE_SCHEMA: {
    severity: 'warning',
    fix: 'List the required name under `properties` (or fix its spelling in `required`), or drop `additionalProperties: false`; the tool schema leaves the requirement out until then.',
  },
  MCPGEN_SCHEMA_PATTERN_INVALID: {
    severity: 'warning',
    fix: 'Rewrite the pattern as an ECMA-262 regular expression that compiles with the `u` flag; it is left out of the tool schema until then.',
  },
  // real-world documents (appended): lenient by default, errors with --strict
  MCPGEN_DUPLICATE_OPERATION_ID: {
    severity: 'warning',
    fix: 'Give every operation its own operationId, or name the tool with x-mcp.name in an overlay.',
    strictError: true,
  },
  MCPGEN_TOOL_NAME_DISAMBIGUATED: {
    severity: 'warning',
    fix: 'Name the tool with x-mcp.name in an overlay, or change the operationId so the derived names differ.',
    strictError: true,
  },
  MCPGEN_VERSION_PLACEHOLDER: {
    severity: 'warning',
    fix: 'Put the real version in info.version, or set x-mcp.server.version in an overlay.',
    strictError: true,
  },
  MCPGEN_SCHEMA_NONSTANDARD: {
    severity: 'warning',
    fix: 'Use the keywords of the document\'s OpenAPI version (3.1: `type: [T, "null"]`, numeric exclusiveMinimum/Maximum; 3.0: `nullable`, boolean exclusive bounds) and JSON Schema keyword names.',
    strictError: true,
  },
  // x-mcp.rateLimits, checked once tools are named (appended)
  MCPGEN_RATE_LIMIT_UNKNOWN_TOOL: {
    severity: 'error',
    fix: "Name a generated tool (see catalog.md) in the rule's `tools`, or remove the name.",
  },
  MCPGEN_RATE_LIMIT_KEY_NOT_ARGUMENT: {
    severity: 'error',
    fix: "Set the rule's `key` to `principal` or to an argument of a tool the rule applies to.",
  },
  // x-mcp whoami / tokens / tenancy, checked once tools are named (appended)
  MCPGEN_ACCESS_UNKNOWN_OPERATION: {
    severity: 'error',
    fix: 'Set `whoami` / `tenancy.list` to the operationId of a GET operation in the document.',
  },
  MCPGEN_ACCESS_OPERATION_NOT_GET: {
    severity: 'error',
    fix: '`whoami` and `tenancy.list` name a GET operation: the runtime calls them to read, never to write.',
  },
  MCPGEN_ACCESS_OPERATION_EXCLUDED: {
    severity: 'error',
    fix: 'Remove `x-mcp: false` from the operation `whoami` / `tenancy.list` names, or name another GET operation.',
  },
  MCPGEN_TENANCY_PATH_PARAM_UNKNOWN: {
    severity: 'error',
    fix: 'Set `tenancy.pathParam` to a path parameter of at least one generated operation, as the document spells it.',
  },
  MCPGEN_TENANCY_ARGUMENT_UNKNOWN: {
    severity: 'error',
    fix: 'Set `tenancy.argument` to an argument of at least one generated tool (see catalog.md).',
  },
  // x-mcp `wait` on an operation (long-running operations; appended)
  MCPGEN_WAIT_INVALID: {
    severity: 'error',
    fix: 'Write `wait: {poll: <operationId>, arguments: {...}, status: $response.body#/status, until: [DONE, FAILED]}`; see docs/long-running.md.',
  },
  MCPGEN_WAIT_UNKNOWN_POLL: {
    severity: 'error',
    fix: 'Set `wait.poll` to the operationId (or generated tool name) of the GET operation that returns the status.',
  },
  MCPGEN_WAIT_POLL_UNUSABLE: {
    severity: 'error',
    fix: '`wait.poll` names a GET operation that is generated as a tool: the runtime calls it to read the status, never to write.',
  },
  MCPGEN_WAIT_BAD_EXPRESSION: {
    severity: 'error',
    fix: 'Use `$response.body#/<json pointer>`, `$request.path.<name>` / `.query.<name>` / `.header.<name>`, `$request.body#/<pointer>`, `$request.<argument>`, or a literal value.',
  },
  MCPGEN_WAIT_EMPTY_UNTIL: {
    severity: 'error',
    fix: 'List the states at which waiting ends, e.g. `until: [SUCCEEDED, FAILED, CANCELLED]`.',
  },
  MCPGEN_WAIT_POLL_ARGUMENTS: {
    severity: 'error',
    fix: "Give `wait.arguments` exactly the poll tool's arguments: every required one, no unknown one.",
  },
  MCPGEN_WAIT_ARGUMENT_COLLISION: {
    severity: 'error',
    fix: 'Name the wait argument differently with `wait.argument` / `wait.secondsArgument`, e.g. `argument: wait_for_result`.',
  },
} as const satisfies Record<string, CatalogEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CATALOG;
