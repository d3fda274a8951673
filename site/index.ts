export * from './errors';
export * from './spec';
export * from './define-site';
export * from './load';
export * from './primitives';
