#include <gtest/gtest.h>

#include <sstream>

#include "shadowslab/tracer/kallsyms.hpp"
#include "shadowslab/tracer/trace_data.hpp"
#include "tracer_sample.hpp"

using namespace shadowslab::tracer;
using shadowslab::Histogram;

TEST(TraceHistogram, Log2Buckets)
{
    EXPECT_EQ(LockCounters::bucket_of(0), 0u);
    EXPECT_EQ(LockCounters::bucket_of(1), 0u);
    EXPECT_EQ(LockCounters::bucket_of(2), 1u);
    EXPECT_EQ(LockCounters::bucket_of(3), 1u);
    EXPECT_EQ(LockCounters::bucket_of(4), 2u);
    EXPECT_EQ(LockCounters::bucket_of(1023), 9u);
    EXPECT_EQ(LockCounters::bucket_of(1024), 10u);
    EXPECT_EQ(LockCounters::bucket_of(4096), 12u);
    EXPECT_EQ(LockCounters::bucket_of(8191), 12u);
    EXPECT_EQ(LockCounters::bucket_of(UINT64_MAX), 63u);
    // Every bucket's bounds agree with shadowslab::Histogram's.
    for (std::size_t i = 1; i < 63; ++i) {
        const auto low = static_cast<std::uint64_t>(Histogram::bucket_low(i));
        EXPECT_EQ(LockCounters::bucket_of(low), i);
        EXPECT_EQ(LockCounters::bucket_of(low - 1), i - 1);
    }
}

TEST(TraceHistogram, MeanMaxAndTotal)
{
    LockCounters counters;
    EXPECT_FALSE(counters.wait_ns_mean());
    counters.add_wait(1000);
    counters.add_wait(3000);
    counters.add_wait(5000);
    EXPECT_EQ(counters.contentions, 3u);
    EXPECT_EQ(counters.begin_events, 3u);
    EXPECT_EQ(counters.wait_ns_total, 9000u);
    EXPECT_EQ(counters.wait_ns_max, 5000u);
    ASSERT_TRUE(counters.wait_ns_mean());
    EXPECT_DOUBLE_EQ(*counters.wait_ns_mean(), 3000.0);
    EXPECT_EQ(counters.wait_hist.buckets()[9], 1u);   // 1000 in [512, 1024)
    EXPECT_EQ(counters.wait_hist.buckets()[11], 1u);  // 3000 in [2048, 4096)
    EXPECT_EQ(counters.wait_hist.buckets()[12], 1u);  // 5000 in [4096, 8192)
    EXPECT_EQ(counters.wait_hist.total(), 3u);
}

TEST(TraceHistogram, MergeSumsAndKeepsTheLargerMax)
{
    LockCounters a, b;
    a.add_wait(100);
    a.blocked = 1;
    b.add_wait(7000);
    b.add_wait(200);
    b.begin_events += 2;  // a mutex that spun, then slept
    b.aborted = 1;
    a.merge(b);
    EXPECT_EQ(a.contentions, 3u);
    EXPECT_EQ(a.begin_events, 5u);
    EXPECT_EQ(a.blocked, 1u);
    EXPECT_EQ(a.aborted, 1u);
    EXPECT_EQ(a.wait_ns_total, 7300u);
    EXPECT_EQ(a.wait_ns_max, 7000u);
    EXPECT_EQ(a.wait_hist.total(), 3u);
    EXPECT_DOUBLE_EQ(*a.wait_ns_mean(), 7300.0 / 3);
}

