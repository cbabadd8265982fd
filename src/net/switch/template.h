/*
 * Switch CLI command templates (etc/switches/NAME.conf): what the ssh driver
 * types for each operation, per vendor, kept as data.  A template is read
 * and checked once at start (unknown sections, keys or placeholders, bad
 * regular expressions and missing operations are errors naming file and
 * line); rendering fills in {port}, {vlan}, ... and refuses values that
 * could change the command (a port name is [A-Za-z0-9/._:-] only).
 */
#ifndef INGOT_SWITCH_TEMPLATE_H
#define INGOT_SWITCH_TEMPLATE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

enum tmpl_op {
	TOP_CONNECT,		/* after login (shell mode): pager off, ... */
	TOP_ADD_VLAN,		/* {vlan} {segment} */
	TOP_DELETE_VLAN,	/* {vlan} {segment} */
	TOP_SET_ACCESS,		/* {port} {vlan} {segment} */
	TOP_SET_TRUNK,		/* {port} {native} {vlans} {vlans_space} */
	TOP_REMOVE_VLAN,	/* {port} {vlan}: the port's VLAN as known */
	TOP_SAVE,		/* save the running configuration */
	TOP_GET_PORT,		/* {port}: read back; parsed with the regexes */
	TOP__N
};

enum tmpl_mode { TMODE_EXEC, TMODE_SHELL };

#define TMPL_MAX_VARS 16

struct tmpl_line {
	char	*text;
	bool	 ignore_errors;		/* written with a leading '-' */
	int	 lineno;
};

struct tmpl {
	char		 path[512];
	enum tmpl_mode	 mode;
	bool		 remove_before_set;
	bool		 has_prompt, has_error;
	regex_t		 prompt, error;
	char		*native_regex, *trunks_regex;	/* may contain {port} */
	struct tmpl_line *lines[TOP__N];
	int		 nlines[TOP__N];
	char		*var_name[TMPL_MAX_VARS];
	char		*var_value[TMPL_MAX_VARS];	/* the template's defaults */
	int		 nvars;
};

/* The values of one rendering.  vlan < 0: unknown (a line that needs it
 * fails to render); vlan 0 in remove_vlan: the port carries none (lines
 * with {vlan} or {segment} are left out). */
struct tmpl_args {
	const char	*port;
	int		 vlan;
	int		 native;
	const int	*vlans;
	int		 nvlans;
	int		 isolation_vlan;
	/* overrides of the template's variables (from the switch's config) */
	char *const	*var_name;
	char *const	*var_value;
	int		 nvars;
};

struct tmpl_cmds {
	char	**text;
	bool	 *ignore_errors;
	int	  n;
};

const char *tmpl_op_name(enum tmpl_op op);
struct tmpl *tmpl_load(const char *path, char *err, size_t len);
void	tmpl_free(struct tmpl *t);
bool	tmpl_has(const struct tmpl *t, enum tmpl_op op);
bool	tmpl_has_var(const struct tmpl *t, const char *name);
int	tmpl_render(const struct tmpl *t, enum tmpl_op op, const struct tmpl_args *a,
	    struct tmpl_cmds *out, char *err, size_t len);
void	tmpl_cmds_free(struct tmpl_cmds *c);
bool	tmpl_port_ok(const char *port);
/* Parses get_port output: native VLAN (0 when none or the isolation VLAN)
 * and trunks (numbers and ranges a-b). */
int	tmpl_parse_port(const struct tmpl *t, const char *port, const char *output,
	    int isolation_vlan, int *native, int *trunks, int *ntrunks, int max,
	    char *err, size_t len);

#endif
