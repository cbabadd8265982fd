/*
 * FreeIPMI's libraries, loaded when the first IPMI node needs them.
 *
 * libfreeipmi alone is about 2 MiB of resident memory as soon as it is
 * mapped (its tables are relocated at load), which was an eighth of an idle
 * ingotd that may never see an IPMI node.  ipmi.c and sol.c include this
 * header after FreeIPMI's own: each FreeIPMI name they use becomes a pointer
 * filled by ipmi_dl_load(), which loads libfreeipmi, libipmimonitoring and
 * (with INGOT_HAVE_IPMICONSOLE) libipmiconsole once.  Every path into
 * FreeIPMI calls ipmi_dl_load() first and fails with its message if the
 * libraries cannot be loaded.
 */
#ifndef INGOT_IPMI_DL_H
#define INGOT_IPMI_DL_H

#include <stddef.h>
#include <freeipmi/freeipmi.h>
#include <ipmi_monitoring.h>
#ifdef INGOT_HAVE_IPMICONSOLE
#include <ipmiconsole.h>
#endif

#define IPMI_DL_FREEIPMI(X) \
	X(FIID_OBJ_GET) X(fiid_obj_create) X(fiid_obj_destroy) \
	X(ipmi_cmd_chassis_control) X(ipmi_cmd_get_chassis_status) \
	X(ipmi_cmd_get_system_boot_options_boot_flags) \
	X(ipmi_cmd_set_system_boot_options_boot_flags) X(ipmi_ctx_close) \
	X(ipmi_ctx_create) X(ipmi_ctx_destroy) X(ipmi_ctx_errnum) \
	X(ipmi_ctx_open_outofband_2_0) X(ipmi_ctx_strerror) \
	X(tmpl_cmd_chassis_control_rs) X(tmpl_cmd_get_chassis_status_rs) \
	X(tmpl_cmd_get_system_boot_options_boot_flags_rs) \
	X(tmpl_cmd_set_system_boot_options_rs)
#define IPMI_DL_MONITORING(X) \
	X(ipmi_monitoring_ctx_create) X(ipmi_monitoring_ctx_destroy) \
	X(ipmi_monitoring_ctx_errormsg) X(ipmi_monitoring_ctx_sdr_cache_directory) \
	X(ipmi_monitoring_init) X(ipmi_monitoring_sensor_iterator_next) \
	X(ipmi_monitoring_sensor_read_record_id) X(ipmi_monitoring_sensor_read_sensor_name) \
	X(ipmi_monitoring_sensor_read_sensor_reading) \
	X(ipmi_monitoring_sensor_read_sensor_reading_type) \
	X(ipmi_monitoring_sensor_read_sensor_state) X(ipmi_monitoring_sensor_read_sensor_type) \
	X(ipmi_monitoring_sensor_read_sensor_units) \
	X(ipmi_monitoring_sensor_readings_by_record_id)
#ifdef INGOT_HAVE_IPMICONSOLE
#define IPMI_DL_CONSOLE(X) \
	X(ipmiconsole_ctx_create) X(ipmiconsole_ctx_destroy) X(ipmiconsole_ctx_errnum) \
	X(ipmiconsole_ctx_fd) X(ipmiconsole_ctx_strerror) X(ipmiconsole_engine_init) \
	X(ipmiconsole_engine_submit_block) X(ipmiconsole_engine_teardown)
#else
#define IPMI_DL_CONSOLE(X)
#endif

struct ipmi_dl {
#define IPMI_DL_FIELD(f) __typeof__(&f) f;
	IPMI_DL_FREEIPMI(IPMI_DL_FIELD)
	IPMI_DL_MONITORING(IPMI_DL_FIELD)
	IPMI_DL_CONSOLE(IPMI_DL_FIELD)
#undef IPMI_DL_FIELD
};
extern struct ipmi_dl ipmi_dl;

/* Loads the libraries once; 0, or -1 with why in err. */
int	ipmi_dl_load(char *err, size_t len);

