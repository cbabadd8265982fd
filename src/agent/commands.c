/*
 * The IPA commands, one function each, and the table that names them
 * ("extension.command", asynchronous or not).  cmd_run keeps a record of
 * each command ({id, command_name, command_params, command_status,
 * command_error, command_result}); an asynchronous command runs on its own
 * thread, one at a time, and a heartbeat tells the conductor it ended.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "jsonutil.h"
#include "agent.h"
#include "cdpart.h"
#include "disk.h"
#include "imagewrite.h"
#include "inventory.h"
#include "parttable.h"
#include "partimage.h"

struct cmd {
	const char	*name;		/* extension.command */
	bool		 async;
	json_t		*(*fn)(json_t *params, json_t **error);
};

struct job {
	const struct cmd *cmd;
	json_t		*rec;		/* the command record (shared, under cs.mu) */
	json_t		*params;
};

/* The partitions of the last partition image written (IPA keeps them for
 * get_partition_uuids); NULL after a whole-disk image. */
static struct {
	pthread_mutex_t	 mu;
	json_t		*uuids;
} parts = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
set_partition_uuids(json_t *uuids)
{
	pthread_mutex_lock(&parts.mu);
	json_decref(parts.uuids);
	parts.uuids = uuids;
	pthread_mutex_unlock(&parts.mu);
}

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a command ended */
	json_t		*records;	/* array of command records */
	bool		 busy;		/* an asynchronous command runs */
} cs = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* An IPA error as a command record's command_error holds it. */
json_t *
ipa_error(const char *type, int code, const char *message, const char *details)
{
	return json_pack("{s:s, s:i, s:s, s:s}", "type", type, "code", code,
	    "message", message, "details", details ? details : message);
}

/*
 * The body of an HTTP error reply, as IPA sends it (WSME's shape; Ironic
 * reads faultstring from every error): {"faultcode": "Client" or "Server",
 * "faultstring": "message: details"}.  Takes err.
 */
json_t *
ipa_fault(json_t *err)
{
	json_int_t code = json_integer_value(json_object_get(err, "code"));
	char *fs = NULL;
	json_t *f;

	if (asprintf(&fs, "%s: %s", jstr(err, "message") ? jstr(err, "message") :
	    "An error occurred", jstr(err, "details") ? jstr(err, "details") : "") < 0)
		fs = NULL;
	f = json_pack("{s:s, s:s}", "faultcode", code >= 500 ? "Server" : "Client",
	    "faultstring", fs ? fs : "An error occurred");
	free(fs);
	json_decref(err);
	return f;
}

/* --- disks ------------------------------------------------------------------ */

/* The disk chosen by the node's root_device hints. */
static int
root_disk(json_t *node, char *path, size_t plen, char *err, size_t len)
{
	struct disk *d = NULL;
	int n = disk_list(&d, conf.disk), i;
	json_t *hints = json_object_get(json_object_get(node, "properties"), "root_device");

	if (n <= 0) {
		snprintf(err, len, "no disks found");
		free(d);
		return -1;
	}
	if (conf.disk != NULL && (hints == NULL || json_object_size(hints) == 0))
		i = 0;		/* the test disk is whatever size the test made it */
	else
		i = disk_root_device(d, n, hints, err, len);
	if (i >= 0)
		snprintf(path, plen, "%s", d[i].name);
	free(d);
	return i >= 0 ? 0 : -1;
}

static bool
destructive_allowed(char *err, size_t len)
{
	if (conf.disk != NULL || conf.ramdisk)
		return true;
	snprintf(err, len, "refusing to write disks: not running in a deploy ramdisk "
	    "(no ipa-api-url on the kernel command line) and no --disk given");
	return false;
}

/* The root disk of params' node, else of the looked-up node. */
static int
target_disk(json_t *params, char *disk, size_t dlen, json_t **error)
{
	char err[1024];
	json_t *node;
	int rc;

	if (json_object_get(params, "node") != NULL)
		node = json_incref(json_object_get(params, "node"));
	else
		node = client_node();
	rc = root_disk(node, disk, dlen, err, sizeof(err));
	json_decref(node);
	if (rc != 0)
		*error = ipa_error("DeviceNotFound", 500, "Root device not found", err);
	return rc;
}

