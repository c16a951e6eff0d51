/* tests/allocman: retype_allocman driven from C exactly as libsel4allocman's
 * bootstrap and camkes-vm's VMM drive utspace_split, on retype's kernel model.
 *
 * One test per process: `allocman_c_tests <name> [pages]`. allocman itself is
 * absent: `struct allocman` is this file's stand-in single-level cspace, and
 * allocman_cspace_alloc / allocman_cspace_free are defined here, as the
 * library declares them.
 *
 * Expected values are derived by hand from seL4's rules and the library's
 * documented policy (docs/c-allocman.md), with the derivation next to each. */
#include "model_kernel.h"

#include <retype_allocman/allocman.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef retype_allocman_word_t word;
typedef retype_allocman_path_t path;

/* ---- seL4 facts for the model's board (aarch64, kernel as hypervisor, non-MCS) ----
 * Type numbers (libsel4 sel4/objecttype.h, sel4_arch aarch64 objecttype.h, arch arm
 * objecttype.h): the five common types, then mode types (HugePage, VSpace), then arch
 * types (SmallPage, LargePage, PageTable, VCPU with CONFIG_ARM_HYPERVISOR_SUPPORT). */
enum {
    T_UNTYPED = 0,
    T_TCB = 1,
    T_ENDPOINT = 2,
    T_NOTIFICATION = 3,
    T_CNODE = 4,
    T_HUGE_PAGE = 5,
    T_VSPACE = 6,
    T_PAGE = 7,
    T_LARGE_PAGE = 8,
    T_PAGE_TABLE = 9,
    T_VCPU = 10,
};
/* Sizes (libsel4 sel4_arch aarch64 constants.h): TCB 11 (no debug API), endpoint 4,
 * notification 5 (non-MCS), page table 12, VSpace 13 (hyp with 40-bit PA), VCPU 12,
 * slot 5; pages 12, 21, 30. */
enum { B_TCB = 11, B_EP = 4, B_NTFN = 5, B_PT = 12, B_VSPACE = 13, B_VCPU = 12, B_SLOT = 5 };

#define PAGE_BITS 12
#define NO_PADDR RETYPE_ALLOCMAN_NO_PADDR
#define UT_KERNEL RETYPE_ALLOCMAN_UT_KERNEL
#define UT_DEV RETYPE_ALLOCMAN_UT_DEV
#define UT_DEV_MEM RETYPE_ALLOCMAN_UT_DEV_MEM
#define BIT(n) ((word)1 << (n))

/* ---- a minimal test harness ---- */
static int failures;
#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);                                      \
            if (++failures > 20) exit(1);                                                                              \
        }                                                                                                              \
    } while (0)
#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #c);                                    \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

/* ---- the stand-in allocman: a single-level cspace over model slots ----
 * Untypeds sit in slots 16..1023; free slots are 1024..MODEL_SLOTS-1, found by a
 * roving index over a bitmap, as allocman's cspace_single_level does. */
#define FIRST_FREE_SLOT 1024u
struct allocman {
    uint8_t used[MODEL_SLOTS];
    size_t next;
    size_t in_use;
    size_t peak;
};
static struct allocman* am;

static path make_path(word slot) {
    path p = {slot, 64, MODEL_ROOT, 0, 0, slot, 1};
    return p;
}

int allocman_cspace_alloc(struct allocman* a, path* slot) {
    for (size_t n = 0; n < MODEL_SLOTS - FIRST_FREE_SLOT; ++n) {
        size_t s = FIRST_FREE_SLOT + (a->next + n) % (MODEL_SLOTS - FIRST_FREE_SLOT);
        if (!a->used[s]) {
            a->used[s] = 1;
            a->next = s + 1 - FIRST_FREE_SLOT;
            if (++a->in_use > a->peak) a->peak = a->in_use;
            *slot = make_path(s);
            return 0;
        }
    }
    return 1;
}

void allocman_cspace_free(struct allocman* a, const path* slot) {
    REQUIRE(slot->capPtr >= FIRST_FREE_SLOT && slot->capPtr < MODEL_SLOTS && a->used[slot->capPtr]);
    /* allocman asserts the slot is empty: the library deletes its halves first. */
    REQUIRE(!model_occupied(slot->capPtr));
    a->used[slot->capPtr] = 0;
    --a->in_use;
}

static void setup(void) {
    REQUIRE(model_reset() == 0);
    am = calloc(1, sizeof(*am));
    REQUIRE(am != NULL);
}

/* ---- helpers in the shape of allocman's calls ---- */
static word next_untyped_slot = 16;

/* An untyped handed to the VMM (model) and given to the utspace with add_uts. */
static void give_untyped(retype_allocman_utspace_t* ut, word paddr, size_t bits, int kind, bool with_paddr) {
    word slot = next_untyped_slot++;
    REQUIRE(model_untyped(slot, paddr, (unsigned)bits, kind != UT_KERNEL) == 0);
    path p = make_path(slot);
    size_t b = bits;
    uintptr_t pa = paddr;
    REQUIRE(_utspace_split_add_uts(am, ut, 1, &p, &b, with_paddr ? &pa : NULL, kind) == 0);
}

struct obj {
    word cookie;
    word slot;
    size_t bits;
};

