export * from './component-chart';
export * from './dcgm-exporter';
export * from './grafana-dashboard';
export * from './helm-release';
export * from './nvidia-device-plugin';
export * from './pod-security-namespace';
export * from './rook-external-cluster';
export * from './synced-secret';
