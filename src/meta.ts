import type { StandardSchemaV1 } from '@standard-schema/spec';
import { PidkeepError } from './errors.js';

/**
 * Checks user `meta` with any Standard Schema validator and returns its output.
 * Also insists on plain JSON: meta is stored, and whatever cannot be stored faithfully is refused up front.
 */
export async function checkMeta<Meta>(schema: StandardSchemaV1<unknown, Meta> | undefined, meta: unknown, name: string): Promise<Meta | undefined> {
  let value = meta;
  if (schema) {
    const issues = await validateWith(schema, meta, (output) => (value = output));
    if (issues) throw new PidkeepError('INVALID_META', `meta does not match the schema: ${issues}`, { record: name });
  }
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`[pidkeep] Expected \`meta\` for "${name}" to be JSON data: ${(error as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`[pidkeep] Expected \`meta\` for "${name}" to be JSON data`);
  return JSON.parse(text) as Meta;
}

/** Returns a summary of the issues, or undefined when valid (then `accept` got the output). */
export async function validateWith<Meta>(schema: StandardSchemaV1<unknown, Meta>, value: unknown, accept: (output: Meta) => void): Promise<string | undefined> {
  const standard = schema?.['~standard'];
  if (!standard || typeof standard.validate !== 'function') {
    throw new TypeError('[pidkeep] Expected `metaSchema` to be a Standard Schema validator (zod, valibot, arktype, ...)');
  }
  const result = await standard.validate(value);
  if (result.issues) {
    return result.issues
      .slice(0, 5)
      .map((issue) => {
        const path = issue.path?.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join('; ');
  }
  accept(result.value);
  return undefined;
}
