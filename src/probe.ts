import { describeError, PidkeepError } from './errors.js';
import type { Backend, ProbeResult } from './types.js';

/** The backend's batched look at pids; its failure is a PROBE_FAILED, never taken for a store's. */
export async function probe(backend: Backend, pids: number[], marker: boolean): Promise<ProbeResult[]> {
  try {
    return await backend.probe(pids, { marker });
  } catch (error) {
    if (error instanceof PidkeepError) throw error;
    throw new PidkeepError('PROBE_FAILED', `the ${backend.name} backend could not look at processes (${describeError(error)})`, { cause: error });
  }
}
