/*
 * The bootable ISO of the redfish-virtual-media boot interface, written
 * with libisofs in-process (as config drives are): no temporary tree, no
 * xorriso child, the kernel and ramdisk streamed from their files.
 *
 *   /isolinux/isolinux.bin, ldlinux.c32, isolinux.cfg   BIOS (El Torito,
 *        no emulation, boot info table), Debian's isolinux/syslinux-common
 *   /efiboot.img   UEFI (El Torito platform 0xEF): a FAT image holding
 *        GRUB as \EFI\BOOT\BOOTX64.EFI (vmedia.c builds it once), which
 *        finds this CD by /ingot-vmedia and reads /boot/grub/grub.cfg
 *   /vmlinuz, /initrd   the deploy kernel and ramdisk
 *   /openstack/latest/network_data.json   the node's network_data, if any
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "isofs.h"
#include "util.h"
#include "vmedia.h"

/* A file of text (copied). */
static int
add_text(IsoImage *img, IsoDir *dir, const char *name, const char *text)
{
	size_t n = strlen(text);
	unsigned char *copy = malloc(n + 1);
	IsoStream *st;

	if (copy == NULL)
		return -1;
	memcpy(copy, text, n);
	if (iso_memory_stream_new(copy, n, &st) < 0) {
		free(copy);
		return -1;
	}
	if (iso_image_add_new_file(img, dir, name, st, NULL) < 0) {
		iso_stream_unref(st);
		return -1;
	}
	return 0;
}

/* A file read from disk at write time. */
static int
add_disk(IsoImage *img, IsoDir *dir, const char *name, const char *path)
{
	IsoNode *n;

	return iso_tree_add_new_node(img, dir, name, path, &n) < 0 ? -1 : 0;
}

static int
add_bios(IsoImage *img, const struct vmedia_iso_spec *s)
{
	IsoDir *d;
	ElToritoBootImage *boot;
	char *cfg = NULL;
	int rc = -1;

	if (asprintf(&cfg, "DEFAULT ingot\nPROMPT 0\nTIMEOUT 0\nLABEL ingot\n"
	    "  KERNEL /vmlinuz\n  APPEND initrd=/initrd %s\n", s->cmdline) < 0)
		return -1;
	if (iso_image_add_new_dir(img, iso_image_get_root(img), "isolinux", &d) >= 0 &&
	    add_disk(img, d, "isolinux.bin", s->isolinux_bin) == 0 &&
	    add_disk(img, d, "ldlinux.c32", s->ldlinux_c32) == 0 &&
	    add_text(img, d, "isolinux.cfg", cfg) == 0 &&
	    iso_image_set_boot_image(img, "/isolinux/isolinux.bin", ELTORITO_NO_EMUL,
	    "/isolinux/boot.cat", &boot) >= 0) {
		el_torito_set_load_size(boot, 4);
		el_torito_set_isolinux_options(boot, 1, 0);	/* boot info table */
		rc = 0;
	}
	free(cfg);
	return rc;
}

static int
add_uefi(IsoImage *img, const struct vmedia_iso_spec *s)
{
	IsoDir *b, *g;
	ElToritoBootImage *eb;
	char *cfg = NULL;
	int rc = -1;

	if (asprintf(&cfg, "set timeout=0\nmenuentry ingot {\n  linux /vmlinuz %s\n"
	    "  initrd /initrd\n}\n", s->cmdline) < 0)
		return -1;
	if (add_disk(img, iso_image_get_root(img), "efiboot.img", s->efi_image) == 0 &&
	    iso_image_add_new_dir(img, iso_image_get_root(img), "boot", &b) >= 0 &&
	    iso_image_add_new_dir(img, b, "grub", &g) >= 0 &&
	    add_text(img, g, "grub.cfg", cfg) == 0 &&
	    iso_image_add_boot_image(img, "/efiboot.img", ELTORITO_NO_EMUL, 0, &eb) >= 0) {
		el_torito_set_boot_platform_id(eb, 0xef);
		el_torito_set_full_load(eb, 1);
		rc = 0;
	}
	free(cfg);
	return rc;
}

static int
add_tree(IsoImage *img, const struct vmedia_iso_spec *s)
{
	IsoDir *root = iso_image_get_root(img), *os, *latest;

	if (add_disk(img, root, "vmlinuz", s->kernel) != 0 ||
	    add_disk(img, root, "initrd", s->ramdisk) != 0 ||
	    add_text(img, root, "ingot-vmedia", s->node_uuid) != 0 ||
	    add_bios(img, s) != 0)
		return -1;
	if (s->efi_image != NULL && add_uefi(img, s) != 0)
		return -1;
	if (s->network_data == NULL)
		return 0;
	if (iso_image_add_new_dir(img, root, "openstack", &os) < 0 ||
	    iso_image_add_new_dir(img, os, "latest", &latest) < 0)
		return -1;
	return add_text(img, latest, "network_data.json", s->network_data);
}

