import * as kplus from 'cdk8s-plus-30';

/**
 * The container security context of every first-party workload: what Pod Security "restricted"
 * demands, plus a read-only root filesystem and an explicit non-root user and group.
 */
export function restrictedSecurityContext(uid: number): kplus.ContainerSecurityContextProps {
  if (!Number.isInteger(uid) || uid < 1) {
    throw new Error(`restrictedSecurityContext: uid ${uid} is not a non-root user id; give a whole number of 1 or more (e.g. 10001)`);
  }
  return {
    ensureNonRoot: true,
    user: uid,
    group: uid,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}
