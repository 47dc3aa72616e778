import type { StandardSchemaV1 } from '@standard-schema/spec';
import { PidkeepError } from './errors.js';

/**
 * Checks user `meta` with any Standard Schema validator. Returns what to store (the input, as JSON, so the same
 * schema accepts it again on every later read) and what to hand out (the schema's output).
 * Meta must be plain JSON: whatever cannot be stored faithfully is refused up front.
 */
export async function checkMeta<Meta>(schema: StandardSchemaV1<unknown, Meta> | undefined, meta: unknown, name: string): Promise<{ stored: unknown; value: Meta }> {
  let stored: unknown;
  if (meta !== undefined) {
    let text: string | undefined;
    try {
      text = JSON.stringify(meta);
    } catch (error) {
      throw new TypeError(`[pidkeep] Expected \`meta\` for "${name}" to be JSON data: ${(error as Error).message}`);
    }
    if (text === undefined) throw new TypeError(`[pidkeep] Expected \`meta\` for "${name}" to be JSON data`);
    stored = JSON.parse(text);
  }
  let value = stored as Meta;
  if (schema) {
    const issues = await validateWith(schema, stored, (output) => (value = output));
    if (issues) throw new PidkeepError('INVALID_META', `meta does not match the schema: ${issues}`, { record: name });
  }
  return { stored, value };
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
