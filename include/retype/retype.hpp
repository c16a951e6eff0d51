// retype: the whole public API in one include. Each header also stands alone;
// include only the ones you use to keep builds fast.
//
// Not included: retype/plan/examples.hpp (the planner's built-in example
// systems, data rather than API). tests/freestanding checks that every other
// header under include/retype/ is listed here.
#pragma once

// errors, results and the allocator
#include <retype/allocator.hpp>
#include <retype/allocator/bootinfo_ops.hpp>
#include <retype/allocator/checks.hpp>
#include <retype/allocator/executor.hpp>
#include <retype/allocator/fast_path.hpp>
#include <retype/allocator/planned_path.hpp>
#include <retype/allocator/range_ops.hpp>
#include <retype/allocator/record_table.hpp>
#include <retype/allocator/request.hpp>
#include <retype/allocator/reservation_table.hpp>
#include <retype/allocator/slot_manager.hpp>
#include <retype/allocator/snapshot.hpp>
#include <retype/allocator/stranded.hpp>
#include <retype/allocator/types.hpp>
#include <retype/allocator/untyped_table.hpp>
#include <retype/error.hpp>
#include <retype/error_format.hpp>
#include <retype/invariant.hpp>
#include <retype/result.hpp>

// the constexpr kernel model
#include <retype/kernel/arch.hpp>
#include <retype/kernel/arch_names.hpp>
#include <retype/kernel/boot.hpp>
#include <retype/kernel/configs.hpp>
#include <retype/kernel/libsel4_config.hpp>
#include <retype/kernel/machine.hpp>
#include <retype/kernel/object_type.hpp>
#include <retype/kernel/untyped.hpp>
#include <retype/kernel/x86_boot.hpp>

// allocator policies
#include <retype/policy/alignment_source.hpp>
#include <retype/policy/array_free_list.hpp>
#include <retype/policy/capacity.hpp>
#include <retype/policy/config.hpp>
#include <retype/policy/free_list.hpp>
#include <retype/policy/granule.hpp>
#include <retype/policy/intrusive_free_list.hpp>
#include <retype/policy/metadata_placement.hpp>
#include <retype/policy/options.hpp>
#include <retype/policy/placement.hpp>
#include <retype/policy/split/binary_search.hpp>
#include <retype/policy/split/buddy.hpp>
#include <retype/policy/split/halving.hpp>
#include <retype/policy/split/watermark.hpp>
#include <retype/policy/split_strategy.hpp>
#include <retype/policy/target.hpp>

// backends
#include <retype/backend/bootinfo.hpp>
#include <retype/backend/concept.hpp>
#include <retype/backend/counting.hpp>
#include <retype/backend/model.hpp>
#include <retype/backend/recorder.hpp>
#include <retype/backend/sel4.hpp>

// the replay trace format
#include <retype/trace/format.hpp>
#include <retype/trace/names.hpp>
#include <retype/trace/parse.hpp>
#include <retype/trace/replay.hpp>
#include <retype/trace/runner.hpp>
#include <retype/trace/statement.hpp>
#include <retype/trace/stream.hpp>
#include <retype/trace/text_buffer.hpp>

// direct-mapped banks
#include <retype/banks/contiguous_allocator.hpp>
#include <retype/banks/domain.hpp>
#include <retype/banks/layout.hpp>
#include <retype/banks/pieces.hpp>
#include <retype/banks/shortfall.hpp>

// the planner
#include <retype/plan/boot_stages.hpp>
#include <retype/plan/check.hpp>
#include <retype/plan/description.hpp>
#include <retype/plan/diagnostic.hpp>
#include <retype/plan/loader.hpp>
#include <retype/plan/planner.hpp>
#include <retype/plan/vmm.hpp>
