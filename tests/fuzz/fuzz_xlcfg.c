/*
 * libFuzzer harness: an xl.cfg file, which a user writes and xl parses as
 * root. The whole text goes through the lexer and parser, then through the
 * domain config built from it (which runs the disk= and vif= spec parsers
 * on every list entry); each line is also fed to the spec parsers directly
 * so they see input the config grammar would have rejected.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/disk_spec.h"
#include "toolstack/domain_config.h"
#include "toolstack/vif_spec.h"
#include "toolstack/xlcfg.h"

#define MAX_TEXT (64u * 1024)

static void spec_parsers(const char *line)
{
    char err[256];
    struct disk_spec ds;
    if (disk_spec_parse(line, &ds, err, sizeof(err)) == 0)
        disk_spec_free(&ds);
    struct vif_spec vs;
    if (vif_spec_parse(line, &vs, err, sizeof(err)) == 0)
        vif_spec_free(&vs);
    uint32_t devid;
    char vdev[32];
    if (disk_vdev_to_devid(line, &devid) == 0)
        (void)disk_devid_to_vdev(devid, vdev, sizeof(vdev));
    uint64_t bytes;
    uint32_t usecs;
    (void)vif_rate_parse(line, &bytes, &usecs, err, sizeof(err));
    uint8_t mac[6];
    (void)vif_mac_parse(line, mac);
    long long n;
    (void)xlcfg_number_value(line, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_TEXT)
        return 0;
    xlcfg *cfg = xlcfg_new();
    if (!cfg)
        return 0;
    if (xlcfg_parse_text(cfg, "fuzz.cfg", (const char *)data, size, 1) == 0) {
        (void)xlcfg_error(cfg);
        struct domain_config dc;
        char err[512];
        if (domain_config_from_xlcfg(cfg, &dc, err, sizeof(err)) == 0)
            domain_config_free(&dc);
    }
    xlcfg_free(cfg);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* Command-line form: the first line as one key=value argument. */
    cfg = xlcfg_new();
    if (cfg) {
        char *nl = strchr(text, '\n');
        if (nl)
            *nl = '\0';
        (void)xlcfg_parse_arg(cfg, text, 1);
        xlcfg_free(cfg);
        if (nl)
            *nl = '\n';
    }
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        spec_parsers(line);
    free(text);
    return 0;
}
