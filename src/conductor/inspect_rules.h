/*
 * Inspection rules (Ironic's, API 1.96): conditions on what a node's
 * agent reported (inventory, plugin data) and actions on the node when
 * they all hold.  inspect_rules.c checks a rule as POST and PATCH take it
 * and runs the stored rules at the end of an inspection or a discovery.
 */
#ifndef INGOT_INSPECT_RULES_H
#define INGOT_INSPECT_RULES_H

#include <jansson.h>
#include <stddef.h>

#define RULE_MAX_OPS		64	/* conditions, and actions, per rule */
#define RULE_MAX_PRIORITY	9999

/*
 * A rule body (POST /v1/inspection_rules, or a rule after a PATCH):
 * only Ironic's fields (uuid, description <= 255, priority 0..9999,
 * sensitive, phase "main", conditions, actions >= 1); every operator and
 * action known to Ingot with exactly its arguments (a list, by position,
 * or an object), paths of set-attribute & co. within the node fields
 * rules may change, regular expressions that compile, trait names of
 * [A-Z0-9_].  0, or -1 with err (said for a 400).
 */
int	 inspect_rule_check(json_t *rule, char *err, size_t len);
/*
 * Runs the stored rules of phase "main", highest priority first, on a
 * locked node: a rule whose conditions all hold runs its actions on the
 * node (the caller saves it) and on plugin (the caller stores it).  0, or
 * -1 with err when a "fail" action ran or an action could not be applied.
 */
int	 inspect_rules_apply(json_t *node, json_t *inventory, json_t *plugin,
	    char *err, size_t len);
/* One checked rule on a node, without the database (the engine's core;
 * the fuzzer drives it).  0, or -1 with err. */
int	 inspect_rule_run(json_t *rule, json_t *node, json_t *inventory, json_t *plugin,
	    char *err, size_t len);

#endif
