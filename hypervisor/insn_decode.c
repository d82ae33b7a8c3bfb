#include "config.h"

#include <string.h>

#include "hypervisor/insn_decode.h"

struct cursor {
    const uint8_t *p;
    unsigned n, at;
    bool short_read;
};

static uint8_t next(struct cursor *c)
{
    if (c->at >= c->n) {
        c->short_read = true;
        return 0;
    }
    return c->p[c->at++];
}

static int64_t disp(struct cursor *c, unsigned bytes)
{
    if (bytes == 1)
        return (int8_t)next(c);
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++)
        v |= (uint32_t)next(c) << (8 * i);
    return (int32_t)v;
}

/* Which instruction 0F AE /reg or 0F C7 /reg is, given the mandatory
 * prefixes seen; false for the ones we leave alone. */
static bool pick_op(uint8_t opcode, unsigned reg, bool rex_w, bool p66, bool rep, struct insn *out)
{
    if (opcode == 0xc7) {
        if (reg == 1) {
            /* F2/F3 are the HLE hints and 66 is ignored here. */
            out->op = rex_w ? INSN_CMPXCHG16B : INSN_CMPXCHG8B;
            return true;
        }
        if (reg == 4 && !p66 && !rep) {
            out->op = INSN_XSAVEC;
            return true;
        }
        return false;
    }
    /* 0F AE with 66, F2 or F3 is another family (clwb, ptwrite, ...). */
    if (p66 || rep)
        return false;
    static const int ae_ops[8] = {INSN_FXSAVE, INSN_FXRSTOR, INSN_LDMXCSR, INSN_STMXCSR,
                                  INSN_XSAVE, INSN_XRSTOR, INSN_XSAVEOPT, -1};
    if (ae_ops[reg] < 0)
        return false;
    out->op = (enum insn_op)ae_ops[reg];
    return true;
}

enum insn_decode_result insn_decode(const uint8_t *bytes, unsigned n, unsigned mode_bits,
                                    struct insn *out)
{
    if (mode_bits != 64 && mode_bits != 32)
        return INSN_UNKNOWN;
    memset(out, 0, sizeof(*out));
    struct cursor c = {.p = bytes, .n = n};
    bool p66 = false, rep = false, addr67 = false;
    int seg = -1;
    uint8_t rex = 0, b;
    for (;;) {
        if (c.at >= INSN_MAX_LEN)
            return INSN_TOO_LONG;
        b = next(&c);
        if (c.short_read)
            return INSN_TRUNCATED;
        if (mode_bits == 64 && (b & 0xf0) == 0x40) {
            rex = b; /* counts only right before the opcode */
            continue;
        }
        if (b == 0xf0)
            out->lock = true;
        else if (b == 0xf2 || b == 0xf3)
            rep = true;
        else if (b == 0x66)
            p66 = true;
        else if (b == 0x67)
            addr67 = true;
        else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
            seg = (b >> 3) & 3;
        else if (b == 0x64 || b == 0x65)
            seg = INSN_FS + (b & 1);
        else
            break;
        rex = 0;
    }
    if (b != 0x0f)
        return INSN_UNKNOWN;
    uint8_t opcode = next(&c);
    uint8_t modrm = next(&c);
    if (c.short_read)
        return INSN_TRUNCATED;
    if (opcode != 0xc7 && opcode != 0xae)
        return INSN_UNKNOWN;
    unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    if (mod == 3) /* register forms: fences, rdrand, ...: not ours */
        return INSN_UNKNOWN;
    out->rex_w = rex & 8;
    if (!pick_op(opcode, reg, out->rex_w, p66, rep, out))
        return INSN_UNKNOWN;

    /* 16-bit addressing (0x67 outside long mode) is not taken. */
    if (addr67 && mode_bits == 32)
        return INSN_UNKNOWN;
    out->addr_bits = (mode_bits == 64 && !addr67) ? 64 : 32;
    unsigned rex_b = (rex & 1) << 3, rex_x = (rex & 2) << 2;
    out->base = out->index = INSN_NO_REG;
    out->scale = 1;
    unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        uint8_t sib = next(&c);
        unsigned sbase = sib & 7, sindex = ((sib >> 3) & 7) | rex_x;
        out->scale = 1u << (sib >> 6);
        if (sindex != INSN_RSP)
            out->index = (int)sindex;
        if (sbase == 5 && mod == 0)
            disp_bytes = 4; /* no base, disp32 */
        else
            out->base = (int)(sbase | rex_b);
    } else if (rm == 5 && mod == 0) {
        disp_bytes = 4;
        out->rip_rel = mode_bits == 64;
    } else {
        out->base = (int)(rm | rex_b);
    }
    if (disp_bytes)
        out->disp = disp(&c, disp_bytes);
    if (c.short_read)
        return INSN_TRUNCATED;
    if (c.at > INSN_MAX_LEN)
        return INSN_TOO_LONG;
    out->len = c.at;
    if (seg >= 0)
        out->seg = (enum insn_seg)seg;
    else if (out->base == INSN_RSP || out->base == INSN_RBP)
        out->seg = INSN_SS;
    else
        out->seg = INSN_DS;
    return INSN_DECODED;
}

static const char *const op_names[INSN_OP_COUNT] = {
    [INSN_CMPXCHG8B] = "cmpxchg8b", [INSN_CMPXCHG16B] = "cmpxchg16b",
    [INSN_FXSAVE] = "fxsave",       [INSN_FXRSTOR] = "fxrstor",
    [INSN_LDMXCSR] = "ldmxcsr",     [INSN_STMXCSR] = "stmxcsr",
    [INSN_XSAVE] = "xsave",         [INSN_XRSTOR] = "xrstor",
    [INSN_XSAVEOPT] = "xsaveopt",   [INSN_XSAVEC] = "xsavec",
};

const char *insn_op_name(enum insn_op op)
{
    return op < INSN_OP_COUNT ? op_names[op] : "?";
}

const char *insn_name(const struct insn *i)
{
    static const char *const names64[INSN_OP_COUNT] = {
        [INSN_FXSAVE] = "fxsave64",     [INSN_FXRSTOR] = "fxrstor64",
        [INSN_XSAVE] = "xsave64",       [INSN_XRSTOR] = "xrstor64",
        [INSN_XSAVEOPT] = "xsaveopt64", [INSN_XSAVEC] = "xsavec64",
    };
    if (i->op < INSN_OP_COUNT && i->rex_w && names64[i->op])
        return names64[i->op];
    return insn_op_name(i->op);
}
