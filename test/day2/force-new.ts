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
};