/* --- writing the image -------------------------------------------------------- */

static void
set_progress(void *arg, uint64_t done, uint64_t total)
{
	char msg[256];

	(void)arg;
	if (total > 0)
		snprintf(msg, sizeof(msg), "writing image: %llu of %llu MiB (%d%%)",
		    (unsigned long long)(done >> 20), (unsigned long long)(total >> 20),
		    (int)(done * 100 / total));
	else
		snprintf(msg, sizeof(msg), "writing image: %llu MiB",
		    (unsigned long long)(done >> 20));
	client_status(msg);
	client_heartbeat_now();
}

/* image_info with urls, a config drive string or none, disks that may be
 * written. */
static json_t *
image_info(json_t *params, json_t **error)
{
	json_t *ii = json_object_get(params, "image_info");
	json_t *urls = json_object_get(ii, "urls");
	char err[1024];

	if (!json_is_object(ii) || !json_is_array(urls) || json_array_size(urls) == 0 ||
	    !json_is_string(json_array_get(urls, 0))) {
		*error = ipa_error("InvalidCommandParamsError", 400,
		    "Invalid command parameters", "image_info with urls is required");
		return NULL;
	}
	if (json_object_get(params, "configdrive") != NULL &&
	    !json_is_null(json_object_get(params, "configdrive")) &&
	    !json_is_string(json_object_get(params, "configdrive"))) {
		*error = ipa_error("InvalidCommandParamsError", 400,
		    "Invalid command parameters", "configdrive must be a string (gzip "
		    "and base64)");
		return NULL;
	}
	if (!destructive_allowed(err, sizeof(err))) {
		*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
		return NULL;
	}
	return ii;
}

static void
image_opts(json_t *ii, const char *disk, struct iw_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->url = json_string_value(json_array_get(json_object_get(ii, "urls"), 0));
	o->disk = disk;
	o->hash_algo = jstr(ii, "os_hash_algo");
	o->hash_value = jstr(ii, "os_hash_value");
	if (o->hash_algo == NULL && jstr(ii, "checksum") != NULL) {
		o->hash_algo = "md5";
		o->hash_value = jstr(ii, "checksum");
	}
	o->disk_format = jstr(ii, "disk_format");
	o->insecure = conf.insecure;
	o->ca_file = conf.ca_file;
	o->qcow2_buffer_max = conf.qcow2_buffer_max;
	o->direct_io = conf.direct_io;
	o->progress = set_progress;
}

static json_t *
image_written(json_t *ii, const char *disk, const struct iw_result *r)
{
	double mibs = r->seconds > 0 ? (double)r->bytes_in / r->seconds / 1048576.0 : 0;
	char msg[512];

	alog("image written: %s, %llu bytes in, %llu bytes on disk, %.2f s (%.1f MiB/s)",
	    r->format, (unsigned long long)r->bytes_in, (unsigned long long)r->image_size,
	    r->seconds, mibs);
	snprintf(msg, sizeof(msg), "image written in %.1f s", r->seconds);
	client_status(msg);
	snprintf(msg, sizeof(msg), "image (%s) written to device %s: %s, %llu bytes in "
	    "%.2f s", jstr(ii, "id") ? jstr(ii, "id") : "?", disk, r->format,
	    (unsigned long long)r->image_size, r->seconds);
	return json_pack("{s:s, s:s, s:s, s:I, s:f}", "result", msg, "root_device", disk,
	    "format", r->format, "image_size", (json_int_t)r->image_size,
	    "seconds", r->seconds);
}

/* The config drive onto the disk just written; 0, or -1 with *error. */
static int
write_configdrive(const char *disk, const unsigned char *cd, size_t len,
    json_t *res, json_t **error)
{
	struct cdp_result c;
	char err[1024];

	if (cdp_write(disk, cd, len, &c, err, sizeof(err)) != 0) {
		alog("config drive write failed: %s", err);
		*error = ipa_error("InstanceDeployFailure", 500, "Config drive failed", err);
		return -1;
	}
	alog("config drive (%zu bytes, sha256 %s) written to partition %d of %s at "
	    "byte %llu%s", len, c.sha256, c.number, disk, (unsigned long long)c.offset,
	    c.reused ? " (its config-2 partition)" : "");
	json_object_set_new(res, "configdrive", json_pack("{s:i, s:I, s:I, s:s}",
	    "partition", c.number, "offset", (json_int_t)c.offset, "size",
	    (json_int_t)c.size, "sha256", c.sha256));
	return 0;
}

