#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/sr_args.h"
#include "toolstack/xl.h"
#include "toolstack/xl_util.h"

int sr_parse_kv(int argc, char **argv, int from, struct kv *kvs, int nkvs)
{
    for (int i = from; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        int k;
        for (k = 0; eq && k < nkvs; k++)
            if (strlen(kvs[k].key) == (size_t)(eq - argv[i]) &&
                strncmp(kvs[k].key, argv[i], (size_t)(eq - argv[i])) == 0)
                break;
        if (!eq || k == nkvs) {
            xl_err("'xl %s': unexpected argument '%s'", argv[0], argv[i]);
            const struct xl_cmd *cmd = xl_find_cmd(argv[0]);
            if (cmd)
                xl_cmd_help(cmd, stderr);
            return 2;
        }
        kvs[k].val = eq + 1;
    }
    return 0;
}

int sr_lookup(const char *key, struct repo *r)
{
    if (repo_find(key, r) < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    return 0;
}

int sr_vdi_lookup(const struct repo *r, const char *key, struct vdi *v)
{
    if (repo_vdi_find(r, key, v) < 0) {
        xl_err("%s", xns_strerror());
        return 1;
    }
    return 0;
}

void sr_human_size(uint64_t b, char *out, size_t len)
{
    static const char units[] = "BKMGT";
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, len, "%lluB", (unsigned long long)b);
    else
        snprintf(out, len, "%.1f%c", v, units[u]);
}

void sr_progress(void *ctx, uint64_t done, uint64_t total)
{
    bool *quiet = ctx;
    if ((quiet && *quiet) || !isatty(2))
        return;
    int pct = total ? (int)(done * 100 / total) : 100, bar = pct / 4;
    fprintf(stderr, "\r[%.*s%*s] %3d%%", bar, "#########################", 25 - bar, "", pct);
    if (done >= total)
        fputc('\n', stderr);
}
