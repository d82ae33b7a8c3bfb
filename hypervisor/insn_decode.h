/*
 * Decoding of the few instructions xenolithd completes for a guest when
 * the host's KVM cannot emulate them (insn_complete.h): the prefixes, the
 * opcode and the ModRM/SIB/displacement memory operand, nothing more.
 * Pure: bytes in, a description out.
 */
#ifndef XENOLITH_INSN_DECODE_H
#define XENOLITH_INSN_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Architectural limit on an instruction's length. */
#define INSN_MAX_LEN 15

enum insn_op {
    INSN_CMPXCHG8B,
    INSN_CMPXCHG16B,
    INSN_FXSAVE,
    INSN_FXRSTOR,
    INSN_LDMXCSR,
    INSN_STMXCSR,
    INSN_XSAVE,
    INSN_XRSTOR,
    INSN_XSAVEOPT,
    INSN_XSAVEC,
    INSN_OP_COUNT
};

/* Segment registers in their encoding order (as in a segment override). */
enum insn_seg { INSN_ES, INSN_CS, INSN_SS, INSN_DS, INSN_FS, INSN_GS };

/* General registers in encoding order: rax, rcx, rdx, rbx, rsp, rbp,
 * rsi, rdi, r8 ... r15. */
enum { INSN_RAX, INSN_RCX, INSN_RDX, INSN_RBX, INSN_RSP, INSN_RBP, INSN_RSI, INSN_RDI };

#define INSN_NO_REG (-1)

struct insn {
    enum insn_op op;
    unsigned len;       /* bytes, prefixes included */
    bool lock;
    bool rex_w;         /* cmpxchg16b, fxsave64 and the 64-bit xsave forms */
    enum insn_seg seg;  /* of the memory operand, override applied */
    /* The memory operand: base + index * scale + disp, plus the address
     * of the next instruction when rip_rel, in addr_bits bits. */
    int base, index;    /* INSN_NO_REG when absent */
    unsigned scale;
    int64_t disp;
    bool rip_rel;
    unsigned addr_bits; /* 64 or 32 */
};

enum insn_decode_result {
    INSN_DECODED,
    INSN_TRUNCATED, /* the bytes end inside the instruction */
    INSN_TOO_LONG,  /* more than INSN_MAX_LEN bytes: a #GP on the CPU */
    INSN_UNKNOWN,   /* not one of ours (or a form of it we do not take) */
};

/* Decodes the instruction at the start of bytes[0..n) for a CPU in
 * mode_bits (64: long mode, 32: protected mode with a 32-bit CS; 16 is
 * never decoded). */
enum insn_decode_result insn_decode(const uint8_t *bytes, unsigned n, unsigned mode_bits,
                                    struct insn *out);

/* The mnemonic, for logs ("cmpxchg16b", "fxsave64", ...). */
const char *insn_name(const struct insn *i);
/* The same per operation, without the 64 suffix; counts are kept per op. */
const char *insn_op_name(enum insn_op op);

#endif