/* The config drive of params decoded (before the disk is touched). */
static int
decode_configdrive(json_t *params, unsigned char **cd, size_t *len, json_t **error)
{
	const char *s = jstr(params, "configdrive");
	char err[512];

	*cd = NULL;
	*len = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (cdp_decode(s, cd, len, err, sizeof(err)) != 0) {
		*error = ipa_error("InstanceDeployFailure", 400, "Config drive failed", err);
		return -1;
	}
	return 0;
}

/* The partition image's root partition gets the image: the table first
 * (the disk's old one wiped), the filesystems after.  0 or -1 with *error;
 * a failure leaves no partition table. */
static int
partition_image(json_t *ii, const char *disk, struct iw_opts *o, struct iw_result *r,
    struct pi_layout *l, json_t **error)
{
	struct pi_spec s;
	const struct pi_part *root;
	char err[1024], werr[256];
	uint64_t size;

	if (pi_spec_json(ii, &s, err, sizeof(err)) != 0) {
		*error = ipa_error("InvalidCommandParamsError", 400,
		    "Invalid command parameters", err);
		return -1;
	}
	if (pi_disk_size(disk, &size, err, sizeof(err)) != 0 ||
	    pi_plan(&s, size, l, err, sizeof(err)) != 0) {
		alog("partition image refused: %s", err);	/* the disk untouched */
		*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
		return -1;
	}
	if (disk_wipe_metadata(disk, err, sizeof(err)) != 0 ||
	    pi_partition(disk, &s, l, err, sizeof(err)) != 0)
		goto fail;
	root = pi_find(l, PI_ROOT);
	o->offset = root->offset;
	o->size = root->size;
	alog("partitions on %s: %d, root %d (%llu MiB at MiB %llu)", disk, l->n,
	    root->number, (unsigned long long)(root->size >> 20),
	    (unsigned long long)(root->offset >> 20));
	if (iw_write(o, r, err, sizeof(err)) != 0 || pi_format(disk, &s, l, err,
	    sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	alog("partition image failed: %s", err);
	disk_wipe_metadata(disk, werr, sizeof(werr));
	*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
	return -1;
}

/* The image, whole-disk or partition; result or NULL and *error. */
static json_t *
write_to(json_t *ii, const char *disk, json_t **error)
{
	bool partition = jstr(ii, "image_type") != NULL &&
	    strcmp(jstr(ii, "image_type"), "partition") == 0;
	struct pi_layout l;
	struct iw_opts o;
	struct iw_result r;
	char err[1024];
	json_t *res, *uuids;

	image_opts(ii, disk, &o);
	alog("writing %s image %s to %s", partition ? "partition" : "whole-disk",
	    jstr(ii, "id") ? jstr(ii, "id") : o.url, disk);
	set_partition_uuids(NULL);
	if (partition) {
		if (partition_image(ii, disk, &o, &r, &l, error) != 0)
			return NULL;
	} else if (iw_write(&o, &r, err, sizeof(err)) != 0) {
		alog("image write failed: %s", err);
		*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
		return NULL;
	}
	res = image_written(ii, disk, &r);
	if (partition) {
		uuids = pi_uuids_json(disk, &l);
		json_object_set_new(res, "result", json_sprintf("%s root_uuid=%s "
		    "efi_system_partition_uuid=%s", jstr(res, "result"),
		    jstr(uuids, "root uuid"), jstr(uuids, "efi system partition uuid") ?
		    jstr(uuids, "efi system partition uuid") : "None"));
		json_object_set(res, "partitions", json_object_get(uuids, "partitions"));
		set_partition_uuids(uuids);
	}
	return res;
}

/* Writes image_info onto the root disk, then the config drive if there is
 * one; result text or error. */
static json_t *
write_image(json_t *params, json_t **error)
{
	json_t *ii, *res = NULL;
	char disk[256];
	unsigned char *cd = NULL;
	size_t cdlen = 0;

	if ((ii = image_info(params, error)) == NULL ||
	    decode_configdrive(params, &cd, &cdlen, error) != 0)
		return NULL;
	if (target_disk(params, disk, sizeof(disk), error) != 0)
		goto out;
	res = write_to(ii, disk, error);
	if (res != NULL && cd != NULL && write_configdrive(disk, cd, cdlen, res, error) != 0) {
		json_decref(res);
		res = NULL;
	}
out:
	free(cd);
	return res;
}

/* --- steps -------------------------------------------------------------------- */

/* erase_devices or erase_devices_metadata on every disk. */
static json_t *
erase(const char *step, json_t **error)
{
	struct disk *d = NULL;
	char err[512], msg[800];
	int n = disk_list(&d, conf.disk), rc = 0;
	json_t *done = json_array();

	if (!destructive_allowed(err, sizeof(err))) {
		*error = ipa_error("CleaningError", 500, "Clean step failed", err);
		rc = -1;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		rc = strcmp(step, "erase_devices") == 0 ? disk_erase(d[i].name, err,
		    sizeof(err)) : disk_wipe_metadata(d[i].name, err, sizeof(err));
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "%s on %s: %s", step, d[i].name, err);
			alog("%s", msg);
			*error = ipa_error("BlockDeviceEraseError", 500, "Clean step failed",
			    msg);
			break;
		}
		alog("%s: %s done", step, d[i].name);
		json_array_append_new(done, json_string(d[i].name));
	}
	free(d);
	if (rc != 0) {
		json_decref(done);
		return NULL;
	}
	return done;
}