/* allocman_utspace_alloc(_at): a fresh slot, then alloc; the slot is released on failure. */
static bool alloc_obj(retype_allocman_utspace_t* ut, size_t bits, word type, uintptr_t paddr, bool dev,
                      struct obj* out) {
    path p;
    REQUIRE(allocman_cspace_alloc(am, &p) == 0);
    int err = -7;
    word c = _utspace_split_alloc(am, ut, bits, type, &p, paddr, dev, &err);
    if (err != 0) {
        CHECK(err == 1);
        CHECK(c == 0);
        CHECK(!model_occupied(p.capPtr));
        allocman_cspace_free(am, &p);
        return false;
    }
    CHECK(c != 0 && c != ~(word)0); /* camkes-vm's io-mapper uses -1 for "nothing" */
    REQUIRE(model_occupied(p.capPtr));
    /* the model's paddr of the new object and the library's agree */
    word pa = _utspace_split_paddr(ut, c, bits);
    CHECK(pa == NO_PADDR || pa == model_paddr(p.capPtr));
    if (paddr != NO_PADDR) CHECK(model_paddr(p.capPtr) == paddr);
    out->cookie = c;
    out->slot = p.capPtr;
    out->bits = bits;
    return true;
}

/* vka_free_object: delete the cap, free the slot, then utspace free. */
static void free_obj(retype_allocman_utspace_t* ut, const struct obj* o) {
    REQUIRE(model_delete(o->slot) == 0);
    path p = make_path(o->slot);
    allocman_cspace_free(am, &p);
    _utspace_split_free(am, ut, o->cookie, o->bits);
}

static size_t blocks_in_use(void) {
    retype_allocman_stats_t s;
    retype_allocman_get_stats(&s);
    return s.blocks_in_use;
}

/* ---- seed 001: camkes-vm's VMM on qemu-arm-virt with a 2 GiB guest ----
 * RAM: 12 untypeds of 2^24 (simple_untyped24_pool = 12) as KERNEL, placed here in the
 * kernel's RAM above 0x100000000; untyped_mmios: 0x8040000:12 (GIC virtual CPU
 * interface, outside guest RAM: DEV) and 0x40000000:30, 0x80000000:30 (inside the guest
 * RAM window [0x40000000, 0xC0000000): DEV_MEM), as camkes-vm's add_uts classifies them. */
#define GUEST_BASE ((word)0x40000000)
#define GIC_VCPU ((word)0x8040000)
static void seed001_untypeds(retype_allocman_utspace_t* ut) {
    for (word k = 0; k < 12; ++k) give_untyped(ut, (word)0x100000000 + k * BIT(24), 24, UT_KERNEL, true);
    give_untyped(ut, GIC_VCPU, 12, UT_DEV, true);
    give_untyped(ut, GUEST_BASE, 30, UT_DEV_MEM, true);
    give_untyped(ut, (word)0x80000000, 30, UT_DEV_MEM, true);
}

/* Kernel calls for n >= 9 ascending pages from the start of a fresh 2^30 block, with
 * RETYPE_ALLOCMAN_STREAM_AFTER = 8 (the default): pages 1..8 are split mode, the rest
 * stream. Page 1 halves 2^30 down to 2^12: 18 halvings of 2 retypes = 36, plus itself.
 * Page 3 halves the free 8 KiB buddy once (2), page 5 the free 16 KiB buddy twice (4),
 * page 7 the 8 KiB buddy from that once (2); pages 2, 4, 6, 8 use a free 4 KiB half.
 * From page 9 each page is one retype at a stream's watermark: the free buddies of
 * page 1's halvings (32 KiB, 64 KiB, ..., 512 MiB) each start where the stream is, and
 * so does the next 2^30 untyped. Extra calls: 36 + 2 + 4 + 2 = 44. */
#define STREAM_EXTRA_CALLS 44u
/* Blocks held after that: 15 untypeds + 2 per halving (18 + 1 + 2 + 1 = 22 halvings). */
#define SEED001_BLOCKS (15u + 44u)

static size_t pages_arg = (size_t)1 << 19; /* 2 GiB at 4 KiB */

