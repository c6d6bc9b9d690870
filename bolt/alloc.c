/* Allocator hooks and the arena. Every allocation of the library comes through here so that
 * the malloc-failure tests can fail each one in turn. */
#include "bolt/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t size, void *ud)
{
    (void)ud;
    return malloc(size);
}
static void *libc_realloc(void *p, size_t size, void *ud)
{
    (void)ud;
    return realloc(p, size);
}
static void libc_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static bolt_allocator g_alloc = {libc_malloc, libc_realloc, libc_free, NULL};

void bolt_set_allocator(const bolt_allocator *a)
{
    if (a) {
        g_alloc = *a;
    } else {
        g_alloc.malloc = libc_malloc;
        g_alloc.realloc = libc_realloc;
        g_alloc.free = libc_free;
        g_alloc.ud = NULL;
    }
}

void *bolt_malloc(size_t size)
{
    return g_alloc.malloc(size ? size : 1, g_alloc.ud);
}

void *bolt_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    void *p = bolt_malloc(bytes);
    if (p) memset(p, 0, bytes ? bytes : 1);
    return p;
}

void *bolt_realloc(void *ptr, size_t size)
{
    return g_alloc.realloc(ptr, size ? size : 1, g_alloc.ud);
}

void bolt_free(void *ptr)
{
    if (ptr) g_alloc.free(ptr, g_alloc.ud);
}

char *bolt_strndup(const char *s, size_t len)
{
    char *p = bolt_malloc(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* ---- arena ---------------------------------------------------------------------------------
 * Blocks are chained newest first. Reset keeps only the largest block, so a steady stream of
 * similar messages settles on one block and never calls malloc again. */

struct bolt_arena_block {
    bolt_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, 16-byte aligned */
};

#define ARENA_HDR ((sizeof(bolt_arena_block) + 15u) & ~(size_t)15u)

void bolt_arena_init(bolt_arena *a, size_t first_block_size, size_t limit)
{
    a->head = NULL;
    a->block_size = first_block_size ? first_block_size : 4096;
    a->limit = limit;
    a->total = 0;
}

void *bolt_arena_alloc(bolt_arena *a, size_t size)
{
    /* Rounding SIZE_MAX-ish requests up would wrap to a tiny size and hand out 8 bytes. */
    if (size > SIZE_MAX - 7u) return NULL;
    size = (size + 7u) & ~(size_t)7u;
    if (size == 0) size = 8;
    bolt_arena_block *b = a->head;
    if (b && b->size - b->used >= size) {
        void *p = (uint8_t *)b + ARENA_HDR + b->used;
        b->used += size;
        return p;
    }
    size_t want = a->block_size;
    while (want < size) {
        if (want > SIZE_MAX / 2) return NULL;
        want *= 2;
    }
    if (want > SIZE_MAX - ARENA_HDR) return NULL;
    if (a->limit && a->total + want > a->limit) {
        if (a->total + size > a->limit) return NULL;
        want = size;
    }
    bolt_arena_block *nb = bolt_malloc(ARENA_HDR + want);
    if (!nb) return NULL;
    nb->size = want;
    nb->used = size;
    nb->next = a->head;
    a->head = nb;
    a->total += want;
    if (a->block_size < (size_t)1 << 24) a->block_size = want * 2;
    return (uint8_t *)nb + ARENA_HDR;
}

void bolt_arena_reset(bolt_arena *a)
{
    bolt_arena_block *keep = NULL;
    for (bolt_arena_block *b = a->head; b;) {
        bolt_arena_block *next = b->next;
        if (!keep || b->size > keep->size) {
            if (keep) bolt_free(keep);
            keep = b;
        } else {
            bolt_free(b);
        }
        b = next;
    }
    a->head = keep;
    a->total = 0;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        a->total = keep->size;
    }
}

void bolt_arena_free(bolt_arena *a)
{
    for (bolt_arena_block *b = a->head; b;) {
        bolt_arena_block *next = b->next;
        bolt_free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