static IsoWriteOpts *
iso_opts(void)
{
	IsoWriteOpts *o;

	if (iso_write_opts_new(&o, 0) < 0)
		return NULL;
	iso_write_opts_set_iso_level(o, 3);	/* files over 4 GiB are refused anyway */
	iso_write_opts_set_rockridge(o, 1);
	iso_write_opts_set_joliet(o, 1);
	iso_write_opts_set_allow_lowercase(o, 1);
	iso_write_opts_set_omit_version_numbers(o, 1);
	iso_write_opts_set_no_force_dots(o, 3);
	iso_write_opts_set_relaxed_vol_atts(o, 1);
	return o;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The image's bytes into fd, at most max bytes. */
static int
iso_to_fd(IsoImage *img, int fd, long long max, char *err, size_t len)
{
	struct burn_source *src = NULL;
	IsoWriteOpts *o = iso_opts();
	unsigned char buf[32768];
	long long total = 0;
	int rc = -1, r;

	if (o == NULL || iso_image_create_burn_source(img, o, &src) < 0) {
		snprintf(err, len, "libisofs cannot start the image (a file unreadable?)");
		iso_write_opts_free(o);
		return -1;
	}
	size_t fill = 0;

	/* 2048 bytes per read: libisofs answers a bigger read's last,
	 * partial chunk with 0 and drops it */
	for (;;) {
		r = src->read_xt(src, buf + fill, 2048);
		if (r > 0) {
			fill += (size_t)r;
			total += r;
		}
		if (total > max) {
			snprintf(err, len, "the ISO would exceed the space left for "
			    "ISOs ([vmedia] max_size)");
			break;
		}
		if ((r <= 0 || fill + 2048 > sizeof(buf)) && fill > 0) {
			if (write_all(fd, buf, fill) != 0) {
				snprintf(err, len, "cannot write the ISO: %s", strerror(errno));
				break;
			}
			fill = 0;
		}
		if (r <= 0)
			break;
	}
	if (r == 0 && total <= max)
		rc = 0;
	else if (r < 0)
		snprintf(err, len, "libisofs failed while writing the ISO");
	if (rc != 0 && src->cancel != NULL)
		src->cancel(src);
	src->free_data(src);
	free(src);
	iso_write_opts_free(o);
	return rc;
}

int
vmedia_iso_write(const struct vmedia_iso_spec *s, const char *path, long long max,
    char *err, size_t len)
{
	IsoImage *img = NULL;
	int fd, rc = -1;

	if (!isofs_ready() || iso_image_new("INGOT_VMEDIA", &img) < 0) {
		snprintf(err, len, "libisofs is not usable");
		return -1;
	}
	iso_image_set_publisher_id(img, "ingot");
	iso_tree_set_follow_symlinks(img, 1);
	if (add_tree(img, s) != 0) {
		snprintf(err, len, "cannot add the boot files to the ISO (kernel, "
		    "ramdisk, isolinux or the EFI image missing?)");
	} else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
		snprintf(err, len, "cannot create the ISO file: %s", strerror(errno));
	} else {
		rc = iso_to_fd(img, fd, max, err, len);
		if (close(fd) != 0 && rc == 0) {
			snprintf(err, len, "cannot write the ISO: %s", strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(path);
	}
	iso_image_unref(img);
	return rc;
}

/* --- network_data -> kernel arguments ---------------------------------- */

/* An IPv4 address (dotted quad) that is safe on a command line. */
static bool
ipv4_ok(const char *s)
{
	unsigned a, b, c, d;
	char tail;

	return s != NULL && strlen(s) <= 15 && strspn(s, "0123456789.") == strlen(s) &&
	    sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 &&
	    a < 256 && b < 256 && c < 256 && d < 256;
}

/* The gateway of a network's default route, or NULL. */
static const char *
default_gw(json_t *net)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(net, "routes"), i, r) {
		const char *dst = json_string_value(json_object_get(r, "network"));
		if (dst != NULL && strcmp(dst, "0.0.0.0") == 0)
			return json_string_value(json_object_get(r, "gateway"));
	}
	return NULL;
}

/* The MAC of the link a network is on ("" when none is named). */
static int
link_mac(json_t *nd, json_t *net, char *mac)
{
	const char *id = json_string_value(json_object_get(net, "link"));
	json_t *l;
	size_t i;

	mac[0] = '\0';
	json_array_foreach(json_object_get(nd, "links"), i, l) {
		const char *lid = json_string_value(json_object_get(l, "id"));
		const char *m = json_string_value(json_object_get(l, "ethernet_mac_address"));
		if (id == NULL || lid == NULL || strcmp(id, lid) != 0 || m == NULL)
			continue;
		return util_normalize_mac(m, mac) ? 0 : -1;
	}
	return 0;
}

int
vmedia_net_args(json_t *nd, char *out, size_t len, char *err, size_t elen)
{
	json_t *net;
	size_t i;
	char mac[18], bootif[40] = "";

	out[0] = '\0';
	json_array_foreach(json_object_get(nd, "networks"), i, net) {
		const char *type = json_string_value(json_object_get(net, "type"));
		const char *ip = json_string_value(json_object_get(net, "ip_address"));
		const char *mask = json_string_value(json_object_get(net, "netmask"));
		const char *gw = default_gw(net);
		if (type == NULL || strcmp(type, "ipv4") != 0)
			continue;
		if (!ipv4_ok(ip) || !ipv4_ok(mask) || (gw != NULL && !ipv4_ok(gw)) ||
		    link_mac(nd, net, mac) != 0) {
			snprintf(err, elen, "network_data: network %zu needs an IPv4 "
			    "ip_address and netmask (and a gateway and link MAC, if any, "
			    "well formed)", i);
			return -1;
		}
		if (mac[0] != '\0') {
			snprintf(bootif, sizeof(bootif), " BOOTIF=01-%s", mac);
			for (char *c = bootif; *c; c++)
				if (*c == ':')
					*c = '-';
		}
		snprintf(out, len, "ip=%s::%s:%s:ingot-ramdisk::off%s", ip, gw ? gw : "",
		    mask, bootif);
		return 0;
	}
	return 0;
}
