/* xl pause / xl unpause: stop and restart a domain's vCPUs, keeping the
 * domain and everything it holds. */
#include "config.h"

#include "toolstack/lib/xnl.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int main_pause(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    return xl_domain_do(argv[optind], xnl_domain_pause);
}

int main_unpause(int argc, char **argv)
{
    int rc;
    if (!xl_args(argc, argv, NULL, 1, &rc))
        return rc;
    return xl_domain_do(argv[optind], xnl_domain_unpause);
}
