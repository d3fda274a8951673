export * from './component-chart';
export * from './pod-security-namespace';
