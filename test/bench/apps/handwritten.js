// The bundled example's resources written by hand, as a typical user would without this library: a loop of copies for
// the fleet, the generalize commands inline. Usage: handwritten.js <outdir> barrel|deep
//   barrel: provider bindings imported through the package barrel (what most users write)
//   deep:   the same bindings by deep import (the least any app creating these resources loads)
const { App, LocalBackend, TerraformOutput, TerraformStack } = require('cdktf');
const { report } = require('./report');

const [outdir, imports] = process.argv.slice(2);
const AZURERM_MODULES = {
  provider: 'provider', resourceGroup: 'resource-group', virtualNetwork: 'virtual-network', subnet: 'subnet',
  networkSecurityGroup: 'network-security-group', subnetNetworkSecurityGroupAssociation: 'subnet-network-security-group-association',
  networkInterface: 'network-interface', windowsVirtualMachine: 'windows-virtual-machine', virtualMachineExtension: 'virtual-machine-extension',
  image: 'image', publicIp: 'public-ip', networkInterfaceSecurityGroupAssociation: 'network-interface-security-group-association',
};
function deep(pkg, modules) {
  return Object.fromEntries(Object.entries(modules).map(([ns, dir]) => [ns, require(`${pkg}/lib/${dir}`)]));
}
if (imports !== 'barrel' && imports !== 'deep') {
  throw new Error(`imports: '${imports}' is neither 'barrel' nor 'deep'`);
}
const azurerm = imports === 'barrel' ? require('@cdktf/provider-azurerm') : deep('@cdktf/provider-azurerm', AZURERM_MODULES);
const random = imports === 'barrel' ? require('@cdktf/provider-random') : deep('@cdktf/provider-random', { provider: 'provider', password: 'password' });
const location = 'westeurope';
const app = new App({ outdir });
const stack = new TerraformStack(app, 'golden-image');
new LocalBackend(stack, { path: 'terraform.tfstate' });
new azurerm.provider.AzurermProvider(stack, 'azurerm', { features: [{}] });
new random.provider.RandomProvider(stack, 'random');

function network(prefix, rg, rules) {
  const vnet = new azurerm.virtualNetwork.VirtualNetwork(stack, `${prefix}-vnet`, { name: `vnet-${prefix}`, location, resourceGroupName: rg.name, addressSpace: ['10.0.0.0/16'] });
  const subnet = new azurerm.subnet.Subnet(stack, `${prefix}-subnet`, { name: `snet-${prefix}`, resourceGroupName: rg.name, virtualNetworkName: vnet.name, addressPrefixes: ['10.0.0.0/24'] });
  const nsg = new azurerm.networkSecurityGroup.NetworkSecurityGroup(stack, `${prefix}-nsg`, { name: `nsg-${prefix}`, location, resourceGroupName: rg.name, securityRule: rules });
  return { subnet, nsg };
}

// Build VM
const buildRg = new azurerm.resourceGroup.ResourceGroup(stack, 'build-rg', { name: 'rg-vm-golden-build', location });
const build = network('build', buildRg, []);
new azurerm.subnetNetworkSecurityGroupAssociation.SubnetNetworkSecurityGroupAssociation(stack, 'build-assoc', { subnetId: build.subnet.id, networkSecurityGroupId: build.nsg.id });
const buildNic = new azurerm.networkInterface.NetworkInterface(stack, 'build-nic', {
  name: 'nic-vm-golden-build', location, resourceGroupName: buildRg.name,
  ipConfiguration: [{ name: 'primary', subnetId: build.subnet.id, privateIpAddressAllocation: 'Dynamic' }],
});
const buildPassword = new random.password.Password(stack, 'build-password', { length: 24, minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 2 });
const setupScript = [
  "$ErrorActionPreference = 'Stop'",
  'Install-WindowsFeature -Name Web-Server, Web-Asp-Net45, NET-Framework-45-ASPNET',
  "Set-Content C:\\inetpub\\wwwroot\\Default.aspx '<%@ Page Language=\"C#\" %><h1><%= Environment.MachineName %></h1>'",
  "if ((Invoke-WebRequest http://localhost/ -UseBasicParsing).Content -notmatch $env:COMPUTERNAME) { exit 1 }",
].join('\n');
const buildVm = new azurerm.windowsVirtualMachine.WindowsVirtualMachine(stack, 'build-vm', {
  name: 'vm-golden-build', computerName: 'golden-build', location, resourceGroupName: buildRg.name, size: 'Standard_D2s_v5',
  adminUsername: 'goldenadmin', adminPassword: buildPassword.result, networkInterfaceIds: [buildNic.id],
  sourceImageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', version: 'latest' },
  osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
  secureBootEnabled: false, vtpmEnabled: false, customData: Buffer.from(setupScript).toString('base64'),
});
const setup = new azurerm.virtualMachineExtension.VirtualMachineExtension(stack, 'build-setup', {
  name: 'setup', virtualMachineId: buildVm.id, publisher: 'Microsoft.Compute', type: 'CustomScriptExtension', typeHandlerVersion: '1.10',
  settings: JSON.stringify({ commandToExecute: 'powershell -ExecutionPolicy Bypass -Command "Copy-Item C:\\AzureData\\CustomData.bin C:\\setup.ps1; & C:\\setup.ps1"' }),
});

