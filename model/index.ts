export * from './types';
export * from './build-model';
export * from './components';
export * as ip from './ip';
