/**
 * The scale set's provider bindings (the VM scale set and the load balancer's five), loaded on first use: every app
 * imports ImageScaleSet through the library's index, few make one, and loading them (1.3 MB of JavaScript, the scale
 * set's binding alone 0.8 MB) cost every synth about 60-90 ms (the benchmark's row 2 against row 4).
 */
export function scaleSetBindings() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    Lb: (require('@cdktf/provider-azurerm/lib/lb') as typeof import('@cdktf/provider-azurerm/lib/lb')).Lb,
    LbBackendAddressPool: (require('@cdktf/provider-azurerm/lib/lb-backend-address-pool') as typeof import('@cdktf/provider-azurerm/lib/lb-backend-address-pool'))
      .LbBackendAddressPool,
    LbOutboundRule: (require('@cdktf/provider-azurerm/lib/lb-outbound-rule') as typeof import('@cdktf/provider-azurerm/lib/lb-outbound-rule')).LbOutboundRule,
    LbProbe: (require('@cdktf/provider-azurerm/lib/lb-probe') as typeof import('@cdktf/provider-azurerm/lib/lb-probe')).LbProbe,
    LbRule: (require('@cdktf/provider-azurerm/lib/lb-rule') as typeof import('@cdktf/provider-azurerm/lib/lb-rule')).LbRule,
    WindowsVirtualMachineScaleSet: (require('@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set') as
      typeof import('@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set')).WindowsVirtualMachineScaleSet,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
