/*
 * Storage interface "iscsi": a node's volume targets attached from Ingot's
 * own pool through tgt (see volpool.h).  One tgt target per attached
 * volume, LUN 1, its ACL naming only the node's iqn connector and a CHAP
 * account of its own; the connection goes into the volume target's
 * properties (the secret masked in answers, sealed at rest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "tgt.h"
#include "util.h"
#include "volpool_int.h"

/* Rows of res whose field is value (a new array, possibly empty). */
static json_t *
rows(const struct resource *res, const char *field, const char *value)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(value ? value : ""), *l;
	char err[128];

	q.filters[0] = (struct store_filter){ field, SO_EQ, v, NULL, NULL };
	l = store_list(store_thread(), res, &q, err, sizeof(err));
	json_decref(v);
	return l ? l : json_array();
}

static bool conn_ok(json_t *p);

/* The node's first iqn connector, or NULL. */
static const char *
node_iqn(json_t *node, char *buf, size_t len)
{
	json_t *l = rows(&model_volume_connector, "node_uuid", node_uuid(node)), *c;
	const char *out = NULL;
	size_t i;

	json_array_foreach(l, i, c)
		if (strcmp(vconn_type(c), "iqn") == 0) {
			snprintf(buf, len, "%s", vconn_connector_id(c));
			out = buf;
			break;
		}
	json_decref(l);
	return out;
}

static json_t *
find_volume(const char *id)
{
	if (id != NULL && util_is_uuid(id))
		return store_get(store_thread(), &model_volume, "uuid", id);
	return id ? store_get(store_thread(), &model_volume, "name", id) : NULL;
}

/* A volume of a project goes only to that project's nodes. */
static bool
project_ok(json_t *vol, json_t *node)
{
	const char *p = volume_project(vol), *o = node_owner(node), *l = node_lessee(node);

	return p == NULL || (o != NULL && strcmp(o, p) == 0) ||
	    (l != NULL && strcmp(l, p) == 0);
}

/* The lowest target id neither a volume of ours nor tgt holds. */
static int
free_tid(void)
{
	json_t *used = rows(&model_volume, "status", "in-use"), *v;
	size_t i;

	for (int tid = 1; tid < 4096; tid++) {
		bool taken = false;
		json_array_foreach(used, i, v) {
			const char *n;
			json_t *a;
			json_object_foreach(volattach_all(v), n, a)
				if (json_integer_value(json_object_get(a, "tid")) == tid)
					taken = true;
		}
		if (!taken && tgt_target_exists(tid) == 0) {
			json_decref(used);
			return tid;
		}
	}
	json_decref(used);
	return -1;
}

static void
set_props(json_t *target, json_t *ii)
{
	json_t *p = vtarget_properties(target);
	char portal[300];

	snprintf(portal, sizeof(portal), "%s", vp.c.portal);
	json_object_set_new(p, "target_portal", json_string(portal));
	json_object_set(p, "target_iqn", json_object_get(ii, "target_iqn"));
	json_object_set_new(p, "target_lun", json_integer(1));
	json_object_set_new(p, "auth_method", json_string("CHAP"));
	json_object_set(p, "auth_username", json_object_get(ii, "auth_username"));
	json_object_set(p, "auth_password", json_object_get(ii, "auth_password"));
}

static void
clear_props(json_t *target)
{
	static const char *const keys[] = { "target_portal", "target_iqn",
	    "target_lun", "auth_method", "auth_username", "auth_password", NULL };

	for (int i = 0; keys[i] != NULL; i++)
		json_object_del(vtarget_properties(target), keys[i]);
}

