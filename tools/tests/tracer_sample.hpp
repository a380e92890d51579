#pragma once

// A made-up kernel for the tracer's tests: its symbols, and a snapshot of a
// traced run on it.

#include <sstream>

#include "shadowslab/tracer/kallsyms.hpp"
#include "shadowslab/tracer/trace_data.hpp"

namespace testdata {

inline shadowslab::tracer::Kallsyms kallsyms()
{
    std::istringstream in(
        "ffffffff81000000 T _stext\n"
        "ffffffff81100000 t pcpu_alloc\n"
        "ffffffff81100800 T __alloc_percpu_gfp\n"
        "ffffffff81100880 T free_percpu\n"
        "ffffffff81100c00 T is_kernel_percpu_address\n"
        "ffffffff81100d00 T __percpu_counter_init_many\n"
        "ffffffff81100e00 T percpu_counter_add_batch\n"
        "ffffffff81200000 t __mutex_lock.constprop.0\n"
        "ffffffff81300000 T kthread\n"
        "ffffffff81400000 T __traceiter_contention_begin\n"
        "ffffffff82b511a0 d pcpu_alloc_mutex\n"
        "ffffffff83fe0964 b pcpu_lock\n"
        "ffffffffc0a00000 t shadow_obj_ctor\t[shadowslab]\n"
        "ffffffffc0a00200 t shadow_cycle\t[shadowslab]\n");
    return shadowslab::tracer::Kallsyms::parse(in, "test-kallsyms");
}

// pcpu_alloc+0x10 <- shadow_obj_ctor+0x6e <- shadow_cycle+0x25
inline std::vector<std::uint64_t> alloc_stack()
{
    return {0xffffffff81100010, 0xffffffffc0a0006e, 0xffffffffc0a00225};
}

// A run on two locks (pcpu_alloc_mutex, pcpu_lock), segment 1 its timed phase:
//  pcpu_alloc_mutex  timed: waits of 1000 and 3000 ns, 3 begins (one wait
//                    spun, then slept); other: 5000 and 20000 ns.
//                    Stack A (via shadow_obj_ctor+0xdf): 2 timed waits and
//                    1 other; stack B (+0x6e): the 20000 ns one.
//  allocs            timed: 60 at shadow_obj_ctor+0x6e (call_site, no stack);
//                    other: 40 there (by stack) and 10 from kthread through
//                    __percpu_counter_init_many.
//  frees             timed: 60 from shadow_cycle+0x25; other: 40 from there
//                    and 5 without a stack.
inline shadowslab::tracer::TraceSnapshot snapshot()
{
    using namespace shadowslab::tracer;
    TraceSnapshot snapshot =
        TraceSnapshot::empty({{"pcpu_alloc_mutex", 0xffffffff82b511a0}, {"pcpu_lock", 0xffffffff83fe0964}});
    LockCounters& timed = snapshot.counters[kSegmentTimed][0];
    timed.add_wait(1000);
    timed.add_wait(3000);
    timed.begin_events += 1;
    timed.blocked = 1;
    LockCounters& other = snapshot.counters[kSegmentOther][0];
    other.add_wait(5000);
    other.add_wait(20000);

    const std::vector<std::uint64_t> stack_a{0xffffffff81400010, 0xffffffff8120012f, 0xffffffff8110056d,
                                             0xffffffffc0a000df, 0xffffffffc0a00225, 0xffffffff81300010};
    const std::vector<std::uint64_t> stack_b{0xffffffff8120012f, 0xffffffff8110056d, 0xffffffffc0a0006e,
                                             0xffffffffc0a00225, 0xffffffff81300010};
    snapshot.lock_stacks = {
        {kSegmentTimed, 0, stack_a, 2, 4000, 2},
        {kSegmentOther, 0, stack_a, 1, 5000, 1},
        {kSegmentOther, 0, stack_b, 1, 20000, 1},
    };

    snapshot.percpu[kSegmentTimed].allocs = 60;
    snapshot.percpu[kSegmentTimed].alloc_bytes = 3840;
    snapshot.percpu[kSegmentTimed].frees = 60;
    snapshot.percpu[kSegmentTimed].free_bytes = 3840;
    snapshot.percpu[kSegmentOther].allocs = 50;
    snapshot.percpu[kSegmentOther].alloc_bytes = 2880;
    snapshot.percpu[kSegmentOther].frees = 45;
    snapshot.percpu[kSegmentOther].free_bytes = 2560;
    snapshot.percpu[kSegmentOther].frees_unmatched = 5;
    const std::vector<std::uint64_t> free_stack{0xffffffff81100890, 0xffffffffc0a00225};
    snapshot.sites = {
        {kSegmentTimed, PercpuEvent::alloc, {}, 0xffffffffc0a0006e, 60, 3840},
        {kSegmentOther, PercpuEvent::alloc, alloc_stack(), 0xffffffffc0a0006e, 40, 2560},
        {kSegmentOther, PercpuEvent::alloc, {0xffffffff81100010, 0xffffffff81100d40, 0xffffffff81300010},
         0xffffffff81100d40, 10, 320},
        {kSegmentTimed, PercpuEvent::free, free_stack, 0, 60, 3840},
        {kSegmentOther, PercpuEvent::free, free_stack, 0, 40, 2560},
        {kSegmentOther, PercpuEvent::free, {}, 0, 5, 0},
    };
    return snapshot;
}

}  // namespace testdata
