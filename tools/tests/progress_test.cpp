#include <gtest/gtest.h>

#include "common/progress.hpp"
#include "common/run_driver.hpp"

using shadowctl::render_progress;
using shadowctl::run_progress_detail;
using shadowctl::run_progress_fraction;

namespace {

std::string render_run(const shadowslab_run_progress& progress, const std::string& label, std::size_t width)
{
    return render_progress(label, shadowslab::phase_name(progress.phase), run_progress_fraction(progress),
                           run_progress_detail(progress), width);
}

}  // namespace

TEST(Progress, CycleBound)
{
    shadowslab_run_progress progress{};
    progress.phase = SHADOWSLAB_PHASE_TIMED;
    progress.nr_threads = 2;
    progress.cycles = 500;
    progress.target_cycles = 2000;
    EXPECT_EQ(render_run(progress, "ctor x2", 200), "ctor x2  timed    [#####...............]  25%  500/2000 cycles");
}

TEST(Progress, DurationBound)
{
    shadowslab_run_progress progress{};
    progress.phase = SHADOWSLAB_PHASE_TIMED;
    progress.cycles = 1234;
    progress.elapsed_ns = 1'500'000'000;
    progress.duration_ns = 3'000'000'000;
    EXPECT_EQ(render_run(progress, "slab x1", 200),
              "slab x1  timed    [##########..........]  50%  1234 cycles  1.5/3.0 s");
}

TEST(Progress, WarmupAndOvershootAreClamped)
{
    shadowslab_run_progress progress{};
    progress.phase = SHADOWSLAB_PHASE_WARMUP;
    EXPECT_EQ(render_run(progress, "x", 200), "x  warm-up  [....................]   0%  0 cycles");
    progress.phase = SHADOWSLAB_PHASE_TEARDOWN;
    progress.elapsed_ns = 5;
    progress.duration_ns = 4;
    EXPECT_NE(render_run(progress, "x", 200).find("[####################] 100%"), std::string::npos);
}

TEST(Progress, FitsTheTerminal)
{
    EXPECT_EQ(render_progress("a long label", "exec", 0.5, "10 execs", 10).size(), 10u);
}
