import { defineAddon } from '../addon-definition';
import { buildNvidiaGpuChart } from './nvidia-gpu-chart';
import { nvidiaGpuFacts } from './spec';

export const nvidiaGpuAddon = defineAddon({
  facts: nvidiaGpuFacts,
  build: buildNvidiaGpuChart,
});
