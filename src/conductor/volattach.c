/*
 * A pool volume's attachments (volpool_int.h).  Each attachment is one
 * node's: its own tgt target, initiator ACL and CHAP account, recorded in
 * the volume's sealed internal_info as
 *
 *   {"attachments": {"<node uuid>": {"tid", "target_iqn", "initiator",
 *    "auth_username", "auth_password"}}}
 *
 * and, without the secret, in its public "attachments" list.  A volume
 * that is not multiattach has one at most.  Records written before
 * multi-attach (internal_info holding one attachment's members at its top,
 * the node in attached_node) read as one attachment.
 */
#include <string.h>

#include "jsonutil.h"
#include "model_access.h"
#include "util.h"
#include "volpool_int.h"

/* The node uuid -> attachment map (borrowed; converted from the old form). */
static json_t *
att_map(json_t *vol)
{
	json_t *ii = volume_internal_info(vol), *m;

	if (!json_is_object(ii)) {
		ii = json_object();
		volume_set_internal_info(vol, ii);
	}
	if ((m = json_object_get(ii, "attachments")) != NULL && json_is_object(m))
		return m;
	m = json_object();
	if (json_object_get(ii, "tid") != NULL && volume_attached_node(vol) != NULL)
		json_object_set_new(m, volume_attached_node(vol), json_deep_copy(ii));
	json_object_clear(ii);
	json_object_set_new(ii, "attachments", m);
	return m;
}

json_t *
volattach_all(json_t *vol)
{
	return att_map(vol);
}

json_t *
volattach_get(json_t *vol, const char *node)
{
	return node != NULL ? json_object_get(att_map(vol), node) : NULL;
}

size_t
volattach_count(json_t *vol)
{
	return json_object_size(att_map(vol));
}

/* When node's attachment began, from the public list (or NULL). */
static const char *
attached_at(json_t *list, const char *node)
{
	json_t *a;
	size_t i;

	json_array_foreach(list, i, a)
		if (jstr(a, "node_uuid") != NULL && strcmp(jstr(a, "node_uuid"), node) == 0)
			return jstr(a, "attached_at");
	return NULL;
}

/* The public list, status and attached_node (the first attachment's
 * node) from the map. */
void
volattach_sync(json_t *vol)
{
	json_t *m = att_map(vol), *a, *old = volume_attachments(vol), *l = json_array();
	const char *node, *first = NULL;

	json_object_foreach(m, node, a) {
		json_array_append_new(l, json_pack("{s:s, s:O*, s:O*, s:s*}", "node_uuid",
		    node, "target_iqn", json_object_get(a, "target_iqn"), "initiator",
		    json_object_get(a, "initiator"), "attached_at", attached_at(old, node)));
		if (first == NULL)
			first = node;
	}
	volume_set_status(vol, first ? "in-use" : "available");
	volume_set_attached_node(vol, first);
	volume_set_attachments(vol, l);
}

void
volattach_put(json_t *vol, const char *node, json_t *info)
{
	json_t *l = volume_attachments(vol);
	char now[40];

	json_object_set_new(att_map(vol), node, info);
	if (!json_is_array(l))
		volume_set_attachments(vol, (l = json_array()));
	util_now_iso(now);
	json_array_append_new(l, json_pack("{s:s, s:s}", "node_uuid", node,
	    "attached_at", now));
	volattach_sync(vol);
}

void
volattach_del(json_t *vol, const char *node)
{
	json_object_del(att_map(vol), node);
	volattach_sync(vol);
}
