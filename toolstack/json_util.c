#include "config.h"

#include <string.h>

#include "toolstack/json_util.h"

yajl_gen json_gen_new(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g)
        yajl_gen_config(g, yajl_gen_beautify, 1);
    return g;
}

yajl_gen_status json_str(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

yajl_gen_status json_key_str(yajl_gen g, const char *key, const char *val)
{
    yajl_gen_status s = json_str(g, key);
    return s != yajl_gen_status_ok ? s : val ? json_str(g, val) : yajl_gen_null(g);
}

yajl_gen_status json_key_int(yajl_gen g, const char *key, long long val)
{
    yajl_gen_status s = json_str(g, key);
    return s != yajl_gen_status_ok ? s : yajl_gen_integer(g, val);
}

yajl_gen_status json_gen_tree(yajl_gen g, yajl_val v)
{
    yajl_gen_status s = yajl_gen_status_ok;
    if (!v)
        return yajl_gen_null(g);
    switch (v->type) {
    case yajl_t_string:
        return json_str(g, v->u.string);
    case yajl_t_number:
        /* The number's own text keeps integers exact. */
        return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    case yajl_t_true:
        return yajl_gen_bool(g, 1);
    case yajl_t_false:
        return yajl_gen_bool(g, 0);
    case yajl_t_null:
        return yajl_gen_null(g);
    case yajl_t_object:
        s = yajl_gen_map_open(g);
        for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.object.len; i++) {
            s = json_str(g, v->u.object.keys[i]);
            if (s == yajl_gen_status_ok)
                s = json_gen_tree(g, v->u.object.values[i]);
        }
        return s == yajl_gen_status_ok ? yajl_gen_map_close(g) : s;
    case yajl_t_array:
        s = yajl_gen_array_open(g);
        for (size_t i = 0; s == yajl_gen_status_ok && i < v->u.array.len; i++)
            s = json_gen_tree(g, v->u.array.values[i]);
        return s == yajl_gen_status_ok ? yajl_gen_array_close(g) : s;
    case yajl_t_any:
        break;
    }
    return yajl_gen_invalid_string;
}

int json_print(yajl_gen g, FILE *f)
{
    const unsigned char *buf;
    size_t len;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
        return -1;
    if (fwrite(buf, 1, len, f) != len)
        return -1;
    /* yajl's beautifier ends with a newline only sometimes. */
    if (len == 0 || buf[len - 1] != '\n')
        fputc('\n', f);
    return 0;
}
