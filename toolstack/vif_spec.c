/* vif specs as xl parses them (xl-network-configuration(5)). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dom0/hex_text.h"
#include "toolstack/vif_spec.h"

#define MTU_MIN 68
#define MTU_MAX 65535

int vif_mac_parse(const char *s, uint8_t mac[6])
{
    return hex_bytes_parse(s, mac, 6, ':', 0x1f);
}

void vif_mac_format(const uint8_t m[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Xen's OUI, then three random bytes with the top bit clear, as libxl. */
static int random_mac(uint8_t mac[6])
{
    uint8_t r[3];
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return -errno;
    mac[0] = 0x00;
    mac[1] = 0x16;
    mac[2] = 0x3e;
    mac[3] = r[0] & 0x7f;
    mac[4] = r[1];
    mac[5] = r[2];
    return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *arg)
{
    snprintf(err, errlen, fmt, arg);
    return -EINVAL;
}

int vif_rate_parse(const char *s, uint64_t *bytes, uint32_t *usecs, char *err, size_t errlen)
{
    char buf[128];
    if (strlen(s) >= sizeof(buf))
        return bad(err, errlen, "rate \"%.40s...\" is too long", s);
    snprintf(buf, sizeof(buf), "%s", s);
    char *at = strchr(buf, '@');
    if (at)
        *at++ = '\0';
    char *p;
    errno = 0;
    if (buf[0] < '0' || buf[0] > '9')
        return bad(err, errlen, "rate \"%s\" does not start with a number", s);
    uint64_t rate = strtoull(buf, &p, 10);
    if (errno)
        return bad(err, errlen, "rate \"%s\" is out of range", s);
    uint64_t mult = 1;
    bool bits = false;
    if (*p) {
        if (*p == 'G')
            mult = 1000000000ull;
        else if (*p == 'M')
            mult = 1000000ull;
        else if (*p == 'K')
            mult = 1000ull;
        if (mult != 1)
            p++;
        if (strcmp(p, "b/s") == 0)
            bits = true;
        else if (strcmp(p, "B/s") != 0)
            return bad(err, errlen,
                       "rate \"%s\": the unit must be B/s, KB/s, MB/s, GB/s or b/s, Kb/s, "
                       "Mb/s, Gb/s", s);
    }
    if (rate == 0)
        return bad(err, errlen, "rate \"%s\" is zero", s);
    if (rate > UINT64_MAX / mult)
        return bad(err, errlen, "rate \"%s\" is out of range", s);
    rate *= mult;
    if (bits)
        rate /= 8;
    uint64_t interval = VIF_DEFAULT_RATE_INTERVAL_US;
    if (at) {
        if (*at < '0' || *at > '9')
            return bad(err, errlen, "rate \"%s\": the interval does not start with a number", s);
        errno = 0;
        interval = strtoull(at, &p, 10);
        uint64_t imult;
        if (strcmp(p, "s") == 0)
            imult = 1000000;
        else if (strcmp(p, "ms") == 0)
            imult = 1000;
        else if (strcmp(p, "us") == 0 || *p == '\0')
            imult = 1;
        else
            return bad(err, errlen, "rate \"%s\": the interval's unit must be s, ms or us", s);
        if (errno || interval == 0 || interval > UINT32_MAX / imult)
            return bad(err, errlen, "rate \"%s\": the interval is zero or out of range", s);
        interval *= imult;
    }
    /* Bytes per interval, without overflowing on the way. */
    if (rate > UINT64_MAX / interval)
        return bad(err, errlen, "rate \"%s\" is out of range", s);
    uint64_t per = rate * interval / 1000000;
    if (per == 0)
        return bad(err, errlen, "rate \"%s\" allows less than a byte per interval", s);
    *bytes = per;
    *usecs = (uint32_t)interval;
    return 0;
}

void vif_spec_free(struct vif_spec *v)
{
    free(v->bridge);
    free(v->ip);
    free(v->script);
    free(v->vifname);
    free(v->model);
    free(v->type);
    free(v->gatewaydev);
    memset(v, 0, sizeof(*v));
}

static int set_str(char **slot, const char *val, char *err, size_t errlen)
{
    char *s = strdup(val);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    free(*slot);
    *slot = s;
    return 0;
}

