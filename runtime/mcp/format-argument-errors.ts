/**
 * Turns Ajv errors into one sentence per failing argument, naming the argument and the rule,
 * so the model can fix the call without reading JSON Schema error objects.
 */
import type { ErrorObject } from 'ajv';

export function formatArgumentErrors(toolName: string, errors: readonly ErrorObject[]): string {
  const lines = [...new Set(errors.map(describeArgumentError))];
  return (
    `Invalid arguments for ${toolName}: ${lines.join(' ')} ` +
    `Fix ${lines.length === 1 ? 'this argument' : 'these arguments'} (see the tool's input schema) and call ${toolName} again.`
  );
}

function describeArgumentError(error: ErrorObject): string {
  const path = toArgumentPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `"${joinPath(path, String(params['missingProperty']))}" is required (required).`;
    case 'additionalProperties':
      return `"${joinPath(path, String(params['additionalProperty']))}" is not a known argument (additionalProperties).`;
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues'])
        ? params['allowedValues'].map((value) => JSON.stringify(value)).join(', ')
        : '';
      return `${name(path)} must be one of ${allowed} (enum).`;
    }
    default:
      return `${name(path)} ${error.message ?? 'is invalid'} (${error.keyword}).`;
  }
}

function name(path: string): string {
  return path === '' ? 'The arguments' : `"${path}"`;
}

function joinPath(path: string, child: string): string {
  return path === '' ? child : `${path}.${child}`;
}

/** `/filter/0/status` -> `filter[0].status`. */
function toArgumentPath(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : joinPath(path, segment)), '');
}