TEST(TraceFrames, Classification)
{
    EXPECT_TRUE(is_tracing_function("__traceiter_contention_begin"));
    EXPECT_TRUE(is_tracing_function("perf_trace_percpu_alloc_percpu"));
    EXPECT_TRUE(is_tracing_function("bpf_trace_run2"));
    EXPECT_FALSE(is_tracing_function("pcpu_alloc"));
    EXPECT_TRUE(is_percpu_allocator_function("pcpu_alloc"));
    EXPECT_TRUE(is_percpu_allocator_function("pcpu_alloc_noprof"));
    EXPECT_TRUE(is_percpu_allocator_function("__alloc_percpu_gfp"));
    EXPECT_TRUE(is_percpu_allocator_function("free_percpu"));
    EXPECT_TRUE(is_percpu_allocator_function("__percpu_counter_init_many"));
    EXPECT_TRUE(is_percpu_allocator_function("percpu_counter_destroy_many"));
    EXPECT_FALSE(is_percpu_allocator_function("mm_init"));
    EXPECT_FALSE(is_percpu_allocator_function("percpu_counter_add_batch"));
    EXPECT_TRUE(is_lock_function("__mutex_lock.constprop.0"));
    EXPECT_TRUE(is_lock_function("mutex_lock_killable"));
    EXPECT_TRUE(is_lock_function("native_queued_spin_lock_slowpath"));
    EXPECT_TRUE(is_lock_function("_raw_spin_lock_irqsave"));
    // PREEMPT_RT, as its waiting stacks show them.
    EXPECT_TRUE(is_lock_function("__rt_mutex_slowlock_locked.constprop.0"));
    EXPECT_TRUE(is_lock_function("rt_mutex_slowlock"));
    EXPECT_TRUE(is_lock_function("rt_spin_lock"));
    EXPECT_TRUE(is_lock_function("rtlock_slowlock_locked"));
    EXPECT_FALSE(is_lock_function("pcpu_alloc"));
}

TEST(TraceFrames, FirstFrameOutsideTheAllocator)
{
    const Kallsyms symbols = testdata::kallsyms();
    const auto site = first_frame_outside(testdata::alloc_stack(), symbols, is_percpu_allocator_function);
    ASSERT_TRUE(site);
    EXPECT_EQ(site->name, "shadow_obj_ctor+0x6e [shadowslab]");
    EXPECT_EQ(site->module, "shadowslab");
    // Through percpu_counter_init_many: the wrapper is skipped too.
    const auto counter = first_frame_outside({0xffffffff81100010, 0xffffffff81100d40, 0xffffffff81300010},
                                             symbols, is_percpu_allocator_function);
    ASSERT_TRUE(counter);
    EXPECT_EQ(counter->name, "kthread+0x10");
    EXPECT_EQ(counter->module, "vmlinux");
    EXPECT_FALSE(first_frame_outside({0xffffffff81100010}, symbols, is_percpu_allocator_function));
    EXPECT_FALSE(first_frame_outside({}, symbols, is_percpu_allocator_function));
}

TEST(TraceFrames, SkipsTheTracingMachineryAndItsTrampoline)
{
    const Kallsyms symbols = testdata::kallsyms();
    // An fentry program's BPF trampoline: made when the tracer attached,
    // after it read the symbols, so it has no name.
    constexpr std::uint64_t trampoline = 0xffffffffc0000690;
    ASSERT_FALSE(symbols.resolve(trampoline));
    // A free through a wrapper: the program's frames, the trampoline, the
    // return into free_percpu() past its fentry call, the wrapper, the caller.
    const auto site = first_frame_outside(
        {0xffffffff81400010, trampoline, 0xffffffff81100889, 0xffffffff81100d40, 0xffffffffc0a00225}, symbols,
        is_percpu_allocator_function);
    ASSERT_TRUE(site);
    EXPECT_EQ(site->name, "shadow_cycle+0x25 [shadowslab]");
    // An unnamed frame that is not below a tracing one is a call site still.
    const auto unnamed = first_frame_outside({trampoline, 0xffffffffc0a00225}, symbols, is_percpu_allocator_function);
    ASSERT_TRUE(unnamed);
    EXPECT_EQ(unnamed->name, "0xffffffffc0000690");
}

