export * from './addon-contracts';
export * from './addon-definition';
export * from './addon-facts';
export * from './all-addons';
export * from './catalog';
