/* Running lvm2's tools and reading their JSON reports. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "backends/storage/internal.h"
#include "backends/storage/lvm.h"

static int read_all(int fd, char **out)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

/* The last line lvm2 printed that is not one of its warnings about
 * activation, which every --driverloaded n run prints. */
static void last_message(char *text, char *msg, size_t msglen)
{
    msg[0] = '\0';
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ')
            line++;
        if (!*line || strstr(line, "Activation disabled") || strstr(line, "not zeroed"))
            continue;
        snprintf(msg, msglen, "%s", line);
    }
}

static void cache_drop(void);

int lvm_run(const char *const argv[], char **out)
{
    if (strcmp(argv[0], "lvs") != 0 && strcmp(argv[0], "pvs") != 0 && strcmp(argv[0], "vgs") != 0)
        cache_drop();
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return xns_fail(-errno, "lvm: pipe: %s", strerror(errno));
    int errfd = memfd_create("lvm-stderr", MFD_CLOEXEC);
    if (errfd < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return xns_fail(-errno, "lvm: memfd: %s", strerror(errno));
    }
    const char *args[64];
    size_t n = 0;
    args[n++] = "lvm";
    args[n++] = argv[0];
    if (!xns_have_dm()) {
        args[n++] = "--driverloaded";
        args[n++] = "n";
    }
    for (size_t i = 1; argv[i] && n < 63; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        close(pipefd[0]);
        close(pipefd[1]);
        close(errfd);
        return xns_fail(e, "lvm: fork: %s", strerror(-e));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(pipefd[1], 1);
        dup2(errfd, 2);
        /* lvm2 complains about every inherited descriptor. */
        setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
        execvp("lvm", (char *const *)args);
        execv("/sbin/lvm", (char *const *)args);
        dprintf(2, "cannot run lvm: %s (is lvm2 installed?)\n", strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    char *text = NULL;
    int rc = read_all(pipefd[0], &text);
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        char *errtext = NULL, msg[512] = "";
        lseek(errfd, 0, SEEK_SET);
        if (read_all(errfd, &errtext) == 0) {
            last_message(errtext, msg, sizeof(msg));
            free(errtext);
        }
        rc = xns_fail(-EIO, "lvm %s failed: %s", argv[0], msg[0] ? msg : "no message");
    }
    close(errfd);
    if (rc == 0 && out)
        *out = text;
    else
        free(text);
    return rc;
}

/* report[0].<kind> of an lvm2 JSON report. */
static yajl_val report_rows(yajl_val root, const char *kind)
{
    const char *rpath[] = {"report", NULL};
    yajl_val rep = yajl_tree_get(root, rpath, yajl_t_array);
    if (!rep || rep->u.array.len < 1)
        return NULL;
    const char *kpath[] = {kind, NULL};
    return yajl_tree_get(rep->u.array.values[0], kpath, yajl_t_array);
}

static const char *field(yajl_val row, const char *name)
{
    const char *path[] = {name, NULL};
    yajl_val v = yajl_tree_get(row, path, yajl_t_string);
    return v ? v->u.string : NULL;
}

/* Numbers come as strings, in bytes with --units b --nosuffix; tolerate a
 * trailing B from runs without --nosuffix. */
static bool field_u64(yajl_val row, const char *name, uint64_t *out)
{
    const char *s = field(row, name);
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || (*end && strcmp(end, "B") != 0))
        return false;
    *out = v;
    return true;
}

void lvm_segmap_free(struct lvm_segmap *map)
{
    for (size_t i = 0; i < map->npvs; i++)
        free(map->pvs[i]);
    free(map->pvs);
    free(map->segs);
    memset(map, 0, sizeof(*map));
}

static int pv_index(struct lvm_segmap *map, const char *pv)
{
    for (size_t i = 0; i < map->npvs; i++)
        if (strcmp(map->pvs[i], pv) == 0)
            return (int)i;
    char **np = realloc(map->pvs, (map->npvs + 1) * sizeof(*np));
    if (!np)
        return -ENOMEM;
    map->pvs = np;
    if (!(np[map->npvs] = strdup(pv)))
        return -ENOMEM;
    return (int)map->npvs++;
}

/* pe_start of a PV and the extent size of its VG, from pvs' report. */
static bool pv_layout(yajl_val pvrows, const char *pv, uint64_t *pe_start, uint64_t *extent)
{
    for (size_t i = 0; pvrows && i < pvrows->u.array.len; i++) {
        yajl_val r = pvrows->u.array.values[i];
        const char *name = field(r, "pv_name");
        if (name && strcmp(name, pv) == 0)
            return field_u64(r, "pe_start", pe_start) && field_u64(r, "vg_extent_size", extent);
    }
    return false;
}