static void test_seed001_1to1(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    seed001_untypeds(&ut);
    const size_t pages = pages_arg;
    const size_t before = model_calls();
    /* libsel4vm guest_ram.c ram_ut_alloc_iterator: vka cspace_alloc + make_path, then
     * utspace_alloc_at(frame, 12, paddr), which allocman's vka turns into alloc with that
     * paddr and canBeDev = true. One page at a time, ascending; never freed. */
    for (size_t i = 0; i < pages; ++i) {
        struct obj o;
        const word pa = GUEST_BASE + (word)i * BIT(PAGE_BITS);
        if (!alloc_obj(&ut, PAGE_BITS, T_PAGE, pa, true, &o)) {
            fprintf(stderr, "page %zu at 0x%lx refused\n", i, (unsigned long)pa);
            REQUIRE(0);
        }
        CHECK(model_paddr(o.slot) == pa);
    }
    const size_t calls = model_calls() - before;
    printf("1:1 guest RAM: %zu pages, %zu kernel calls, %zu blocks held, %zu refused\n", pages, calls, blocks_in_use(),
           model_refused());
    CHECK(model_refused() == 0);
    if (pages >= 9) {
        CHECK(calls == pages + STREAM_EXTRA_CALLS);
        CHECK(blocks_in_use() == SEED001_BLOCKS);
    }
    if (pages == ((size_t)1 << 19)) {
        /* the guest window is used up exactly: one more page at its end is refused, cleanly */
        struct obj o;
        const size_t c0 = model_calls();
        CHECK(!alloc_obj(&ut, PAGE_BITS, T_PAGE, GUEST_BASE + BIT(31), true, &o));
        CHECK(model_calls() == c0);
    }

    /* The VMM's other objects, from KERNEL RAM (vka objects: canBeDev = false). */
    const size_t held = blocks_in_use();
    struct obj objs[64];
    size_t n = 0;
    const struct {
        word type;
        size_t bits;
    } vmm[] = {
        {T_TCB, B_TCB},         {T_VCPU, B_VCPU},      {T_VSPACE, B_VSPACE}, {T_PAGE_TABLE, B_PT},
        {T_PAGE_TABLE, B_PT},   {T_PAGE_TABLE, B_PT},  {T_ENDPOINT, B_EP},   {T_NOTIFICATION, B_NTFN},
        {T_CNODE, 12 + B_SLOT}, {T_CNODE, 4 + B_SLOT}, {T_TCB, B_TCB},       {T_ENDPOINT, B_EP},
        {T_LARGE_PAGE, 21},     {T_PAGE, PAGE_BITS},
    };
    for (size_t k = 0; k < sizeof vmm / sizeof vmm[0]; ++k) {
        REQUIRE(alloc_obj(&ut, vmm[k].bits, vmm[k].type, NO_PADDR, false, &objs[n]));
        /* KERNEL RAM only: [0x100000000, 0x100000000 + 12 * 2^24) */
        const word pa = model_paddr(objs[n].slot);
        CHECK(pa >= (word)0x100000000 && pa + BIT(vmm[k].bits) <= (word)0x100000000 + 12 * BIT(24));
        CHECK((pa & (BIT(vmm[k].bits) - 1)) == 0);
        ++n;
    }
    /* the GIC virtual CPU interface frame at its fixed paddr (vgic_v2.c: alloc_at, 12 bits): DEV by paddr */
    REQUIRE(alloc_obj(&ut, PAGE_BITS, T_PAGE, GIC_VCPU, true, &objs[n]));
    CHECK(model_paddr(objs[n].slot) == GIC_VCPU);
    ++n;
    /* frees in an arbitrary order: every block merges back */
    for (size_t k = 0; k < n; ++k) free_obj(&ut, &objs[(k * 7) % n]); /* 7 and n = 15 are coprime */
    CHECK(blocks_in_use() == held);
    CHECK(model_refused() == 0);
}

static void test_seed001_non_1to1(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    seed001_untypeds(&ut);
    const size_t pages = pages_arg;
    const size_t before = model_calls();
    /* ram_alloc_iterator: vka_alloc_frame_maybe_device(vka, 12, true): no paddr, canBeDev. */
    uint8_t* seen = calloc((size_t)1 << 19, 1);
    REQUIRE(seen != NULL);
    for (size_t i = 0; i < pages; ++i) {
        struct obj o;
        REQUIRE(alloc_obj(&ut, PAGE_BITS, T_PAGE, NO_PADDR, true, &o));
        const word pa = model_paddr(o.slot);
        /* DEV_MEM is preferred, and 2 GiB of it exists: every page is in the guest window */
        REQUIRE(pa >= GUEST_BASE && pa < GUEST_BASE + BIT(31));
        const size_t page = (size_t)((pa - GUEST_BASE) >> PAGE_BITS);
        CHECK(!seen[page]);
        seen[page] = 1;
    }
    free(seen);
    const size_t calls = model_calls() - before;
    printf("non-1:1 guest RAM: %zu pages, %zu kernel calls, %zu blocks held\n", pages, calls, blocks_in_use());
    /* The same 44 as the 1:1 stream: page 1 halves the newest DEV_MEM untyped (the LIFO
     * top, 0x80000000) to 4 KiB, pages 2..8 take its smallest free buddies, and from page
     * 9 each stream starts in the smallest free block, which is whole. */
    if (pages >= 9) CHECK(calls == pages + STREAM_EXTRA_CALLS);
    if (pages == ((size_t)1 << 19)) {
        /* DEV_MEM is used up: the next no-paddr page comes from KERNEL RAM */
        struct obj o;
        REQUIRE(alloc_obj(&ut, PAGE_BITS, T_PAGE, NO_PADDR, true, &o));
        CHECK(model_paddr(o.slot) >= (word)0x100000000);
    }
    CHECK(model_refused() == 0);
}

/* ---- conformance: utspace_split's contract ---- */

