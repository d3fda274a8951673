export * from './types';
export * from './build-model';
export * from './components';
export * from './edge-fleet';
export * as ip from './ip';
export * from '../core/order';
export * from './node-allocatable';
