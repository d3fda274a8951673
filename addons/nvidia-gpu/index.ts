import { DcgmExporter } from '../../constructs/dcgm-exporter';
import { defineAddon } from '../addon-definition';
import { buildNvidiaGpuChart } from './nvidia-gpu-chart';
import { nvidiaGpuFacts } from './spec';

export const nvidiaGpuAddon = defineAddon({
  facts: nvidiaGpuFacts,
  build: buildNvidiaGpuChart,
  alertGroups: ({ model }) => [
    {
      name: `${model.name}.gpu`,
      rules: [
        { alert: 'GpuExporterDown', expr: 'up{job="dcgm-exporter"} == 0 or absent(up{job="dcgm-exporter"})', for: '15m', severity: 'warning', summary: 'No GPU metrics: the DCGM exporter is not scraped' },
        { alert: 'GpuTemperatureHigh', expr: 'DCGM_FI_DEV_GPU_TEMP > 85', for: '10m', severity: 'warning', summary: 'A GPU is above 85 °C' },
        {
          alert: 'GpuMemoryNearlyFull',
          expr: 'DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95',
          for: '15m',
          severity: 'warning',
          summary: 'A GPU has less than 5% of its memory free',
        },
      ],
    },
  ],
  scrapeTargets: [{ name: 'dcgm-exporter', selector: { 'app.kubernetes.io/name': 'dcgm-exporter' }, port: DcgmExporter.PORT_NAME }],
});
