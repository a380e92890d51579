#pragma once

// `shadowctl run`: one timed workload and its results.

#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "common/environment.hpp"
#include "common/options.hpp"
#include "common/output.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/run.hpp"
#include "trace/traced_run.hpp"

namespace shadowctl {

struct RunOptions {
    shadowslab::Strategy strategy = shadowslab::Strategy::percpu;
    CpuChoice cpus;  // --threads or --cpus: one is required
    WorkloadOptions workload;
    bool trace = false;  // --trace: under the percpu lock tracer
};

// Adds the subcommand to `parent`; parsing it fills `options` and sets the
// invocation's action.
void add_run_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<RunOptions> options);

std::string format_run_text(const shadowslab::RunRequest& request, const shadowslab::RunResult& result);

// "live 64, remote frees, check_mm on, magazines, retain partial:5": how
// the run models the kernel (the shadow cache's part for ctor and cache,
// the multi-threaded share for lazy).
std::string describe_model(const shadowslab::RunRequest& request);
// The memcg a run charged, from RUN's memcg_ino.
std::string describe_memcg(std::uint64_t memcg_ino);

// Schema shadowslab-run/1, without the environment.
Json run_to_json(const shadowslab::RunRequest& request, const shadowslab::RunResult& result);

// The whole shadowslab-run/1 document as run (and report) writes it: the
// run, its environment and, if traced, trace (the timed phase) and
// trace_whole_run.
Json run_document(const shadowslab::RunRequest& request, const shadowslab::RunResult& result,
                  const Environment& environment, const RunTraceDocuments* trace);

}  // namespace shadowctl
