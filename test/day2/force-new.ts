/**
 * Arguments that force a new resource, per provider type, read from the provider sources (not from docs):
 * hashicorp/terraform-provider-azurerm at tag v4.55.0 (the provider that @cdktf/provider-azurerm 14.23 binds) and
 * hashicorp/terraform-provider-random at tag v3.7.2. Line numbers are those of the file at that tag.
 *
 * Paths: `a` is a top-level argument; `a.b` a field of every element of block `a` (a block written as one object counts
 * as a one-element list); `a.#` the number of elements of block `a` (in the plugin SDK, `ForceNew` on a list or set
 * block applies to its item count only, not to the fields inside: those are listed one by one when they are ForceNew
 * themselves); `a.*` the whole block `a` (its count and every field inside are ForceNew).
 * `commonschema.ResourceGroupName()`, `commonschema.Location()` and the `*ForceNew()` helpers of
 * vendor/github.com/hashicorp/go-azure-helpers/resourcemanager/commonschema (v4.55.0) are ForceNew.
 *
 * `CONDITIONAL_FORCE_NEW` lists the `CustomizeDiff` / plan-modifier rules that force a new resource for some changes
 * only; the stand-in does not model them (none of them is used by this project's constructs).
 */
export const FORCE_NEW: Record<string, readonly string[]> = {
  // internal/services/resource/resource_group_resource.go: name (47, ResourceGroupName()), location (49). managed_by and tags update.
  azurerm_resource_group: ['name', 'location'],

  // internal/services/network/virtual_network_resource.go: name (71), resource_group_name (75), location (77), edge_zone (155).
  // address_space, dns_servers, subnet, encryption, ddos_protection_plan, tags update in place.
  azurerm_virtual_network: ['name', 'resource_group_name', 'location', 'edge_zone'],

  // internal/services/network/subnet_resource.go: name (139), resource_group_name (142), virtual_network_name (147).
  // address_prefixes, delegation, service_endpoints, default_outbound_access_enabled update in place.
  azurerm_subnet: ['name', 'resource_group_name', 'virtual_network_name'],

  // internal/services/network/network_security_group_resource.go: name (56), location (59), resource_group_name (61).
  // security_rule (every field) and tags update in place.
  azurerm_network_security_group: ['name', 'location', 'resource_group_name'],

  // internal/services/network/subnet_network_security_group_association_resource.go: subnet_id (44), network_security_group_id (51).
  azurerm_subnet_network_security_group_association: ['subnet_id', 'network_security_group_id'],

  // internal/services/network/network_interface_resource.go: name (58), location (61), resource_group_name (63), edge_zone (154).
  // ip_configuration (subnet_id, public_ip_address_id, private_ip_address*, ...) and tags update in place.
  azurerm_network_interface: ['name', 'location', 'resource_group_name', 'edge_zone'],

  // internal/services/network/network_interface_security_group_association_resource.go: network_interface_id (43), network_security_group_id (50).
  azurerm_network_interface_security_group_association: ['network_interface_id', 'network_security_group_id'],

  // internal/services/network/public_ip_resource.go: name (55), location (59), resource_group_name (61), edge_zone (90),
  // ip_version (96), sku (106), sku_tier (119), public_ip_prefix_id (163), ip_tags (170), zones (176).
  // allocation_method, domain_name_label, idle_timeout_in_minutes, tags update in place.
  azurerm_public_ip: ['name', 'location', 'resource_group_name', 'edge_zone', 'ip_version', 'sku', 'sku_tier',
    'public_ip_prefix_id', 'ip_tags', 'zones'],

  // internal/services/compute/windows_virtual_machine_resource.go: name (61), resource_group_name (65), location (67),
  // admin_password (72), admin_username (87), os_managed_disk_id (118), availability_set_id (146), computer_name (188),
  // custom_data (199), edge_zone (241), automatic_updates_enabled (247), eviction_policy (262), priority (345),
  // provision_vm_agent (357), secure_boot_enabled (393), source_image_id (399), timezone (427), platform_fault_domain (444),
  // vtpm_enabled (458), zone (463), enable_automatic_updates (511: the 4.x deprecated alias, present while !FivePointOh).
  // Blocks: os_disk (virtual_machine.go:124 virtualMachineOSDiskSchema; the block itself is not ForceNew):
  // storage_account_type (141), diff_disk_settings (170, with option 177 and placement 185), name (219),
  // secure_vm_disk_encryption_set_id (229), security_encryption_type (237); caching, disk_size_gb,
  // disk_encryption_set_id, write_accelerator_enabled update.
  // source_image_reference (shared_schema.go:584 sourceImageReferenceSchemaVM: the block and publisher/offer/sku/version),
  // plan (shared_schema.go:468 planSchema: block, name, product, publisher),
  // additional_unattend_content (shared_schema.go:51: block, content, setting),
  // winrm_listener (shared_schema.go:898: block, protocol, certificate_url).
  // size, tags, user_data, license_type, identity, boot_diagnostics, additional_capabilities, secret,
  // gallery_application, os_image_notification, termination_notification, patch_mode... update in place.
  azurerm_windows_virtual_machine: ['name', 'resource_group_name', 'location', 'admin_password', 'admin_username',
    'os_managed_disk_id', 'availability_set_id', 'computer_name', 'custom_data', 'edge_zone', 'automatic_updates_enabled',
    'enable_automatic_updates', 'eviction_policy', 'priority', 'provision_vm_agent', 'secure_boot_enabled',
    'source_image_id', 'timezone', 'platform_fault_domain', 'vtpm_enabled', 'zone',
    'os_disk.storage_account_type', 'os_disk.diff_disk_settings.*', 'os_disk.name', 'os_disk.secure_vm_disk_encryption_set_id',
    'os_disk.security_encryption_type', 'source_image_reference.*', 'plan.*', 'additional_unattend_content.*',
    'winrm_listener.*'],

  // internal/services/compute/virtual_machine_extension_resource.go: name (52), virtual_machine_id (62), publisher (69).
  // type, type_handler_version, settings, protected_settings, auto_upgrade_minor_version, tags update in place.
  azurerm_virtual_machine_extension: ['name', 'virtual_machine_id', 'publisher'],

  // internal/services/compute/virtual_machine_run_command_resource.go: name (93), virtual_machine_id (100), location (305).
  azurerm_virtual_machine_run_command: ['name', 'virtual_machine_id', 'location'],

  // internal/services/compute/image_resource.go: name (48), location (51), resource_group_name (53), zone_resilient (59),
  // hyper_v_generation (67), os_disk block count (84: ForceNew on the list), os_disk.blob_uri (118), os_disk.size_gb (137),
  // os_disk.disk_encryption_set_id (144), os_disk.storage_type (152), data_disk.managed_disk_id (173),
  // data_disk.disk_encryption_set_id (205), data_disk.storage_type (213).
  // NOT ForceNew: source_virtual_machine_id, os_disk.managed_disk_id, os_disk.os_type, os_disk.os_state,
  // os_disk.caching, data_disk count, tags.
  azurerm_image: ['name', 'location', 'resource_group_name', 'zone_resilient', 'hyper_v_generation', 'os_disk.#',
    'os_disk.blob_uri', 'os_disk.size_gb', 'os_disk.disk_encryption_set_id', 'os_disk.storage_type',
    'data_disk.managed_disk_id', 'data_disk.disk_encryption_set_id', 'data_disk.storage_type'],

  // internal/services/compute/shared_image_gallery_resource.go: name (53), resource_group_name (57), location (59),
  // sharing (69, and every field inside: permission 76, community_gallery 87 with eula 94, prefix 100,
  // publisher_email 106, publisher_uri 112). description, tags update.
  azurerm_shared_image_gallery: ['name', 'resource_group_name', 'location', 'sharing.*'],

  // internal/services/compute/shared_image_resource.go: name (58), gallery_name (65), location (69),
  // resource_group_name (71), architecture (77), os_type (87), hyper_v_generation (117), identifier.publisher (132),
  // identifier.offer (138), identifier.sku (144), eula (160), purchase_plan.name (172), purchase_plan.publisher (178),
  // purchase_plan.product (184), privacy_statement_uri (193), specialized (229), trusted_launch_supported (235),
  // trusted_launch_enabled (242), confidential_vm_supported (249), confidential_vm_enabled (256),
  // accelerated_network_support_enabled (263), hibernation_enabled (269), disk_controller_type_nvme_enabled (275).
  azurerm_shared_image: ['name', 'gallery_name', 'location', 'resource_group_name', 'architecture', 'os_type',
    'hyper_v_generation', 'identifier.publisher', 'identifier.offer', 'identifier.sku', 'eula', 'purchase_plan.name',
    'purchase_plan.publisher', 'purchase_plan.product', 'privacy_statement_uri', 'specialized', 'trusted_launch_supported',
    'trusted_launch_enabled', 'confidential_vm_supported', 'confidential_vm_enabled', 'accelerated_network_support_enabled',
    'hibernation_enabled', 'disk_controller_type_nvme_enabled'],

  // internal/services/compute/shared_image_version_resource.go: name (54), gallery_name (61), image_name (68),
  // location (72), resource_group_name (74), target_region.disk_encryption_set_id (98), blob_uri (129),
  // storage_account_id (138), os_disk_snapshot_id (153), managed_image_id (161), replication_mode (172),
  // deletion_of_replicated_locations_enabled (189). target_region (count, name, regional_replica_count,
  // storage_account_type), exclude_from_latest, tags update in place.
  azurerm_shared_image_version: ['name', 'gallery_name', 'image_name', 'location', 'resource_group_name',
    'target_region.disk_encryption_set_id', 'blob_uri', 'storage_account_id', 'os_disk_snapshot_id', 'managed_image_id',
    'replication_mode', 'deletion_of_replicated_locations_enabled'],

  // internal/services/compute/managed_disk_resource.go: name (65), location (68), resource_group_name (70),
  // create_option (90), edge_zone (102), logical_sector_size (107), performance_plus_enabled (124), source_uri (132),
  // source_resource_id (138), storage_account_id (144), image_reference_id (151), gallery_image_reference_id (158),
  // upload_size_bytes (182), trusted_launch_enabled (267), secure_vm_disk_encryption_set_id (273), security_type (281),
  // hyper_v_generation (292), zone (304). disk_size_gb and storage_account_type update (a smaller size fails, 722).
  azurerm_managed_disk: ['name', 'location', 'resource_group_name', 'create_option', 'edge_zone', 'logical_sector_size',
    'performance_plus_enabled', 'source_uri', 'source_resource_id', 'storage_account_id', 'image_reference_id',
    'gallery_image_reference_id', 'upload_size_bytes', 'trusted_launch_enabled', 'secure_vm_disk_encryption_set_id',
    'security_type', 'hyper_v_generation', 'zone'],

  // internal/services/loadbalancer/lb_resource.go: name (388), location (391, Location()), resource_group_name (393),
  // edge_zone (395), sku (401), sku_tier (413). frontend_ip_configuration (count and every field: name, subnet_id,
  // private_ip_address*, public_ip_address_id, public_ip_prefix_id, gateway_load_balancer_frontend_ip_configuration_id)
  // and tags update in place; a frontend's zones are a CustomizeDiff rule (CONDITIONAL_FORCE_NEW).
  azurerm_lb: ['name', 'location', 'resource_group_name', 'edge_zone', 'sku', 'sku_tier'],

  // internal/services/loadbalancer/lb_backend_address_pool_resource.go: name (53), loadbalancer_id (60),
  // synchronous_mode (67). tunnel_interface and virtual_network_id update in place.
  azurerm_lb_backend_address_pool: ['name', 'loadbalancer_id', 'synchronous_mode'],

  // internal/services/loadbalancer/lb_probe_resource.go: name (51), loadbalancer_id (58). protocol, port,
  // probe_threshold, request_path, interval_in_seconds, number_of_probes update in place.
  azurerm_lb_probe: ['name', 'loadbalancer_id'],

  // internal/services/loadbalancer/lb_rule_resource.go: name (348), loadbalancer_id (355). frontend_ip_configuration_name,
  // backend_address_pool_ids, protocol, frontend_port, backend_port, probe_id, floating_ip_enabled, tcp_reset_enabled,
  // disable_outbound_snat, idle_timeout_in_minutes, load_distribution (and the 4.x aliases enable_floating_ip,
  // enable_tcp_reset) update in place.
  azurerm_lb_rule: ['name', 'loadbalancer_id'],

  // internal/services/loadbalancer/lb_outbound_rule_resource.go: name (51), loadbalancer_id (58). frontend_ip_configuration,
  // backend_address_pool_id, protocol, tcp_reset_enabled, allocated_outbound_ports, idle_timeout_in_minutes update in place.
  azurerm_lb_outbound_rule: ['name', 'loadbalancer_id'],

  // internal/services/compute/windows_virtual_machine_scale_set_resource.go (schema at 1182-1500): name (1187),
  // resource_group_name (1191), location (1193), admin_username (1198), admin_password (1205),
  // capacity_reservation_group_id (1240), computer_name_prefix (1253), edge_zone (1268), eviction_policy (1286),
  // extension_operations_enabled (1297), host_group_id (1320), platform_fault_domain_count (1364), priority (1371),
  // provision_vm_agent (1383), proximity_placement_group_id (1389), secure_boot_enabled (1405), upgrade_mode (1445),
  // vtpm_enabled (1463), zone_balance (1471).
  // NOT ForceNew (updated in place by resourceWindowsVirtualMachineScaleSetUpdate, 485): source_image_id (1414; 644-680
  // send the new image reference with updateInstances = true, 847; performUpdate, virtual_machine_scale_set_update.go:38,
  // updates the model, which a Rolling scale set rolls out), sku, instances (1215; 803-820), custom_data (1258:
  // base64.OptionalSchema(false), internal/tf/base64/schema.go:18 ForceNew only for VMs), user_data, timezone,
  // enable_automatic_updates, encryption_at_host_enabled, health_probe_id, license_type, overprovision,
  // single_placement_group, tags, identity, boot_diagnostics, secret, extension, extensions_time_budget, max_bid_price,
  // scale_in, termination_notification, automatic_instance_repair, automatic_os_upgrade_policy (1595: no ForceNew field),
  // resilient_vm_*; zones is a ForceNewIfChange rule (CONDITIONAL_FORCE_NEW).
  // Blocks (internal/services/compute/virtual_machine_scale_set.go, cited as vmss.go, and shared_schema.go):
  // network_interface (vmss.go:77; the block and its count are not ForceNew): name (86); ip_configuration (467: name,
  // subnet_id, primary, version, load_balancer_*_ids, application_*_ids all update in place), inside it
  // public_ip_address (604): ip_tag (631 on the list, tag 637, type 643), version (652), public_ip_prefix_id (665);
  // dns_servers, accelerated networking, ip forwarding, network_security_group_id, primary, auxiliary_* update.
  // os_disk (vmss.go:1354; the block is not ForceNew): storage_account_type (1375), diff_disk_settings (1389, with
  // option 1396 and placement 1404), disk_encryption_set_id (1421), secure_vm_disk_encryption_set_id (1436),
  // security_encryption_type (1444); caching, disk_size_gb, write_accelerator_enabled update.
  // data_disk (vmss.go:1136): disk_encryption_set_id (1175) only.
  // rolling_upgrade_policy (vmss.go:1652): ForceNew on the list (1656), i.e. adding or removing the block; none of its
  // fields (max_batch_instance_percent, max_unhealthy_*, pause_time_between_batches, cross_zone_upgrades_enabled,
  // prioritize_unhealthy_instances_enabled, maximum_surge_instances_enabled) is ForceNew: they update in place.
  // additional_capabilities (vmss.go:27): ultra_ssd_enabled (41). gallery_application (vmss.go:148): version_id (158),
  // configuration_blob_uri (166), order (174), tag (182). spot_restore (vmss.go:317): enabled (329), timeout (336).
  // source_image_reference (shared_schema.go:626 sourceImageReferenceSchema(false): the block is not ForceNew):
  // publisher (645), offer (651); sku and version update in place.
  // plan (shared_schema.go:468 planSchema: block 472, name 479, product 485, publisher 491),
  // additional_unattend_content (shared_schema.go:20: block 28, content 34, setting 40),
  // winrm_listener (shared_schema.go:866: block 874, protocol 880, certificate_url 890).
  azurerm_windows_virtual_machine_scale_set: ['name', 'resource_group_name', 'location', 'admin_username', 'admin_password',
    'capacity_reservation_group_id', 'computer_name_prefix', 'edge_zone', 'eviction_policy', 'extension_operations_enabled',
    'host_group_id', 'platform_fault_domain_count', 'priority', 'provision_vm_agent', 'proximity_placement_group_id',
    'secure_boot_enabled', 'upgrade_mode', 'vtpm_enabled', 'zone_balance',
    'network_interface.name', 'network_interface.ip_configuration.public_ip_address.ip_tag.*',
    'network_interface.ip_configuration.public_ip_address.version',
    'network_interface.ip_configuration.public_ip_address.public_ip_prefix_id',
    'os_disk.storage_account_type', 'os_disk.diff_disk_settings.*', 'os_disk.disk_encryption_set_id',
    'os_disk.secure_vm_disk_encryption_set_id', 'os_disk.security_encryption_type', 'data_disk.disk_encryption_set_id',
    'rolling_upgrade_policy.#', 'additional_capabilities.ultra_ssd_enabled', 'gallery_application.version_id',
    'gallery_application.configuration_blob_uri', 'gallery_application.order', 'gallery_application.tag',
    'spot_restore.enabled', 'spot_restore.timeout', 'source_image_reference.publisher', 'source_image_reference.offer',
    'plan.*', 'additional_unattend_content.*', 'winrm_listener.*'],

  // hashicorp/terraform-provider-random v3.7.2 internal/provider/resource_password.go (schema at 571-720): keepers
  // (RequiresReplaceIfValuesNotNull), length, special, upper, lower, number, numeric, min_numeric, min_upper,
  // min_lower, min_special (RequiresReplace), override_special (RequiresReplaceIf unless "" -> null). Every argument.
  random_password: ['keepers', 'length', 'special', 'upper', 'lower', 'number', 'numeric', 'min_numeric', 'min_upper',
    'min_lower', 'min_special', 'override_special'],
};

/** Changes that force a new resource only in some directions (not modelled by the stand-in). */
export const CONDITIONAL_FORCE_NEW: Record<string, string> = {
  'azurerm_public_ip.domain_name_label_scope': 'public_ip_resource.go:182: ForceNewIfChange when old != "" or new == ""',
  'azurerm_shared_image.end_of_life_date': 'shared_image_resource.go:282: ForceNewIfChange when a date is removed',
  'azurerm_shared_image_version.end_of_life_date': 'shared_image_version_resource.go:197: ForceNewIfChange when a date is removed',
  'azurerm_managed_disk.encryption_settings': 'managed_disk_resource.go:311: ForceNewIfChange when encryption is removed',
  'azurerm_lb.frontend_ip_configuration.zones': 'lb_resource.go:56-78: CustomizeDiff ForceNewIf, when a frontend keeps its name '
    + 'and its zones change (not when the frontend list goes from or to empty)',
  'azurerm_windows_virtual_machine_scale_set.zones': 'windows_virtual_machine_scale_set_resource.go:63: ForceNewIfChange when '
    + 'an existing zone is removed (adding zones updates in place)',
};
