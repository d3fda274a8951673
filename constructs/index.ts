export * from './component-chart';
export * from './helm-release';
export * from './pod-security-namespace';