static void test_errors(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    give_untyped(&ut, (word)0x100000000, 20, UT_KERNEL, true);
    struct obj o;
    const size_t c0 = model_calls();
    CHECK(!alloc_obj(&ut, 0, T_UNTYPED, NO_PADDR, false, &o));        /* size 0 */
    CHECK(!alloc_obj(&ut, 12, T_TCB, NO_PADDR, false, &o));           /* TCB is 2^11 */
    CHECK(!alloc_obj(&ut, 13, T_PAGE, NO_PADDR, false, &o));          /* a 4 KiB frame is 2^12 */
    CHECK(!alloc_obj(&ut, B_SLOT, T_CNODE, NO_PADDR, false, &o));     /* CNode of 2^0 slots */
    CHECK(!alloc_obj(&ut, 3, T_UNTYPED, NO_PADDR, false, &o));        /* below seL4_MinUntypedBits */
    CHECK(!alloc_obj(&ut, 12, 99, NO_PADDR, false, &o));              /* no such type */
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x100000800, false, &o)); /* paddr not aligned */
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x200000000, true, &o));  /* paddr in no untyped */
    CHECK(!alloc_obj(&ut, 21, T_LARGE_PAGE, NO_PADDR, false, &o));    /* larger than all memory */
    CHECK(model_calls() == c0);                                       /* refused before any kernel call */
    /* error may be NULL, as allocman allows */
    path p;
    REQUIRE(allocman_cspace_alloc(am, &p) == 0);
    CHECK(_utspace_split_alloc(am, &ut, 0, T_UNTYPED, &p, NO_PADDR, false, NULL) == 0);
    CHECK(_utspace_split_alloc(am, &ut, 12, T_PAGE, &p, NO_PADDR, false, NULL) != 0);
    /* add_uts: an unknown kind is -1 (split.c's answer); a bad size changes nothing */
    path u = make_path(900);
    size_t bits = 12;
    uintptr_t pa = 0x300000000;
    CHECK(_utspace_split_add_uts(am, &ut, 1, &u, &bits, &pa, 3) == -1);
    const size_t held = blocks_in_use();
    path two[2] = {make_path(901), make_path(902)};
    size_t two_bits[2] = {12, 60};
    uintptr_t two_pa[2] = {0x300000000, 0x400000000};
    CHECK(_utspace_split_add_uts(am, &ut, 2, two, two_bits, two_pa, UT_KERNEL) != 0);
    CHECK(blocks_in_use() == held);
    /* an invalid cookie is ignored by free and has no paddr */
    _utspace_split_free(am, &ut, (word)0x7777, 12);
    CHECK(_utspace_split_paddr(&ut, (word)0x7777, 12) == NO_PADDR);
    CHECK(blocks_in_use() == held);
}

/* With a paddr: DEV, then DEV_MEM (only if canBeDev), then KERNEL; without: DEV_MEM
 * (only if canBeDev), then KERNEL; DEV never without a paddr. */
static void test_kind_rules(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    give_untyped(&ut, (word)0x10000000, 16, UT_DEV, true);
    give_untyped(&ut, (word)0x20000000, 16, UT_DEV_MEM, true);
    give_untyped(&ut, (word)0x100000000, 16, UT_KERNEL, true);
    struct obj o;
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x10000000, false, &o)); /* DEV needs canBeDev */
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x20000000, false, &o)); /* DEV_MEM too */
    CHECK(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000, true, &o));
    CHECK(alloc_obj(&ut, 12, T_PAGE, (word)0x20000000, true, &o));
    CHECK(alloc_obj(&ut, 12, T_PAGE, (word)0x100000000, false, &o)); /* KERNEL by paddr, any flag */
    /* no paddr, canBeDev: DEV_MEM first */
    CHECK(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, true, &o));
    CHECK(model_paddr(o.slot) >= (word)0x20000000 && model_paddr(o.slot) < (word)0x20010000);
    /* no paddr, not canBeDev: KERNEL */
    CHECK(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &o));
    CHECK(model_paddr(o.slot) >= (word)0x100000000);
    /* DEV is used only by paddr: a DEV-only utspace refuses every no-paddr request */
    retype_allocman_utspace_t dev;
    utspace_split_create(&dev);
    give_untyped(&dev, (word)0x30000000, 20, UT_DEV, true);
    CHECK(!alloc_obj(&dev, 12, T_PAGE, NO_PADDR, true, &o));
    CHECK(!alloc_obj(&dev, 12, T_PAGE, NO_PADDR, false, &o));
    CHECK(alloc_obj(&dev, 12, T_PAGE, (word)0x30005000, true, &o));
}

/* Smallest fitting block first: a 1 GiB untyped stays whole through hundreds of small
 * allocations that fit in a 1 MiB one, then backs a 1 GiB frame. */
static void test_smallest_first(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    give_untyped(&ut, (word)0x140000000, 30, UT_KERNEL, true);
    give_untyped(&ut, (word)0x100000000, 20, UT_KERNEL, true);
    struct obj o;
    /* 64 pages (256 KiB) + 64 TCBs (128 KiB) + 128 endpoints (2 KiB) + 64 notifications: < 1 MiB;
     * about 2 blocks each, within the default RETYPE_ALLOCMAN_BLOCKS (1024) */
    for (int k = 0; k < 64; ++k) {
        REQUIRE(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &o));
        CHECK(model_paddr(o.slot) < (word)0x100100000);
        REQUIRE(alloc_obj(&ut, B_TCB, T_TCB, NO_PADDR, false, &o));
        CHECK(model_paddr(o.slot) < (word)0x100100000);
        REQUIRE(alloc_obj(&ut, B_EP, T_ENDPOINT, NO_PADDR, false, &o));
        REQUIRE(alloc_obj(&ut, B_EP, T_ENDPOINT, NO_PADDR, false, &o));
        CHECK(model_paddr(o.slot) < (word)0x100100000);
    }
    for (int k = 0; k < 64; ++k) REQUIRE(alloc_obj(&ut, B_NTFN, T_NOTIFICATION, NO_PADDR, false, &o));
    CHECK(model_paddr(o.slot) < (word)0x100100000);
    REQUIRE(alloc_obj(&ut, 30, T_HUGE_PAGE, NO_PADDR, false, &o));
    CHECK(model_paddr(o.slot) == (word)0x140000000);
}

