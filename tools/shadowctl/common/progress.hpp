#pragma once

// The one progress bar: a line on stderr, redrawn in place, shown only when
// stderr is a terminal (quiet when piped), and erased when done.

#include <cstddef>
#include <string>
#include <string_view>

namespace shadowctl {

// The width of the terminal on `fd`, or 80 if it is not one.
std::size_t terminal_width(int fd);

// "label  phase    [#######.............]  35%  detail", cut to `width`
// columns; `fraction` is clamped to [0, 1].
std::string render_progress(std::string_view label, std::string_view phase, double fraction,
                            std::string_view detail, std::size_t width);

class ProgressBar {
public:
    explicit ProgressBar(std::string label);
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;
    ~ProgressBar();

    bool active() const { return active_; }
    void draw(std::string_view phase, double fraction, std::string_view detail);

private:
    bool active_;
    bool drawn_ = false;
    std::string label_;
};

}  // namespace shadowctl
