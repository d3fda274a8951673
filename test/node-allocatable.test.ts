import { describe, expect, it } from 'vitest';
import { EVICTION_HARD_MEMORY_MIB, SYSTEM_RESERVED, kubeletReserves, nodeAllocatable } from '../model';

const GIB = 1024;

describe('kubeletReserves', () => {
  it("reserves GKE's tiers for kubelet and containerd on the reference site's node sizes", () => {
    // 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25% above.
    // 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% up to 128 GiB, rounded up to whole MiB.
    expect(kubeletReserves({ cores: 4, memoryMiB: 8 * GIB }).kubeReserved).toEqual({ cpuMilli: 80, memoryMiB: 1844 });
    expect(kubeletReserves({ cores: 8, memoryMiB: 32 * GIB }).kubeReserved).toEqual({ cpuMilli: 90, memoryMiB: 3646 });
    expect(kubeletReserves({ cores: 16, memoryMiB: 64 * GIB }).kubeReserved).toEqual({ cpuMilli: 110, memoryMiB: 5612 });
  });

  it('takes 2% of the memory above 128 GiB and stops at the VM size inside a tier', () => {
    expect(kubeletReserves({ cores: 1, memoryMiB: 2 * GIB }).kubeReserved).toEqual({ cpuMilli: 60, memoryMiB: 512 });
    expect(kubeletReserves({ cores: 5, memoryMiB: 256 * GIB }).kubeReserved).toEqual({ cpuMilli: 83, memoryMiB: 12166 });
  });

  it('reserves the same for the guest OS on every size', () => {
    expect(kubeletReserves({ cores: 2, memoryMiB: 4 * GIB }).systemReserved).toEqual(SYSTEM_RESERVED);
    expect(kubeletReserves({ cores: 64, memoryMiB: 512 * GIB }).systemReserved).toEqual(SYSTEM_RESERVED);
  });
});

describe('nodeAllocatable', () => {
  it('is the VM less exactly the reserves kubelet is given and the hard eviction threshold', () => {
    for (const vm of [{ cores: 4, memoryMiB: 8 * GIB }, { cores: 8, memoryMiB: 32 * GIB }, { cores: 16, memoryMiB: 64 * GIB }]) {
      const { kubeReserved, systemReserved } = kubeletReserves(vm);
      expect(nodeAllocatable(vm)).toEqual({
        cpuMilli: vm.cores * 1000 - kubeReserved.cpuMilli - systemReserved.cpuMilli,
        memoryMiB: vm.memoryMiB - kubeReserved.memoryMiB - systemReserved.memoryMiB - EVICTION_HARD_MEMORY_MIB,
      });
    }
    expect(nodeAllocatable({ cores: 8, memoryMiB: 32 * GIB })).toEqual({ cpuMilli: 7810, memoryMiB: 28766 });
  });
});
