import type { VmModel } from './types';

/** kubelet's default hard eviction threshold for memory (memory.available<100Mi): pods never get it. */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * What kubelet reports as allocatable on a node of the tree, so what the scheduler places pods against: the VM's cores
 * and memory less the hard eviction threshold. The kubeadm configuration sets no kube-reserved or system-reserved
 * (a change to it rewrites every node's cloud-init, and Terraform replaces every VM for that), so the OS, kubelet and
 * containerd live in what pods leave free; that is what the scheduling check's per-pool warning keeps room for.
 */
export function nodeAllocatable(vm: Pick<VmModel, 'cores' | 'memoryMiB'>): { cpuMilli: number; memoryMiB: number } {
  return { cpuMilli: vm.cores * 1000, memoryMiB: vm.memoryMiB - EVICTION_HARD_MEMORY_MIB };
}