/* Exports vol for the node's initiator; its record says so.  Under vp.mtx. */
static int
export(json_t *vol, json_t *node, const char *initiator, char *err, size_t len)
{
	char tiqn[300], user[32] = "ingot", secret[40], e2[256];
	int tid = free_tid();
	json_t *ii;

	/* A multiattach volume's attachments are targets of their own. */
	snprintf(tiqn, sizeof(tiqn), "%s:%s%s%s", vp.c.iqn_prefix, volume_uuid(vol),
	    volume_multiattach(vol) ? ":" : "", volume_multiattach(vol) ?
	    node_uuid(node) : "");
	if (tid < 0 || !util_random_hex(user + 5, 6) || !util_random_hex(secret, 12)) {
		snprintf(err, len, "no free iSCSI target id, or no randomness");
		return -1;
	}
	if (volpool_path(volume_uuid(vol), e2, sizeof(e2)) != 0 ||
	    tgt_export(tid, tiqn, e2, initiator, user, secret, err, len) != 0)
		return -1;
	ii = json_pack("{s:i, s:s, s:s, s:s, s:s}", "tid", tid, "target_iqn", tiqn,
	    "initiator", initiator, "auth_username", user, "auth_password", secret);
	volattach_put(vol, node_uuid(node), ii);
	if (store_update(store_thread(), &model_volume, vol, e2, sizeof(e2)) != STORE_OK) {
		tgt_unexport(tid, user, e2, sizeof(e2));
		snprintf(err, len, "cannot record the attachment: %s", e2);
		return -1;
	}
	explicit_bzero(secret, sizeof(secret));
	log_info("volume %s attached as target %d for %s (node %s)", volume_uuid(vol),
	    tid, initiator, node_uuid(node));
	return 0;
}

/* May one more node attach vol?  An available volume, or a multiattach
 * one in use by fewer than [storage] max_attachments nodes. */
static bool
may_attach(json_t *vol, char *err, size_t len)
{
	const char *st = volume_status(vol);

	if (strcmp(st, "available") == 0)
		return true;
	if (strcmp(st, "in-use") != 0 || !volume_multiattach(vol))
		snprintf(err, len, "volume %s is %s", volume_uuid(vol), st);
	else if (volattach_count(vol) >= (size_t)vp.c.max_attachments)
		snprintf(err, len, "volume %s is attached to %zu nodes, the most a "
		    "multiattach volume may be ([storage] max_attachments)",
		    volume_uuid(vol), volattach_count(vol));
	else
		return true;
	return false;
}

/* Attaches one volume target of the node (idempotent). */
static int
attach_one(json_t *node, json_t *target, const char *initiator, char *err, size_t len)
{
	json_t *vol;
	int rc = -1;

	if (strcmp(vtarget_volume_type(target), "iscsi") != 0) {
		snprintf(err, len, "volume target %s: the iscsi storage interface "
		    "attaches volume_type iscsi only", vtarget_uuid(target));
		return -1;
	}
	pthread_mutex_lock(&vp.mtx);
	vol = find_volume(vtarget_volume_id(target));
	if (vol == NULL || !project_ok(vol, node))
		snprintf(err, len, "volume %.40s of target %s could not be found",
		    vtarget_volume_id(target), vtarget_uuid(target));
	else if (volattach_get(vol, node_uuid(node)) != NULL)
		rc = 0;
	else if (may_attach(vol, err, len))
		rc = export(vol, node, initiator, err, len);
	if (rc == 0) {
		set_props(target, volattach_get(vol, node_uuid(node)));
		if (store_update(store_thread(), &model_volume_target, target, err, len) !=
		    STORE_OK)
			rc = -1;
	}
	pthread_mutex_unlock(&vp.mtx);
	json_decref(vol);
	return rc;
}

/* Ends node's attachment of vol: its tgt target and account go, the
 * volume (and the other nodes' attachments) stay. */
static int
detach(json_t *vol, const char *node, char *err, size_t len)
{
	json_t *ii = volattach_get(vol, node);
	char e2[256];

	if (ii == NULL)
		return 0;
	if (tgt_unexport((int)json_integer_value(json_object_get(ii, "tid")),
	    jstr(ii, "auth_username"), err, len) != 0)
		return -1;
	log_info("volume %s detached from node %s", volume_uuid(vol), node);
	volattach_del(vol, node);
	if (store_update(store_thread(), &model_volume, vol, e2, sizeof(e2)) != STORE_OK) {
		snprintf(err, len, "cannot record the detachment: %s", e2);
		return -1;
	}
	return 0;
}

static enum hw_step
storage_detach_all(json_t *node, char *err, size_t len)
{
	json_t *vols, *ts, *v;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&vp.mtx);
	vols = rows(&model_volume, "status", "in-use");	/* multiattach ones too */
	json_array_foreach(vols, i, v)
		if (detach(v, node_uuid(node), err, len) != 0)
			rc = -1;
	pthread_mutex_unlock(&vp.mtx);
	json_decref(vols);
	ts = rows(&model_volume_target, "node_uuid", node_uuid(node));
	json_array_foreach(ts, i, v) {
		char e2[128];
		clear_props(v);
		(void)store_update(store_thread(), &model_volume_target, v, e2, sizeof(e2));
	}
	json_decref(ts);
	json_object_del(node_driver_internal_info(node), "boot_from_volume");
	return rc == 0 ? HW_STEP_DONE : HW_STEP_FAIL;
}

