import type { VmModel } from './types';

/** kubelet's default hard eviction threshold for memory (memory.available<100Mi): pods never get it. */
export const EVICTION_HARD_MEMORY_MIB = 100;

/**
 * What the guest OS itself keeps outside Kubernetes on every node: systemd, journald, sshd, the QEMU guest agent,
 * cloud-init, unattended-upgrades. GKE folds this into its kube-reserved because its nodes run a container-optimised
 * OS; these VMs run the stock Ubuntu cloud image, so it is reserved on its own, as systemReserved, the same on every
 * size of node (those daemons do not grow with the VM).
 */
export const SYSTEM_RESERVED = { cpuMilli: 100, memoryMiB: 256 } as const;

/** One kubelet reservation, in the units kubelet's configuration is written in. */
export interface KubeletReservation {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** What kubelet is told to keep from pods on a node: kubeReserved and systemReserved of its KubeletConfiguration. */
export interface KubeletReserves {
  /** kubelet and containerd: GKE's tiered rule over the VM's cores and memory (see kubeletReserves). */
  readonly kubeReserved: KubeletReservation;
  /** The guest OS: SYSTEM_RESERVED. */
  readonly systemReserved: KubeletReservation;
}

/** [upper bound of the tier, share reserved within it]; the last tier is open-ended. */
type Tiers = readonly (readonly [number, number])[];

/** GKE's memory rule, in MiB: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% up to 128 GiB, 2% above. */
const MEMORY_TIERS_MIB: Tiers = [
  [4 * 1024, 0.25],
  [8 * 1024, 0.2],
  [16 * 1024, 0.1],
  [128 * 1024, 0.06],
  [Number.POSITIVE_INFINITY, 0.02],
];
/** GKE's CPU rule, in millicores: 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25% above. */
const CPU_TIERS_MILLI: Tiers = [
  [1000, 0.06],
  [2000, 0.01],
  [4000, 0.005],
  [Number.POSITIVE_INFINITY, 0.0025],
];

function tiered(amount: number, tiers: Tiers): number {
  let reserved = 0;
  let floor = 0;
  for (const [ceiling, share] of tiers) {
    if (amount <= floor) break;
    reserved += (Math.min(amount, ceiling) - floor) * share;
    floor = ceiling;
  }
  // Rounded up: a reserve that falls short is the one that hurts (kubelet or the OS evicted under pressure).
  return Math.ceil(reserved);
}

/**
 * The reserves the tree writes into each node's KubeletConfiguration (constructs/kubeadm-config.ts). kubeReserved
 * follows GKE's published rule because it scales with the node the way kubelet's and containerd's own use does (a
 * fixed amount is too much on a small control plane and too little on the 64 GiB GPU worker), and because it is the
 * rule README's capacity class names; EKS and AKS use the same CPU tiers. systemReserved is SYSTEM_RESERVED.
 */
export function kubeletReserves(vm: Pick<VmModel, 'cores' | 'memoryMiB'>): KubeletReserves {
  return {
    kubeReserved: { cpuMilli: tiered(vm.cores * 1000, CPU_TIERS_MILLI), memoryMiB: tiered(vm.memoryMiB, MEMORY_TIERS_MIB) },
    systemReserved: { ...SYSTEM_RESERVED },
  };
}

/**
 * What kubelet reports as allocatable on a node of the tree, so what the scheduler places pods against: the VM's
 * cores and memory less exactly the kubeReserved and systemReserved its KubeletConfiguration sets, and less the hard
 * eviction threshold for memory. kubelet's capacity is the guest's MemTotal, a little below the VM's memory (the
 * kernel keeps some), so the real figure is slightly lower still.
 */
export function nodeAllocatable(vm: Pick<VmModel, 'cores' | 'memoryMiB'>): { cpuMilli: number; memoryMiB: number } {
  const { kubeReserved: kube, systemReserved: system } = kubeletReserves(vm);
  return {
    cpuMilli: vm.cores * 1000 - kube.cpuMilli - system.cpuMilli,
    memoryMiB: vm.memoryMiB - kube.memoryMiB - system.memoryMiB - EVICTION_HARD_MEMORY_MIB,
  };
}
