/**
 * The smallest app `npx projen deploy:local --app` deploys: one stack with a resource group, as a consumer's app module
 * looks (a `buildApp(app)` export), for the test of the command itself (test/local-azure-deploy-command.integration.test.ts).
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformStack } from 'cdktf';

export function buildApp(app: App): App {
  const stack = new TerraformStack(app, 'local-group');
  new LocalBackend(stack, { path: '../local-group/terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new ResourceGroup(stack, 'Group', { name: 'rg-deploy-local', location: 'westeurope' });
  return app;
}