int lvm_parse_segmap(const char *lvs_json, const char *pvs_json, const char *vg,
                     const char *lv, struct lvm_segmap *map)
{
    char perr[256];
    memset(map, 0, sizeof(*map));
    yajl_val lroot = yajl_tree_parse(lvs_json, perr, sizeof(perr));
    yajl_val proot = yajl_tree_parse(pvs_json, perr, sizeof(perr));
    int rc = 0;
    yajl_val segs = lroot ? report_rows(lroot, "seg") : NULL;
    yajl_val pvrows = proot ? report_rows(proot, "pv") : NULL;
    if (!segs || !pvrows) {
        rc = xns_fail(-EIO, "/dev/%s/%s: cannot read lvm2's report: %s", vg, lv,
                      !lroot || !proot ? perr : "no rows");
        goto out;
    }
    for (size_t i = 0; i < segs->u.array.len && rc == 0; i++) {
        yajl_val r = segs->u.array.values[i];
        const char *name = field(r, "lv_name"), *type = field(r, "segtype");
        const char *ranges = field(r, "seg_pe_ranges");
        uint64_t start, len, lvsize;
        if (!name || strcmp(name, lv) != 0)
            continue;
        if (!type || !ranges || !field_u64(r, "seg_start", &start) ||
            !field_u64(r, "seg_size", &len) || !field_u64(r, "lv_size", &lvsize)) {
            rc = xns_fail(-EIO, "/dev/%s/%s: lvm2's segment report lacks a field", vg, lv);
            break;
        }
        /* Only plain linear data can be followed by hand; a mirror or RAID
         * would need the kernel to keep the legs in step. */
        if (strcmp(type, "linear") != 0 && strcmp(type, "striped") != 0) {
            rc = xns_fail(-ENOTSUP,
                          "/dev/%s/%s: a %s segment cannot be reached without device-mapper",
                          vg, lv, type);
            break;
        }
        char pv[256];
        unsigned long long pe_first, pe_last;
        int used = 0;
        if (sscanf(ranges, "%255[^:]:%llu-%llu%n", pv, &pe_first, &pe_last, &used) != 3 ||
            ranges[used] != '\0') {
            rc = xns_fail(-ENOTSUP,
                          "/dev/%s/%s: segment on '%s' is striped or unusual; only linear "
                          "segments can be reached without device-mapper",
                          vg, lv, ranges);
            break;
        }
        uint64_t pe_start, extent;
        if (!pv_layout(pvrows, pv, &pe_start, &extent)) {
            rc = xns_fail(-EIO, "/dev/%s/%s: lvm2 does not report physical volume %s", vg, lv,
                          pv);
            break;
        }
        if ((pe_last - pe_first + 1) * extent != len) {
            rc = xns_fail(-EIO, "/dev/%s/%s: segment of %llu bytes spans extents %llu-%llu", vg,
                          lv, (unsigned long long)len, pe_first, pe_last);
            break;
        }
        int idx = pv_index(map, pv);
        struct blob_seg *ns = realloc(map->segs, (map->nsegs + 1) * sizeof(*ns));
        if (idx < 0 || !ns) {
            if (ns)
                map->segs = ns;
            rc = xns_fail(-ENOMEM, "/dev/%s/%s: out of memory", vg, lv);
            break;
        }
        map->segs = ns;
        ns[map->nsegs++] = (struct blob_seg){
            .lv_off = start, .len = len, .pv = idx, .pv_off = pe_start + pe_first * extent};
        map->lv_size = lvsize;
    }
    if (rc == 0 && map->nsegs == 0)
        rc = xns_fail(-ENOENT, "/dev/%s/%s: no such logical volume", vg, lv);
    if (rc == 0) {
        uint64_t covered = 0;
        for (size_t i = 0; i < map->nsegs; i++)
            covered += map->segs[i].len;
        if (covered != map->lv_size)
            rc = xns_fail(-EIO, "/dev/%s/%s: segments cover %llu of %llu bytes", vg, lv,
                          (unsigned long long)covered, (unsigned long long)map->lv_size);
    }
out:
    if (rc < 0)
        lvm_segmap_free(map);
    yajl_tree_free(lroot);
    yajl_tree_free(proot);
    return rc;
}