// Generalize and capture
const { TerraformResource } = require('cdktf');
class TerraformData extends TerraformResource {
  constructor(scope, id, config) { super(scope, id, { terraformResourceType: 'terraform_data', ...config }); this.triggers = config.triggers; }
  synthesizeAttributes() { return { triggers_replace: this.triggers }; }
}
const sysprep = new TerraformData(stack, 'generalize', {
  triggers: buildVm.id,
  dependsOn: [setup],
  provisioners: [{
    type: 'local-exec',
    command: 'az vm run-command invoke -g "$RG" -n "$VM" --command-id RunPowerShellScript --scripts "C:\\Windows\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit /mode:vm" && az vm deallocate -g "$RG" -n "$VM" && az vm generalize -g "$RG" -n "$VM"',
    environment: { RG: buildRg.name, VM: buildVm.name },
  }],
});
const image = new azurerm.image.Image(stack, 'image', {
  name: 'img-golden-web', location, resourceGroupName: buildRg.name, sourceVirtualMachineId: buildVm.id, hyperVGeneration: 'V2', dependsOn: [sysprep],
});

// Copy into the images resource group
const imagesRg = new azurerm.resourceGroup.ResourceGroup(stack, 'images-rg', { name: 'rg-golden-images', location });
const copy = new azurerm.image.Image(stack, 'image-copy', {
  name: 'img-golden-web', location, resourceGroupName: imagesRg.name, hyperVGeneration: 'V2', dependsOn: [image],
  osDisk: { osType: 'Windows', osState: 'Generalized', managedDiskId: buildVm.osDisk.id, caching: 'ReadWrite', storageType: 'StandardSSD_LRS' },
});

// Fleet of 3
const appRg = new azurerm.resourceGroup.ResourceGroup(stack, 'app-rg', { name: 'rg-golden-app', location });
const fleet = network('web', appRg, [{
  name: 'allow-app-from-internet', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
  sourcePortRange: '*', destinationPortRange: '80', sourceAddressPrefix: 'Internet', destinationAddressPrefix: '*',
}]);
const fleetPassword = new random.password.Password(stack, 'fleet-password', { length: 24, minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 2 });
const urls = [];
for (let i = 1; i <= 3; i++) {
  const name = `web00${i}`;
  const ip = new azurerm.publicIp.PublicIp(stack, `${name}-ip`, { name: `pip-${name}`, location, resourceGroupName: appRg.name, allocationMethod: 'Static', sku: 'Standard' });
  const nic = new azurerm.networkInterface.NetworkInterface(stack, `${name}-nic`, {
    name: `nic-${name}`, location, resourceGroupName: appRg.name,
    ipConfiguration: [{ name: 'primary', subnetId: fleet.subnet.id, privateIpAddressAllocation: 'Dynamic', publicIpAddressId: ip.id }],
  });
  new azurerm.networkInterfaceSecurityGroupAssociation.NetworkInterfaceSecurityGroupAssociation(stack, `${name}-nsg`, { networkInterfaceId: nic.id, networkSecurityGroupId: fleet.nsg.id });
  new azurerm.windowsVirtualMachine.WindowsVirtualMachine(stack, `${name}-vm`, {
    name, computerName: name, location, resourceGroupName: appRg.name, size: 'Standard_D2s_v5', adminUsername: 'fleetadmin',
    adminPassword: fleetPassword.result, networkInterfaceIds: [nic.id], sourceImageId: copy.id,
    osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' }, secureBootEnabled: false, vtpmEnabled: false,
  });
  urls.push(`http://${ip.ipAddress}/`);
}
new TerraformOutput(stack, 'fleet_urls', { value: urls });
new TerraformOutput(stack, 'image_id', { value: copy.id });

app.synth();
report(outdir);