static json_t *
step_list(const char *kind)
{
	json_t *a = json_array();

	if (strcmp(kind, "deploy") == 0) {
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:{s:{s:s, s:b}}}",
		    "step", "write_image", "priority", 0, "interface", "deploy",
		    "reboot_requested", 0, "argsinfo", "image_info", "description",
		    "the image to write", "required", 1));
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:n}",
		    "step", "erase_devices_metadata", "priority", 0, "interface", "deploy",
		    "reboot_requested", 0, "argsinfo"));
	} else {
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:b, s:n}",
		    "step", "erase_devices", "priority", 10, "interface", "deploy",
		    "reboot_requested", 0, "abortable", 1, "argsinfo"));
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:b, s:n}",
		    "step", "erase_devices_metadata", "priority", 99, "interface", "deploy",
		    "reboot_requested", 0, "abortable", 1, "argsinfo"));
	}
	return json_pack("{s:{s:o}, s:{s:s}}", strcmp(kind, "deploy") == 0 ?
	    "deploy_steps" : "clean_steps", "GenericHardwareManager", a,
	    "hardware_manager_version", "generic_hardware_manager", "1.2");
}

/* A write_image step's parameters as prepare_image takes them. */
static json_t *
write_image_step(json_t *p, json_t *step, json_t **e)
{
	json_t *args = json_object_get(step, "args"), *res;
	json_t *wp = json_pack("{s:O?, s:O?, s:O?}", "image_info",
	    json_object_get(args, "image_info"), "configdrive",
	    json_object_get(args, "configdrive"), "node", json_object_get(p, "node"));

	res = write_image(wp, e);
	json_decref(wp);
	return res;
}

static json_t *
run_step(json_t *p, json_t **e, bool deploy)
{
	json_t *step = json_object_get(p, "step"), *res;
	const char *name = jstr(step, "step");
	char msg[300];

	if (name == NULL) {
		*e = ipa_error("InvalidCommandParamsError", 400, "Invalid command parameters",
		    "step with a step name is required");
		return NULL;
	}
	if (deploy && strcmp(name, "write_image") == 0) {
		res = write_image_step(p, step, e);
	} else if (strcmp(name, "erase_devices") == 0 ||
	    strcmp(name, "erase_devices_metadata") == 0) {
		res = erase(name, e);
	} else {
		snprintf(msg, sizeof(msg), "unknown %s step %s", deploy ? "deploy" : "clean",
		    name);
		*e = ipa_error(deploy ? "DeployStepError" : "CleaningError", 400,
		    "Unknown step", msg);
		return NULL;
	}
	if (res == NULL)
		return NULL;
	return json_pack("{s:o, s:O}", deploy ? "deploy_result" : "clean_result", res,
	    deploy ? "deploy_step" : "clean_step", step);
}

/* --- power ---------------------------------------------------------------- */

