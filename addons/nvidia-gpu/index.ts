import { DcgmExporter } from '../../constructs/dcgm-exporter';
import { defineAddon } from '../addon-definition';
import { buildNvidiaGpuChart } from './nvidia-gpu-chart';
import { nvidiaGpuFacts } from './spec';

export const nvidiaGpuAddon = defineAddon({
  facts: nvidiaGpuFacts,
  build: buildNvidiaGpuChart,
  scrapeTargets: [{ name: 'dcgm-exporter', selector: { 'app.kubernetes.io/name': 'dcgm-exporter' }, port: DcgmExporter.PORT_NAME }],
});
