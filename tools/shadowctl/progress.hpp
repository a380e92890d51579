#pragma once

// The one-line progress bar shown on stderr while RUN blocks.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "shadowslab/device.hpp"

namespace shadowctl {

// "label  timed    [#######.............]  35%  1234567 cycles  3.5/10.0 s",
// at most `width` columns.
std::string render_progress(const shadowslab_run_progress& progress, const std::string& label, std::size_t width);

// While alive, and only if stderr is a terminal (quiet when piped), polls
// RUN_PROGRESS every 200 ms from a second thread and redraws the line; the
// line is erased on destruction.  The thread is started with SIGINT blocked,
// so Ctrl-C is delivered to the thread blocked in RUN.
class ProgressLine {
public:
    ProgressLine(const shadowslab::Device& device, std::string label);
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;
    ~ProgressLine();

private:
    void poll();

    const shadowslab::Device& device_;
    std::string label_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace shadowctl
