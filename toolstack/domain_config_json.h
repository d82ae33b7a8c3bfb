/* A domain_config as JSON, shaped like libxl's domain config so that
 * tools reading `xl create -n` or `xl list -l` find keys where they
 * expect them (c_info, b_info, on_*). */
#ifndef XENOLITH_DOMAIN_CONFIG_JSON_H
#define XENOLITH_DOMAIN_CONFIG_JSON_H

#include <yajl/yajl_gen.h>

#include "toolstack/domain_config.h"

yajl_gen_status domain_config_gen_json(yajl_gen g, const struct domain_config *dc);

#endif
