/*
 * Boot interface "redfish-virtual-media": while a node runs the deploy
 * ramdisk it boots, once, from an ISO inserted into its BMC's virtual CD.
 * The ISO is built per node (vmedia_iso.c) in [vmedia] dir, under a name
 * that is the SHA-256 of a random token; the BMC is given the URL
 * {http_url}/vmedia/{token}.iso, so the database, the logs and the
 * directory listing never hold a URL that fetches it.  The ISO is
 * removed, and the CD ejected, when the ramdisk's work ends (or fails);
 * all ISOs together stay within [vmedia] max_size.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot_ipxe.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "node.h"
#include "util.h"
#include "vmedia.h"

#define ISOLINUX_BIN	"/usr/lib/ISOLINUX/isolinux.bin"
#define LDLINUX_C32	"/usr/lib/syslinux/modules/bios/ldlinux.c32"
#define GRUB_EFI_DIR	"/usr/lib/grub/x86_64-efi"
#define VM_TOKEN_BYTES	32

extern char **environ;

static struct {
	pthread_mutex_t	 mu;		/* ISO builds: the bound holds */
	struct vmedia_conf c;
	char		 dir[512];
	char		 efi[600];	/* the EFI image, once built */
	bool		 efi_failed;
} vm = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Removes the ISOs (64 hex digits + ".iso") in the directory. */
static void
remove_isos(void)
{
	DIR *d = opendir(vm.dir);
	struct dirent *e;
	char p[800];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 68 && strcmp(e->d_name + 64, ".iso") == 0) {
			snprintf(p, sizeof(p), "%s/%s", vm.dir, e->d_name);
			unlink(p);
		}
	closedir(d);
}

int
vmedia_configure(const struct vmedia_conf *c, char *err, size_t len)
{
	vm.c = *c;
	snprintf(vm.dir, sizeof(vm.dir), "%s", c->dir ? c->dir : "");
	if (vm.dir[0] == '\0')
		return 0;
	if (mkdir(vm.dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, len, "[vmedia] dir %s: %s", vm.dir, strerror(errno));
		return -1;
	}
	remove_isos();	/* nodes booting them were failed at start */
	return 0;
}

/* Bytes of the ISOs in the directory. */
static long long
isos_size(void)
{
	DIR *d = opendir(vm.dir);
	struct dirent *e;
	struct stat st;
	long long total = 0;
	char p[800];

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 68 || strcmp(e->d_name + 64, ".iso") != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", vm.dir, e->d_name);
		if (stat(p, &st) == 0)
			total += st.st_size;
	}
	closedir(d);
	return total;
}

static int
run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = -1, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* GRUB for x86_64-efi (grub-mkimage) in a 4 MiB FAT image (mkfs.vfat,
 * mtools) at \EFI\BOOT\BOOTX64.EFI: it finds the CD by /ingot-vmedia and
 * reads its /boot/grub/grub.cfg.  Built once per run. */
static int
build_efi(void)
{
	char cfg[600], efi[600], img[600];
	FILE *fp;
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/efi-early.cfg", vm.dir);
	snprintf(efi, sizeof(efi), "%s/BOOTX64.EFI", vm.dir);
	snprintf(img, sizeof(img), "%s/efiboot.img", vm.dir);
	unlink(img);
	if ((fp = fopen(cfg, "w")) == NULL)
		return -1;
	fputs("search --no-floppy --file --set=root /ingot-vmedia\n"
	    "set prefix=($root)/boot/grub\nconfigfile ($root)/boot/grub/grub.cfg\n", fp);
	if (fclose(fp) != 0)
		return -1;
	char *mk[] = { "grub-mkimage", "-d", GRUB_EFI_DIR, "-O", "x86_64-efi",
	    "-p", "/boot/grub", "-c", cfg, "-o", efi, "iso9660", "linux", "search",
	    "search_fs_file", "configfile", "normal", "echo", "efi_gop", "efi_uga",
	    "all_video", "test", "part_msdos", "part_gpt", "fat", NULL };
	char *fs[] = { "mkfs.vfat", "-C", img, "4096", NULL };
	char *md[] = { "mmd", "-i", img, "::/EFI", "::/EFI/BOOT", NULL };
	char *cp[] = { "mcopy", "-i", img, efi, "::/EFI/BOOT/BOOTX64.EFI", NULL };
	rc = run(mk) == 0 && run(fs) == 0 && run(md) == 0 && run(cp) == 0 ? 0 : -1;
	unlink(cfg);
	unlink(efi);
	if (rc == 0)
		snprintf(vm.efi, sizeof(vm.efi), "%s", img);
	else
		unlink(img);
	return rc;
}