#ifndef IPMI_DL_NO_REDIRECT
/* From here on, FreeIPMI's names are the loaded symbols. */
#define FIID_OBJ_GET (ipmi_dl.FIID_OBJ_GET)
#define fiid_obj_create (ipmi_dl.fiid_obj_create)
#define fiid_obj_destroy (ipmi_dl.fiid_obj_destroy)
#define ipmi_cmd_chassis_control (ipmi_dl.ipmi_cmd_chassis_control)
#define ipmi_cmd_get_chassis_status (ipmi_dl.ipmi_cmd_get_chassis_status)
#define ipmi_cmd_get_system_boot_options_boot_flags \
	(ipmi_dl.ipmi_cmd_get_system_boot_options_boot_flags)
#define ipmi_cmd_set_system_boot_options_boot_flags \
	(ipmi_dl.ipmi_cmd_set_system_boot_options_boot_flags)
#define ipmi_ctx_close (ipmi_dl.ipmi_ctx_close)
#define ipmi_ctx_create (ipmi_dl.ipmi_ctx_create)
#define ipmi_ctx_destroy (ipmi_dl.ipmi_ctx_destroy)
#define ipmi_ctx_errnum (ipmi_dl.ipmi_ctx_errnum)
#define ipmi_ctx_open_outofband_2_0 (ipmi_dl.ipmi_ctx_open_outofband_2_0)
#define ipmi_ctx_strerror (ipmi_dl.ipmi_ctx_strerror)
#define tmpl_cmd_chassis_control_rs (*ipmi_dl.tmpl_cmd_chassis_control_rs)
#define tmpl_cmd_get_chassis_status_rs (*ipmi_dl.tmpl_cmd_get_chassis_status_rs)
#define tmpl_cmd_get_system_boot_options_boot_flags_rs \
	(*ipmi_dl.tmpl_cmd_get_system_boot_options_boot_flags_rs)
#define tmpl_cmd_set_system_boot_options_rs (*ipmi_dl.tmpl_cmd_set_system_boot_options_rs)
#define ipmi_monitoring_ctx_create (ipmi_dl.ipmi_monitoring_ctx_create)
#define ipmi_monitoring_ctx_destroy (ipmi_dl.ipmi_monitoring_ctx_destroy)
#define ipmi_monitoring_ctx_errormsg (ipmi_dl.ipmi_monitoring_ctx_errormsg)
#define ipmi_monitoring_ctx_sdr_cache_directory \
	(ipmi_dl.ipmi_monitoring_ctx_sdr_cache_directory)
#define ipmi_monitoring_init (ipmi_dl.ipmi_monitoring_init)
#define ipmi_monitoring_sensor_iterator_next (ipmi_dl.ipmi_monitoring_sensor_iterator_next)
#define ipmi_monitoring_sensor_read_record_id (ipmi_dl.ipmi_monitoring_sensor_read_record_id)
#define ipmi_monitoring_sensor_read_sensor_name \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_name)
#define ipmi_monitoring_sensor_read_sensor_reading \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_reading)
#define ipmi_monitoring_sensor_read_sensor_reading_type \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_reading_type)
#define ipmi_monitoring_sensor_read_sensor_state \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_state)
#define ipmi_monitoring_sensor_read_sensor_type \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_type)
#define ipmi_monitoring_sensor_read_sensor_units \
	(ipmi_dl.ipmi_monitoring_sensor_read_sensor_units)
#define ipmi_monitoring_sensor_readings_by_record_id \
	(ipmi_dl.ipmi_monitoring_sensor_readings_by_record_id)
#ifdef INGOT_HAVE_IPMICONSOLE
#define ipmiconsole_ctx_create (ipmi_dl.ipmiconsole_ctx_create)
#define ipmiconsole_ctx_destroy (ipmi_dl.ipmiconsole_ctx_destroy)
#define ipmiconsole_ctx_errnum (ipmi_dl.ipmiconsole_ctx_errnum)
#define ipmiconsole_ctx_fd (ipmi_dl.ipmiconsole_ctx_fd)
#define ipmiconsole_ctx_strerror (ipmi_dl.ipmiconsole_ctx_strerror)
#define ipmiconsole_engine_init (ipmi_dl.ipmiconsole_engine_init)
#define ipmiconsole_engine_submit_block (ipmi_dl.ipmiconsole_engine_submit_block)
#define ipmiconsole_engine_teardown (ipmi_dl.ipmiconsole_engine_teardown)
#endif
#endif

#endif
