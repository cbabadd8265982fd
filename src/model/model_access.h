/*
 * Typed accessors of the model's resources, generated from their field
 * rows (node.def, port.def, portgroup.def, network.def, vif.def): for each
 * field NAME of resource RES,
 *
 *   STRING, TIME   const char *RES_NAME(const json_t *)   NULL when absent
 *                  void RES_set_NAME(json_t *, const char *)   NULL: null
 *   BOOL           bool RES_NAME(const json_t *)   absent or null: false
 *                  void RES_set_NAME(json_t *, bool)
 *   INT            json_int_t RES_NAME(const json_t *)   absent: 0
 *                  void RES_set_NAME(json_t *, json_int_t)
 *   OBJECT, LIST   json_t *RES_NAME(const json_t *)   borrowed, or NULL
 *                  void RES_set_NAME(json_t *, json_t *)   takes the reference
 *
 * A misspelt field is a compile error, not a NULL at run time.
 */
#ifndef INGOT_MODEL_ACCESS_H
#define INGOT_MODEL_ACCESS_H

#include <jansson.h>
#include <stdbool.h>

#define MODEL_ACCESS_STRING(res, f)						\
static inline const char *res##_##f(const json_t *o)				\
{ return json_string_value(json_object_get(o, #f)); }				\
static inline void res##_set_##f(json_t *o, const char *v)			\
{ json_object_set_new(o, #f, v != NULL ? json_string(v) : json_null()); }
#define MODEL_ACCESS_TIME(res, f)	MODEL_ACCESS_STRING(res, f)
#define MODEL_ACCESS_BOOL(res, f)						\
static inline bool res##_##f(const json_t *o)					\
{ return json_is_true(json_object_get(o, #f)); }				\
static inline void res##_set_##f(json_t *o, bool v)				\
{ json_object_set_new(o, #f, json_boolean(v)); }
#define MODEL_ACCESS_INT(res, f)						\
static inline json_int_t res##_##f(const json_t *o)				\
{ return json_integer_value(json_object_get(o, #f)); }				\
static inline void res##_set_##f(json_t *o, json_int_t v)			\
{ json_object_set_new(o, #f, json_integer(v)); }
#define MODEL_ACCESS_OBJECT(res, f)						\
static inline json_t *res##_##f(const json_t *o)				\
{ return json_object_get(o, #f); }						\
static inline void res##_set_##f(json_t *o, json_t *v)				\
{ json_object_set_new(o, #f, v != NULL ? v : json_null()); }
#define MODEL_ACCESS_LIST(res, f)	MODEL_ACCESS_OBJECT(res, f)

#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(node, n)
#include "node.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(port, n)
#include "port.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(portgroup, n)
#include "portgroup.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(network, n)
#include "network.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(vif, n)
#include "vif.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(allocation, n)
#include "allocation.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(chassis, n)
#include "chassis.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(deploy_template, n)
#include "deploy_template.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(uplink, n)
#include "uplink.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(member, n)
#include "member.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(vconn, n)
#include "volume_connector.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(vtarget, n)
#include "volume_target.def"
#undef FIELD
#define FIELD(n, t, flags, since, dflt)	MODEL_ACCESS_##t(volume, n)
#include "volume.def"
#undef FIELD

#endif