/* free makes memory reusable at once, in any order: frames at paddrs inside a device
 * untyped, freed in a shuffled order and allocated again at the same paddr while the
 * others are alive; and an untyped object freed and taken again whole. */
static void test_free_reuse(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    give_untyped(&ut, (word)0x10000000, 20, UT_DEV, true);
    const size_t held = blocks_in_use();
    enum { N = 8 }; /* runs of up to STREAM_AFTER requests are served object by object */
    struct obj f[N];
    for (int k = 0; k < N; ++k) REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + (word)k * 0x1000, true, &f[k]));
    const int order[N] = {5, 0, 7, 2, 6, 1, 4, 3};
    for (int k = 0; k < N; ++k) {
        const int i = order[k];
        free_obj(&ut, &f[i]);
        REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + (word)i * 0x1000, true, &f[i]));
    }
    for (int k = 0; k < N; ++k) free_obj(&ut, &f[order[k]]);
    CHECK(blocks_in_use() == held); /* every halving merged back */
    /* the whole untyped is one block again: a 2^20 untyped object at its base */
    struct obj whole;
    REQUIRE(alloc_obj(&ut, 20, T_UNTYPED, (word)0x10000000, true, &whole));
    free_obj(&ut, &whole);
    /* A streamed run (more than STREAM_AFTER pages): its memory comes back when the
     * run's last object is freed, and then the same paddrs serve again. */
    struct obj run[40], o1;
    for (int k = 0; k < 40; ++k)
        REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + (word)k * 0x1000, true, &run[k]));
    /* the documented limit: page 20 sits in the stream block of pages 17..32 (from page 9
     * on, each stream block is the free buddy where the run continues: 32 KiB for 9..16,
     * 64 KiB for 17..32), so while 17..32 live its memory cannot be retyped again */
    free_obj(&ut, &run[19]);
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + 19 * 0x1000, true, &o1));
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + 40 * 0x1000, true, &run[19])); /* the run goes on */
    for (int k = 39; k >= 0; --k) free_obj(&ut, &run[(k * 7) % 40]);
    CHECK(blocks_in_use() == held);
    REQUIRE(alloc_obj(&ut, 20, T_UNTYPED, (word)0x10000000, true, &whole));
    free_obj(&ut, &whole);
    /* no paddr: fill, free all in another order, fill again: the same count fits */
    give_untyped(&ut, (word)0x100000000, 16, UT_KERNEL, true);
    struct obj g[16];
    int count = 0;
    while (count < 16 && alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &g[count])) ++count;
    CHECK(count == 16); /* 2^16 / 2^12 */
    for (int k = 0; k < 16; ++k) free_obj(&ut, &g[(k * 3) % 16]);
    int again = 0;
    while (again < 16 && alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &g[again])) ++again;
    CHECK(again == 16);
    CHECK(!alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &g[0]));
}

/* Each stream block holds one run: a run that starts after another does not stream
 * into the first one's block, so freeing the first run gives its memory back. */
static void test_runs_isolated(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    const word x = 0x100000000;
    give_untyped(&ut, x, 20, UT_KERNEL, true);
    /* run A: pages 1..8 by splitting fill [x, x + 32 KiB); pages 9..12 stream into the
     * free 32 KiB buddy at x + 32 KiB, leaving a 16 KiB tail */
    struct obj a[12], b[12], t;
    for (int k = 0; k < 12; ++k) REQUIRE(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &a[k]));
    CHECK(model_paddr(a[8].slot) == x + 0x8000);
    REQUIRE(alloc_obj(&ut, B_TCB, T_TCB, NO_PADDR, false, &t)); /* ends run A */
    for (int k = 0; k < 12; ++k) {
        REQUIRE(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &b[k]));
        const word pa = model_paddr(b[k].slot);
        CHECK(pa < x + 0x8000 || pa >= x + 0x10000); /* never in run A's stream block */
    }
    for (int k = 0; k < 12; ++k) free_obj(&ut, &a[k]);
    /* [x, x + 64 KiB) is one free block again: a 32 KiB untyped object at x + 32 KiB */
    struct obj u;
    REQUIRE(alloc_obj(&ut, 15, T_UNTYPED, x + 0x8000, false, &u));
}

/* A request at a paddr inside a stream block's tail, above its watermark: the gap is
 * filled with padding untypeds (usable blocks), and everything comes back. */