/* The EFI image's path, or NULL (BIOS only). Under vm.mu. */
static const char *
efi_image(void)
{
	if (!vm.c.uefi || vm.efi_failed)
		return NULL;
	if (vm.efi[0] == '\0' && build_efi() != 0) {
		vm.efi_failed = true;
		log_warn("vmedia: cannot build the GRUB EFI image (grub-efi-amd64-bin, "
		    "dosfstools, mtools): ISOs boot in BIOS mode only");
		return NULL;
	}
	return vm.efi;
}

/* The file name of a token: its SHA-256 in hex, ".iso". */
static int
token_file(const char *token, char *out, size_t len)
{
	unsigned char md[32];
	unsigned int n = 0;
	char hex[65];

	if (EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, len, "%s/%s.iso", vm.dir, hex);
	return 0;
}

int
vmedia_iso_path(const char *name, char *path, size_t len)
{
	char tok[2 * VM_TOKEN_BYTES + 1];
	struct stat st;

	if (vm.dir[0] == '\0' || name == NULL || strlen(name) != 2 * VM_TOKEN_BYTES + 4 ||
	    strcmp(name + 2 * VM_TOKEN_BYTES, ".iso") != 0 ||
	    strspn(name, "0123456789abcdef") != 2 * VM_TOKEN_BYTES)
		return -1;
	memcpy(tok, name, 2 * VM_TOKEN_BYTES);
	tok[2 * VM_TOKEN_BYTES] = '\0';
	if (token_file(tok, path, len) != 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return 0;
}

/* The kernel command line of the node's ISO. */
static int
cmdline(json_t *node, char *out, size_t len, char *err, size_t elen)
{
	const struct ipxe_conf *ic = boot_ipxe_conf();
	char url[300], net[400];
	const char *st = node_provision_state(node);

	if (vmedia_net_args(json_object_get(node, "network_data"), net, sizeof(net),
	    err, elen) != 0)
		return -1;
	boot_ipxe_base_url(url, sizeof(url));
	snprintf(out, len, "ipa-api-url=%s%s%s%s%s console=ttyS0,115200 %s %s", url,
	    st != NULL && strncmp(st, "inspect", 7) == 0 ? " ipa-collect-lldp=1 "
	    "ipa-inspection-callback-url=" : "",
	    st != NULL && strncmp(st, "inspect", 7) == 0 ? url : "",
	    st != NULL && strncmp(st, "inspect", 7) == 0 ? "/v1/continue_inspection" : "",
	    ic->tls ? "" : " ipa-insecure=1", net,
	    ic->kernel_append ? ic->kernel_append : "");
	return 0;
}

/* Builds the node's ISO; its file name into file, the URL into url. */
static int
build_iso(json_t *node, char *file, size_t flen, char *url, size_t ulen, char *err,
    size_t len)
{
	char tok[2 * VM_TOKEN_BYTES + 1], kernel[600], ramdisk[600], cmd[2048];
	struct vmedia_iso_spec s = { .node_uuid = node_uuid(node),
	    .isolinux_bin = ISOLINUX_BIN, .ldlinux_c32 = LDLINUX_C32 };
	json_t *nd = json_object_get(node, "network_data");
	char *ndtext = NULL;
	long long room;
	int rc = -1;

	if (boot_ipxe_file(node_uuid(node), "kernel", kernel, sizeof(kernel)) != 0 ||
	    boot_ipxe_file(node_uuid(node), "ramdisk", ramdisk, sizeof(ramdisk)) != 0) {
		snprintf(err, len, "the node has no usable deploy_kernel and deploy_ramdisk");
		return -1;
	}
	if (cmdline(node, cmd, sizeof(cmd), err, len) != 0)
		return -1;
	if (!util_random_hex(tok, VM_TOKEN_BYTES) || token_file(tok, file, flen) != 0) {
		snprintf(err, len, "no randomness for the ISO's name");
		return -1;
	}
	if (json_object_size(nd) > 0)
		ndtext = json_dumps(nd, JSON_COMPACT);
	s.kernel = kernel;
	s.ramdisk = ramdisk;
	s.cmdline = cmd;
	s.network_data = ndtext;
	pthread_mutex_lock(&vm.mu);
	s.efi_image = efi_image();
	if ((room = vm.c.max_bytes - isos_size()) <= 0)
		snprintf(err, len, "no room for another ISO ([vmedia] max_size reached)");
	else
		rc = vmedia_iso_write(&s, file, room, err, len);
	pthread_mutex_unlock(&vm.mu);
	free(ndtext);
	if (rc == 0)
		snprintf(url, ulen, "%s/vmedia/%s.iso", vm.c.http_url != NULL &&
		    vm.c.http_url[0] != '\0' ? vm.c.http_url : cconf.api_url, tok);
	explicit_bzero(tok, sizeof(tok));
	return rc;
}

static void
remove_iso(json_t *node)
{
	json_t *dii = node_driver_internal_info(node);
	const char *f = jstr(dii, "vmedia_iso");

	if (f != NULL && strncmp(f, vm.dir, strlen(vm.dir)) == 0)
		unlink(f);
	json_object_del(dii, "vmedia_iso");
}

static int
vm_validate(json_t *node, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = hw_mgmt_find(node_management_interface(node));

	if (m == NULL || m->insert_media == NULL) {
		snprintf(err, len, "the management interface %s has no virtual media",
		    node_management_interface(node) ? node_management_interface(node) : "");
		return -1;
	}
	if (vm.dir[0] == '\0') {
		snprintf(err, len, "[vmedia] dir is not set");
		return -1;
	}
	return 0;
}

static int
vm_prepare(json_t *node, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = hw_mgmt_find(node_management_interface(node));
	char file[600], url[700];
	json_t *dii;

	if (vm_validate(node, err, len) != 0)
		return -1;
	remove_iso(node);
	if (build_iso(node, file, sizeof(file), url, sizeof(url), err, len) != 0)
		return -1;
	if (!json_is_object(dii = node_driver_internal_info(node))) {
		dii = json_object();
		json_object_set_new(node, "driver_internal_info", dii);
	}
	json_object_set_new(dii, "vmedia_iso", json_string(file));
	if (m->insert_media(node, "cdrom", url, err, len) != 0) {
		explicit_bzero(url, sizeof(url));
		remove_iso(node);
		return -1;
	}
	explicit_bzero(url, sizeof(url));
	log_info("node %s: deploy ISO inserted into its virtual CD", node_uuid(node));
	return 0;
}

static int
vm_clean_up(json_t *node, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = hw_mgmt_find(node_management_interface(node));

	if (jstr(node_driver_internal_info(node), "vmedia_iso") == NULL)
		return 0;
	/* Whatever the BMC says, the ISO goes (its URL answers 404 from now
	 * on) and the flow goes on: the node boots from disk next. */
	if (m != NULL && m->eject_media != NULL &&
	    m->eject_media(node, "cdrom", err, len) != 0)
		log_warn("node %s: cannot eject the virtual CD: %s", node_uuid(node), err);
	remove_iso(node);
	return 0;
}

const struct hw_generic_ops boot_vmedia_ops = {
	.name = "redfish-virtual-media",
	.validate = vm_validate,
	.prepare_ramdisk = vm_prepare,
	.clean_up_ramdisk = vm_clean_up,
	.ramdisk_boot_device = "cdrom",
};