TEST(TraceReport, SumsSegmentsAndGroupsStacks)
{
    const Kallsyms symbols = testdata::kallsyms();
    const TraceSnapshot snapshot = testdata::snapshot();

    const TraceReport all = build_report(snapshot, kAllSegments, symbols, 0);
    ASSERT_EQ(all.locks.size(), 2u);
    const LockReport& mutex = all.locks[0];
    EXPECT_EQ(mutex.lock.name, "pcpu_alloc_mutex");
    EXPECT_EQ(mutex.counters.contentions, 4u);   // 2 timed + 2 other
    EXPECT_EQ(mutex.counters.begin_events, 5u);
    EXPECT_EQ(mutex.counters.wait_ns_total, 1000u + 3000 + 5000 + 20000);
    EXPECT_EQ(mutex.counters.wait_ns_max, 20000u);
    // Two distinct stacks; the same stack in both segments is one.
    EXPECT_EQ(mutex.distinct_stacks, 2u);
    ASSERT_EQ(mutex.stacks.size(), 2u);
    EXPECT_EQ(mutex.stacks[0].count, 3u);
    EXPECT_EQ(mutex.stacks[0].wait_ns, 9000u);
    EXPECT_EQ(mutex.stacks[0].caller, "pcpu_alloc+0x56d");
    ASSERT_EQ(mutex.stacks[0].frames.size(), 5u);  // the tracing frame is dropped
    EXPECT_EQ(mutex.stacks[0].frames[0], "__mutex_lock.constprop.0+0x12f");
    EXPECT_EQ(mutex.stacks[0].frames[2], "shadow_obj_ctor+0xdf [shadowslab]");

    const PercpuReport& percpu = all.percpu;
    EXPECT_EQ(percpu.totals.allocs, 110u);
    EXPECT_EQ(percpu.totals.frees, 105u);
    ASSERT_EQ(percpu.alloc_sites.size(), 2u);
    EXPECT_EQ(percpu.alloc_sites[0].call_site, "shadow_obj_ctor+0x6e [shadowslab]");
    EXPECT_EQ(percpu.alloc_sites[0].count, 100u);  // by stack and by call_site alike
    EXPECT_EQ(percpu.alloc_sites[0].bytes, 6400u);
    EXPECT_EQ(percpu.alloc_sites[1].call_site, "kthread+0x10");
    EXPECT_EQ(percpu.alloc_sites[1].module, "vmlinux");
    ASSERT_EQ(percpu.free_sites.size(), 2u);
    EXPECT_EQ(percpu.free_sites[0].call_site, "shadow_cycle+0x25 [shadowslab]");
    EXPECT_EQ(percpu.free_sites[1].call_site, "[stack not recorded]");
    ASSERT_EQ(percpu.by_module.count("shadowslab"), 1u);
    EXPECT_EQ(percpu.by_module.at("shadowslab").allocs, 100u);
    EXPECT_EQ(percpu.by_module.at("shadowslab").frees, 100u);
    EXPECT_EQ(percpu.by_module.at("vmlinux").allocs, 10u);
    EXPECT_EQ(percpu.by_module.at("[unknown]").frees, 5u);
}

// Sampled waiters' stacks: a stack's count and time are the weighted
// estimates the BPF side added up, summed over segments and runs as they
// are; the report keeps how many stacks were taken, and the period.
TEST(TraceReport, SampledStacksKeepTheirEstimatesAndPeriod)
{
    TraceSnapshot snapshot = testdata::snapshot();
    snapshot.wait_stacks = kDefaultWaitStackSampling;
    // 2 waits before sampling began plus one sampled of 8: 10 waits.
    snapshot.lock_stacks[0].count = 10;
    snapshot.lock_stacks[0].wait_ns = 40000;
    snapshot.lock_stacks[0].sampled = 3;

    TraceSnapshot next_run = TraceSnapshot::empty(snapshot.locks);
    next_run.wait_stacks = {8, 100};
    next_run.lock_stacks = {{kSegmentTimed, 0, snapshot.lock_stacks[0].ips, 8, 16000, 1}};
    snapshot.merge(next_run);
    EXPECT_EQ(snapshot.wait_stacks, (WaitStackSampling{8, 100}));

    const TraceReport report = build_report(snapshot, kAllSegments, testdata::kallsyms(), 0);
    EXPECT_EQ(report.wait_stacks, (WaitStackSampling{8, 100}));
    const StackReport& top = report.locks[0].stacks[0];
    EXPECT_EQ(top.count, 10u + 1 + 8);  // stack_a: timed, other, next run's timed
    EXPECT_EQ(top.sampled, 3u + 1 + 1);
    EXPECT_EQ(top.wait_ns, 40000u + 5000 + 16000);

    // Merging runs sampled differently keeps the coarser sampling: the
    // larger period, the fewer waits always taken.
    TraceSnapshot every_stack = TraceSnapshot::empty(snapshot.locks);
    EXPECT_EQ(every_stack.wait_stacks, (WaitStackSampling{1, 0}));
    EXPECT_EQ(every_stack.merge(snapshot).wait_stacks, (WaitStackSampling{8, 0}));
}

