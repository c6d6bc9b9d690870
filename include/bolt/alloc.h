/* bolt/alloc.h - memory allocation hooks and the arena used for decoded values.
 *
 * Every heap allocation of the library goes through the allocator set here, so that tests
 * can inject failures at every allocation (nghttp2 style malloc-failure tests) and an
 * embedding application can supply its own allocator.
 *
 * Ownership: an arena owns every block it hands out; bolt_arena_reset() makes all of them
 * invalid at once, bolt_arena_free() returns the memory. Nothing allocated from an arena is
 * ever freed one by one.
 */
#ifndef BOLT_ALLOC_H
#define BOLT_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bolt_allocator {
    void *(*malloc)(size_t size, void *ud);
    void *(*realloc)(void *ptr, size_t size, void *ud);
    void (*free)(void *ptr, void *ud);
    void *ud;
} bolt_allocator;

/* Installs an allocator for the whole library; NULL restores the C library's. Not thread safe:
 * call it before any other bolt_ function is used. The struct is copied. */
void bolt_set_allocator(const bolt_allocator *a);

void *bolt_malloc(size_t size);
void *bolt_calloc(size_t n, size_t size); /* overflow-checked; zeroed */
void *bolt_realloc(void *ptr, size_t size);
void bolt_free(void *ptr);
char *bolt_strndup(const char *s, size_t len); /* NUL-terminated copy; bolt_free() it */

/* Arena (bump allocator). Decoded values of one message live in one arena that is reset for
 * the next message, so the hot path does no malloc per value. */
typedef struct bolt_arena_block bolt_arena_block;
typedef struct bolt_arena {
    bolt_arena_block *head; /* current block; older blocks chained behind it */
    size_t block_size;      /* size of the next block to allocate */
    size_t limit;           /* 0 = unlimited; otherwise bolt_arena_alloc fails past it */
    size_t total;           /* bytes of all blocks currently held */
} bolt_arena;

void bolt_arena_init(bolt_arena *a, size_t first_block_size, size_t limit);
/* 8-byte aligned memory, or NULL when out of memory or past the limit. */
void *bolt_arena_alloc(bolt_arena *a, size_t size);
/* Forgets every allocation but keeps the largest block for reuse. */
void bolt_arena_reset(bolt_arena *a);
void bolt_arena_free(bolt_arena *a);

#ifdef __cplusplus
}
#endif
#endif