/* One lvs and one pvs per VG serve every open in it until an lvm2 command
 * that changes metadata runs: listing an SR opens every image in it. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static char cache_vg[128], *cache_lvs, *cache_pvs;

static void cache_drop(void)
{
    pthread_mutex_lock(&cache_lock);
    free(cache_lvs);
    free(cache_pvs);
    cache_lvs = cache_pvs = NULL;
    cache_vg[0] = '\0';
    pthread_mutex_unlock(&cache_lock);
}

int lvm_segmap(const char *vg, const char *lv, struct lvm_segmap *map)
{
    const char *lvs[] = {"lvs", "--segments", "--units", "b", "--nosuffix", "-o",
                         "lv_name,lv_size,seg_start,seg_size,segtype,seg_pe_ranges",
                         "--reportformat", "json", vg, NULL};
    const char *pvs[] = {"pvs", "--units", "b", "--nosuffix", "-o",
                         "pv_name,pe_start,vg_name,vg_extent_size", "--reportformat", "json",
                         "-S", NULL, NULL};
    char sel[300];
    snprintf(sel, sizeof(sel), "vg_name=%s", vg);
    pvs[9] = sel;
    pthread_mutex_lock(&cache_lock);
    int rc = 0;
    if (strcmp(cache_vg, vg) != 0 || !cache_lvs || !cache_pvs) {
        free(cache_lvs);
        free(cache_pvs);
        cache_lvs = cache_pvs = NULL;
        cache_vg[0] = '\0';
        rc = lvm_run(lvs, &cache_lvs);
        if (rc < 0)
            rc = xns_fail(-ENOENT, "/dev/%s/%s: no such volume group (%s)", vg, lv,
                          xns_strerror());
        if (rc == 0)
            rc = lvm_run(pvs, &cache_pvs);
        if (rc == 0)
            snprintf(cache_vg, sizeof(cache_vg), "%s", vg);
    }
    if (rc == 0)
        rc = lvm_parse_segmap(cache_lvs, cache_pvs, vg, lv, map);
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

int lvm_parse_lvs(const char *json, struct lvm_lv **lvs, size_t *n)
{
    char perr[256];
    yajl_val root = yajl_tree_parse(json, perr, sizeof(perr));
    yajl_val rows = root ? report_rows(root, "lv") : NULL;
    if (!rows) {
        yajl_tree_free(root);
        return xns_fail(-EIO, "cannot read lvm2's lvs report: %s", root ? "no rows" : perr);
    }
    struct lvm_lv *out = calloc(rows->u.array.len + 1, sizeof(*out));
    if (!out) {
        yajl_tree_free(root);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < rows->u.array.len; i++) {
        yajl_val r = rows->u.array.values[i];
        const char *name = field(r, "lv_name"), *tags = field(r, "lv_tags");
        if (!name || !field_u64(r, "lv_size", &out[k].size))
            continue;
        snprintf(out[k].name, sizeof(out[k].name), "%s", name);
        snprintf(out[k].tags, sizeof(out[k].tags), "%s", tags ? tags : "");
        k++;
    }
    yajl_tree_free(root);
    *lvs = out;
    *n = k;
    return 0;
}

int lvm_list_lvs(const char *vg, struct lvm_lv **lvs, size_t *n)
{
    const char *argv[] = {"lvs", "--units", "b", "--nosuffix", "-o", "lv_name,lv_size,lv_tags",
                          "--reportformat", "json", vg, NULL};
    char *out = NULL;
    int rc = lvm_run(argv, &out);
    if (rc == 0)
        rc = lvm_parse_lvs(out, lvs, n);
    free(out);
    return rc;
}

bool lvm_lv_exists(const char *vg, const char *lv)
{
    struct lvm_lv *lvs;
    size_t n;
    if (lvm_list_lvs(vg, &lvs, &n) < 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= strcmp(lvs[i].name, lv) == 0;
    free(lvs);
    return found;
}

int lvm_vg_info(const char *vg, uint64_t *extent, uint64_t *free_bytes, char *tags,
                size_t tagslen)
{
    const char *argv[] = {"vgs", "--units", "b", "--nosuffix", "-o",
                          "vg_name,vg_extent_size,vg_free,vg_tags", "--reportformat", "json",
                          vg, NULL};
    char *out = NULL, perr[256];
    int rc = lvm_run(argv, &out);
    if (rc < 0)
        return rc;
    yajl_val root = yajl_tree_parse(out, perr, sizeof(perr));
    free(out);
    yajl_val rows = root ? report_rows(root, "vg") : NULL;
    if (!rows || rows->u.array.len != 1 ||
        !field_u64(rows->u.array.values[0], "vg_extent_size", extent) ||
        !field_u64(rows->u.array.values[0], "vg_free", free_bytes)) {
        yajl_tree_free(root);
        return xns_fail(-EIO, "volume group %s: cannot read lvm2's vgs report", vg);
    }
    if (tags) {
        const char *t = field(rows->u.array.values[0], "vg_tags");
        snprintf(tags, tagslen, "%s", t ? t : "");
    }
    yajl_tree_free(root);
    return 0;
}

bool lvm_has_tag(const char *tags, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = tags; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, tag, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}