static void test_tail_by_paddr(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    const word base = 0x10000000;
    give_untyped(&ut, base, 20, UT_DEV, true);
    const size_t held = blocks_in_use();
    /* pages 0..11 ascending: 0..7 by splitting, 8..11 stream into the 32 KiB block at
     * base + 32 KiB, whose watermark is then at offset 16 KiB (base + 48 KiB) */
    struct obj f[16];
    for (int k = 0; k < 12; ++k) REQUIRE(alloc_obj(&ut, 12, T_PAGE, base + (word)k * 0x1000, true, &f[k]));
    /* page 14 (offset 24 KiB): one 8 KiB padding untyped at offset 16 KiB, then the page */
    size_t c0 = model_calls();
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, base + 14 * 0x1000, true, &f[14]));
    CHECK(model_calls() - c0 == 2);
    /* pages 12 and 13 come from the padding block: halved once (2 calls), then 1 each */
    c0 = model_calls();
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, base + 13 * 0x1000, true, &f[13]));
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, base + 12 * 0x1000, true, &f[12]));
    CHECK(model_calls() - c0 == 4);
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, base + 15 * 0x1000, true, &f[15])); /* at the watermark */
    const int order[16] = {14, 3, 12, 9, 0, 15, 13, 6, 1, 10, 2, 11, 5, 8, 4, 7};
    for (int k = 0; k < 16; ++k) free_obj(&ut, &f[order[k]]);
    CHECK(blocks_in_use() == held);
    struct obj whole;
    REQUIRE(alloc_obj(&ut, 20, T_UNTYPED, base, true, &whole));
    CHECK(model_refused() == 0);
}

/* Probing by exhaustion, as sel4test does: untyped objects from 2^31 down, each size
 * until it fails. Failure costs no kernel call, and everything is found. */
static void test_exhaustion_probe(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    /* 2^30 + 2^24 + 3 * 2^16 + 2^12 bytes of KERNEL RAM */
    give_untyped(&ut, (word)0x140000000, 30, UT_KERNEL, true);
    give_untyped(&ut, (word)0x101000000, 24, UT_KERNEL, true);
    for (word k = 0; k < 3; ++k) give_untyped(&ut, (word)0x100000000 + k * BIT(16), 16, UT_KERNEL, true);
    give_untyped(&ut, (word)0x100100000, 12, UT_KERNEL, false); /* without a paddr */
    word total = 0;
    for (int bits = 31; bits >= 4; --bits) {
        for (;;) {
            struct obj o;
            const size_t c0 = model_calls();
            if (!alloc_obj(&ut, (size_t)bits, T_UNTYPED, NO_PADDR, false, &o)) {
                CHECK(model_calls() == c0); /* clean and cheap: no kernel call for a refusal */
                break;
            }
            total += BIT(bits);
        }
    }
    CHECK(total == BIT(30) + BIT(24) + 3 * BIT(16) + BIT(12));
    CHECK(model_refused() == 0);
}

/* Untyped objects of 2^10 to 2^19 tiling a device region by paddr, then freed: the
 * region is whole again. */
static void test_tiling(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    const word base = 0x10000000;
    give_untyped(&ut, base, 20, UT_DEV, true);
    const size_t held = blocks_in_use();
    struct obj t[11];
    word at = base;
    int n = 0;
    for (int bits = 19; bits >= 10; --bits) {
        REQUIRE(alloc_obj(&ut, (size_t)bits, T_UNTYPED, at, true, &t[n]));
        CHECK(model_paddr(t[n].slot) == at);
        ++n;
        at += BIT(bits);
    }
    REQUIRE(alloc_obj(&ut, 10, T_UNTYPED, at, true, &t[n])); /* the last 2^10 */
    ++n;
    CHECK(at + BIT(10) == base + BIT(20));
    struct obj o;
    CHECK(!alloc_obj(&ut, 12, T_PAGE, base, true, &o)); /* covered: in use */
    for (int k = 0; k < n; ++k) free_obj(&ut, &t[(k * 4) % n]);
    CHECK(blocks_in_use() == held);
    REQUIRE(alloc_obj(&ut, 20, T_UNTYPED, base, true, &o));
}

/* add_uts at any time, interleaved with allocations; the paddr array may be NULL (such
 * untypeds serve no-paddr requests and report no paddr); sizes 2^4 to 2^46. */
static void test_add_uts_interleaved(void) {
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    struct obj o;
    CHECK(!alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &o)); /* empty */
    give_untyped(&ut, (word)0x100000000, 13, UT_KERNEL, false);
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, NO_PADDR, false, &o));
    CHECK(_utspace_split_paddr(&ut, o.cookie, 12) == NO_PADDR);       /* unknown, as split.c says */
    CHECK(!alloc_obj(&ut, 12, T_PAGE, (word)0x100000000, false, &o)); /* no paddr known: not by paddr */
    give_untyped(&ut, (word)0x100010000, 16, UT_KERNEL, true);
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x100012000, false, &o));
    /* every size 2^4 .. 2^46 as a DEV untyped, each at its own aligned address, and
     * an untyped object of that whole size at its paddr */
    for (int bits = 4; bits <= 46; ++bits) {
        /* Disjoint for distinct bits, and aligned to 2^bits in kernel-virtual terms: the
         * model's aarch64-hyp kernel window starts at 2^39 (pptr = paddr + 2^39), so from
         * 2^39 up the paddr itself is not aligned, as on the real kernel (seL4 #1585). */
        const word pa = bits < 39 ? BIT(47) + BIT(bits) : BIT(48) + BIT(bits) - BIT(39);
        give_untyped(&ut, pa, (size_t)bits, UT_DEV, true);
        const size_t c0 = model_calls();
        REQUIRE(alloc_obj(&ut, (size_t)bits, T_UNTYPED, pa, true, &o));
        CHECK(model_calls() == c0 + 1); /* the block is exactly the object: no halving */
    }
    CHECK(model_refused() == 0);
}

