/**
 * Requests and limits for the containers of upstream charts, in the shape every chart's `resources` value takes.
 * Most charts leave `resources` empty, so without these their pods would be scheduled on no request and could starve
 * their node; the policy requires both for every container, rendered or not.
 */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Requests and limits from [request, limit] pairs in millicores and MiB. */
export function containerResources(cpuMillicores: readonly [number, number], memoryMiB: readonly [number, number]): ContainerResources {
  return {
    requests: { cpu: `${cpuMillicores[0]}m`, memory: `${memoryMiB[0]}Mi` },
    limits: { cpu: `${cpuMillicores[1]}m`, memory: `${memoryMiB[1]}Mi` },
  };
}

/** A short-lived hook Job or one-shot init container (certificate generation, CRD upgrades, file copies). */
export const ONE_SHOT_RESOURCES = containerResources([10, 500], [32, 128]);
