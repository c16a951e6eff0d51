// Differential, randomized: random requests through every composition, checked
// against the kernel model after each step. Seeded; the seed is in every failure
// message (set RETYPE_SEED to replay one). Total: 16 compositions x 64,000 steps
// = 1,024,000 operations.
#include "matrix.hpp"

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace retype;
using kernel::object_type;

namespace {
std::uint64_t base_seed() {
    if (const char* s = std::getenv("RETYPE_SEED")) return std::strtoull(s, nullptr, 0);
    return 0x5e14'0003;
}
} // namespace

template <class T>
class Differential : public ::testing::Test {};
TYPED_TEST_SUITE(Differential, test::matrix);

TYPED_TEST(Differential, EveryPredictionMatchesTheModel) {
    using A = typename TypeParam::type;
    constexpr const kernel::config& cfg = TypeParam::cfg;
    const auto t = kernel::traits(cfg);
    const std::uint64_t seed =
        base_seed() ^
        std::hash<std::string>{}(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name());
    SCOPED_TRACE(::testing::Message() << "RETYPE_SEED=" << base_seed() << " (composition seed " << seed << ")");
    std::mt19937_64 rng(seed);
    auto m = std::make_unique<test::small_model>(cfg);
    auto a = std::make_unique<A>(*m);
    ASSERT_TRUE(a->add_slots(64, 448));
    const auto boot = test::bootinfo<cfg>();
    for (std::size_t i = 0; i < boot.size(); ++i)
        ASSERT_TRUE(a->add_untyped(1 + i, boot[i].paddr, boot[i].size_bits, boot[i].device));

    std::vector<object_type> types;
    for (object_type k : kernel::all_object_types)
        if (kernel::exists(cfg, k) && k != object_type::frame_1g && k != object_type::supersection) types.push_back(k);

    struct live {
        allocation r;
        kernel::paddr_t end;
    };
    std::vector<live> lives;
    const auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    std::uint64_t ok = 0, mispredicted = 0;
    constexpr int steps = 64000;
    for (int step = 0; step < steps; ++step) {
        SCOPED_TRACE(::testing::Message() << "step " << step);
        const std::uint64_t op = pick(100);
        const bool check_unchanged = step % 8 == 0;
        typename A::snapshot_type before{};
        std::unique_ptr<test::small_model> mbefore;
        if (check_unchanged) {
            before = a->snapshot();
            mbefore = std::make_unique<test::small_model>(*m);
        }
        result<void> done{};
        result<allocation> got = failure(error{});
        bool allocating = false;
        if (op < 45 || lives.empty()) {
            allocating = true;
            const object_type k = types[pick(types.size())];
            std::uint64_t size_bits = 0;
            if (k == object_type::untyped) size_bits = t.min_untyped_bits + pick(14);
            if (k == object_type::cnode) size_bits = 1 + pick(8);
            if (k == object_type::sched_context) size_bits = 7 + pick(4);
            const memory mem = kernel::is_frame(k) && pick(4) == 0 ? memory::device : memory::ram;
            got = a->allocate(k, size_bits, 1 + pick(pick(3) == 0 ? 40 : 4), mem);
        } else if (op < 60) {
            allocating = true;
            const auto& u = boot[pick(boot.size())];
            const unsigned bits = 12 + static_cast<unsigned>(pick(4));
            const kernel::paddr_t at = u.paddr + (pick(std::uint64_t{1} << (u.size_bits - bits)) << bits);
            const object_type k = bits == 12 ? object_type::frame_4k : object_type::untyped;
            got = a->allocate_at(k, bits == 12 ? 0 : bits, at, u.device ? memory::device : memory::ram);
        } else if (op < 65) {
            allocating = true;
            got = a->allocate_range((1 + pick(16)) << A::config.granule_bits);
        } else if (op < 97) {
            const std::size_t i = pick(lives.size());
            done = a->free(lives[i].r.id);
            if (done) lives.erase(lives.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            const backend::slot_t s = 1 + pick(boot.size());
            done = a->reset(s);
            ASSERT_TRUE(done);
            std::erase_if(lives, [&](const live& l) { return !a->live(l.r.id); });
        }
        if (allocating && got) {
            ++ok;
            const allocation& r = *got;
            ASSERT_TRUE(m->occupied(r.slot));
            ASSERT_EQ(m->paddr(r.slot), r.paddr);
            ASSERT_EQ(m->paddr(r.slot + r.count - 1), r.paddr + ((r.count - 1) << r.object_bits));
            ASSERT_EQ(t.to_pptr(r.paddr) & ((std::uint64_t{1} << r.object_bits) - 1), 0u);
            const kernel::paddr_t end = r.paddr + (r.count << r.object_bits);
            for (const live& l : lives) ASSERT_TRUE(end <= l.r.paddr || l.end <= r.paddr) << "overlap";
            lives.push_back(live{r, end});
        } else if (allocating) {
            const error_code c = got.error().code;
            if (c == error_code::mispredicted) {
                ASSERT_FALSE(TypeParam::pptr) << "a kernel-virtual prediction was contradicted";
                ++mispredicted;
            } else {
                ASSERT_TRUE(c == error_code::not_enough_memory || c == error_code::untypeds_exhausted ||
                            c == error_code::records_exhausted || c == error_code::slots_exhausted ||
                            c == error_code::overlap || c == error_code::misaligned ||
                            c == error_code::not_in_untyped || c == error_code::spans_untypeds ||
                            c == error_code::device_mismatch)
                    << name(c);
                if (check_unchanged) {
                    ASSERT_TRUE(a->snapshot() == before);
                    ASSERT_TRUE(*m == *mbefore);
                }
            }
        } else {
            ASSERT_TRUE(done) << name(done.error().code);
        }
        if (step % 1024 == 0)
            for (const live& l : lives) {
                ASSERT_TRUE(a->live(l.r.id));
                ASSERT_EQ(m->paddr(l.r.slot), l.r.paddr);
            }
    }
    EXPECT_GT(ok, std::uint64_t{steps / 4}) << "too few successful allocations to mean anything";
    this->RecordProperty("mispredicted", static_cast<int>(mispredicted));
}