TEST(TraceReport, TimedSegmentOnlyAndTop)
{
    const Kallsyms symbols = testdata::kallsyms();
    const TraceReport timed = build_report(testdata::snapshot(), kTimedSegmentOnly, symbols, 1);
    EXPECT_EQ(timed.locks[0].counters.contentions, 2u);
    EXPECT_EQ(timed.locks[0].counters.begin_events, 3u);
    EXPECT_EQ(timed.locks[0].counters.wait_ns_max, 3000u);
    ASSERT_EQ(timed.locks[0].stacks.size(), 1u);
    EXPECT_EQ(timed.locks[0].stacks[0].count, 2u);
    EXPECT_EQ(timed.locks[0].distinct_stacks, 1u);
    EXPECT_EQ(timed.percpu.totals.allocs, 60u);
    EXPECT_EQ(timed.percpu.distinct_alloc_sites, 1u);
    EXPECT_EQ(timed.percpu.alloc_sites.size(), 1u);
    EXPECT_EQ(timed.percpu.by_module.at("shadowslab").allocs, 60u);
    EXPECT_EQ(timed.percpu.by_module.count("vmlinux"), 0u);
}

TEST(TraceReport, CallSitesWithoutStacks)
{
    using namespace shadowslab::tracer;
    TraceSnapshot snapshot = TraceSnapshot::empty({});
    snapshot.sites = {
        // A free whose caller came from free_percpu's entry: no stack needed.
        {kSegmentTimed, PercpuEvent::free, {}, 0xffffffffc0a00225, 7, 448},
        // An alloc whose call_site is a wrapper but whose stack was lost.
        {kSegmentTimed, PercpuEvent::alloc, {}, 0xffffffff81100d40, 2, 32},
    };
    const TraceReport report = build_report(snapshot, kAllSegments, testdata::kallsyms(), 0);
    ASSERT_EQ(report.percpu.free_sites.size(), 1u);
    EXPECT_EQ(report.percpu.free_sites[0].call_site, "shadow_cycle+0x25 [shadowslab]");
    EXPECT_EQ(report.percpu.free_sites[0].frames, std::vector<std::string>{"shadow_cycle+0x25 [shadowslab]"});
    EXPECT_EQ(report.percpu.by_module.at("shadowslab").frees, 7u);
    ASSERT_EQ(report.percpu.alloc_sites.size(), 1u);
    EXPECT_EQ(report.percpu.alloc_sites[0].call_site, "__percpu_counter_init_many+0x40 (stack lost)");
    EXPECT_EQ(report.percpu.alloc_sites[0].module, "vmlinux");
}

TEST(TraceReport, AllocationsBySizePerModule)
{
    using namespace shadowslab::tracer;
    TraceSnapshot snapshot = TraceSnapshot::empty({});
    // One call site asking for two sizes (a profile's regions), and the
    // kernel's: bytes (bytes_alloc) differ from size x CPUs under memcg.
    snapshot.sites = {
        {kSegmentTimed, PercpuEvent::alloc, {}, 0xffffffffc0a0006e, 5, 320, 16, 8},
        {kSegmentTimed, PercpuEvent::alloc, {}, 0xffffffffc0a0006e, 5, 320, 16, 4},
        {kSegmentTimed, PercpuEvent::alloc, {}, 0xffffffffc0a0007e, 2, 128, 16, 4},
        {kSegmentTimed, PercpuEvent::alloc, std::vector<std::uint64_t>{0xffffffff81100d40, 0xffffffff81300010}, 0xffffffff81100d40, 3, 768, 64, 64},
        {kSegmentTimed, PercpuEvent::free, {}, 0xffffffffc0a00225, 7, 448},
    };
    const TraceReport report = build_report(snapshot, kAllSegments, testdata::kallsyms(), 0);
    const auto& module = report.percpu.by_module.at("shadowslab").alloc_sizes;
    ASSERT_EQ(module.size(), 2u);
    EXPECT_EQ(module.at(AllocSize{16, 4}), 7u);
    EXPECT_EQ(module.at(AllocSize{16, 8}), 5u);
    const auto& kernel = report.percpu.by_module.at("vmlinux").alloc_sizes;
    ASSERT_EQ(kernel.size(), 1u);
    EXPECT_EQ(kernel.at(AllocSize{64, 64}), 3u);
}

TEST(TraceSnapshot, MergeAddsRuns)
{
    TraceSnapshot sum = testdata::snapshot();
    sum.merge(testdata::snapshot());
    EXPECT_EQ(sum.lock_counters(0, kAllSegments).contentions, 8u);
    EXPECT_EQ(sum.lock_counters(0, kAllSegments).wait_ns_max, 20000u);
    EXPECT_EQ(sum.percpu_totals(kTimedSegmentOnly).allocs, 120u);
    TraceSnapshot other = TraceSnapshot::empty({{"x", 1}});
    EXPECT_THROW(sum.merge(other), std::logic_error);
}
