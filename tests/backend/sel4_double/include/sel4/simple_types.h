// TEST DOUBLE of libsel4's <sel4/simple_types.h>: the fixed-width types and the word.
#pragma once

#include <sel4/config.h>

#include <cstdint>

typedef std::int8_t seL4_Int8;
typedef std::uint8_t seL4_Uint8;
typedef std::int16_t seL4_Int16;
typedef std::uint16_t seL4_Uint16;
typedef std::int32_t seL4_Int32;
typedef std::uint32_t seL4_Uint32;
typedef std::int64_t seL4_Int64;
typedef std::uint64_t seL4_Uint64;
typedef seL4_Int8 seL4_Bool;

#if CONFIG_WORD_SIZE == 64
typedef seL4_Uint64 seL4_Word;
#elif CONFIG_WORD_SIZE == 32
typedef seL4_Uint32 seL4_Word;
#else
#error "the double's configuration sets no CONFIG_WORD_SIZE"
#endif
typedef seL4_Word seL4_CPtr;
