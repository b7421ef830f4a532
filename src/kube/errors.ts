import { UserError } from '../errors.ts';

/** What a failed API call was doing, for messages like `cannot create secrets in namespace "ray"`. */
export interface KubeCall {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/** The API server answered with an error status (or could not be reached: status 0). */
export class KubeError extends UserError {
  constructor(
    message: string,
    readonly call: KubeCall,
    readonly status: number,
    /** Kubernetes' machine-readable reason (NotFound, AlreadyExists, Conflict, Forbidden...). */
    readonly reason: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export const isNotFound = (err: unknown): err is KubeError => err instanceof KubeError && err.status === 404;
export const isConflict = (err: unknown): err is KubeError => err instanceof KubeError && err.status === 409;
export const isAlreadyExists = (err: unknown): err is KubeError =>
  err instanceof KubeError && err.status === 409 && err.reason === 'AlreadyExists';

export function describeCall(call: KubeCall): string {
  const target = call.name ? `${call.resource} "${call.name}"` : call.resource;
  return `${call.verb} ${target}${call.namespace ? ` in namespace "${call.namespace}"` : ''}`;
}
