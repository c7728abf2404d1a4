export * from './image';
export * from './marketplace-image';
export * from './windows-setup';
export * from './golden-vm';
export * from './golden-image-checks';
