/** The package's public API: every construct, factory, enum and props interface, re-exported from its own module. */
export * from './image';
export * from './marketplace-image';
export * from './powershell-step';
export * from './windows-setup';
export * from './management-port';
export * from './common-props';
export * from './golden-vm';
export * from './golden-image-checks';
export * from './generalized-image';
export * from './managed-image';
export * from './image-copy';
export * from './image-gallery';
export * from './gallery-image';
export * from './gallery-image-version';
export * from './image-fleet';
export * from './image-scale-set';