static enum hw_step
storage_attach_all(json_t *node, char *err, size_t len)
{
	json_t *ts = rows(&model_volume_target, "node_uuid", node_uuid(node)), *t;
	char iqn[256], e2[256];
	size_t i;
	int rc = 0;

	if (json_array_size(ts) > 0 && (!vp.on || node_iqn(node, iqn, sizeof(iqn)) ==
	    NULL || !tgt_iqn_ok(iqn))) {
		snprintf(err, len, vp.on ? "the node has volume targets but no valid "
		    "iqn volume connector" : "the volume pool is off ([storage] pool_dir)");
		rc = -1;
	}
	json_array_foreach(ts, i, t) {
		if (rc != 0 || (rc = attach_one(node, t, iqn, err, len)) != 0)
			break;
		if (vtarget_boot_index(t) == 0)
			json_object_set_new(node_driver_internal_info(node),
			    "boot_from_volume", json_string(vtarget_uuid(t)));
	}
	json_decref(ts);
	if (rc == 0)
		return HW_STEP_DONE;
	storage_detach_all(node, e2, sizeof(e2));	/* nothing half-attached */
	return HW_STEP_FAIL;
}

int
storage_attach_target(json_t *node, json_t *target, char *err, size_t len)
{
	char iqn[256];

	if (!vp.on || node_iqn(node, iqn, sizeof(iqn)) == NULL || !tgt_iqn_ok(iqn)) {
		snprintf(err, len, vp.on ? "the node has no valid iqn volume connector" :
		    "the volume pool is off ([storage] pool_dir)");
		return -1;
	}
	return attach_one(node, target, iqn, err, len);
}

int
storage_detach_target(json_t *node, json_t *target, char *err, size_t len)
{
	json_t *vol;
	int rc = 0;

	pthread_mutex_lock(&vp.mtx);
	vol = find_volume(vtarget_volume_id(target));
	if (vol != NULL)
		rc = detach(vol, node_uuid(node), err, len);
	pthread_mutex_unlock(&vp.mtx);
	json_decref(vol);
	if (rc == 0) {
		clear_props(target);
		if (store_update(store_thread(), &model_volume_target, target, err, len) !=
		    STORE_OK)
			rc = -1;
	}
	return rc;
}

/* "<boot_index> <portal> <target iqn> <lun> <user> <secret>\n" per
 * attached target whose every value is safe (volhot.c's listing). */
char *
storage_connections_text(json_t *node)
{
	json_t *ts = rows(&model_volume_target, "node_uuid", node_uuid(node)), *t, *p;
	char *out = NULL;
	size_t i, sz = 0;
	FILE *fp = open_memstream(&out, &sz);

	if (fp == NULL) {
		json_decref(ts);
		return NULL;
	}
	json_array_foreach(ts, i, t) {
		p = vtarget_properties(t);
		if (conn_ok(p))
			fprintf(fp, "%lld %s %s %lld %s %s\n", (long long)vtarget_boot_index(t),
			    jstr(p, "target_portal") ? jstr(p, "target_portal") : vp.c.portal,
			    jstr(p, "target_iqn"), (long long)json_integer_value(
			    json_object_get(p, "target_lun")), jstr(p, "auth_username"),
			    jstr(p, "auth_password"));
	}
	fclose(fp);
	json_decref(ts);
	return out;
}

static int
storage_validate(json_t *node, char *err, size_t len)
{
	json_t *ts = rows(&model_volume_target, "node_uuid", node_uuid(node));
	char iqn[256];
	int rc = 0;

	if (json_array_size(ts) > 0 && (node_iqn(node, iqn, sizeof(iqn)) == NULL ||
	    !tgt_iqn_ok(iqn))) {
		snprintf(err, len, "the node has volume targets but no valid iqn "
		    "volume connector");
		rc = -1;
	}
	json_decref(ts);
	return rc;
}