static void *
delayed_power(void *arg)
{
	int cmd = (int)(intptr_t)arg;

	sleep(1);
	sync();
	reboot(cmd);
	return NULL;
}

static json_t *
power(bool off)
{
	pthread_t t;

	sync();
	if (conf.no_power || !conf.ramdisk) {
		alog("%s requested: not done (not a ramdisk or --no-power)",
		    off ? "power off" : "reboot");
		return json_string(off ? "powering off skipped" : "reboot skipped");
	}
	alog("%s in 1 s", off ? "powering off" : "rebooting");
	pthread_create(&t, NULL, delayed_power,
	    (void *)(intptr_t)(off ? RB_POWER_OFF : RB_AUTOBOOT));
	pthread_detach(t);
	return json_string(off ? "powering off" : "rebooting");
}

/* --- the commands ----------------------------------------------------------- */

/* The disk's GPT disk GUID or MBR signature ("" if neither). */
static void
disk_identifier(const char *disk, char *id, size_t len)
{
	uint8_t s[1024];
	const uint8_t *g = s + 512 + 56;
	int fd;

	id[0] = '\0';
	if ((fd = open(disk, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (pread(fd, s, sizeof(s), 0) != (ssize_t)sizeof(s)) {
		close(fd);
		return;
	}
	close(fd);
	if (memcmp(s + 512, "EFI PART", 8) == 0)
		snprintf(id, len, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		    "%02X%02X%02X%02X%02X%02X", g[3], g[2], g[1], g[0], g[5], g[4],
		    g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	else if (s[510] == 0x55 && s[511] == 0xaa)
		snprintf(id, len, "0x%02x%02x%02x%02x", s[443], s[442], s[441], s[440]);
}

/* standby.get_partition_uuids: the root disk's identifier, and its EFI
 * system partition's PARTUUID if it has one. */
static json_t *
get_partition_uuids(json_t *p, json_t **e)
{
	char disk[256], id[64], err[256];
	struct pt t;
	const struct pt_part *esp = NULL;

	(void)p;
	pthread_mutex_lock(&parts.mu);
	json_t *kept = json_deep_copy(parts.uuids);
	pthread_mutex_unlock(&parts.mu);
	if (kept != NULL)
		return kept;
	if (target_disk(NULL, disk, sizeof(disk), e) != 0)
		return NULL;
	disk_identifier(disk, id, sizeof(id));
	if (pt_read(disk, &t, err, sizeof(err)) == 0)
		esp = pt_esp(&t);
	return json_pack("{s:s?, s:s?, s:n, s:n, s:s}", "root uuid", id[0] ? id : NULL,
	    "efi system partition uuid", esp ? esp->uuid : NULL,
	    "PrEP Boot partition uuid", "partitions", "root_device", disk);
}

/* image.install_bootloader: see bootloader.c. */
static json_t *
install_bootloader(json_t *p, json_t **e)
{
	char disk[256], id[64], msg[512], err[1024];
	/* as IPA: without a target mode, the mode the ramdisk booted in */
	const char *mode = jstr(p, "target_boot_mode") ? jstr(p, "target_boot_mode") :
	    access("/sys/firmware/efi", F_OK) == 0 ? "uefi" : "bios";

	if (json_object_get(p, "prep_boot_part_uuid") != NULL &&
	    !json_is_null(json_object_get(p, "prep_boot_part_uuid"))) {
		*e = ipa_error("InvalidCommandParamsError", 400, "Invalid command parameters",
		    "PReP boot partitions (ppc64) are not supported");
		return NULL;
	}
	if (!destructive_allowed(err, sizeof(err))) {
		*e = ipa_error("CommandExecutionError", 500, "Command execution failed", err);
		return NULL;
	}
	if (target_disk(NULL, disk, sizeof(disk), e) != 0)
		return NULL;
	disk_identifier(disk, id, sizeof(id));
	alog("installing the boot loader on %s (%s)", disk, mode);
	if (bootloader_install(disk, jstr(p, "root_uuid"), jstr(p, "efi_system_part_uuid"),
	    mode, id, msg, sizeof(msg), err, sizeof(err)) != 0) {
		*e = ipa_error("CommandExecutionError", 500, "Command execution failed", err);
		return NULL;
	}
	alog("%s", msg);
	return json_string(msg);
}

static json_t *
prepare_image(json_t *p, json_t **e)
{
	return write_image(p, e);
}

static json_t *
power_off(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return power(true);
}

static json_t *
run_image(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return power(false);
}

static json_t *
sync_disks(json_t *p, json_t **e)
{
	(void)p; (void)e;
	sync();
	return json_null();
}

static json_t *
get_deploy_steps(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return step_list("deploy");
}

static json_t *
execute_deploy_step(json_t *p, json_t **e)
{
	return run_step(p, e, true);
}

static json_t *
get_clean_steps(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return step_list("clean");
}

static json_t *
execute_clean_step(json_t *p, json_t **e)
{
	return run_step(p, e, false);
}

static json_t *
collect_system_logs(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return logs_collect();
}

static json_t *
get_hardware_info(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return json_pack("{s:o}", "inventory",
	    inventory_json(conf.disk, conf.macs, conf.nmacs));
}

static const struct cmd commands[] = {
	{ "standby.prepare_image", true, prepare_image },
	{ "standby.power_off", true, power_off },
	{ "standby.run_image", true, run_image },
	{ "standby.sync", false, sync_disks },
	{ "standby.get_partition_uuids", false, get_partition_uuids },
	{ "image.install_bootloader", true, install_bootloader },
	{ "deploy.get_deploy_steps", false, get_deploy_steps },
	{ "deploy.execute_deploy_step", true, execute_deploy_step },
	{ "clean.get_clean_steps", false, get_clean_steps },
	{ "clean.execute_clean_step", true, execute_clean_step },
	{ "log.collect_system_logs", false, collect_system_logs },
	{ "poll.get_hardware_info", false, get_hardware_info },
	{ "rescue.finalize_rescue", false, rescue_finalize },
	{ NULL, false, NULL },
};

/* --- running them ----------------------------------------------------------- */

void
cmd_init(void)
{
	/* mtools (bootloader.c) would refuse images whose geometry it cannot
	 * guess; set once, before any thread. */
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	cs.records = json_array();
}

void
cmd_free(void)
{
	pthread_mutex_lock(&cs.mu);
	json_decref(cs.records);
	cs.records = NULL;
	pthread_mutex_unlock(&cs.mu);
	set_partition_uuids(NULL);
}

/* The command named "extension.command", or NULL with the IPA error. */
static const struct cmd *
cmd_find(const char *name, json_t **error, int *status)
{
	size_t el = (size_t)(strchr(name, '.') - name);
	bool ext = false;
	char msg[300];

	for (int i = 0; commands[i].name != NULL; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	for (int i = 0; commands[i].name != NULL; i++)
		ext |= strncmp(commands[i].name, name, el + 1) == 0;
	if (ext)
		snprintf(msg, sizeof(msg), "Command %s is not supported", name);
	else
		snprintf(msg, sizeof(msg), "Extension with id %.*s not found.", (int)el, name);
	*error = ipa_error(ext ? "InvalidCommandError" : "RequestedObjectNotFoundError",
	    ext ? 400 : 404, ext ? "Invalid command" : "Not found", msg);
	*status = ext ? 400 : 404;
	return NULL;
}

static void
job_free(struct job *j)
{
	json_decref(j->params);
	json_decref(j->rec);
	free(j);
}

static void
finish(struct job *j, json_t *res, json_t *error)
{
	pthread_mutex_lock(&cs.mu);
	json_object_set_new(j->rec, "command_status",
	    json_string(error ? "FAILED" : "SUCCEEDED"));
	json_object_set_new(j->rec, "command_error", error ? error : json_null());
	json_object_set_new(j->rec, "command_result", res ? res : json_null());
	if (j->cmd->async)
		cs.busy = false;
	pthread_cond_broadcast(&cs.cv);
	pthread_mutex_unlock(&cs.mu);
}

/* Runs the job's command and records how it ended; true: it failed. */
static bool
job_run(struct job *j)
{
	json_t *error = NULL, *res = j->cmd->fn(j->params, &error);

	finish(j, error ? NULL : res, error);
	if (error)
		json_decref(res);
	return error != NULL;
}

static void *
run_async(void *arg)
{
	struct job *j = arg;
	bool failed = job_run(j);

	alog("command %s %s", j->cmd->name, failed ? "FAILED" : "SUCCEEDED");
	job_free(j);
	client_heartbeat_now();	/* tell the conductor straight away */
	return NULL;
}

/* A new job and its RUNNING record, listed; else the HTTP status and *out. */
static int
job_start(const struct cmd *c, const char *name, json_t *params, struct job **jp,
    json_t **out)
{
	struct job *j;
	char uu[37];
	uuid_t u;

	agent_random_early(u, sizeof(u));	/* a version 4 UUID */
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	uuid_unparse_lower(u, uu);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		*out = ipa_error("CommandExecutionError", 500, "Command failed",
		    "out of memory");
		return 500;
	}
	j->cmd = c;
	j->params = params ? json_incref(params) : json_object();
	j->rec = json_pack("{s:s, s:s, s:O, s:s, s:n, s:n}", "id", uu,
	    "command_name", strchr(name, '.') + 1, "command_params", j->params,
	    "command_status", "RUNNING", "command_error", "command_result");
	pthread_mutex_lock(&cs.mu);
	if (c->async && cs.busy) {
		pthread_mutex_unlock(&cs.mu);
		job_free(j);
		*out = ipa_error("AgentIsBusy", 409, "Agent is busy",
		    "another command is still running");
		return 409;
	}
	if (c->async) {
		cs.busy = true;
		client_status("");
	}
	json_array_append(cs.records, j->rec);
	pthread_mutex_unlock(&cs.mu);
	alog("command %s received", name);
	*jp = j;
	return 0;
}

/* Starts the job's thread; with wait, returns when the command ended. */
static void
job_async(struct job *j, json_t *rec, bool wait)
{
	pthread_t t;

	if (pthread_create(&t, NULL, run_async, j) != 0) {
		finish(j, NULL, ipa_error("CommandExecutionError", 500,
		    "Command failed", "cannot start a thread"));
		job_free(j);
		return;
	}
	pthread_detach(t);
	if (!wait)
		return;
	pthread_mutex_lock(&cs.mu);
	while (strcmp(jstr(rec, "command_status"), "RUNNING") == 0)
		pthread_cond_wait(&cs.cv, &cs.mu);
	pthread_mutex_unlock(&cs.mu);
}

/* Runs a command; returns the HTTP status and sets *out. */
int
cmd_run(json_t *body, bool wait, json_t **out)
{
	const char *name = jstr(body, "name");
	json_t *params = json_object_get(body, "params"), *rec;
	const struct cmd *c;
	struct job *j;
	int status;

	if (name == NULL || strchr(name, '.') == NULL) {
		*out = ipa_error("InvalidContentError", 400, "Invalid request body",
		    "name must be \"extension.command\"");
		return 400;
	}
	if (params != NULL && !json_is_object(params)) {
		*out = ipa_error("InvalidContentError", 400, "Invalid request body",
		    "params must be an object");
		return 400;
	}
	if ((c = cmd_find(name, out, &status)) == NULL)
		return status;
	if ((status = job_start(c, name, params, &j, out)) != 0)
		return status;
	rec = json_incref(j->rec);
	if (c->async) {
		job_async(j, rec, wait);
	} else {
		job_run(j);
		job_free(j);
	}
	pthread_mutex_lock(&cs.mu);
	*out = json_deep_copy(rec);
	pthread_mutex_unlock(&cs.mu);
	json_decref(rec);
	return 200;
}

/* {"commands": [every record]}, a copy. */
json_t *
cmd_list(void)
{
	json_t *all, *copy;

	pthread_mutex_lock(&cs.mu);
	all = json_pack("{s:O}", "commands", cs.records);
	copy = json_deep_copy(all);
	pthread_mutex_unlock(&cs.mu);
	json_decref(all);
	return copy;
}

/* A copy of the record whose id is id (a trailing "/" allowed); NULL: none. */
json_t *
cmd_get(const char *id)
{
	json_t *r, *found = NULL;
	size_t i;

	pthread_mutex_lock(&cs.mu);
	json_array_foreach(cs.records, i, r)
		if (strncmp(jstr(r, "id"), id, 36) == 0 && strlen(id) <= 37)
			found = json_deep_copy(r);
	pthread_mutex_unlock(&cs.mu);
	return found;
}