/* Two instances in one process, as bootstrap's private device-carving instance beside
 * the main one (perform_sub_allocation): untyped pieces carved by paddr from the
 * private one are added to the main one as DEV_MEM and DEV. */
static void test_two_instances(void) {
    retype_allocman_utspace_t main_ut, carve;
    utspace_split_create(&main_ut);
    utspace_split_create(&carve);
    give_untyped(&carve, (word)0x40000000, 24, UT_DEV, true);
    /* a RAM region [0x40400000, 0x40c00000) inside the device untyped: pieces by the
     * largest aligned power of two, as get_next_alignment_bits picks them */
    const struct {
        word pa;
        size_t bits;
        int kind;
    } pieces[] = {
        {0x40000000, 22, UT_DEV}, {0x40400000, 22, UT_DEV_MEM}, {0x40800000, 22, UT_DEV_MEM},
        {0x40c00000, 22, UT_DEV}, {0x41000000, 24, UT_DEV},
    };
    for (size_t k = 0; k < 4; ++k) {
        struct obj o;
        REQUIRE(alloc_obj(&carve, pieces[k].bits, T_UNTYPED, pieces[k].pa, true, &o));
        path p = make_path(o.slot);
        size_t b = pieces[k].bits;
        uintptr_t pa = pieces[k].pa;
        REQUIRE(_utspace_split_add_uts(am, &main_ut, 1, &p, &b, &pa, pieces[k].kind) == 0);
    }
    struct obj o;
    REQUIRE(alloc_obj(&main_ut, 12, T_PAGE, NO_PADDR, true, &o)); /* DEV_MEM */
    CHECK(model_paddr(o.slot) >= (word)0x40400000 && model_paddr(o.slot) < (word)0x40c00000);
    CHECK(!alloc_obj(&main_ut, 12, T_PAGE, NO_PADDR, false, &o));         /* no KERNEL RAM at all */
    REQUIRE(alloc_obj(&main_ut, 12, T_PAGE, (word)0x40c01000, true, &o)); /* DEV piece by paddr */
    /* the carving instance keeps its own blocks: its memory is handed out */
    CHECK(!alloc_obj(&carve, 12, T_PAGE, (word)0x40400000, true, &o));
    /* cookies of one instance mean nothing to the other */
    CHECK(_utspace_split_paddr(&carve, o.cookie, 12) == NO_PADDR);
    CHECK(_utspace_split_paddr(&main_ut, o.cookie, 12) == (word)0x40c01000);
}

/* The vka_t adapter without allocman: vka's size conventions (size_bits as for
 * Untyped_Retype: a CNode's slot bits), its own slot window. */
static void test_vka_adapter(void) {
    retype_vka_t vka;
    static retype_vka_state_t st;
    static word bitmap[(4096 + 63) / 64];
    REQUIRE(retype_vka_init(&vka, &st, MODEL_ROOT, 64, 200000, 4096, bitmap) == 0);
    REQUIRE(model_untyped(20, (word)0x100000000, 20, 0) == 0);
    REQUIRE(model_untyped(21, (word)0x10000000, 16, 1) == 0);
    path u0 = make_path(20), u1 = make_path(21);
    size_t b0 = 20, b1 = 16;
    uintptr_t p0 = 0x100000000, p1 = 0x10000000;
    REQUIRE(retype_vka_add_uts(&st, 1, &u0, &b0, &p0, UT_KERNEL) == 0);
    REQUIRE(retype_vka_add_uts(&st, 1, &u1, &b1, &p1, UT_DEV) == 0);
    word slot;
    path dest;
    word cookie;
    /* vka_alloc_object(TCB): cspace_alloc, make_path, utspace_alloc */
    REQUIRE(vka.cspace_alloc(vka.data, &slot) == 0);
    vka.cspace_make_path(vka.data, slot, &dest);
    CHECK(dest.capPtr == slot && dest.offset == slot && dest.root == MODEL_ROOT);
    REQUIRE(vka.utspace_alloc(vka.data, &dest, T_TCB, B_TCB, &cookie) == 0);
    CHECK(model_occupied(slot));
    /* a CNode of 2^8 slots: vka's size_bits is 8, 2^13 bytes in memory */
    word cslot, ccookie;
    path cdest;
    REQUIRE(vka.cspace_alloc(vka.data, &cslot) == 0);
    vka.cspace_make_path(vka.data, cslot, &cdest);
    REQUIRE(vka.utspace_alloc(vka.data, &cdest, T_CNODE, 8, &ccookie) == 0);
    CHECK(vka.utspace_paddr(vka.data, ccookie, T_CNODE, 8) == model_paddr(cslot));
    CHECK((model_paddr(cslot) & (BIT(8 + B_SLOT) - 1)) == 0);
    /* a device frame at its paddr */
    word fslot, fcookie;
    path fdest;
    REQUIRE(vka.cspace_alloc(vka.data, &fslot) == 0);
    vka.cspace_make_path(vka.data, fslot, &fdest);
    REQUIRE(vka.utspace_alloc_at(vka.data, &fdest, T_PAGE, 12, (word)0x10003000, &fcookie) == 0);
    CHECK(model_paddr(fslot) == (word)0x10003000);
    CHECK(vka.utspace_paddr(vka.data, fcookie, T_PAGE, 12) == (word)0x10003000);
    /* maybe_device without the flag: never DEV */
    word mslot, mcookie;
    path mdest;
    REQUIRE(vka.cspace_alloc(vka.data, &mslot) == 0);
    vka.cspace_make_path(vka.data, mslot, &mdest);
    REQUIRE(vka.utspace_alloc_maybe_device(vka.data, &mdest, T_PAGE, 12, false, &mcookie) == 0);
    CHECK(model_paddr(mslot) >= (word)0x100000000);
    /* vka_free_object: delete, cspace_free, utspace_free */
    REQUIRE(model_delete(fslot) == 0);
    vka.cspace_free(vka.data, fslot);
    vka.utspace_free(vka.data, T_PAGE, 12, fcookie);
    REQUIRE(vka.cspace_alloc(vka.data, &fslot) == 0);
    vka.cspace_make_path(vka.data, fslot, &fdest);
    REQUIRE(vka.utspace_alloc_at(vka.data, &fdest, T_PAGE, 12, (word)0x10003000, &fcookie) == 0);
    CHECK(model_refused() == 0);
}