static enum hw_step
attach_op(json_t *node, char *err, size_t len)
{
	return storage_attach_all(node, err, len);
}

const struct hw_generic_ops storage_iscsi_ops = {
	.name = "iscsi",
	.validate = storage_validate,
	.deploy = attach_op,
	.tear_down = storage_detach_all,
};

bool
storage_skip_local_clean(json_t *node)
{
	const char *si = node_storage_interface(node);
	json_t *ts, *t;
	bool bfv = false;
	size_t i;

	if (si == NULL || strcmp(si, "noop") == 0 ||
	    json_is_true(json_object_get(node_driver_info(node), "clean_local_disks")))
		return false;
	ts = rows(&model_volume_target, "node_uuid", node_uuid(node));
	json_array_foreach(ts, i, t)
		if (vtarget_boot_index(t) == 0)
			bfv = true;
	json_decref(ts);
	return bfv;
}

bool
storage_boot_from_volume(json_t *node)
{
	return jstr(node_driver_internal_info(node), "boot_from_volume") != NULL;
}

/* "host:port" of the portal into host and port (3260 when absent). */
static void
split_portal(const char *portal, char *host, size_t hlen, int *port)
{
	const char *c = strrchr(portal, ':');

	*port = c ? atoi(c + 1) : 3260;
	snprintf(host, hlen, "%.*s", c ? (int)(c - portal) : (int)strlen(portal), portal);
}

/* Is p an attached target's connection whose every value is safe in iPXE? */
static bool
conn_ok(json_t *p)
{
	return p != NULL && jstr(p, "target_iqn") != NULL && tgt_iqn_ok(jstr(p,
	    "target_iqn")) && tgt_chap_user_ok(jstr(p, "auth_username")) &&
	    tgt_chap_secret_ok(jstr(p, "auth_password"));
}

/*
 * One volume's lines: its CHAP account (iPXE takes it when it opens the
 * URI, so each volume keeps its own), then "sanhook" (a data volume:
 * BIOS drive 0x81 on, described in the iBFT for the OS) or "sanboot".
 */
static void
san_lines(FILE *fp, json_t *p, const char *verb, int drive)
{
	char host[256];
	int port;

	split_portal(jstr(p, "target_portal") ? jstr(p, "target_portal") : vp.c.portal,
	    host, sizeof(host), &port);
	fprintf(fp, "set username %s\nset password %s\n%s --drive 0x%x "
	    "iscsi:%s::%d:%lld:%s || goto failed\n", jstr(p, "auth_username"),
	    jstr(p, "auth_password"), verb, drive, host, port,
	    (long long)json_integer_value(json_object_get(p, "target_lun")),
	    jstr(p, "target_iqn"));
}

/* The node's other attached volumes, hooked before the boot volume. */
static void
data_volumes(FILE *fp, json_t *node)
{
	json_t *ts = rows(&model_volume_target, "node_uuid", node_uuid(node)), *t;
	int drive = 0x81;
	size_t i;

	json_array_foreach(ts, i, t)
		if (vtarget_boot_index(t) != 0 && drive < 0x88 &&
		    conn_ok(vtarget_properties(t)))
			san_lines(fp, vtarget_properties(t), "sanhook", drive++);
	json_decref(ts);
}

char *
storage_sanboot_script(json_t *node)
{
	const char *tu = jstr(node_driver_internal_info(node), "boot_from_volume");
	json_t *t = tu ? store_get(store_thread(), &model_volume_target, "uuid", tu) : NULL;
	json_t *p = t ? vtarget_properties(t) : NULL;
	char iqn[256], *out = NULL;
	size_t sz = 0;
	FILE *fp;

	if (!conn_ok(p) || node_iqn(node, iqn, sizeof(iqn)) == NULL ||
	    !tgt_iqn_ok(iqn) || (fp = open_memstream(&out, &sz)) == NULL) {
		json_decref(t);
		return NULL;
	}
	fprintf(fp, "#!ipxe\necho Ingot: node %s boots from its volume\n"
	    "set initiator-iqn %s\n", node_uuid(node), iqn);
	data_volumes(fp, node);
	san_lines(fp, p, "sanboot", 0x80);
	fputs(":failed\necho Ingot: sanboot failed\nexit\n", fp);
	fclose(fp);
	json_decref(t);
	return out;
}