static int one(struct vif_spec *v, char *tok, char *err, size_t errlen)
{
    char *eq = strchr(tok, '=');
    if (!eq)
        return bad(err, errlen, "\"%s\" is not a key=value pair", tok);
    *eq = '\0';
    const char *key = tok, *val = eq + 1;
    char msg[200];
    if (strcmp(key, "mac") == 0) {
        if (vif_mac_parse(val, v->mac) < 0)
            return bad(err, errlen, "mac \"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", val);
        if (v->mac[0] & 1)
            return bad(err, errlen, "mac \"%s\" is a multicast address", val);
        v->mac_given = true;
        return 0;
    }
    if (strcmp(key, "bridge") == 0) {
        if (!*val || strlen(val) > 15)
            return bad(err, errlen, "bridge \"%s\" is not an interface name (1 to 15 characters)",
                       val);
        return set_str(&v->bridge, val, err, errlen);
    }
    if (strcmp(key, "ip") == 0)
        return set_str(&v->ip, val, err, errlen);
    if (strcmp(key, "script") == 0) {
        if (!*val)
            return bad(err, errlen, "script is empty%s", "");
        return set_str(&v->script, val, err, errlen);
    }
    if (strcmp(key, "vifname") == 0) {
        if (!*val || strlen(val) > 15 || strchr(val, '/') || strchr(val, ' '))
            return bad(err, errlen,
                       "vifname \"%s\" is not an interface name (1 to 15 characters, no '/')",
                       val);
        return set_str(&v->vifname, val, err, errlen);
    }
    if (strcmp(key, "model") == 0)
        return set_str(&v->model, val, err, errlen);
    if (strcmp(key, "gatewaydev") == 0)
        return set_str(&v->gatewaydev, val, err, errlen);
    if (strcmp(key, "type") == 0) {
        if (strcmp(val, "vif") && strcmp(val, "ioemu"))
            return bad(err, errlen, "type \"%s\" must be vif or ioemu", val);
        return set_str(&v->type, val, err, errlen);
    }
    if (strcmp(key, "rate") == 0) {
        if (vif_rate_parse(val, &v->rate_bytes, &v->rate_usecs, msg, sizeof(msg)) < 0)
            return bad(err, errlen, "%s", msg);
        return 0;
    }
    if (strcmp(key, "mtu") == 0 || strcmp(key, "devid") == 0) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(val, &end, 10);
        bool mtu = key[0] == 'm';
        if (!*val || *val == '-' || *end || errno ||
            (mtu ? n < MTU_MIN || n > MTU_MAX : n > INT32_MAX)) {
            if (mtu)
                snprintf(err, errlen, "mtu \"%s\" must be a number from %d to %d", val, MTU_MIN,
                         MTU_MAX);
            else
                snprintf(err, errlen, "devid \"%s\" must be a number", val);
            return -EINVAL;
        }
        if (mtu)
            v->mtu = (uint32_t)n;
        else
            v->devid = (int32_t)n;
        return 0;
    }
    if (strcmp(key, "backend") == 0) {
        if (strcmp(val, "0") && strcmp(val, "Domain-0"))
            return bad(err, errlen, "backend \"%s\": only Dom0 serves vifs here", val);
        return 0;
    }
    if (strcmp(key, "accel") == 0 || strcmp(key, "vlan") == 0)
        return bad(err, errlen, "the %s parameter for vifs is not supported", key);
    return bad(err, errlen, "unknown vif key \"%s\"", key);
}

int vif_spec_parse(const char *spec, struct vif_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->devid = -1;
    char *copy = strdup(spec);
    if (!copy)
        return bad(err, errlen, "out of memory%s", "");
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t n = strlen(tok);
        while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            tok[--n] = '\0';
        if (*tok)
            rc = one(out, tok, err, errlen);
    }
    free(copy);
    if (rc == 0 && !out->mac_given && (rc = random_mac(out->mac)) < 0)
        snprintf(err, errlen, "cannot generate a MAC address: %s", strerror(-rc));
    if (rc == 0 && !out->bridge)
        rc = set_str(&out->bridge, VIF_DEFAULT_BRIDGE, err, errlen);
    if (rc == 0 && !out->script)
        rc = set_str(&out->script, VIF_DEFAULT_SCRIPT, err, errlen);
    if (rc == 0 && !out->type)
        rc = set_str(&out->type, "vif", err, errlen);
    if (rc < 0)
        vif_spec_free(out);
    return rc;
}