/* Built with RETYPE_ALLOCMAN_STREAM_AFTER = 0 and RETYPE_ALLOCMAN_BLOCKS = 64
 * (binary allocman_c_tests_small): split mode only, and a static area that runs out. */
static void test_small_pool(void) {
    retype_allocman_stats_t st;
    retype_allocman_get_stats(&st);
    REQUIRE(st.stream_after == 0 && st.blocks_capacity == 64);
    retype_allocman_utspace_t ut;
    utspace_split_create(&ut);
    give_untyped(&ut, (word)0x10000000, 16, UT_DEV, true);
    give_untyped(&ut, (word)0x100000000, 20, UT_KERNEL, true);
    /* 16 ascending frames filling the 2^16 device untyped, every one by splitting: a
     * binary tree with 16 leaves has 15 inner nodes, 2 retypes each, plus 16 objects. */
    struct obj f[16];
    const size_t c0 = model_calls();
    for (int k = 0; k < 16; ++k) REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x10000000 + (word)k * 0x1000, true, &f[k]));
    CHECK(model_calls() - c0 == 15 * 2 + 16);
    CHECK(blocks_in_use() == 2 + 30);
    /* without streams, any frame comes back at once, even from the middle of the run */
    free_obj(&ut, &f[12]);
    REQUIRE(alloc_obj(&ut, 12, T_PAGE, (word)0x1000c000, true, &f[12]));
    for (int k = 0; k < 16; ++k) free_obj(&ut, &f[(k * 5) % 16]);
    CHECK(blocks_in_use() == 2);
    /* 200 endpoints from the 2^20 KERNEL untyped: the first halves 2^20 down to 2^4
     * (16 halvings, 32 of the 62 free descriptors); once fewer than 2 are left, the rest
     * are served at a block's watermark instead of being refused. */
    struct obj e[200];
    for (int k = 0; k < 200; ++k) {
        REQUIRE(alloc_obj(&ut, B_EP, T_ENDPOINT, NO_PADDR, false, &e[k]));
        const word pa = model_paddr(e[k].slot);
        CHECK(pa >= (word)0x100000000 && pa < (word)0x100100000);
    }
    retype_allocman_get_stats(&st);
    CHECK(st.blocks_peak >= 63); /* the static area did run out */
    for (int k = 0; k < 200; ++k) free_obj(&ut, &e[(k * 7) % 200]);
    CHECK(blocks_in_use() == 2);
    /* and the whole 2^20 is one block again */
    struct obj whole;
    REQUIRE(alloc_obj(&ut, 20, T_UNTYPED, NO_PADDR, false, &whole));
    CHECK(model_paddr(whole.slot) == (word)0x100000000);
    CHECK(model_refused() == 0);
}

static const struct {
    const char* name;
    void (*fn)(void);
} tests[] = {
    {"small_pool", test_small_pool},
    {"seed001_1to1", test_seed001_1to1},
    {"seed001_non_1to1", test_seed001_non_1to1},
    {"errors", test_errors},
    {"kind_rules", test_kind_rules},
    {"smallest_first", test_smallest_first},
    {"free_reuse", test_free_reuse},
    {"exhaustion_probe", test_exhaustion_probe},
    {"runs_isolated", test_runs_isolated},
    {"tail_by_paddr", test_tail_by_paddr},
    {"tiling", test_tiling},
    {"add_uts_interleaved", test_add_uts_interleaved},
    {"two_instances", test_two_instances},
    {"vka_adapter", test_vka_adapter},
};

int main(int argc, char** argv) {
    if (argc < 2) {
        for (size_t k = 0; k < sizeof tests / sizeof tests[0]; ++k) printf("%s\n", tests[k].name);
        return 0;
    }
    if (argc >= 3) pages_arg = (size_t)strtoul(argv[2], NULL, 0);
    for (size_t k = 0; k < sizeof tests / sizeof tests[0]; ++k) {
        if (strcmp(argv[1], tests[k].name) == 0) {
            setup();
            tests[k].fn();
            if (failures) fprintf(stderr, "%s: %d failure(s)\n", argv[1], failures);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
}
