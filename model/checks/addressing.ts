import * as ip from '../ip';
import { providerOf, type CheckContext, type CheckFindings } from './types';

/**
 * The pod network holds one per-node range for every Kubernetes node at the CNI's per-node mask. A pod CIDR that is
 * too small compiles and applies, and then the nodes past the last range never get pod addresses (NotReady).
 * Everything else in the IP plan (subnets, overlaps, duplicates, ranges) is checked where the model derives it.
 */
export function checkAddressing(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  const provider = providerOf(ctx, 'cni');
  const perNode = provider?.podRangePerNode;
  if (!provider || !perNode) return;
  const cni = { name: perNode.by, mask: perNode.prefixLength, unit: perNode.unit };
  const nodes = site.kubernetes.nodePools.reduce((n, p) => n + p.count, 0);
  const prefix = ip.subnet(site.kubernetes.podCidr).prefixLength;
  const ranges = prefix > cni.mask ? 0 : 2 ** (cni.mask - prefix);
  if (ranges >= nodes) return;
  // The largest prefix whose ranges still cover every node: log2 of the node count, rounded up, below the mask.
  const needed = cni.mask - Math.ceil(Math.log2(Math.max(nodes, 1)));
  found.problems.push({
    path: 'kubernetes.podCidr',
    value: site.kubernetes.podCidr,
    message: `holds ${ranges} ${cni.name} per-node /${cni.mask} ${cni.unit}${ranges === 1 ? '' : 's'}, but the site has ${nodes} Kubernetes nodes`,
    fix: `use a /${needed} or larger pod network clear of the VLANs and the service network, e.g. 10.244.0.0/16`,
  });
}
