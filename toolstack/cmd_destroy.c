/* xl destroy: end a domain at once, without asking the guest. */
#include "config.h"

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_destroy(int argc, char **argv)
{
    /* -f is xl's too; destroying is always forced here. */
    const struct xl_opt opts[] = {XL_FLAG('f', NULL, NULL), {0}};
    int rc;
    if (!xl_args(argc, argv, opts, 1, &rc))
        return rc;
    return xl_domain_do(argv[optind], xnl_domain_destroy);
}
