/**
 * Ajv, validating against the OpenAPI schemas, reports every failed branch of every oneOf: a
 * parameter with a typo in `in` yields a dozen errors. This keeps the ones that say what is
 * wrong, merges alternatives into one message, and drops those under already reported $refs.
 */
import { appendJsonPointer } from './json-pointer.js';

export interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly schemaPath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
  /** Set for errors about a property name (propertyNames), which is not in instancePath. */
  readonly propertyName?: string;
}

export interface SchemaFinding {
  /** Where to report: the node, or the key for a property-name error. */
  readonly pointer: string;
  readonly message: string;
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'if', 'then', 'else', 'not', 'propertyNames']);

export function selectSchemaErrors(
  errors: readonly AjvError[],
  unresolvedPointers: readonly string[],
): SchemaFinding[] {
  const isUnder = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);
  const candidates = errors.filter(
    (error) =>
      !unresolvedPointers.some((pointer) => isUnder(error.instancePath, pointer)) &&
      !COMBINATORS.has(error.keyword) &&
      !(error.keyword === 'required' && error.params?.['missingProperty'] === '$ref'),
  );
  const kept = candidates.filter((error) => {
    if (isReferenceBranch(error)) {
      // The node is not a Reference Object; its real type's errors say what is wrong.
      return !candidates.some(
        (other) => other.instancePath === error.instancePath && !isReferenceBranch(other),
      );
    }
    const branch = branchOf(error);
    if (!branch) return true;
    // A branch error loses to a plain error at the same node (wrong whichever branch), and to a
    // deeper error from the same alternatives (which says where it went wrong).
    return !candidates.some(
      (other) =>
        other !== error &&
        ((other.instancePath === error.instancePath && !branchOf(other) && !isReferenceBranch(other)) ||
          (other.instancePath !== error.instancePath &&
            isUnder(other.instancePath, error.instancePath) &&
            (other.schemaPath ?? '').startsWith(`${branch}/`))),
    );
  });
  return mergeAlternatives(kept);
}

/** `…/oneOf` of the innermost combinator an error comes from; undefined when it is not in one. */
function branchOf(error: AjvError): string | undefined {
  const match = /^(.*\/(?:oneOf|anyOf))\/\d+\//.exec(error.schemaPath ?? '');
  return match?.[1];
}

function isReferenceBranch(error: AjvError): boolean {
  return /reference/i.test(error.schemaPath ?? '');
}

/** Required-property and enum errors from the alternatives of one combinator become one finding each. */
function mergeAlternatives(errors: readonly AjvError[]): SchemaFinding[] {
  const findings = new Map<
    string,
    { pointer: string; instancePath: string; values: Set<string>; keyword: string }
  >();
  const order: string[] = [];
  for (const error of errors) {
    const pointer =
      error.propertyName === undefined
        ? error.instancePath
        : appendJsonPointer(error.instancePath, error.propertyName);
    const mergeable =
      (error.keyword === 'required' || error.keyword === 'enum') && branchOf(error) !== undefined;
    const key = mergeable
      ? `${pointer}\u0000${error.keyword}\u0000${branchOf(error)}`
      : `${pointer}\u0000${describeError(error)}`;
    let finding = findings.get(key);
    if (!finding) {
      finding = {
        pointer,
        instancePath: error.instancePath,
        values: new Set(),
        keyword: mergeable ? error.keyword : '',
      };
      findings.set(key, finding);
      order.push(key);
    }
    if (mergeable && error.keyword === 'required')
      finding.values.add(`'${String(error.params?.['missingProperty'])}'`);
    else if (mergeable) for (const value of allowedValues(error)) finding.values.add(JSON.stringify(value));
    else finding.values.add(describeError(error));
  }
  return order.map((key) => {
    const finding = findings.get(key)!;
    const values = [...finding.values];
    const text =
      finding.keyword === 'required'
        ? values.length === 1
          ? `must have required property ${values[0]}`
          : `must have one of the properties ${values.join(', ')}`
        : finding.keyword === 'enum'
          ? `must be one of ${values.join(', ')}`
          : values[0]!;
    return { pointer: finding.pointer, message: `${finding.instancePath || '/'} ${text}` };
  });
}

function allowedValues(error: AjvError): unknown[] {
  const values = error.params?.['allowedValues'];
  return Array.isArray(values) ? values : [];
}

function describeError(error: AjvError): string {
  const params = error.params ?? {};
  if (error.propertyName !== undefined) {
    return `has the name '${error.propertyName}', which ${error.message ?? 'is invalid'}`;
  }
  const unknown = params['additionalProperty'] ?? params['unevaluatedProperty'];
  if (typeof unknown === 'string') return `has the unknown field '${unknown}'`;
  if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') {
    return `must have required property '${params['missingProperty']}'`;
  }
  if (error.keyword === 'enum') {
    return `must be one of ${allowedValues(error)
      .map((value) => JSON.stringify(value))
      .join(', ')}`;
  }
  return error.message ?? error.keyword;
}
