/* Inspection rules inside: the operator and action tables shared by the
 * checks (inspect_rules.c) and the engine (inspect_rules_run.c). */
#ifndef INGOT_INSPECT_RULES_INT_H
#define INGOT_INSPECT_RULES_INT_H

#include <jansson.h>

#define RULE_MAX_PARAMS	3
#define RULE_MAX_OPT	2
#define RULE_MAX_DEPTH	8

enum rule_kind {
	RC_EQ, RC_LT, RC_GT, RC_EMPTY, RC_NET, RC_MATCHES, RC_CONTAINS, RC_ONEOF,
	RC_NONE, RC_TRUE, RC_FALSE,
	RA_FAIL, RA_LOG, RA_SET_ATTR, RA_EXTEND_ATTR, RA_DEL_ATTR, RA_SET_CAP,
	RA_UNSET_CAP, RA_ADD_TRAIT, RA_REMOVE_TRAIT, RA_SET_PD, RA_EXTEND_PD,
	RA_UNSET_PD,
};

struct rule_op {
	const char	*name;
	enum rule_kind	 kind;
	const char	*req[RULE_MAX_PARAMS];	/* required arguments, in order */
	const char	*opt[RULE_MAX_OPT];	/* then the optional ones */
};

extern const struct rule_op rule_conditions[], rule_actions[];

const struct rule_op *rule_op_find(const struct rule_op *table, const char *name);
/* An op's args (list or object) as an object by name; NULL with err. */
json_t	*rule_args(const struct rule_op *d, json_t *args, char *err, size_t len);
/* A node attribute path split into parts; 0, or -1 when rules may not
 * change it. */
int	 rule_path_split(const char *p, char parts[RULE_MAX_DEPTH][65], int *n);

#endif
