import { cronScheduleProblem } from '../../site/cron-schedule';
import type { CheckContext, CheckFindings } from './types';

/**
 * Values that pass the schema's shape but not their meaning: cron schedules (parsed by croner, the same five fields
 * Velero, Longhorn and CloudNativePG read), environment names unique per container, volume names and mount paths
 * unique per app, each published host and path served by one app, limits at or above requests, an
 * odd control-plane count (or the site's reason). Versions are their own phase (versions.ts).
 */
export function checkValues(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  // The add-ons' schedules are checked by their own checks (addons/<name>/spec.ts).
  const backup = site.dataStores.postgres?.backup?.schedule;
  if (backup !== undefined) checkCron('dataStores.postgres.backup.schedule', backup, found);
  site.apps.forEach((app, i) => {
    const seen = new Map<string, number>();
    app.env.forEach((e, j) => {
      const first = seen.get(e.name);
      if (first !== undefined) found.problems.push({ path: `apps[${i}].env[${j}].name`, value: e.name, message: `repeats apps[${i}].env[${first}]; Kubernetes keeps only the last value of a name`, fix: 'give each variable once (remove one of them)' });
      else seen.set(e.name, j);
    });
    checkVolumes(app.volumes, `apps[${i}]`, found);
    const { requests, limits } = app.resources;
    if (limits.cpuMilli < requests.cpuMilli) found.problems.push({ path: `apps[${i}].resources.limits.cpuMilli`, value: limits.cpuMilli, message: `is below the request (${requests.cpuMilli}); the API server refuses the pod`, fix: `set limits.cpuMilli to ${requests.cpuMilli} or more` });
    if (limits.memoryMiB < requests.memoryMiB) found.problems.push({ path: `apps[${i}].resources.limits.memoryMiB`, value: limits.memoryMiB, message: `is below the request (${requests.memoryMiB}); the API server refuses the pod`, fix: `set limits.memoryMiB to ${requests.memoryMiB} or more` });
  });
  checkIngressPaths(site.apps, found);
  site.kubernetes.nodePools.forEach((p, i) => {
    if (p.role !== 'control-plane' || p.count % 2 === 1 || p.evenCountReason) return;
    found.problems.push({
      path: `kubernetes.nodePools[${i}].count`,
      value: p.count,
      message: `is an even number of control planes: etcd with ${p.count} members tolerates ${p.count / 2 - 1} failure${p.count === 2 ? '' : 's'}, as many as with ${p.count - 1}, and needs more votes`,
      fix: `use ${p.count - 1} or ${p.count + 1}, or say why in kubernetes.nodePools[${i}].evenCountReason`,
    });
  });
  const gitopsPath = site.gitops.path.split('/').filter((p) => p !== '' && p !== '.');
  if (gitopsPath[gitopsPath.length - 1] !== 'kubernetes') {
    found.problems.push({ path: 'gitops.path', value: site.gitops.path, message: 'does not end in the kubernetes/ folder of the output tree, which the Argo CD Applications point into', fix: 'point it at the kubernetes folder as the repository holds it, e.g. "dist/kubernetes"' });
  }
}

function checkCron(path: string, schedule: string, found: CheckFindings): void {
  const problem = cronScheduleProblem(path, schedule);
  if (problem) found.problems.push(problem);
}

/** The pod's own volumes are named tmp and shm (a writable /tmp, GPU apps' /dev/shm): the API server refuses a pod that repeats a volume name or a mount path. */
const BUILT_IN_VOLUMES = ['tmp', 'shm'];

function checkVolumes(volumes: readonly { name: string; mountPath: string }[], at: string, found: CheckFindings): void {
  const names = new Map<string, number>();
  const paths = new Map<string, number>();
  volumes.forEach((v, j) => {
    const first = names.get(v.name);
    if (BUILT_IN_VOLUMES.includes(v.name)) found.problems.push({ path: `${at}.volumes[${j}].name`, value: v.name, message: `is the name of a volume the compiler gives every app pod (${BUILT_IN_VOLUMES.join(', ')})`, fix: `rename it in ${at}.volumes[${j}].name, e.g. "${v.name}-data"` });
    else if (first !== undefined) found.problems.push({ path: `${at}.volumes[${j}].name`, value: v.name, message: `repeats ${at}.volumes[${first}].name; a pod's volume names are unique`, fix: `give each volume its own name in ${at}.volumes` });
    else names.set(v.name, j);
    const firstPath = paths.get(v.mountPath);
    if (firstPath !== undefined) found.problems.push({ path: `${at}.volumes[${j}].mountPath`, value: v.mountPath, message: `repeats ${at}.volumes[${firstPath}].mountPath; a container mounts one volume at a path`, fix: `give each volume its own mountPath in ${at}.volumes` });
    else paths.set(v.mountPath, j);
  });
}

/** An Ingress holds one rule per host and path, and two apps claiming one host and path leave the controller to pick. */
function checkIngressPaths(apps: readonly { name: string; ingress?: { host: string; paths: readonly string[] } }[], found: CheckFindings): void {
  const served = new Map<string, string>();
  apps.forEach((app, i) => {
    app.ingress?.paths.forEach((p, j) => {
      const key = `${app.ingress?.host}${p}`;
      const first = served.get(key);
      const at = `apps[${i}].ingress.paths[${j}]`;
      if (first === undefined) served.set(key, at);
      else found.problems.push({ path: at, value: p, message: `publishes ${key}, which ${first} already publishes; one host and path reach one backend`, fix: `remove ${at}, or publish it under another path or host` });
    });
  });
}
