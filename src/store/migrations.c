/* Numbered schema migrations; the store applies the missing ones at start,
 * each in one transaction.  Never edit a released migration: add one. */
#include "migrations.h"

const char *const store_migrations[] = {
	/* 1: nodes, ports, portgroups, conductors */
	"CREATE TABLE nodes ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT UNIQUE, driver TEXT NOT NULL,"
	" driver_info TEXT NOT NULL, driver_internal_info TEXT NOT NULL,"
	" properties TEXT NOT NULL, instance_info TEXT NOT NULL,"
	" instance_uuid TEXT UNIQUE, chassis_uuid TEXT, extra TEXT NOT NULL,"
	" console_enabled INTEGER NOT NULL, maintenance INTEGER NOT NULL,"
	" maintenance_reason TEXT, fault TEXT, power_state TEXT,"
	" target_power_state TEXT, provision_state TEXT NOT NULL,"
	" target_provision_state TEXT, provision_updated_at TEXT, last_error TEXT,"
	" inspection_started_at TEXT, inspection_finished_at TEXT,"
	" reservation TEXT, clean_step TEXT NOT NULL, deploy_step TEXT NOT NULL,"
	" conductor_group TEXT NOT NULL, conductor TEXT, allocation_uuid TEXT,"
	" resource_class TEXT, traits TEXT NOT NULL, raid_config TEXT NOT NULL,"
	" target_raid_config TEXT NOT NULL, protected INTEGER NOT NULL,"
	" protected_reason TEXT, owner TEXT, lessee TEXT, description TEXT,"
	" automated_clean INTEGER, retired INTEGER NOT NULL, retired_reason TEXT,"
	" network_data TEXT NOT NULL, boot_mode TEXT, secure_boot INTEGER,"
	" bios_interface TEXT, boot_interface TEXT, console_interface TEXT,"
	" deploy_interface TEXT, inspect_interface TEXT, management_interface TEXT,"
	" network_interface TEXT, power_interface TEXT, raid_interface TEXT,"
	" rescue_interface TEXT, storage_interface TEXT, vendor_interface TEXT,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX nodes_provision_state ON nodes(provision_state);"
	"CREATE INDEX nodes_reservation ON nodes(reservation);"
	"CREATE INDEX nodes_driver ON nodes(driver);"
	"CREATE INDEX nodes_owner ON nodes(owner);"
	"CREATE TABLE portgroups ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT UNIQUE, address TEXT UNIQUE,"
	" node_uuid TEXT NOT NULL REFERENCES nodes(uuid), mode TEXT,"
	" properties TEXT NOT NULL, standalone_ports_supported INTEGER NOT NULL,"
	" internal_info TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX portgroups_node ON portgroups(node_uuid);"
	"CREATE TABLE ports ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, address TEXT NOT NULL UNIQUE,"
	" node_uuid TEXT NOT NULL REFERENCES nodes(uuid),"
	" portgroup_uuid TEXT REFERENCES portgroups(uuid),"
	" local_link_connection TEXT NOT NULL, pxe_enabled INTEGER NOT NULL,"
	" physical_network TEXT, internal_info TEXT NOT NULL, extra TEXT NOT NULL,"
	" is_smartnic INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX ports_node ON ports(node_uuid);"
	"CREATE TABLE conductors ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" hostname TEXT NOT NULL UNIQUE, conductor_group TEXT NOT NULL,"
	" drivers TEXT NOT NULL, online INTEGER NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);",

	/* 2: node history */
	"CREATE TABLE node_history ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, node_uuid TEXT NOT NULL,"
	" severity TEXT NOT NULL, event_type TEXT NOT NULL, event TEXT NOT NULL,"
	" conductor TEXT, user_id TEXT, created_at TEXT NOT NULL);"
	"CREATE INDEX node_history_node ON node_history(node_uuid, id);",

	/* 3: VLAN networks and node attachments (VIFs) */
	"CREATE TABLE networks ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,"
	" vlan_id INTEGER NOT NULL UNIQUE, cidr TEXT, gateway TEXT, dhcp_range TEXT,"
	" dns_servers TEXT NOT NULL, project TEXT, purpose TEXT NOT NULL,"
	" shared INTEGER NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE TABLE vifs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE,"
	" node_uuid TEXT NOT NULL REFERENCES nodes(uuid),"
	" network_uuid TEXT NOT NULL REFERENCES networks(uuid),"
	" port_uuid TEXT REFERENCES ports(uuid) ON DELETE SET NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT,"
	" UNIQUE(node_uuid, network_uuid));"
	"CREATE INDEX vifs_node ON vifs(node_uuid);"
	"CREATE INDEX vifs_network ON vifs(network_uuid);",

	/* 4: allocations and chassis (Ironic's) */
	"CREATE TABLE allocations ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT UNIQUE, node_uuid TEXT UNIQUE,"
	" state TEXT NOT NULL, last_error TEXT, resource_class TEXT,"
	" candidate_nodes TEXT NOT NULL, traits TEXT NOT NULL, extra TEXT NOT NULL,"
	" owner TEXT, created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX allocations_owner ON allocations(owner);"
	"CREATE TABLE chassis ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, description TEXT, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX nodes_chassis ON nodes(chassis_uuid);",
	/* 5: infrastructure uplinks and VM members of tenant networks */
	"CREATE TABLE uplinks ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,"
	" local_link_connection TEXT NOT NULL, hypervisor TEXT,"
	" physical_network TEXT, allowed_vlans TEXT, span TEXT NOT NULL,"
	" internal_info TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX uplinks_hypervisor ON uplinks(hypervisor);"
	"CREATE TABLE members ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE,"
	" network_uuid TEXT NOT NULL REFERENCES networks(uuid),"
	" address TEXT NOT NULL UNIQUE, hypervisor TEXT NOT NULL,"
	" ip_address TEXT, name TEXT, project TEXT, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX members_network ON members(network_uuid);"
	"CREATE INDEX members_hypervisor ON members(hypervisor);"
	"CREATE INDEX members_project ON members(project);",
	/* 6: Ironic's volume connectors and targets; Ingot's volume pool */
	"CREATE TABLE volume_connectors ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE,"
	" node_uuid TEXT NOT NULL REFERENCES nodes(uuid),"
	" type TEXT NOT NULL, connector_id TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT,"
	" UNIQUE(type, connector_id));"
	"CREATE INDEX volume_connectors_node ON volume_connectors(node_uuid);"
	"CREATE TABLE volume_targets ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE,"
	" node_uuid TEXT NOT NULL REFERENCES nodes(uuid),"
	" volume_type TEXT NOT NULL, boot_index INTEGER NOT NULL,"
	" volume_id TEXT NOT NULL, properties TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT,"
	" UNIQUE(node_uuid, boot_index));"
	"CREATE INDEX volume_targets_node ON volume_targets(node_uuid);"
	"CREATE INDEX volume_targets_volume ON volume_targets(volume_id);"
	"CREATE TABLE volumes ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT UNIQUE, project TEXT,"
	" size INTEGER NOT NULL, status TEXT NOT NULL, attached_node TEXT,"
	" image_source TEXT, image_checksum TEXT, last_error TEXT,"
	" internal_info TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX volumes_project ON volumes(project);"
	"CREATE INDEX volumes_attached ON volumes(attached_node);",
	/* 7: Ironic's deploy templates */
	"CREATE TABLE deploy_templates ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,"
	" steps TEXT NOT NULL, extra TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);",
	/* 8: an index for every filter column (F_INDEX) that had none, so a
	 * filtered list costs the same at 1,000 and 100,000 nodes */
	"CREATE INDEX nodes_maintenance ON nodes(maintenance);"
	"CREATE INDEX nodes_fault ON nodes(fault);"
	"CREATE INDEX nodes_conductor_group ON nodes(conductor_group);"
	"CREATE INDEX nodes_resource_class ON nodes(resource_class);"
	"CREATE INDEX nodes_lessee ON nodes(lessee);"
	"CREATE INDEX allocations_state ON allocations(state);"
	"CREATE INDEX allocations_resource_class ON allocations(resource_class);"
	"CREATE INDEX networks_project ON networks(project);"
	"CREATE INDEX networks_purpose ON networks(purpose);"
	"CREATE INDEX ports_portgroup ON ports(portgroup_uuid);"
	"CREATE INDEX ports_physical_network ON ports(physical_network);"
	"CREATE INDEX vifs_port ON vifs(port_uuid);"
	"CREATE INDEX volumes_status ON volumes(status);",
	/* 9: nodes' inspection data (in-band inspection, Ironic's 1.81 inventory) */
	"CREATE TABLE node_inventories ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE REFERENCES nodes(uuid),"
	" inventory TEXT NOT NULL, plugin_data TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);",
	/* 10: several conductors: where each one's API answers (forwarding),
	 * and the index the ring pass and "own nodes only" filter on */
	"ALTER TABLE conductors ADD COLUMN api_url TEXT; CREATE INDEX nodes_conductor ON nodes(conductor);",
	/* 11: what each ingotd runs (--role): all, api (owns no nodes), conductor */
	"ALTER TABLE conductors ADD COLUMN role TEXT NOT NULL DEFAULT 'all';",
	/* 12: Ironic's API 1.82-1.88: node shards (1.82), parent nodes (1.83),
	 * the firmware interface (1.86), service steps (1.87), port names (1.88) */
	"ALTER TABLE nodes ADD COLUMN shard TEXT;"
	" ALTER TABLE nodes ADD COLUMN parent_node TEXT;"
	" ALTER TABLE nodes ADD COLUMN firmware_interface TEXT;"
	" ALTER TABLE nodes ADD COLUMN service_step TEXT NOT NULL DEFAULT '{}';"
	" ALTER TABLE ports ADD COLUMN name TEXT;"
	" CREATE UNIQUE INDEX ports_name ON ports(name);"
	" CREATE INDEX nodes_shard ON nodes(shard);"
	" CREATE INDEX nodes_parent_node ON nodes(parent_node);",
	/* 13: inspection rules (Ironic's, 1.96) */
	"CREATE TABLE inspection_rules ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, description TEXT,"
	" priority INTEGER NOT NULL, sensitive INTEGER NOT NULL, phase TEXT NOT NULL,"
	" conditions TEXT NOT NULL, actions TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);",
	/* 14: multi-attach volumes of the pool: the flag, the attachments */
	"ALTER TABLE volumes ADD COLUMN multiattach INTEGER NOT NULL DEFAULT 0;"
	" ALTER TABLE volumes ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';",
	/* 15: DHCP with several conductors: host entries shared by all of
	 * them, the conductor serving each network, and which conductors
	 * can serve DHCP ([dhcp] enabled) */
	"CREATE TABLE dhcp_hosts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, network_uuid TEXT NOT NULL,"
	" address TEXT NOT NULL, ip TEXT NOT NULL, ip_key TEXT NOT NULL UNIQUE,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"CREATE INDEX dhcp_hosts_network ON dhcp_hosts(network_uuid);"
	"CREATE TABLE dhcp_servers ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uuid TEXT NOT NULL UNIQUE, conductor TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT);"
	"ALTER TABLE conductors ADD COLUMN dhcp INTEGER NOT NULL DEFAULT 0;",
};

const int store_nmigrations = sizeof(store_migrations) / sizeof(store_migrations[0]);
